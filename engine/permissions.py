"""Who may open a task or a matter at all (what they then read of its data is visibility.py).

The pages and the API ask here, so a rule of access is written once, beside the engine's own checks.
It only asks the lower services (tasks, signers, deadlines, office, worklists) and none asks it back."""
from sqlalchemy import select

from . import directory, states
from .models import HumanTask, Instance, TaskCandidate


class Permissions:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def may_view_task(self, task: HumanTask, user: str) -> bool:
        """Holders, candidates, the completer, the delegator and signers of the task, the section head of its
        department, the approver a 延期申请 was sent to; and whoever may see the whole matter (starter,
        section head, supervisors, copy recipients, administrators)."""
        ctx = self.ctx
        if user in (task.assignee, task.completed_by, task.delegated_by) or user in ctx.tasks.candidates(task.id):
            return True
        if any(s.person_id == user for s in ctx.signers.of_task(task.id)):
            return True
        if task.state == states.TASK_OPEN and ctx.deadlines.pending_extension(task) and ctx.deadlines.may_extend(task, user):
            return True  # the approver a 延期申请 was sent to opens the task to decide it
        if ctx.office.heads_department_of(task, user):
            return True
        return self.may_view_matter(ctx.runtime.instance(task.instance_id), user, through_tasks=False)

    def may_view_matter(self, matter: Instance, user: str, through_tasks: bool = True) -> bool:
        """The starter, the starter's section head and administrators, copy recipients, supervisors; and,
        `through_tasks`, anyone who holds, held or may claim one of its steps."""
        office = self.ctx.office
        if user == matter.started_by or office.may_manage(matter, user) or office.copied_to(matter.id, user):
            return True
        if any(r.role == "supervisor" for r in directory.roles_of(self.db, user)):
            return True
        if through_tasks:
            held = self.db.execute(select(HumanTask.id).outerjoin(TaskCandidate, TaskCandidate.task_id == HumanTask.id).where(
                HumanTask.instance_id == matter.id,
                (HumanTask.assignee == user) | (HumanTask.completed_by == user) | (TaskCandidate.person_id == user)
            ).limit(1)).first()
            return held is not None
        return False
