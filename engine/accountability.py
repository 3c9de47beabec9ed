"""003 §3(3) "市委市政府督查室、市编委办、市政府法制办要加强对全市审批与监管协调联动工作的监督，……对落实制度不力、
工作敷衍的部门提请市政府予以问责": the oversight offices read 期限考核 and file an accountability request
(提请市政府予以问责) against a department's missed limits. The request is an entry in the event log.

001 §4(3)2 "全面落实行政执法责任制，建立行政执法责任追究制度", §5(3) "对监管部门及其工作人员未按规定严格监管执法……
依法追究相关人员责任": the same offices refer one missed enforcement duty (a step of P10–P13 whose limit passed)
for 执法责任追究, naming who answers for it as 001 §6(1) does — 直接责任人 the officer who held the step,
主要责任人 the deputy leader in charge, 第一责任人 the main leader. The referral is in the matter's own log."""
from sqlalchemy import select

from . import directory, input_text, states
from .errors import DirectoryError, InvalidState, NotCandidate
from .models import Event, HumanTask, Instance, RoleAssignment

OVERSIGHT_OFFICES = ("supervision_office", "establishment_office", "legal_office")  # 督查室、编委办、法制办
REQUESTED = "accountability_requested"
REFERRED = "enforcement_accountability_referred"
ENFORCEMENT_PROCESSES = {  # 行政执法: the procedures of seeds 000, 001, 002, 004
    "p10_double_random_inspection", "p11_penalty_case", "p12_complaint_report", "p13_credit_blacklist"}


def is_oversight(db, user: str) -> bool:
    """Anyone holding a role in one of the three oversight offices."""
    return db.execute(select(RoleAssignment.id).where(
        RoleAssignment.person_id == user, RoleAssignment.department.in_(OVERSIGHT_OFFICES),
        RoleAssignment.until.is_(None))).first() is not None


def _reason(reason, missing: str) -> str:
    """The facts and reasons a request states: refused with `missing` when blank (invisible characters
    included), bounded like every free text (engine/input_text.py)."""
    if not isinstance(reason, str) or input_text.looks_empty(reason):
        raise InvalidState(missing)
    return input_text.text(reason, "reason", "事实和理由")


class Accountability:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def request(self, user: str, department: str, process_key: str, reason: str) -> Event:
        """File 提请市政府予以问责 against `department` for its missed limits in one procedure, as the
        report counts them now; refused unless the user is in an oversight office and the row has some."""
        if not is_oversight(self.db, user):
            raise NotCandidate("只有市委市政府督查室、市编委办、市政府法制办的人员可以提请问责")
        reason = _reason(reason, "提请问责须写明事实和理由")
        directory.department(self.db, department)
        row = next((r for r in self.ctx.monitoring.compliance(process_key)
                    if r["department"] == department and r["process_key"] == process_key), None)
        if row is None or not row["missed"]:
            raise InvalidState("该部门在该流程中没有未按时限办理的记录，不能提请问责")
        return self.ctx.history.record(REQUESTED, None, user, data={
            "department": department, "process_key": process_key, "process_name": row["process_name"],
            "missed": row["missed"], "reason": reason})

    def requests(self) -> list[Event]:
        return list(self.db.execute(select(Event).where(Event.kind == REQUESTED, Event.instance_id.is_(None))
                                    .order_by(Event.id.desc())).scalars())

    def refer_enforcement_duty(self, user: str, task_id: int, reason: str) -> Event:
        """执法责任追究 of one step of an enforcement procedure whose limit passed (closed late, closed by
        a timer or still open past it); once per step."""
        if not is_oversight(self.db, user):
            raise NotCandidate("只有市委市政府督查室、市编委办、市政府法制办的人员可以提出执法责任追究")
        reason = _reason(reason, "执法责任追究须写明事实和理由")
        task = self.db.get(HumanTask, int(task_id))
        matter = task and self.db.get(Instance, task.instance_id)
        if matter is None or matter.process_key not in ENFORCEMENT_PROCESSES:
            raise InvalidState("只能对行政执法流程（双随机抽查、行政处罚、投诉举报、信用监管）中的任务追究执法责任")
        closed = task.completed_at or self.ctx.clock.now()
        if task.due_at is None or closed <= task.due_at:
            raise InvalidState(f"“{task.name}”未超过办理期限，不能追究执法责任")
        if any(e.data.get("task_id") == task.id for e in self.ctx.history.events(task.instance_id, REFERRED)):
            raise InvalidState(f"“{task.name}”已提出执法责任追究")
        return self.ctx.history.record(REFERRED, task.instance_id, user, task_id=task.id, spec_id=task.spec_id,
                                       name=task.name, data={
            "task_id": task.id, "department": task.department, "process_key": matter.process_key,
            "due_at": task.due_at.isoformat(), "closed_at": task.completed_at.isoformat() if task.completed_at else None,
            "direct": [task.completed_by or task.assignee] if (task.completed_by or task.assignee)
            else self.ctx.tasks.candidates(task.id),
            "principal": self._holders(task.department, "deputy_leader"),
            "first": self._holders(task.department, "main_leader"), "reason": reason})

    def missed_enforcement_duties(self, limit: int = 200) -> list[tuple[HumanTask, Instance]]:
        """Steps of the enforcement procedures whose limit passed, newest limit first (what may be referred):
        those still open past it and those closed after it. Two queries, each walking its own index by
        limit (ix_human_task_state_due, ix_human_task_closed_late) rather than one OR over every row."""
        now = self.ctx.clock.now()
        still_open = (HumanTask.state == states.TASK_OPEN, HumanTask.due_at < now)
        closed_late = (HumanTask.completed_at > HumanTask.due_at,)  # the partial index's own predicate
        # process_key || '': SQLite, without statistics, would otherwise start from the enforcement matters
        # (ix_instance_process_started) and read every step they ever had; the late steps lead instead
        procedure = Instance.process_key.concat("")
        found = [row for late in (still_open, closed_late) for row in self.db.execute(
            select(HumanTask, Instance).join(Instance, Instance.id == HumanTask.instance_id)
            .where(*late, procedure.in_(ENFORCEMENT_PROCESSES))
            .order_by(HumanTask.due_at.desc(), HumanTask.id.desc()).limit(limit)).all()]
        found.sort(key=lambda row: (row[0].due_at, row[0].id), reverse=True)
        return [(task, matter) for task, matter in found[:limit]]

    def referrals(self) -> list[Event]:
        return list(self.db.execute(select(Event).where(Event.kind == REFERRED).order_by(Event.id.desc())).scalars())

    def _holders(self, department: str, role: str) -> list[str]:
        try:
            return directory.holders(self.db, department, role)
        except DirectoryError:
            return []
