"""经营异常名录 (001 §4(4)2 "强化信用约束，建立健全经营异常名录制度和违法经营者黑名单制度").

The seed names the list and nothing more; the rules here are those of 企业信息公示暂行条例 (第十七条) and
企业经营异常名录管理暂行办法, which every market regulator works by:
- the market regulator (市市场监督管理局) lists an enterprise for one of four reasons and removes it once
  the enterprise has done what the reason asks (补报年报, 公示, 更正, or it can be reached again);
- the list is public: a listing is a public notice, withdrawn on removal;
- a listed enterprise's credit is lowered for the double random draw (004 §4(1), engine/procedures/inspection.py);
- an enterprise still listed three years on goes to the 严重违法失信 list: it is referred to P13;
- an enterprise a double random inspection (P10) found 查无下落 is offered for listing as unreachable.
Every listing, removal and referral is in the event log (entries without a matter).
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select

from .. import directory, input_text
from . import public_notices
from ..errors import InvalidState, NotCandidate
from ..forms import uscc_problem
from ..models import AbnormalListing, PublicNotice

AUTHORITY = "market_bureau"  # 企业信息公示暂行条例第十七条: 工商行政管理部门 (now 市场监督管理部门)
ACTING_ROLES = ("responsible_person", "enforcement_officer")
REASONS = {  # 企业经营异常名录管理暂行办法第四条, and what removes each (第十一条至第十四条)
    "annual_report": ("未按照规定的期限公示年度报告", "已补报并公示年度报告"),
    "not_disclosed": ("未在责令的期限内公示有关企业信息", "已履行公示义务"),
    "false_information": ("公示企业信息隐瞒真实情况、弄虚作假", "已更正其公示的信息"),
    "unreachable": ("通过登记的住所或者经营场所无法联系", "已依法办理住所变更登记或恢复联系"),
}
SERIOUS_AFTER_YEARS = 3  # 企业信息公示暂行条例第十七条第二款
P13 = "p13_credit_blacklist"
PAGE_SIZE = 50  # listings on one page of the staff list


def may_act(db, user: str) -> bool:
    return any(directory.holds(db, user, AUTHORITY, role) for role in ACTING_ROLES)


def _may_act(db, user: str) -> None:
    if not may_act(db, user):
        raise NotCandidate("只有市市场监督管理局的责任人和执法人员可以办理经营异常名录的列入和移出")


def listed(db, credit_code: str) -> AbnormalListing | None:
    return db.execute(select(AbnormalListing).where(
        AbnormalListing.credit_code == credit_code, AbnormalListing.removed_at.is_(None))).scalars().first()


@dataclass(frozen=True)
class Page:
    """One page of the list, newest listings first."""
    rows: list[AbnormalListing]
    total: int  # listings matching, on every page
    number: int  # 1-based, within 1..pages
    pages: int


def entries(db, current: bool = True, search: str = "", page: int = 1, size: int = PAGE_SIZE) -> Page:
    """The listings (only those on the list now, unless `current` is off) whose name contains `search` or
    whose credit code starts with it; page `page` of them, a page out of range giving the nearest one."""
    where: list[ColumnElement[bool]] = [AbnormalListing.removed_at.is_(None)] if current else []
    text = (search or "").strip()
    if text:
        pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(or_(AbnormalListing.enterprise_name.like(f"%{pattern}%", escape="\\"),
                         AbnormalListing.credit_code.like(f"{pattern.upper()}%", escape="\\")))
    total = db.execute(select(func.count()).select_from(AbnormalListing).where(*where)).scalar_one()
    pages = max(1, -(-total // size))
    number = min(max(1, page), pages)
    rows = db.execute(select(AbnormalListing).where(*where)
                      .order_by(AbnormalListing.listed_on.desc(), AbnormalListing.id.desc())
                      .offset((number - 1) * size).limit(size)).scalars()
    return Page(list(rows), total, number, pages)


def add(ctx, user: str, credit_code: str, enterprise_name: str, reason: str, facts: str, decision_no: str,
        listed_on: str) -> AbnormalListing:
    _may_act(ctx.db, user)
    code = (credit_code or "").strip().upper()
    problem = uscc_problem(code)
    if problem:
        raise InvalidState(problem)
    if reason not in REASONS:
        raise InvalidState("请选择列入经营异常名录的事由")
    name = input_text.text(enterprise_name, "enterprise_name", "企业名称", required=True, max_length=300)
    facts = input_text.text(facts, "facts", "事实", required=True)
    number = input_text.text(decision_no, "decision_no", "列入决定书文号", required=True, max_length=100)
    if listed(ctx.db, code):
        raise InvalidState("该企业已在经营异常名录中")
    on = _day(listed_on)
    row = AbnormalListing(credit_code=code, enterprise_name=name, department=AUTHORITY, reason=reason, facts=facts,
                          decision_no=number, listed_on=on, listed_by=user)
    notice = public_notices.publish(ctx, "abnormal", AUTHORITY, row.enterprise_name, code, row.decision_no,
                                    f"列入经营异常名录：{REASONS[reason][0]}", on)
    ctx.db.add(row)
    ctx.db.flush()
    row.notice_id = notice.id
    ctx.history.record("abnormal_listed", None, user, data={
        "listing_id": row.id, "credit_code": code, "enterprise_name": row.enterprise_name, "reason": reason,
        "decision_no": row.decision_no})
    return row


def remove(ctx, user: str, listing_id: int, remedied: bool, note: str) -> AbnormalListing:
    """Removal once the enterprise did what its listing reason asks (办法第十一条至第十四条)."""
    _may_act(ctx.db, user)
    row = ctx.db.get(AbnormalListing, int(listing_id))
    if row is None or row.removed_at is not None:
        raise InvalidState("该企业不在经营异常名录中")
    if not remedied:
        raise InvalidState(f"移出须确认企业{REASONS[row.reason][1]}")
    note = input_text.text(note, "note", "核实情况", required=True)
    now = ctx.clock.now()
    row.removed_at, row.removed_by, row.removal_reason = now, user, REASONS[row.reason][1]
    notice = ctx.db.get(PublicNotice, row.notice_id) if row.notice_id else None
    if notice is not None:
        notice.withdrawn_at = now
    ctx.history.record("abnormal_removed", None, user, data={
        "listing_id": row.id, "credit_code": row.credit_code, "removal_reason": row.removal_reason,
        "note": note})
    return row


def unreachable_in_inspections(db) -> list[PublicNotice]:
    """Enterprises a double random inspection found 查无下落 (P10), not listed now: the listing reason
    "通过登记的住所或者经营场所无法联系" may apply; the regulator decides."""
    from .inspection import RESULTS

    found = list(db.execute(select(PublicNotice).where(
        PublicNotice.kind == "inspection", PublicNotice.result == RESULTS["not_found"],
        PublicNotice.withdrawn_at.is_(None)).order_by(PublicNotice.on_date.desc()).limit(200)).scalars())
    seen = set(db.execute(select(AbnormalListing.credit_code).where(  # one query, not one per enterprise
        AbnormalListing.credit_code.in_({n.credit_code for n in found}), AbnormalListing.removed_at.is_(None))).scalars())
    rows = []
    for notice in found:
        if notice.credit_code not in seen:
            seen.add(notice.credit_code)
            rows.append(notice)
    return rows


def due_for_serious_list(db, now: datetime) -> list[AbnormalListing]:
    """Still listed three years after being listed and not yet referred to P13, the longest listed first.
    Asked of the table itself: the oldest listings are the ones due, not the newest the page shows."""
    return list(db.execute(select(AbnormalListing).where(
        AbnormalListing.removed_at.is_(None), AbnormalListing.referred_instance.is_(None),
        AbnormalListing.listed_on < _due_if_listed_before(now.date()))
        .order_by(AbnormalListing.listed_on, AbnormalListing.id).limit(500)).scalars())


def refer_to_blacklist(ctx, user: str, listing_id: int) -> int:
    """Start P13 for an enterprise listed three years without removal (条例第十七条第二款)."""
    _may_act(ctx.db, user)
    row = ctx.db.get(AbnormalListing, int(listing_id))
    if (row is None or row.removed_at is not None or row.referred_instance is not None
            or row.listed_on >= _due_if_listed_before(ctx.clock.now().date())):
        raise InvalidState("只有列入经营异常名录满三年仍未移出、尚未移送的企业才移送列入严重违法失信名单")
    matter = ctx.runtime.start(P13, {
        "subject": f"{row.enterprise_name}列入经营异常名录满三年未移出", "enterprise_name": row.enterprise_name,
        "credit_code": row.credit_code, "department": AUTHORITY, "violation_kind": "abnormal_list_three_years",
        "severity": "serious", "description": f"{row.listed_on.isoformat()}因{REASONS[row.reason][0]}列入经营异常名录"
        f"（{row.decision_no}），满三年未移出。", "decision_no": row.decision_no,
        "occurred_on": _years_after(row.listed_on).isoformat()}, user)
    row.referred_instance = matter.id
    ctx.history.record("abnormal_referred", matter.id, user, data={"listing_id": row.id, "credit_code": row.credit_code})
    return matter.id


def _day(value: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidState("日期格式应为 YYYY-MM-DD") from None


def _due_if_listed_before(today: date) -> date:
    """Listings of days before this one have been listed three years by `today` (_years_after(listed_on) <
    today): `today` three years back, where 29 February goes back to 1 March."""
    try:
        return today.replace(year=today.year - SERIOUS_AFTER_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - SERIOUS_AFTER_YEARS, month=3, day=1)


def _years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + SERIOUS_AFTER_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + SERIOUS_AFTER_YEARS, day=28)
