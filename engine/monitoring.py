"""What administrators look at: matters by filter, a matter's diagram state, and deadline compliance.

Lists read the projection rows only (instance, human_task, timer); only a single matter's page loads its
workflow state, to mark the diagram.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, select
from SpiffWorkflow.util.task import TaskState

from . import compaction, deadlines, specs, states
from .models import Event, HumanTask, Instance, Timer, WITHOUT_STATE

STATUSES = states.MATTER


@dataclass
class InstanceFilter:
    process_key: str = ""
    version: int | None = None
    status: str = ""
    department: str = ""
    overdue: bool = False
    started_from: datetime | None = None
    started_to: datetime | None = None
    before_id: int | None = None  # keyset paging: newest first
    limit: int = 50


@dataclass
class DiagramState:
    completed: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    errored: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # multi-instance: id -> state counts


class Monitoring:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def needing_repair(self) -> dict[str, int]:
        """How many matters are 出错 or 停滞: what an administrator must look at first."""
        counted = dict(self.ctx.db.execute(select(Instance.status, func.count()).where(
            Instance.status.in_(states.REPAIRABLE)).group_by(Instance.status)).all())
        return {status: counted.get(status, 0) for status in states.REPAIRABLE}

    def instances(self, f: InstanceFilter) -> list[Instance]:
        query = select(Instance).options(WITHOUT_STATE)
        if f.process_key:
            query = query.where(Instance.process_key == f.process_key)
        if f.version:
            query = query.where(Instance.version == f.version)
        if f.status:
            query = query.where(Instance.status == f.status)
        if f.started_from:
            query = query.where(Instance.started_at >= f.started_from)
        if f.started_to:
            query = query.where(Instance.started_at < f.started_to)
        if f.department:
            query = query.where(exists().where(and_(
                HumanTask.instance_id == Instance.id, HumanTask.department == f.department)))
        if f.overdue:
            query = query.where(exists().where(and_(
                HumanTask.instance_id == Instance.id, HumanTask.state == states.TASK_OPEN,
                HumanTask.due_at < self.ctx.clock.now())))
        if f.before_id:
            query = query.where(Instance.id < f.before_id)
        return list(self.db.execute(query.order_by(Instance.id.desc()).limit(f.limit)).scalars())

    def overdue_ids(self, instance_ids: list[int]) -> set[int]:
        return {i for i, colour in self.lights(instance_ids).items() if colour == deadlines.RED}

    def lights(self, instance_ids: list[int]) -> dict[int, str]:
        """Each matter's light: the worst of its open tasks' (red, yellow, green)."""
        if not instance_ids:
            return {}
        now, cal, rank = self.ctx.clock.now(), self.ctx.calendar, [deadlines.GREEN, deadlines.YELLOW, deadlines.RED]
        worst: dict[int, str] = {}
        for task in self.db.execute(select(HumanTask).where(
                HumanTask.instance_id.in_(instance_ids), HumanTask.state == states.TASK_OPEN,
                HumanTask.due_at.is_not(None))).scalars():
            colour = deadlines.light(task, now, cal)
            if colour in rank and rank.index(colour) >= rank.index(worst.get(task.instance_id, deadlines.GREEN)):
                worst[task.instance_id] = colour
        return worst

    def diagram_state(self, instance: Instance) -> DiagramState:
        """Which elements of the matter's own diagram are done, active or in error."""
        workflow = self.ctx.runtime.load(instance)
        processes = self.ctx.repository.process_specs(instance.bundle)
        result = _marked(_element_counts(workflow, lambda wf: specs.owner_of(processes, wf).process_id
                                         == instance.process_key))
        if instance.status == states.ERROR and not result.errored:
            result.errored = list(result.active)
        return result

    def open_tasks(self, instance_id: int) -> list[tuple[HumanTask, list[str]]]:
        tasks = self.ctx.tasks.of_instance(instance_id, open_only=True)
        return [(t, self.ctx.tasks.candidates(t.id)) for t in tasks]

    def pending_timers(self, instance_id: int) -> list[Timer]:
        return list(self.db.execute(select(Timer).where(
            Timer.instance_id == instance_id, Timer.status == states.TIMER_WAITING).order_by(Timer.due_at)).scalars())

    def compliance(self, process_key: str = "", since: datetime | None = None) -> list[dict]:
        """Per department and procedure, the figures 003 §3(3) holds departments to. Every missed limit
        counts against the department that held the task, whatever closed it: answered late (`late`),
        deemed received by timeout (`deemed_received`), closed past its limit by an interrupting timer,
        a withdrawal or a cancelled matter (`closed_overdue`), or still open past it (`open_overdue`);
        `missed` is their sum. A task closed before its limit by something else is not counted at all.
        Approved and refused extensions (`extended`, `extension_refused`) are shown apart; reminders (催办) once each. Counted by the
        database; only tasks near their deadline are looked at one by one (for the light)."""
        now, cal = self.ctx.clock.now(), self.ctx.calendar

        def scoped(query, joined: bool = False):
            query = query if joined else query.join(Instance, Instance.id == HumanTask.instance_id)
            if process_key:
                query = query.where(Instance.process_key == process_key)
            return query.where(HumanTask.created_at >= since) if since else query

        rows: dict[tuple, dict] = {}
        self._count_by_outcome(rows, scoped, now)
        self._count_days_not_stored(rows, scoped, cal)
        self._count_yellow(rows, scoped, now, cal)
        self._count_office_events(rows, scoped)
        return [_summed(row) for row in sorted(rows.values(), key=lambda r: (r["department"], r["process_key"]))]

    def _count_by_outcome(self, rows: dict, scoped, now: datetime) -> None:
        past_due = and_(HumanTask.due_at.is_not(None), HumanTask.completed_at > HumanTask.due_at)
        kind = case(
            (HumanTask.state == states.TASK_DEEMED, "deemed_received"),
            (and_(HumanTask.state == states.TASK_COMPLETED, past_due), "late"),
            (HumanTask.state == states.TASK_COMPLETED, "on_time"),
            (and_(HumanTask.state == states.TASK_OPEN, HumanTask.due_at < now), "open_overdue"),
            (HumanTask.state == states.TASK_OPEN, "open"),
            (past_due, "closed_overdue"), else_="closed_in_time").label("kind")
        counted = scoped(select(HumanTask.department, Instance.process_key, Instance.process_name, kind, func.count(),
                                func.sum(HumanTask.working_days_taken), func.count(HumanTask.working_days_taken))
                         ).group_by(HumanTask.department, Instance.process_key, Instance.process_name, kind)
        for department, key, name, what, n, days_sum, days_n in self.db.execute(counted):
            if what == "closed_in_time":
                continue  # withdrawn or cancelled before its limit: nobody missed anything
            row = _row_of(rows, department, key, name)
            row[what] += n
            row["days_sum"] += days_sum or 0
            row["days_n"] += days_n

    def _count_days_not_stored(self, rows: dict, scoped, cal) -> None:
        """Completions recorded before working days were stored on the row."""
        for department, key, created_at, completed_at in self.db.execute(scoped(select(
                HumanTask.department, Instance.process_key, HumanTask.created_at, HumanTask.completed_at))
                .where(HumanTask.state == states.TASK_COMPLETED, HumanTask.working_days_taken.is_(None))):
            rows[(department, key)]["days_sum"] += cal.working_days_between(created_at, completed_at)
            rows[(department, key)]["days_n"] += 1

    def _count_yellow(self, rows: dict, scoped, now: datetime, cal) -> None:
        """Yellow lights: only open tasks due within the next few weeks can be that close."""
        horizon = now + timedelta(days=7 * (deadlines.YELLOW_DAYS + 1) + 10)
        for department, key, due_at, paused_at in self.db.execute(scoped(select(
                HumanTask.department, Instance.process_key, HumanTask.due_at, HumanTask.paused_at))
                .where(HumanTask.state == states.TASK_OPEN, HumanTask.due_at >= now, HumanTask.due_at < horizon)):
            task = HumanTask(state=states.TASK_OPEN, due_at=due_at, paused_at=paused_at)  # not added to the session
            rows[(department, key)]["open_yellow"] += deadlines.light(task, now, cal) == deadlines.YELLOW

    def _count_office_events(self, rows: dict, scoped) -> None:
        """催办 and approved or refused 延期: log entries on a task, each counted once on its task's row."""
        for event_kind, column in (("reminded", "reminders"), ("extended", "extended"),
                                   ("extension_refused", "extension_refused")):
            for department, key, name, n in self.db.execute(scoped(select(
                    HumanTask.department, Instance.process_key, Instance.process_name, func.count(Event.id))
                    .select_from(Event).join(HumanTask, HumanTask.id == Event.task_id)
                    .join(Instance, Instance.id == HumanTask.instance_id).where(Event.kind == event_kind), joined=True)
                    .group_by(HumanTask.department, Instance.process_key, Instance.process_name)):
                _row_of(rows, department, key, name)[column] += n


