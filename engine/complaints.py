"""P12 complaints and reports (投诉举报): the reporter's identity is kept confidential.

000 §3(5) and 001 §4(4)4: "依法为举报人保密，落实有奖举报制度". The identity never enters workflow data,
forms, the event log or any page other than the handling officer's:

1. `seal_identity` stores name and contact, encrypted (`engine/sealing.py`), in the `reporter_identity`
   table and returns an opaque reference (`RPT-…`, 128 random bits). Only the reference goes into the
   matter's start data.
2. The service task `complaint.register_reporter` binds the sealed record to the matter (keyed by
   instance id). Its logged parameters and result carry the reference only.
3. `reporter_identity(db, instance_id, user)` returns the identity only to the officer assigned to the
   matter's handling task (`handle_report`, `reply_reporter`); everyone else gets `NotCandidate`.
4. `complaint.record_reward` records a reward against the sealed record, so it can be paid without
   the identity ever passing through the workflow.
"""
import secrets

from sqlalchemy import select

from . import sealing
from .errors import NotCandidate, NotFound, ScriptError
from .models import HumanTask, ReporterIdentity

HANDLING_TASKS = ("handle_report", "reply_reporter")


def seal_identity(db, now, name: str, phone: str = "", id_number: str = "", address: str = "") -> str:
    if not (name or "").strip() and not (phone or "").strip():
        raise ScriptError("实名举报须填写姓名或联系方式")
    ref = "RPT-" + secrets.token_hex(16)
    identity = {"name": (name or "").strip()[:100], "phone": (phone or "").strip()[:50],
                "id_number": (id_number or "").strip()[:30], "address": (address or "").strip()[:300]}
    db.add(ReporterIdentity(ref=ref, sealed=sealing.seal(identity), sealed_at=now))
    db.flush()
    return ref


def handling_officers(db, instance_id: int) -> set[str]:
    return {a for a in db.execute(select(HumanTask.assignee).where(
        HumanTask.instance_id == instance_id, HumanTask.spec_id.in_(HANDLING_TASKS))).scalars() if a}


def reporter_identity(db, instance_id: int, user: str) -> dict:
    """The reporter's identity, for the handling officer only."""
    if not user or user not in handling_officers(db, instance_id):
        raise NotCandidate("举报人信息仅承办该举报的执法人员可以查看")
    row = db.execute(select(ReporterIdentity).where(ReporterIdentity.instance_id == instance_id)).scalar_one_or_none()
    if row is None:
        raise NotFound("该举报为匿名举报，没有举报人信息")
    return {**sealing.unseal(row.sealed), "reward_amount": row.reward_amount}


def op_register_reporter(ctx, reporter_ref: str) -> dict:
    row = ctx.db.execute(select(ReporterIdentity).where(ReporterIdentity.ref == reporter_ref)).scalar_one_or_none()
    if row is None:
        raise ScriptError("举报人信息登记编号无效")
    if row.instance_id is not None and row.instance_id != ctx.instance_id:
        raise ScriptError("该举报人信息已登记到其他举报事项")
    row.instance_id = ctx.instance_id
    ctx.db.flush()
    return {"registered": True, "reporter_ref": reporter_ref}


def op_record_reward(ctx, amount: int) -> dict:
    row = ctx.db.execute(select(ReporterIdentity).where(
        ReporterIdentity.instance_id == ctx.instance_id)).scalar_one_or_none()
    if row is None:
        raise ScriptError("匿名举报无法兑现奖励")
    row.reward_amount, row.rewarded_at = int(amount), ctx.clock.now()
    ctx.db.flush()
    return {"rewarded": True, "amount": int(amount)}
