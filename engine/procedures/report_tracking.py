"""What a member of the public who reported a violation may follow (000 §3(5): "及时受理并依法处理、答复").

The reporter gets a 查询码 when the report is filed: the matter's number and a tag only this installation
can make (sealing.tag, keyed from the identity key), so nothing is stored and nothing guesses its way in.
With the code the reporter reads where the report stands and the reply written for them; never the
staff's names, the findings, nor anything of the sealed identity.
"""
import base64
import hmac
import re
from typing import Any

from .. import sealing, states
from .complaints import PROCESS
from ..models import Instance

PURPOSE = "report-tracking"
CODE = re.compile(r"^\s*(\d{1,10})-([A-Z2-7]{12})\s*$")
STEPS = [("accept_report", "受理审查"), ("handle_report", "核查处理"), ("reply_reporter", "答复举报人")]


def code_for(instance_id: int) -> str:
    tag = base64.b32encode(sealing.tag(PURPOSE, str(instance_id))).decode()[:12]
    return f"{instance_id}-{tag}"


def matter_for(db, code: str) -> Instance | None:
    """The report a code names, or None for any code this installation did not give out."""
    found = CODE.match((code or "").upper().replace(" ", ""))
    if not found or not hmac.compare_digest(code_for(int(found.group(1))), f"{found.group(1)}-{found.group(2)}"):
        return None
    matter = db.get(Instance, int(found.group(1)))
    return matter if matter is not None and matter.process_key == PROCESS else None


def progress(ctx, matter: Instance) -> dict:
    """Where the report stands, in the words the reporter is told."""
    data = ctx.runtime.data(matter)
    rows = {t.spec_id: t for t in ctx.tasks.of_instance(matter.id)}
    steps: list[dict[str, Any]] = [{"name": name, "done_at": rows[spec].completed_at if spec in rows and rows[spec].state == states.TASK_COMPLETED else None,
              "open": spec in rows and rows[spec].state == states.TASK_OPEN} for spec, name in STEPS]
    result = {"received_at": matter.started_at, "subject": data.get("subject", ""), "steps": steps,
              "reply": "", "reason": "", "reward": None, "ended": matter.status in states.ENDED}
    if data.get("decision") == "not_accept":  # accept_report's own answer
        result["stage"], result["reason"] = "不予受理", str(data.get("reason", ""))
        result["steps"] = steps[:1]
    elif matter.status in (states.TERMINATED, states.CANCELLED):
        result["stage"] = "已终止办理"
    elif "reply_reporter" in rows and rows["reply_reporter"].state == states.TASK_COMPLETED:
        result["stage"], result["reply"] = "已答复", str(data.get("reply_summary", ""))
        result["reward"] = reward(data, "approve_reward" in rows and rows["approve_reward"].state == states.TASK_OPEN)
    elif matter.status == states.COMPLETED:
        result["stage"] = "已办结" + ("（匿名举报，不作答复）" if data.get("anonymous") else "")
    else:
        open_step = next((s["name"] for s in steps if s["open"]), "")
        result["stage"] = {"受理审查": "已收到，正在受理审查", "核查处理": "已受理，正在核查处理",
                           "答复举报人": "核查完毕，正在答复"}.get(open_step, "办理中")
    return result


def reward(data: dict, deciding: bool) -> dict | None:
    """The reward decision the reporter is told (000 §3(5) 有奖举报): being decided, granted with its
    amount, or refused with the reason written for them; None where no reward was proposed."""
    if deciding:
        return {"pending": True}
    if data.get("reward_decision") == "refuse":  # the approver's own answer (approve_reward), not a copy
        return {"granted": False, "reason": str(data.get("reward_refusal_reason", ""))}
    if isinstance(data.get("reward"), dict) and data["reward"].get("rewarded"):
        return {"granted": True, "amount": data["reward"].get("amount")}
    return None
