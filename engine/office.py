"""What civil servants expect from an OA system (shared/office-conventions.md), on the engine:
退回 send back, 撤回 take back, 撤销 cancel, 委派 delegate, 转办 transfer, 催办 remind, 抄送 copy,
and who may suspend, resume or terminate a matter. Every action is in the event log with who and why.
"""
from sqlalchemy import delete, select

from . import copies, directory, states, task_tree
from .errors import DirectoryError, InvalidState, NotCandidate, NotFound
from .models import Event, HumanTask, Instance, MatterCopy, Person, RoleAssignment, TaskCandidate, WITHOUT_STATE
from .runtime import find_task



def _reason(reason: str, what: str) -> str:
    if not reason or not reason.strip():
        raise InvalidState(f"{what}须填写原因")
    return reason.strip()


class Office:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    # --- who may do what to a whole matter ---
    def may_manage(self, instance: Instance, user: str) -> bool:
        """Administrators and the starter's section head."""
        return directory.is_admin(self.db, user) or user in directory.section_head(self.db, instance.department)

    def may_remind(self, instance: Instance, user: str) -> bool:
        if user == instance.started_by or self.may_manage(instance, user):
            return True
        return any(r.role == "supervisor" for r in directory.roles_of(self.db, user))

    def suspend(self, instance_id: int, user: str, reason: str) -> Instance:
        self._require_manager(instance_id, user)
        return self.ctx.management.suspend(instance_id, user, _reason(reason, "挂起"))

    def resume(self, instance_id: int, user: str) -> Instance:
        self._require_manager(instance_id, user)
        return self.ctx.management.resume(instance_id, user)

    def terminate(self, instance_id: int, user: str, reason: str) -> Instance:
        self._require_manager(instance_id, user)
        return self.ctx.management.terminate(instance_id, user, reason)

    def _require_manager(self, instance_id: int, user: str) -> None:
        if not self.may_manage(self.ctx.runtime.instance(instance_id), user):
            raise NotCandidate("只有发起人所在科室负责人或管理员可以挂起、激活或终止事项")

    def cancel(self, instance_id: int, user: str, reason: str) -> Instance:
        """撤销: the starter withdraws the whole matter, with a reason."""
        instance = self.ctx.runtime.instance(instance_id)
        if instance.started_by != user:
            raise NotCandidate("只有发起人可以撤销事项")
        return self.ctx.management.terminate(instance_id, user, _reason(reason, "撤销"), as_status=states.CANCELLED)

    # --- 退回: back to a step already done on this path ---
    def send_back_targets(self, task: HumanTask) -> list[HumanTask]:
        """Completed steps on the path that led to this task (newest first): never forward, never
        into a parallel sibling branch, never out of the sub-process the task is in."""
        workflow = self.ctx.runtime.load(self.ctx.runtime.instance(task.instance_id))
        return self._targets(task, workflow)

    def _targets(self, task: HumanTask, workflow) -> list[HumanTask]:
        engine_task = find_task(workflow, task.guid)
        if engine_task is None:
            return []
        ancestors, node = [], engine_task.parent
        while node is not None:
            ancestors.append(str(node.id))
            node = node.parent
        rows = {r.guid: r for r in self.db.execute(select(HumanTask).where(
            HumanTask.instance_id == task.instance_id, HumanTask.state == states.TASK_COMPLETED,
            HumanTask.guid.in_(ancestors))).scalars()}
        return [rows[g] for g in ancestors if g in rows]

    def send_back(self, task_id: int, user: str, target_id: int, reason: str, revision: int | None) -> HumanTask:
        reason = _reason(reason, "退回")
        task, instance = self.ctx.tasks.lock_open(task_id, revision)
        if not self.ctx.tasks.may_act(task, user):
            raise NotCandidate("您不是该任务的办理人，不能退回")
        workflow = self.ctx.runtime.load(instance, reuse=True)
        target = next((t for t in self._targets(task, workflow) if t.id == target_id), None)
        if target is None:
            raise InvalidState("只能退回到本路径上已办理的步骤（不能退回到后续步骤或并行分支）")
        task.state, task.completed_at, task.completed_by = states.TASK_SENT_BACK, self.ctx.clock.now(), user
        task.revision += 1
        self._reopen(instance, workflow, target, "sent_back", user, {
            "from_task": task.id, "from": task.name, "to": target.name, "reason": reason})
        return target

    # --- 撤回: take back what I just completed while the next holder has not acted ---
    def take_back(self, task_id: int, user: str) -> HumanTask:
        task = self.ctx.tasks.get(task_id)
        instance = self.ctx.runtime.instance(task.instance_id, lock=True)
        self.db.refresh(task)
        if task.state != states.TASK_COMPLETED or task.completed_by != user:
            raise NotCandidate("只能撤回自己刚办理完成的步骤")
        if instance.status in states.ENDED or instance.status == states.SUSPENDED:
            raise InvalidState("事项已结束或已挂起，不能撤回")
        workflow = self.ctx.runtime.load(instance, reuse=True)
        engine_task = find_task(workflow, task.guid)
        if engine_task is None:
            raise InvalidState("该步骤已不在流程中，不能撤回")
        after = {str(t.id) for t in workflow.get_tasks(first_task=engine_task) if t is not engine_task}
        followers = list(self.db.execute(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.guid.in_(after))).scalars())
        if any(f.state != states.TASK_OPEN or f.revision > 0 or f.draft for f in followers):
            raise InvalidState("下一步的办理人已经处理（认领、保存或办理），不能撤回")
        self._reopen(instance, workflow, task, "taken_back", user, {"task": task.name})
        return task

    def _reopen(self, instance: Instance, workflow, row: HumanTask, event: str, user: str, data: dict) -> None:
        """Reset the engine to a completed step and make it ready again; the data entered after it
        stays in the event log but is not carried forward."""
        engine_task = task_tree.reset_to(workflow, row.guid)
        prefer = row.completed_by
        # the step opens with what was submitted last time: the holder corrects it, not retypes it
        row.state, row.completed_at, row.completed_by, row.draft = states.TASK_OPEN, None, None, self.last_submitted(row)
        row.delegated_by, row.held_by_signers = None, False
        row.revision += 1
        self.ctx.history.record(event, instance.id, user, task_id=row.id, spec_id=row.spec_id, name=row.name, data=data)
        self.ctx.runtime.assign(instance, workflow, engine_task, row, "task_reopened", prefer=prefer)
        self.ctx.runtime.advance(instance, workflow, user)

    def last_submitted(self, row: HumanTask) -> dict | None:
        last = self.db.execute(select(Event).where(
            Event.instance_id == row.instance_id, Event.task_id == row.id, Event.kind == "task_completed")
            .order_by(Event.id.desc()).limit(1)).scalar_one_or_none()
        return dict(last.data.get("form") or {}) or None if last else None

    def reopenings(self, tasks: list[HumanTask]) -> dict[int, Event]:
        """Why each of these open steps is open again: its 退回 or 撤回 entry, when that is the newest
        thing that happened to it (a step reopened and then completed again is not "returned" any more)."""
        if not tasks:
            return {}
        latest: dict[int, Event] = {}
        for event in self.db.execute(select(Event).where(  # by matter first: that column is indexed
                Event.instance_id.in_({t.instance_id for t in tasks}), Event.task_id.in_([t.id for t in tasks]), Event.kind.in_(("sent_back", "taken_back", "task_completed")))
                .order_by(Event.id)).scalars():
            latest[event.task_id] = event
        return {tid: e for tid, e in latest.items() if e.kind != "task_completed"}

    # --- 保存, 委派 and 转办 ---
    def save_draft(self, task_id: int, user: str, data: dict, revision: int | None) -> HumanTask:
        task, _ = self.ctx.tasks.lock_open(task_id, revision)
        if task.assignee != user:
            raise NotCandidate("请先认领该任务再保存")
        task.draft = dict(data)
        task.revision += 1
        return task

    def delegate(self, task_id: int, user: str, to_user: str, note: str, revision: int | None) -> HumanTask:
        """委派: a colleague of my department fills the form and gives it back; I decide."""
        task, instance = self.ctx.tasks.lock_open(task_id, revision)
        if task.assignee != user or task.delegated_by:
            raise NotCandidate("只有当前办理人可以委派")
        if to_user == user:
            raise InvalidState("不能委派给自己")
        mine = {r.department for r in directory.roles_of(self.db, user)}
        theirs = {r.department for r in directory.roles_of(self.db, to_user)}
        if not mine & theirs:
            raise NotCandidate("只能委派给本部门的同事")
        task.delegated_by, task.assignee = user, to_user
        task.revision += 1
        if to_user not in self.ctx.tasks.candidates(task.id):
            self.db.add(TaskCandidate(task_id=task.id, person_id=to_user))
        self.ctx.history.record("delegated", instance.id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"to": to_user, "note": (note or "").strip()})
        return task

    def return_delegation(self, task_id: int, user: str, data: dict, revision: int | None) -> HumanTask:
        task, instance = self.ctx.tasks.lock_open(task_id, revision)
        if not task.delegated_by or task.assignee != user:
            raise NotCandidate("只有被委派人可以交回")
        from . import forms
        values = forms.validate(self.ctx.tasks.form_schema(task), data)
        delegator = task.delegated_by
        task.draft, task.assignee, task.delegated_by = values, delegator, None
        task.revision += 1
        self.ctx.history.record("delegation_returned", instance.id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"to": delegator, "form": values})
        return task

    def heads_department_of(self, task: HumanTask, user: str) -> bool:
        """The section head of the department the task is with answers for its work there."""
        return user in directory.section_head(self.db, task.department)

    def may_transfer(self, task: HumanTask, user: str) -> bool:
        """转办 is decided by a section head: of the task's department or of the matter's starter."""
        return task.state == states.TASK_OPEN and (self.heads_department_of(task, user) or
                                       self.may_manage(self.ctx.runtime.instance(task.instance_id), user))

    def transfer_roles(self, task: HumanTask) -> list[tuple[str, str]]:
        """(role@department, role) of the posts held in the task's bureau: where 转办 may send it."""
        bureau = directory.bureau(self.db, task.department)
        posts = self.db.execute(select(RoleAssignment.department, RoleAssignment.role).where(
            RoleAssignment.until.is_(None)).distinct().order_by(RoleAssignment.department, RoleAssignment.role)).all()
        return [(f"{role}@{dept}", dept) for dept, role in posts
                if directory.bureau(self.db, dept) == bureau and (dept, role) != (task.department, task.role)]

    def transfer(self, task_id: int, user: str, to: str, reason: str) -> HumanTask:
        """转办: a section head gives the task to another person, or to another post ("role@department",
        whose holders then claim it); the new holders decide. Both sides are told."""
        reason = _reason(reason, "转办")
        task, instance = self.ctx.tasks.lock_open(task_id, None)
        if not self.may_transfer(task, user):
            raise NotCandidate("转办须由承办科室或发起人所在科室的负责人办理")
        before = self.ctx.tasks.holders(task)
        to = (to or "").strip()
        if "@" in to:
            role, department = to.split("@", 1)
            try:
                people = directory.holders(self.db, department, role) if role in directory.ROLES else []
            except DirectoryError:
                people = []
            if not people:
                raise InvalidState("该岗位目前没有在岗人员，不能转办")
            task.department, task.role = department, role
            task.assignee = people[0] if len(people) == 1 else None
        else:
            if not to:
                raise InvalidState("请选择转办给的人员或岗位")
            person = self.db.get(Person, to)
            if person is None or not person.active:
                raise NotFound(f"目录中没有在岗人员“{to}”")
            people, task.assignee = [to], to
        if people == before and task.assignee in (None, *before):
            raise InvalidState("转办对象与当前办理人相同")
        self.db.execute(delete(TaskCandidate).where(TaskCandidate.task_id == task.id))
        for person_id in people:
            self.db.add(TaskCandidate(task_id=task.id, person_id=person_id))
        task.delegated_by, task.draft = None, None
        task.revision += 1
        self.ctx.history.record("transferred", instance.id, user, task_id=task.id, spec_id=task.spec_id, name=task.name,
                                data={"from": before, "to": people, "department": task.department, "role": task.role,
                                      "reason": reason, "notify": sorted(set(before) | set(people))})
        return task

    # --- 催办 and 抄送 ---
    def remind(self, task_id: int, user: str, message: str) -> None:
        task = self.ctx.tasks.get(task_id)
        instance = self.ctx.runtime.instance(task.instance_id)
        if task.state != states.TASK_OPEN:
            raise InvalidState("只能催办尚未办理的任务")
        if not self.may_remind(instance, user):
            raise NotCandidate("只有发起人、科室负责人或督查人员可以催办")
        holders = self.ctx.tasks.holders(task)
        self.ctx.history.record("reminded", instance.id, user, task_id=task.id, spec_id=task.spec_id, name=task.name,
                                data={"to": holders, "message": (message or "请尽快办理").strip()})

    def copy(self, instance_id: int, user: str, people: list[str], task_id: int | None = None) -> list[str]:
        """抄送: give people a read-only view of the matter."""
        return copies.record(self.ctx, instance_id, user, people, task_id)

    def copies_for(self, user: str) -> list[tuple[MatterCopy, Instance]]:
        return list(self.db.execute(select(MatterCopy, Instance).join(Instance, Instance.id == MatterCopy.instance_id)
                                    .where(MatterCopy.person_id == user).options(WITHOUT_STATE)
                                    .order_by(MatterCopy.id.desc())).all())

    def mark_read(self, instance_id: int, user: str) -> None:
        for row in self.db.execute(select(MatterCopy).where(
                MatterCopy.instance_id == instance_id, MatterCopy.person_id == user,
                MatterCopy.read_at.is_(None))).scalars():
            row.read_at = self.ctx.clock.now()

    def copied_to(self, instance_id: int, user: str) -> bool:
        return self.db.execute(select(MatterCopy.id).where(
            MatterCopy.instance_id == instance_id, MatterCopy.person_id == user)).first() is not None
