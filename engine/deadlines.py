"""Warning lights (电子监察), clock stop for 补正, extension (延期) and per-task timeout actions.

A light is green, yellow (预警: `YELLOW_DAYS` working days or fewer left) or red (超期). The sweep
records the moment a task turns yellow or red once, for its holder and their section head.
"""
import json
import os
from datetime import datetime, timezone
from typing import NamedTuple

from sqlalchemy import select

from . import directory, held_deadlines, matter_lock, specs, states
from .calendar import CALENDAR_DAYS, WORKING_DAYS
from .clock import local, parse_local
from .errors import DirectoryError, InvalidState, NotCandidate
from .models import Event, HumanTask, Instance, Timer
from .runtime import find_task
from .timers import set_due

GREEN, YELLOW, RED, NONE = "green", "yellow", "red", "none"
YELLOW_DAYS = int(os.environ.get("LIANDONG_YELLOW_DAYS", "1"))  # the 预警 threshold, a setting
PAUSED = datetime(9999, 12, 31, tzinfo=timezone.utc)  # where a stopped clock's timers wait
SWEPT = states.ACTIVE  # matters whose deadlines run (not suspended, in error or ended)
EXTENSION_EVENTS = ("extension_requested", "extended", "extension_refused")  # a request and its answers


class MatterDeadline(NamedTuple):
    at: datetime
    provisional: bool  # its last day lies in a year without an official schedule (暂定)


def light(task: HumanTask, now: datetime, calendar, yellow_days: int = YELLOW_DAYS) -> str:
    if task.due_at is None or task.paused_at is not None or task.state != states.TASK_OPEN:
        return NONE
    if now > task.due_at:
        return RED
    return YELLOW if calendar.working_days_between(now, task.due_at) <= yellow_days else GREEN


def _due_actions(task, colour: str) -> tuple[bool, bool]:
    """(its light changed, its timeout action is due) for an open task now showing `colour`."""
    return colour != task.light, colour == RED and not task.timeout_applied


