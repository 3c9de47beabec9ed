"""P11 administrative penalty cases (行政处罚): 002, 001 §4(3)2, 001 §4(3)5, 004 §3(5).

Operations: two certified investigators, the enforcement-record archive deadline (002: within 24 hours
of returning, at most 3 working days in special cases), opening a case from another matter (P10 findings,
P12 verified reports), and publication of the decision (双公示, 001 §4(3)5).
"""
from datetime import timedelta

from . import public_notices
from ..clock import local, parse_local
from ..errors import InvalidState
from ..directory import certified_officers

PROCESS = "p11_penalty_case"


def op_check_investigators(ctx, department: str, investigators: list) -> dict:
    """001 §4(3)2: investigation by at least two enforcement officers holding certificates."""
    named = sorted(set(investigators or []))
    certified = {o["id"]: o["certificate"] for o in certified_officers(ctx.db, department)}
    missing = [p for p in named if p not in certified]
    if missing:
        raise InvalidState(f"调查人员须为本部门持有执法证的执法人员：{'、'.join(missing)}")
    if len(named) < 2:
        raise InvalidState("调查取证须由两名以上持证执法人员进行")
    return {"investigators": named, "certificates": {p: certified[p] for p in named}}


def op_archive_deadline(ctx, returned_at: str, special_reason: str = "") -> dict:
    """002: records archived within 24 hours of returning; 3 working days at most, with the reason."""
    if (special_reason or "").strip():
        return {"archive_due": ctx.functions.working_days_after(3, returned_at), "rule": "3_working_days",
                "reason": special_reason.strip()}
    due = local(parse_local(returned_at) + timedelta(hours=24))
    return {"archive_due": due.isoformat(timespec="seconds"), "rule": "24_hours", "reason": ""}


def op_open_case(ctx, opened_by: str, department: str, subject: str, enterprise_name: str, credit_code: str,
                 case_source: str, facts: str) -> dict:
    """Start a P11 case for findings made in another matter; the case records where it came from."""
    case = ctx.runtime.start(PROCESS, {
        "subject": subject[:100], "enterprise_name": enterprise_name, "credit_code": credit_code,
        "department": department, "case_source": case_source, "source_instance": ctx.instance_id,
        "facts": facts or subject}, opened_by)
    return {"case_instance": case.id}


def op_publish(ctx, department: str, enterprise_name: str, credit_code: str, decision_no: str,
               penalty_content: str, decided_on: str) -> dict:
    row = public_notices.publish(ctx, "penalty", department, enterprise_name, credit_code, decision_no,
                                 penalty_content, decided_on, ctx.instance_id)
    ctx.db.flush()
    return {"published": True, "notice_id": row.id}