def _element_counts(workflow, own_diagram) -> dict[str, Counter]:
    """Task states per BPMN element of the diagrams `own_diagram` accepts, pruned rounds counted as done."""
    counts: dict[str, Counter] = {}
    for task in workflow.get_tasks():
        bpmn_id = task.task_spec.bpmn_id
        if bpmn_id and own_diagram(task.workflow):
            counts.setdefault(bpmn_id, Counter())[TaskState.get_name(task.state)] += 1
    for wf in [workflow, *workflow.subprocesses.values()]:  # older loop rounds left the tree completed
        for name, done in compaction.pruned(wf).items():
            bpmn_id = wf.spec.task_specs[name].bpmn_id if name in wf.spec.task_specs else None
            if bpmn_id and own_diagram(wf):
                counts.setdefault(bpmn_id, Counter())["COMPLETED"] += done
    return counts


def _marked(counts: dict[str, Counter]) -> DiagramState:
    result = DiagramState()
    for bpmn_id, counter in counts.items():
        if counter.get("ERROR"):
            result.errored.append(bpmn_id)
        elif counter.get("READY") or counter.get("WAITING") or counter.get("STARTED"):
            result.active.append(bpmn_id)
        elif counter.get("COMPLETED"):
            result.completed.append(bpmn_id)
        if sum(counter.values()) > 1:
            result.counts[bpmn_id] = dict(counter)
    return result


def _row_of(rows: dict, department: str, key: str, name: str) -> dict:
    return rows.setdefault((department, key), {
        "department": department, "process_key": key, "process_name": name, "on_time": 0, "late": 0,
        "open_overdue": 0, "open": 0, "open_yellow": 0, "deemed_received": 0, "closed_overdue": 0,
        "extended": 0, "extension_refused": 0, "reminders": 0, "days_sum": 0, "days_n": 0})


def _summed(row: dict) -> dict:
    days_sum, days_n = row.pop("days_sum"), row.pop("days_n")
    row["mean_working_days"] = round(days_sum / days_n, 1) if days_n else None
    row["missed"] = row["late"] + row["deemed_received"] + row["closed_overdue"] + row["open_overdue"]
    row["light"] = (deadlines.RED if row["open_overdue"] else
                    deadlines.YELLOW if row["open_yellow"] else deadlines.GREEN)
    return row
