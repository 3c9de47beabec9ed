"""双公示, the approval half (001 §4(3)5 "加快推进行政许可和行政处罚等信用信息“双公示”制度"): P1 publishes
each 行政许可 decision on the public pages, as P11 publishes penalty decisions.

Only what the publicity rules let out is copied into the notice: the holder's name and unified social
credit code, the decision's document number, the item and the decision (with its content and period of
validity when given), the date and the licensing authority. The approval documents (审批要件), the changes
of standard elements and everything else of the matter stay inside: they may hold personal data and
business secrets, which 004 §4(3) "除涉及国家秘密、商业秘密、个人隐私等依法不予公开的信息外" keeps out.
"""
from datetime import date

from . import public_notices
from ..errors import ScriptError
from ..forms import uscc_problem

KIND = "licence"
AUTHORITY = "approval_bureau"  # 许可机关: the bureau, whichever section handled the item
RESULTS = {"granted": "准予许可", "changed": "准予变更", "renewed": "准予延续", "deregistered": "注销"}


def op_publish(ctx, enterprise_name: str, credit_code: str, decision_no: str, item: str, result: str,
               decided_on: str, licence_content: str = "", valid_until: str = "") -> dict:
    problem = uscc_problem(credit_code)
    if problem:
        raise ScriptError(problem)
    if result not in RESULTS:
        raise ScriptError(f"审批结果“{result}”无效")
    words = [f"{RESULTS[result]}：{(licence_content or '').strip() or item}"]
    if valid_until:
        words.append(f"有效期至{date.fromisoformat(valid_until[:10]).isoformat()}")
    row = public_notices.publish(ctx, KIND, AUTHORITY, enterprise_name, credit_code, decision_no, "；".join(words),
                                 decided_on, ctx.instance_id)
    ctx.db.flush()
    return {"published": True, "notice_id": row.id}
