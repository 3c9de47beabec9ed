"""003 §3(3) "市委市政府督查室、市编委办、市政府法制办要加强对全市审批与监管协调联动工作的监督，……对落实制度不力、
工作敷衍的部门提请市政府予以问责": the oversight offices read 期限考核 and file an accountability request
(提请市政府予以问责) against a department's missed limits. The request is an entry in the event log."""
from sqlalchemy import select

from . import directory
from .errors import InvalidState, NotCandidate
from .models import Event, RoleAssignment

OVERSIGHT_OFFICES = ("supervision_office", "establishment_office", "legal_office")  # 督查室、编委办、法制办
REQUESTED = "accountability_requested"


def is_oversight(db, user: str) -> bool:
    """Anyone holding a role in one of the three oversight offices."""
    return db.execute(select(RoleAssignment.id).where(
        RoleAssignment.person_id == user, RoleAssignment.department.in_(OVERSIGHT_OFFICES),
        RoleAssignment.until.is_(None))).first() is not None


class Accountability:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def request(self, user: str, department: str, process_key: str, reason: str) -> Event:
        """File 提请市政府予以问责 against `department` for its missed limits in one procedure, as the
        report counts them now; refused unless the user is in an oversight office and the row has some."""
        if not is_oversight(self.db, user):
            raise NotCandidate("只有市委市政府督查室、市编委办、市政府法制办的人员可以提请问责")
        if not reason or not reason.strip():
            raise InvalidState("提请问责须写明事实和理由")
        directory.department(self.db, department)
        row = next((r for r in self.ctx.monitoring.compliance(process_key)
                    if r["department"] == department and r["process_key"] == process_key), None)
        if row is None or not row["missed"]:
            raise InvalidState("该部门在该流程中没有未按时限办理的记录，不能提请问责")
        return self.ctx.history.record(REQUESTED, None, user, data={
            "department": department, "process_key": process_key, "process_name": row["process_name"],
            "missed": row["missed"], "reason": reason.strip()})

    def requests(self) -> list[Event]:
        return list(self.db.execute(select(Event).where(Event.kind == REQUESTED, Event.instance_id.is_(None))
                                    .order_by(Event.id.desc())).scalars())
