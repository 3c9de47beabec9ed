"""The task service: inbox queries, claim, hand over, complete.

A task row carries a revision; every action names the revision the user saw, so a stale or repeated
action is refused (optimistic concurrency) while the instance row lock serialises the ones that race.
"""
from dataclasses import dataclass
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, select
from sqlalchemy.orm.util import identity_key

from . import copies, countersign, directory, forms, specs, states
from .clock import local
from .errors import DirectoryError, InvalidState, NotCandidate, NotFound, StaleTask
from .known_rows import has_timers
from .runtime import find_task
from .models import HumanTask, Instance, TaskCandidate, TaskSigner, WITHOUT_STATE



@dataclass
class Completion:
    task: HumanTask
    next_tasks: list[HumanTask]
    instance_status: str


class Tasks:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    # --- reading ---
    def get(self, task_id: int) -> HumanTask:
        row = self.db.get(HumanTask, task_id)
        if row is None:
            raise NotFound(f"任务 {task_id} 不存在")
        return row

    def candidates(self, task_id: int) -> list[str]:
        return self.candidates_of([task_id])[task_id]

    def candidates_of(self, task_ids: list[int]) -> dict[int, list[str]]:
        """Task id -> its candidates, for several tasks in one query."""
        found: dict[int, list[str]] = {i: [] for i in task_ids}
        for task_id, person_id in self.db.execute(select(TaskCandidate.task_id, TaskCandidate.person_id).where(
                TaskCandidate.task_id.in_(task_ids)).order_by(TaskCandidate.task_id, TaskCandidate.person_id)):
            found[task_id].append(person_id)
        return found

    def holders(self, task: HumanTask) -> list[str]:
        """Who has the task on their desk: its assignee, or else all its candidates."""
        return [task.assignee] if task.assignee else self.candidates(task.id)

    def may_act(self, task: HumanTask, user: str) -> bool:
        if task.assignee:
            return task.assignee == user
        return user in self.candidates(task.id)

    def of_instance(self, instance_id: int, open_only: bool = False) -> list[HumanTask]:
        query = select(HumanTask).where(HumanTask.instance_id == instance_id)
        if open_only:
            query = query.where(HumanTask.state == states.TASK_OPEN)
        return list(self.db.execute(query.order_by(HumanTask.id)).scalars())

    def inbox(self, user: str, scope: str = "mine") -> list[tuple[HumanTask, Instance]]:
        """'mine': open tasks assigned to me; 'group': unassigned open tasks I am a candidate for."""
        query = select(HumanTask, Instance).join(Instance, Instance.id == HumanTask.instance_id).where(
            HumanTask.state == states.TASK_OPEN)
        if scope == "mine":
            query = query.where(HumanTask.assignee == user)
        else:
            query = query.join(TaskCandidate, TaskCandidate.task_id == HumanTask.id).where(
                TaskCandidate.person_id == user, HumanTask.assignee.is_(None))
        return list(self.db.execute(query.options(WITHOUT_STATE)
                                    .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)).all())

    def delegated_out(self, user: str) -> list[tuple[HumanTask, Instance]]:
        """Tasks I delegated (委派) that my colleague has not given back yet."""
        return list(self.db.execute(select(HumanTask, Instance).join(Instance, Instance.id == HumanTask.instance_id)
                                    .where(HumanTask.state == states.TASK_OPEN, HumanTask.delegated_by == user).options(WITHOUT_STATE)
                                    .order_by(HumanTask.id)).all())

    # --- acting ---
    def lock_open(self, task_id: int, revision: int | None,
              open_tasks: dict | None = None) -> tuple[HumanTask, Instance]:
        """The open task and its matter, locked and read afresh: how every service (office, signers,
        deadlines) takes a task for an action. Refuses a closed or changed task (StaleTask) and a
        suspended matter. `open_tasks`: filled with the matter's open task rows, read under the lock;
        the task is read with them instead of on its own."""
        task = self.get(task_id)
        instance = self.ctx.runtime.instance(task.instance_id, lock=True)
        if open_tasks is None:
            self.db.refresh(task)  # re-read under the lock
        else:
            open_tasks.update(self.ctx.runtime.open_rows([instance.id], timers=False, fresh=True)[instance.id][1])
            if task.guid not in open_tasks:
                self.db.refresh(task)  # closed meanwhile: read it to say so
        if task.state != states.TASK_OPEN:
            raise StaleTask("该任务已经办理或已取消，请刷新后查看", task=task_id)
        if revision is not None and task.revision != revision:
            raise StaleTask("该任务已被他人处理或已变更，请刷新后重试", task=task_id)
        if instance.status == states.SUSPENDED:
            raise InvalidState("该事项已挂起，暂不能办理")
        return task, instance

    def claim(self, task_id: int, user: str, revision: int | None = None) -> HumanTask:
        task, instance = self.lock_open(task_id, revision)
        if task.assignee:
            raise StaleTask("该任务已被认领" if task.assignee != user else "您已认领该任务")
        if user not in self.candidates(task.id):
            raise NotCandidate("您不是该任务的候选办理人")
        task.assignee = user
        task.revision += 1
        self.ctx.history.record("task_claimed", instance.id, user, task_id=task.id, spec_id=task.spec_id, name=task.name)
        return task

    def unclaim(self, task_id: int, user: str, revision: int | None = None) -> HumanTask:
        task, instance = self.lock_open(task_id, revision)
        if task.assignee != user:
            raise NotCandidate("只有当前办理人可以放回任务")
        if self.candidates(task.id) == [user]:
            raise InvalidState("您是该任务唯一的候选办理人，不能放回")
        task.assignee = None
        task.revision += 1
        self.ctx.history.record("task_unclaimed", instance.id, user, task_id=task.id, spec_id=task.spec_id, name=task.name)
        return task

    def hand_over_targets(self, task: HumanTask, user: str) -> list[str]:
        """The colleagues `hand_over` accepts: the same role in the same department."""
        if task.role == directory.STARTER:
            return []
        try:
            return [p for p in directory.holders(self.db, task.department, task.role) if p != user]
        except DirectoryError:
            return []

    def hand_over(self, task_id: int, user: str, to_user: str, reason: str, revision: int | None = None) -> HumanTask:
        """Give my task to a colleague holding the same role in the same department, with a reason."""
        task, instance = self.lock_open(task_id, revision)
        if task.assignee != user:
            raise NotCandidate("只有当前办理人可以转交任务")
        if not reason or not reason.strip():
            raise InvalidState("请填写转交原因")
        if to_user == user:
            raise InvalidState("不能转交给自己")
        if task.role == directory.STARTER or not directory.holds(self.db, to_user, task.department, task.role):
            raise NotCandidate("只能转交给同一部门、同一角色的同事")
        task.assignee = to_user
        task.revision += 1
        if to_user not in self.candidates(task.id):
            self.db.add(TaskCandidate(task_id=task.id, person_id=to_user))
        self.ctx.history.record("task_handed_over", instance.id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"to": to_user, "reason": reason.strip()})
        return task

    def complete(self, task_id: int, user: str, data: dict, revision: int | None) -> Completion:
        open_tasks: dict = {}
        task, instance = self.lock_open(task_id, revision, open_tasks)
        if not self.may_act(task, user):
            raise NotCandidate("您不是该任务的办理人，不能办理")
        if task.delegated_by:
            raise InvalidState("这是委派给您的任务：请填写后“交回委派人”，由委派人提交")
        if task.paused_at is not None:
            raise InvalidState("该任务处于补正状态（计时已暂停），请先登记材料补齐")
        if task.held_by_signers:
            raise InvalidState("已提交，正在等待后加签人签署意见")
        values = forms.validate(self.form_schema(task), data)
        if self._held_for_signers(task, values):
            return Completion(task=task, next_tasks=[], instance_status=instance.status)
        return self.finish(task, user, values, open_tasks)

    def _held_for_signers(self, task: HumanTask, values: dict) -> bool:
        """加签 at submission: refused while before-signers are pending; held while after-signers are
        (True: held; signers.py finishes it when the last one signs). Read here, not asked of Signers,
        which itself calls down into this service."""
        if task.revision == 0:
            return False  # signers are added by an action that moves the revision: none on an untouched row
        pending = set(self.db.execute(select(TaskSigner.position).where(  # one query for both
            TaskSigner.task_id == task.id, TaskSigner.removed_at.is_(None), TaskSigner.signed_at.is_(None))).scalars())
        if "before" in pending:
            raise InvalidState("前加签人尚未全部签署意见，暂不能提交")
        if "after" in pending:
            task.draft, task.held_by_signers = values, True
            task.revision += 1
            self.ctx.history.record("held_for_signers", task.instance_id, task.assignee, task_id=task.id,
                                    spec_id=task.spec_id, name=task.name, data={"form": values})
            return True
        return False

    def finish(self, task: HumanTask, user: str, values: dict, open_tasks: dict | None = None) -> Completion:
        """Run the engine past a task whose submission has been checked (under the row lock).
        `open_tasks`: the matter's open task rows if the caller read them under the lock."""
        instance = self.ctx.runtime.instance(task.instance_id, lock=True)  # held already: no query
        workflow = self.ctx.runtime.load(instance, reuse=True)
        engine_task = find_task(workflow, task.guid)
        if engine_task is None or engine_task.state != TaskState.READY:
            raise StaleTask("该任务在流程中已不可办理，请刷新")
        # the open rows are read before this task's row changes
        timer_rows, task_rows = self.ctx.runtime.open_rows(
            [instance.id], has_timers(workflow), tasks=open_tasks is None)[instance.id]
        open_rows = (timer_rows, task_rows if open_tasks is None else open_tasks)
        engine_task.data.update(values)
        counted = countersign.tally(engine_task, values)  # 会签 / 或签 / 票签
        if counted:
            countersign.record(self.ctx, engine_task, task, counted)
        engine_task.run()
        task.state, task.assignee = states.TASK_COMPLETED, task.assignee or user
        task.completed_by, task.completed_at, task.draft = user, self.ctx.clock.now(), None
        task.working_days_taken = self._working_days_taken(task)
        task.revision += 1
        self.ctx.history.record("task_completed", instance.id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"form": values, "department": task.department})
        copy_to = specs.user_task_of(self.ctx.repository.process_specs(instance.bundle), engine_task).copy_to
        if copy_to:  # 抄送 set in the diagram: people or role@department, read when the step completes
            copies.record(self.ctx, instance.id, user, self._copy_targets(workflow, engine_task, copy_to), task.id)
        created = self.ctx.runtime.advance(instance, workflow, user, open_rows)
        next_tasks = [t for t in created if t.state == states.TASK_OPEN]
        return Completion(task=task, next_tasks=next_tasks, instance_status=instance.status)

    def _working_days_taken(self, task: HumanTask) -> int:
        if task.completed_at is None or local(task.created_at).date() == local(task.completed_at).date():
            return 0  # done the day it arrived: no calendar needed (nor the query that checks it is current)
        return self.ctx.calendar.working_days_between(task.created_at, task.completed_at)

    def _copy_targets(self, workflow, engine_task, expression: str) -> list[str]:
        people = []
        spec = engine_task.task_spec
        where = f"元素“{spec.bpmn_name or spec.bpmn_id}”（{spec.bpmn_id}）的 copy_to"
        for item in workflow.script_engine.evaluate(engine_task, expression, where=where) or []:
            if "@" in str(item):
                role, department = str(item).split("@", 1)
                people += directory.holders(self.db, department, role)
            else:
                people.append(str(item))
        return people

    def form_schema(self, task: HumanTask) -> dict:
        if not task.form_key:
            return {"type": "object", "properties": {}}
        # during a step the matter is loaded already: its bundle knows the form's content hash
        matter = self.db.identity_map.get(identity_key(Instance, task.instance_id))
        return self.ctx.repository.form_schema(int(task.form_key), matter.bundle.get("hashes") if matter else None)

    def search_filter(self, text: str):
        like = f"%{text.strip()}%"
        return or_(Instance.enterprise_name.like(like), Instance.credit_code.like(like.upper()),
                   Instance.subject.like(like))
