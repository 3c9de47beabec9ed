"""Operations a BPMN service task may call (`spiffworkflow:serviceTaskOperator id=...`).

Each runs inside the caller's transaction, so it commits or rolls back with the step that called it,
and gets a `ServiceCall`: the matter and person it runs for, fixed for the call, and the services it
may use. An operation that starts another matter (penalty.open_case) leaves its own call as it was.
"""
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select

from . import directory, documents
from .procedures import complaints, credit, inspection, licence_publicity, penalty
from .errors import ScriptError
from .forms import uscc_problem
from .models import TargetEntry


def _of_services(name: str) -> Any:
    """A ServiceCall attribute that is the engine's own service of that name."""
    return property(lambda call: getattr(call.services, name))


@dataclass(frozen=True)
class ServiceCall:
    services: Any  # engine.services.Liandong (not imported: it imports the runtime, which imports this)
    instance_id: int | None  # the matter whose service task runs (None: a document issued by hand)
    actor: str = "system"  # the person whose step runs it: documents are issued on their behalf

    # what an operation may use of the engine (read when used: `functions` is made on first use)
    db = _of_services("db")
    clock = _of_services("clock")
    history = _of_services("history")
    runtime = _of_services("runtime")
    functions = _of_services("functions")


RISK_LEVELS = ("low", "medium", "high")
MEASURES = ("routine", "random_check", "key_supervision")


def target_library_add(ctx, department: str, credit_code: str, enterprise_name: str, sector: str = "",
                       risk_level: str = "", supervision_measure: str = "") -> dict:
    """P1: receipt hands the enterprise to the department's supervision (003 §2(1)), with what P1 knows
    of it for the double random draw (004 §4(1)): the sector the approval section registered, the risk level
    and supervision measure the receiving department chose. A later receipt for the same enterprise (a
    change or renewal) updates them; a deemed receipt ('' for both) keeps what was there."""
    directory.department(ctx.db, department)
    problem = uscc_problem(credit_code)
    if problem:
        raise ScriptError(problem)
    if risk_level and risk_level not in RISK_LEVELS:
        raise ScriptError(f"风险程度“{risk_level}”无效，应为 low、medium 或 high")
    if supervision_measure and supervision_measure not in MEASURES:
        raise ScriptError(f"监管方式“{supervision_measure}”无效")
    row = ctx.db.execute(
        select(TargetEntry).where(TargetEntry.department == department, TargetEntry.credit_code == credit_code)
    ).scalar_one_or_none()
    added = row is None
    if added:
        row = TargetEntry(department=department, credit_code=credit_code, enterprise_name=enterprise_name,
                          sector="", source_instance=ctx.instance_id, added_at=ctx.clock.now(),
                          credit_grade="B", risk_level="medium", supervision_measure="routine")
        ctx.db.add(row)
    row.sector = sector or row.sector or ""
    row.risk_level = risk_level or row.risk_level
    row.supervision_measure = supervision_measure or row.supervision_measure
    ctx.db.flush()
    return {"added": added, "entry_id": row.id}


def directory_change_role(ctx, department: str, role: str, new_person_id: str, old_person: str = "",
                          new_person_name: str = "", title: str = "", phone: str = "") -> dict:
    """P9: a filed change of responsible person or liaison takes effect (003 §2(2))."""
    result = directory.change_role(ctx.db, ctx.clock.now(), department, role, old_person or None,
                                   new_person_id, new_person_name, title, phone)
    ctx.history.record("directory_changed", ctx.instance_id, data=result)
    return result


def directory_paired_section(ctx, department: str) -> dict:
    """003 §2(2): the approval section a supervision department works with (directory `pairs_with`)."""
    section = directory.paired_section(ctx.db, department)
    return {"section": section.code, "section_name": section.name}


OPERATIONS: dict[str, Callable[..., dict]] = {
    "target_library.add": target_library_add,
    "document.issue": documents.issue,  # official documents as PDF and .docx (engine/documents.py)
    "directory.change_role": directory_change_role,
    "directory.paired_section": directory_paired_section,
    "inspection.library": inspection.op_library,
    "inspection.draw": inspection.op_draw,
    "inspection.publish": inspection.op_publish,
    "inspection.open_cases": inspection.op_open_cases,
    "inspection.feed_back": inspection.op_feed_back,
    "penalty.check_investigators": penalty.op_check_investigators,
    "penalty.archive_deadline": penalty.op_archive_deadline,
    "penalty.open_case": penalty.op_open_case,
    "penalty.publish": penalty.op_publish,
    "licence.publish": licence_publicity.op_publish,
    "complaint.register_reporter": complaints.op_register_reporter,
    "complaint.record_reward": complaints.op_record_reward,
    "credit.record_violation": credit.op_record_violation,
    "credit.add_to_blacklist": credit.op_add_to_blacklist,
    "credit.remove_from_blacklist": credit.op_remove_from_blacklist,
}


def call(ctx: ServiceCall, operation: str, params: dict) -> dict:
    if operation not in OPERATIONS:
        raise ScriptError(f"未知的服务操作 {operation}")
    result = OPERATIONS[operation](ctx, **params)
    ctx.history.record("service_called", ctx.instance_id, name=operation, data={"params": params, "result": result})
    return result
