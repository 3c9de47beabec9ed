"""The task page's own actions (认领, 放回, 转交, 提交办理), declared as operations for the audience
"task" (web/registry.py): who sees each and the engine call. The page draws its buttons from this list
and its routes run the declaration; the engine checks again under the row lock."""
from flask import g

from engine import states
from engine.models import HumanTask

from ..present import person_name
from ..registry import Operation, Param


def _open(task: HumanTask) -> bool:
    return task.state == states.TASK_OPEN


def _candidates(task: HumanTask) -> list[str]:
    return g.engine.tasks.candidates(task.id)


def _colleagues(task, user):
    return [(p, person_name(p)) for p in g.engine.tasks.hand_over_targets(task, user)]


def _action(name: str, label: str, shown, run, params=(), done: str = "", style: str = "secondary") -> Operation:
    return Operation(name, label, "", "task", shown, run, list(params), done, audience="task", style=style)


ACTIONS = [
    _action("claim", "认领", lambda t, u: _open(t) and t.assignee is None and u in _candidates(t),
            lambda t, u, p: g.engine.tasks.claim(t.id, u, p.get("revision")),
            done="已认领，该任务已移入“我的待办”", style="primary"),
    _action("unclaim", "放回", lambda t, u: _open(t) and t.assignee == u and _candidates(t) != [u],
            lambda t, u, p: g.engine.tasks.unclaim(t.id, u, p.get("revision")),
            done="已放回待认领，同岗位同事可以认领"),
    _action("hand_over", "转交",
            lambda t, u: _open(t) and t.assignee == u and bool(g.engine.tasks.hand_over_targets(t, u)),
            lambda t, u, p: g.engine.tasks.hand_over(t.id, u, p.get("to_user", ""), p.get("reason", ""),
                                                     p.get("revision")),
            [Param("to_user", "接收人", "select", options=_colleagues),
             Param("reason", "转交原因", "textarea")]),
    _action("complete", "提交办理",
            lambda t, u: _open(t) and (t.assignee == u if t.assignee else u in _candidates(t)),
            lambda t, u, p: g.engine.tasks.complete(t.id, u, p.get("data") or {}, p.get("revision")),
            style="primary"),
]
BY_NAME = {a.name: a for a in ACTIONS}


def available(task: HumanTask, user: str) -> dict[str, Operation]:
    return {a.name: a for a in ACTIONS if a.shown(task, user)}
