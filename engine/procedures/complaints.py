"""P12 complaints and reports (投诉举报): the reporter's identity is kept confidential.

000 §3(5) and 001 §4(4)4: "依法为举报人保密，落实有奖举报制度". The identity never enters workflow data,
forms, the event log or any page other than the handling officer's:

1. `seal_identity` stores name and contact, encrypted (`engine/sealing.py`), in the `reporter_identity`
   table and returns an opaque reference (`RPT-…`, 128 random bits). Only the reference goes into the
   matter's start data.
2. The service task `complaint.register_reporter` binds the sealed record to the matter (keyed by
   instance id). Its logged parameters and result carry the reference only.
3. `reporter_identity(ctx, instance_id, user)` returns the identity only to a person who, at that
   moment, holds an open handling task of the matter (`handle_report`, `reply_reporter`) *through its
   role*: the task is theirs (assigned to them, or delegated out by them) and they hold the task's
   lane role in its department now. A delegate (委派), a person an administrator reassigned the task
   to without the role, or anyone once handling is over, is refused, and the attempt is logged in the
   matter's event log (`identity_refused`); the caller commits that entry with the refusal.
4. `complaint.record_reward` records a reward against the sealed record, so it can be paid without
   the identity ever passing through the workflow.
"""
import secrets

from sqlalchemy import select

from .. import directory, input_text, sealing, states
from ..errors import FormInvalid, NotCandidate, NotFound, ScriptError
from ..models import HumanTask, Instance, ReporterIdentity

PROCESS = "p12_complaint_report"
IDENTITY_LIMITS = {"name": ("姓名", 100), "phone": ("联系电话", 50), "id_number": ("身份证号码", 30),
                   "address": ("住址", 300)}  # characters each part of a sealed identity may have
HANDLING_TASKS = ("handle_report", "reply_reporter")


def seal_identity(db, now, name: str, phone: str = "", id_number: str = "", address: str = "") -> str:
    if not (name or "").strip() and not (phone or "").strip():
        raise ScriptError("实名举报须填写姓名或联系方式")
    identity = {"name": (name or "").strip(), "phone": (phone or "").strip(),
                "id_number": (id_number or "").strip(), "address": (address or "").strip()}
    for field, value in identity.items():  # never cut: a cut phone number reaches nobody
        title, most = IDENTITY_LIMITS[field]
        if len(value) > most:
            raise FormInvalid({field: input_text.too_long(title, most)}, input_text.too_long(title, most))
    ref = "RPT-" + secrets.token_hex(16)
    db.add(ReporterIdentity(ref=ref, sealed=sealing.seal(identity), sealed_at=now))
    db.flush()
    return ref


class IdentityRefused(NotCandidate):
    """Refused, and logged: the caller commits the log entry even though the read was refused."""


def handling_officers(db, instance_id: int) -> set[str]:
    """Who may read the identity now: the holder of an open handling task who holds its role."""
    officers = set()
    for task in db.execute(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.spec_id.in_(HANDLING_TASKS), HumanTask.state == states.TASK_OPEN)).scalars():
        holder = task.delegated_by or task.assignee  # while delegated, the task stays the delegator's
        if holder and directory.holds(db, holder, task.department, task.role):
            officers.add(holder)
    return officers


def reporter_identity(ctx, instance_id: int, user: str) -> dict:
    """The reporter's identity, for the handling officer only (see the module's docstring)."""
    db = ctx.db
    matter = db.get(Instance, instance_id)
    if matter is None or matter.process_key != PROCESS:
        raise NotFound("该事项不是投诉举报事项，没有举报人信息")
    if not user or user not in handling_officers(db, instance_id):
        ctx.history.record("identity_refused", instance_id, user or "anonymous",
                           data={"reason": "不是此刻承办该举报的执法人员"})
        raise IdentityRefused("举报人信息仅此刻承办该举报的执法人员可以查看")
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
