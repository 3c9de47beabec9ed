"""The administrator's repairs on a matter (/admin/instances/<id>), declared as operations for the
audience "admin" (web/registry.py; web/office/operations.py has the staff's): label, the fields they ask for, the engine call,
the message after it and the confirmation asked before one that cannot be undone. The console page
draws its buttons from this list and `admin.act` runs it; the engine checks again under the row lock."""
import json

from flask import g

from engine import states

from ..registry import Operation, Param


def _id(value) -> int:
    """A task, timer or version chosen on the page; anything else is no such thing (the engine says so)."""
    try:
        return int(str(value or "").strip())
    except ValueError:
        return 0


def _json(text: str | None):
    try:
        return json.loads(text or "")
    except ValueError:
        return text  # plain text is taken as a string value


def _repair(name: str, label: str, run, params=(), done: str = "", confirm: str = "",
            shown=lambda _m, _u: True) -> Operation:
    return Operation(name, label, "", "matter", shown, run, list(params), done, confirm, audience="admin")


def _in(statuses):
    """Shown on the console only for a matter in one of these states (the engine refuses the others)."""
    return lambda matter, _user: matter.status in statuses


REPAIRS = [
    _repair("suspend", "挂起", lambda m, u, p: g.engine.management.suspend(m.id, u, p.get("reason", "")),
            [Param("reason", "原因", required=False)], "事项已挂起", shown=_in(states.ACTIVE)),
    _repair("resume", "激活", lambda m, u, _p: g.engine.management.resume(m.id, u), [], "事项已激活",
            shown=_in(states.RESUMABLE)),
    _repair("retry", "重试", lambda m, u, _p: g.engine.management.retry(m.id, u), [], "已重试",
            shown=_in(states.REPAIRABLE)),
    _repair("terminate", "终止", lambda m, u, p: g.engine.management.terminate(m.id, u, p.get("reason", "")),
            [Param("reason", "原因")], "事项已终止",
            "终止后，该事项所有未办结的步骤和定时器都将关闭，各办理人会收到通知，且不能恢复。确定终止？",
            shown=_in(states.UNFINISHED)),
    # the console shows these beside the row they act on (a task, a timer, the data) or on their own page
    _repair("reassign", "改派", lambda _m, u, p: g.engine.management.reassign(
                _id(p.get("task")), p.get("to", "").strip(), u, p.get("reason", "")),
            [Param("task", "任务"), Param("to", "改派给", hint="人员账号"), Param("reason", "原因")], "任务已改派"),
    _repair("fire_timer", "立即触发", lambda _m, u, p: g.engine.management.fire_timer_now(_id(p.get("timer")), u),
            [Param("timer", "定时器")], "定时器已触发"),
    _repair("edit_data", "修改", lambda m, u, p: g.engine.management.edit_data(
                m.id, p.get("key", "").strip(), _json(p.get("value")), u, p.get("reason", "")),
            [Param("key", "字段"), Param("value", "新值（JSON 或文本）", required=False), Param("reason", "原因")],
            "数据已修改"),
    _repair("migrate", "迁移", lambda m, u, p: g.engine.management.migrate(m.id, _id(p.get("version")), u),
            [Param("version", "迁移到版本")], "已迁移到新版本"),
]
BY_NAME = {op.name: op for op in REPAIRS}
BUTTONS = [BY_NAME[name] for name in ("suspend", "resume", "retry", "terminate")]  # the 处置操作 card