class Deadlines:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def light(self, task: HumanTask) -> str:
        return light(task, self.ctx.clock.now(), self.ctx.calendar)

    # --- the sweep (run by the timer worker) ---
    def needing_attention(self) -> list[int]:
        """Matters with an open task whose light has changed or whose timeout action is due. Read
        without locks (the sweep re-reads each matter under its lock)."""
        now = self.ctx.clock.now()
        rows = self.db.execute(select(
            HumanTask.instance_id, HumanTask.due_at, HumanTask.paused_at, HumanTask.state, HumanTask.light,
            HumanTask.timeout_applied,
        ).join(Instance, Instance.id == HumanTask.instance_id).where(
            HumanTask.state == states.TASK_OPEN, HumanTask.due_at.is_not(None), HumanTask.paused_at.is_(None),
            Instance.status.in_(SWEPT)))
        return sorted({row.instance_id for row in rows if any(_due_actions(row, light(row, now, self.ctx.calendar)))})

    def sweep(self, instance_ids: list[int]) -> int:
        """Record lights that turned yellow or red and apply timeout actions for these matters;
        returns how many changed. Each matter is handled under its row lock; one that another worker
        or a step holds now is skipped and taken at the next round."""
        locked = matter_lock.lock_free(self.db, Instance.id.in_(instance_ids), Instance.status.in_(SWEPT))
        tasks: dict[int, list[HumanTask]] = {}
        for task in self.db.execute(select(HumanTask).where(
                HumanTask.instance_id.in_([i.id for i in locked]), HumanTask.state == states.TASK_OPEN,
                HumanTask.due_at.is_not(None), HumanTask.paused_at.is_(None)).order_by(HumanTask.id)
                .execution_options(populate_existing=True)).scalars():
            tasks.setdefault(task.instance_id, []).append(task)
        # a timeout action runs the engine: it may fail, and then only its matter is set aside
        return sum(self.ctx.management.each_apart(
            locked, lambda instance: self._sweep_matter(tasks.get(instance.id, [])), "deadline sweep"))

    def _sweep_matter(self, tasks: list[HumanTask]) -> int:
        now, changed = self.ctx.clock.now(), 0
        for task in tasks:
            if task.state != states.TASK_OPEN:
                continue  # closed by an earlier timeout action of this matter
            colour = light(task, now, self.ctx.calendar)
            new_light, timeout_due = _due_actions(task, colour)
            if new_light:
                if colour in (YELLOW, RED):
                    holders = self.ctx.tasks.holders(task)
                    self.ctx.history.record(f"light_{colour}", task.instance_id, task_id=task.id, spec_id=task.spec_id,
                                            name=task.name, data={"to": holders + directory.section_head(self.db, task.department),
                                                                  "due_at": task.due_at and task.due_at.isoformat()})
                    changed += 1
                task.light = colour
            if timeout_due:
                changed += self._timeout_action(task)
        return changed

    def _timeout_action(self, task: HumanTask) -> int:
        instance = self.ctx.runtime.instance(task.instance_id)
        props = self._properties(instance, task.spec_id)
        action = props.timeout_action
        if action not in specs.TIMEOUT_ACTIONS:
            return 0
        task.timeout_applied = True
        if action == "remind":
            self.ctx.history.record("reminded", instance.id, task_id=task.id, spec_id=task.spec_id, name=task.name,
                                    data={"to": self.ctx.tasks.holders(task), "message": "已超过办理期限，系统自动催办"})
        elif action == "escalate":
            heads = directory.section_head(self.db, task.department)
            if heads:
                self.ctx.management.reassign(task.id, heads[0], "system", "超过办理期限，自动上报责任人")
                self.ctx.history.record("overdue_escalated", instance.id, task_id=task.id, spec_id=task.spec_id,
                                        name=task.name, data={"to": heads[0]})
        else:  # complete_default: only where the regulation says so, with the default in the diagram
            values = json.loads(props.timeout_default or "{}")
            self.ctx.runtime.instance(instance.id, lock=True)
            self.ctx.history.record("completed_by_default", instance.id, task_id=task.id, spec_id=task.spec_id,
                                    name=task.name, data={"form": values})
            self.ctx.tasks.finish(task, "system", values)
        return 1

    # --- the kind of a task's limit decides what may be done to it (states.LIMIT_KINDS) ---
    def limit_kind(self, task: HumanTask) -> str:
        """Declared in the diagram (limit_kind); a deployment from before kinds existed counts as internal."""
        return self._properties(self.ctx.runtime.instance(task.instance_id), task.spec_id).kind_of_limit

    def limit_unit(self, task: HumanTask) -> str:
        """The unit the task's limit counts in (its limit_unit): calendar days where the law says so
        (行政处罚法第六十条), else working days."""
        unit = self._properties(self.ctx.runtime.instance(task.instance_id), task.spec_id).limit_unit
        return CALENDAR_DAYS if unit == CALENDAR_DAYS else WORKING_DAYS

    def may_pause(self, task: HumanTask) -> bool:
        """补正 stops a clock that waits on an applicant's materials: only a limit owed to an applicant."""
        return task.due_at is not None and self.limit_kind(task) == states.LIMIT_APPLICANT

    def may_request_extension(self, task: HumanTask) -> bool:
        """A limit one department owes another (003 §2(3)) cannot be moved by anyone on the obligated side."""
        return task.due_at is not None and self.limit_kind(task) != states.LIMIT_STATUTORY

    def approver_role(self, task: HumanTask) -> str | None:
        """Who approves a 延期: for a limit owed to an applicant, the role the diagram names outside the
        obligated section (extension_approver, default the deputy leader 分管领导) of the task's department;
        for an internal limit, the section head (responsible person); nobody for a statutory limit."""
        kind = self.limit_kind(task)
        if kind == states.LIMIT_STATUTORY:
            return None
        if kind == states.LIMIT_INTERNAL:
            return "responsible_person"
        return self._properties(self.ctx.runtime.instance(task.instance_id), task.spec_id).approver_role

    def extension_approvers(self, task: HumanTask) -> list[str]:
        role = self.approver_role(task)
        if task.due_at is None or role is None:
            return []
        people = self._holders(task.department, role, task.assignee)
        if not people and role == "responsible_person":  # the section head's own task: their leader
            people = self._holders(task.department, "deputy_leader", task.assignee)
        return people

    def _holders(self, department: str, role: str, holder: str | None) -> list[str]:
        try:
            return [p for p in directory.holders(self.db, department, role) if p != holder]  # never the holder
        except DirectoryError:
            return []

    def _refuse_statutory(self, task: HumanTask, what: str) -> None:
        if self.limit_kind(task) == states.LIMIT_STATUTORY:
            raise InvalidState(f"“{task.name}”的期限是部门间法定时限（003 §2(3)），不能{what}："
                               "期限届满即按规定处理（如超时默认接收），逾期计入期限考核")

    def _properties(self, instance: Instance, spec_id: str) -> specs.UserTaskSpec:
        for process in self.ctx.repository.process_specs(instance.bundle).values():
            if spec_id in process.user_tasks:
                return process.user_tasks[spec_id]
        return specs.UserTaskSpec(spec_id)

    def matter_deadline(self, instance: Instance, data: dict) -> MatterDeadline | None:
        """The matter's own limit (ProcessSpec.matter_deadline, e.g. P11's 90 days) as it stands now. The
        step whose `due` it is may have had its clock stopped (补正) or extended: that row's due moved.
        Before that step exists the data holds it, provisional while the matter keeps its basis."""
        process = self.ctx.repository.process_of(instance)
        if not process.matter_deadline or not data.get(process.matter_deadline):
            return None
        carriers = [t.id for t in process.user_tasks.values() if t.due.strip() == process.matter_deadline]
        row = self.db.execute(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                      HumanTask.spec_id.in_(carriers))
                              .order_by(HumanTask.id.desc()).limit(1)).scalars().first() if carriers else None
        if row is not None and row.due_at:
            return MatterDeadline(row.due_at, row.due_provisional)
        value = data[process.matter_deadline]
        return MatterDeadline(parse_local(value), held_deadlines.held(instance, value) is not None)

    # --- 补正: the clock stops while materials are awaited ---
    def pause(self, task_id: int, user: str, reason: str) -> HumanTask:
        task, instance = self.ctx.tasks.lock_open(task_id, None)
        if task.assignee != user:
            raise NotCandidate("只有当前办理人可以登记补正")
        if task.due_at is None:
            raise InvalidState("该任务没有办理期限，无需暂停计时")
        self._refuse_statutory(task, "补正暂停计时")
        if not self.may_pause(task):
            raise InvalidState(f"“{task.name}”的期限是内部时限，不等待申请人补正材料，不能暂停计时")
        if not reason or not reason.strip():
            raise InvalidState("请填写需补正的材料")
        now = self.ctx.clock.now()
        unit = self.limit_unit(task)  # 补正 keeps the limit's own unit
        task.days_left_at_pause = max(0, self.ctx.calendar.days_between(now, task.due_at, unit))
        task.paused_at = now
        task.revision += 1
        self._move_attached_timers(instance, task, task.due_at, PAUSED)  # they wait with the clock
        self.ctx.history.record("clock_stopped", instance.id, user, task_id=task.id, spec_id=task.spec_id, name=task.name,
                                data={"reason": reason.strip(), "days_left": task.days_left_at_pause})
        return task

    def resume(self, task_id: int, user: str, arrived_on: str) -> HumanTask:
        """Materials arrived: the clock restarts from the day after, with the days that were left (in the
        limit's own unit, `limit_unit`)."""
        task, instance = self.ctx.tasks.lock_open(task_id, None)
        if task.assignee != user or task.paused_at is None:
            raise InvalidState("该任务未处于补正状态")
        try:
            arrived = parse_local(f"{arrived_on}T12:00:00")
        except ValueError:
            raise InvalidState("请填写有效的材料补齐日期") from None
        if not local(task.paused_at).date() <= local(arrived).date() <= local(self.ctx.clock.now()).date():
            raise InvalidState("材料补齐日期应在补正登记之后、今天或以前")
        unit = self.limit_unit(task)
        deadline = self.ctx.calendar.add_days(arrived, task.days_left_at_pause or 0, unit)
        old = task.due_at
        task.due_at, task.due_provisional = deadline.at, deadline.provisional
        task.due_basis = deadline.basis()
        task.paused_at, task.days_left_at_pause, task.light = None, None, ""
        task.revision += 1
        self._move_attached_timers(instance, task, PAUSED, deadline.at)
        self.ctx.history.record("clock_resumed", instance.id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"arrived_on": arrived_on, "old": old.isoformat(),
                                                      "new": deadline.iso()})
        return task

    # --- 延期 ---
    def request_extension(self, task_id: int, user: str, days: int, reason: str) -> None:
        task = self.ctx.tasks.get(task_id)
        if task.assignee != user or task.state != states.TASK_OPEN:
            raise NotCandidate("只有当前办理人可以申请延期")
        if task.due_at is None:
            raise InvalidState("该任务没有办理期限，无需延期")
        self._refuse_statutory(task, "延期")
        if not reason or not reason.strip() or int(days) < 1:
            raise InvalidState("申请延期须填写天数和理由")
        approvers = self.extension_approvers(task)
        if not approvers:
            raise InvalidState("目录中没有可以批准该延期的人员，请先在目录中指定")
        self.ctx.history.record("extension_requested", task.instance_id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"days": int(days), "unit": self.limit_unit(task),
                                                      "reason": reason.strip(), "to": approvers})

    def may_extend(self, task: HumanTask, user: str) -> bool:
        """The approver the limit's kind names (extension_approvers), or an administrator; never for a
        statutory limit."""
        if task.state != states.TASK_OPEN or not self.may_request_extension(task):
            return False
        return user in self.extension_approvers(task) or directory.is_admin(self.db, user)

    def pending_extension(self, task: HumanTask) -> dict | None:
        """The holder's latest 延期申请 on this task that no approval has answered yet (days, reason, to)."""
        last = self._last_extension_event(task.id)
        return last.data if last is not None and last.kind == "extension_requested" else None

    def refused_extension(self, task: HumanTask) -> Event | None:
        """The 不予延期 that answered the holder's latest 延期申请, if that was the answer."""
        last = self._last_extension_event(task.id)
        return last if last is not None and last.kind == "extension_refused" else None

    def _last_extension_event(self, task_id: int) -> Event | None:
        return self.db.execute(select(Event).where(Event.task_id == task_id, Event.kind.in_(EXTENSION_EVENTS))
                               .order_by(Event.id.desc()).limit(1)).scalars().first()

    def extend(self, task_id: int, user: str, days: int, reason: str) -> HumanTask:
        """The approver grants an extension: the deadline moves by `days` in the limit's own unit. A
        calendar-day limit (行政处罚法第六十条) grows by calendar days from its current last day, and a new
        last day on a holiday moves to the next working day (民法典第二百零三条), as the base limit does."""
        task, instance = self.ctx.tasks.lock_open(task_id, None)
        self._refuse_statutory(task, "延期")
        if not self.may_extend(task, user):
            role = directory.ROLES.get(self.approver_role(task) or "", "管理员")
            raise NotCandidate(f"该任务的延期须由{role}批准，办理人不能自行延期")
        if task.due_at is None or int(days) < 1 or not reason or not reason.strip():
            raise InvalidState("延期须填写天数和理由")
        unit = self.limit_unit(task)
        deadline = self.ctx.calendar.add_days(task.due_at, int(days), unit)
        old = task.due_at
        task.due_at, task.due_provisional, task.light = deadline.at, deadline.provisional, ""
        task.due_basis = deadline.basis()  # from the old last day
        task.revision += 1
        self._move_attached_timers(instance, task, old, deadline.at)
        self.ctx.history.record("extended", instance.id, user, task_id=task.id, spec_id=task.spec_id, name=task.name,
                                data={"days": int(days), "unit": unit, "reason": reason.strip(), "old": old.isoformat(),
                                      "new": deadline.iso()})
        return task

    def refuse_extension(self, task_id: int, user: str, reason: str) -> HumanTask:
        """The approver refuses a pending 延期申请 (不予延期): the limit stays as it was; the refusal and
        its reason are logged and addressed to the holder who asked."""
        task, instance = self.ctx.tasks.lock_open(task_id, None)
        asked = self._last_extension_event(task.id)
        if asked is None or asked.kind != "extension_requested":
            raise InvalidState("该任务没有待审批的延期申请")
        if not self.may_extend(task, user):
            role = directory.ROLES.get(self.approver_role(task) or "", "管理员")
            raise NotCandidate(f"该任务的延期申请须由{role}审批")
        if not reason or not reason.strip():
            raise InvalidState("不予延期须填写理由")
        self.ctx.history.record("extension_refused", instance.id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"days": asked.data.get("days"), "reason": reason.strip(),
                                                      "asked_reason": asked.data.get("reason", ""),
                                                      "to": [asked.actor], "due_at": task.due_at.isoformat()})
        return task

    def _move_attached_timers(self, instance: Instance, task: HumanTask, old: datetime, due: datetime) -> None:
        """Timers on the task's boundary that fell due with the old deadline move with it."""
        workflow = self.ctx.runtime.load(instance, reuse=True)
        engine_task = find_task(workflow, task.guid)
        siblings = {str(t.id) for t in engine_task.parent.children} if engine_task and engine_task.parent else set()
        timers = list(self.db.execute(select(Timer).where(
            Timer.instance_id == instance.id, Timer.status == states.TIMER_WAITING, Timer.guid.in_(siblings),
            Timer.due_at == old)).scalars())
        if not timers:
            return
        for timer in timers:
            set_due(find_task(workflow, timer.guid), local(due).isoformat())
            timer.due_at = due
        self.ctx.runtime.save(instance, workflow)
