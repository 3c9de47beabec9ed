"""P13 credit records and the blacklist (信用监管、黑名单): 000 §3(4), 001 §4(4)2.

Violations go into the violation database; serious violators are blacklisted after review and
decision, published, and shared with the other departments for joint punishment ("一处失信，处处受制");
an entry leaves the list when its period ends or on credit repair.
"""
from datetime import date, datetime, time

from sqlalchemy import select

from . import public_notices
from ..clock import SHANGHAI
from ..errors import ScriptError
from ..forms import uscc_problem
from ..models import BlacklistEntry, Department, PublicNotice, ViolationRecord

SHARED_KINDS = ("approval_section", "supervision")  # those with a liaison to receive it


def _date(value) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def op_record_violation(ctx, credit_code: str, enterprise_name: str, department: str, kind: str = "",
                        severity: str = "general", description: str = "", decision_no: str = "",
                        occurred_on: str = "") -> dict:
    problem = uscc_problem(credit_code)
    if problem:
        raise ScriptError(problem)
    row = ViolationRecord(credit_code=credit_code, enterprise_name=enterprise_name, department=department,
                          kind=kind or "", severity=severity or "general", description=description or "",
                          decision_no=decision_no or "", occurred_on=_date(occurred_on),
                          source_instance=ctx.instance_id, recorded_at=ctx.clock.now())
    ctx.db.add(row)
    ctx.db.flush()
    rows = list(ctx.db.execute(select(ViolationRecord).where(ViolationRecord.credit_code == credit_code)).scalars())
    return {"violation_id": row.id, "violations": len(rows),
            "serious_violations": sum(1 for r in rows if r.severity == "serious")}


def expiry(effective_on: str, years: int) -> datetime:
    start = _date(effective_on)
    if start is None:
        raise ScriptError("缺少生效日期")
    try:
        end = start.replace(year=start.year + int(years))
    except ValueError:  # 29 February
        end = start.replace(year=start.year + int(years), day=28)
    return datetime.combine(end, time(23, 59, 59), SHANGHAI)


def op_add_to_blacklist(ctx, credit_code: str, enterprise_name: str, department: str, reason: str,
                        decision_no: str, effective_on: str, period_years: int) -> dict:
    expires = expiry(effective_on, period_years)
    shared = sorted(code for code, in ctx.db.execute(
        select(Department.code).where(Department.kind.in_(SHARED_KINDS))).all()
        if code != department)
    row = BlacklistEntry(credit_code=credit_code, enterprise_name=enterprise_name, department=department,
                         reason=reason or "", decision_no=decision_no or "", listed_on=_date(effective_on),
                         expires_at=expires, shared_with=shared, source_instance=ctx.instance_id)
    ctx.db.add(row)
    public_notices.publish(ctx, "blacklist", department, enterprise_name, credit_code, decision_no,
                           f"列入安全生产失信联合惩戒黑名单，至{expires.date().isoformat()}", _date(effective_on),
                           ctx.instance_id)
    ctx.db.flush()
    return {"entry_id": row.id, "expires_at": expires.isoformat(), "shared_with": shared}


def op_remove_from_blacklist(ctx, entry_id: int, reason: str) -> dict:
    row = ctx.db.get(BlacklistEntry, int(entry_id))
    if row is None:
        raise ScriptError(f"黑名单记录 {entry_id} 不存在")
    now = ctx.clock.now()
    row.removed_at, row.removal_reason = now, reason
    for notice in ctx.db.execute(select(PublicNotice).where(
            PublicNotice.kind == "blacklist", PublicNotice.instance_id == row.source_instance,
            PublicNotice.withdrawn_at.is_(None))).scalars():
        notice.withdrawn_at = now
    ctx.db.flush()
    return {"entry_id": row.id, "removed": True, "reason": reason}


def blacklisted(db, credit_code: str) -> bool:
    return db.execute(select(BlacklistEntry.id).where(
        BlacklistEntry.credit_code == credit_code, BlacklistEntry.removed_at.is_(None)).limit(1)).first() is not None
