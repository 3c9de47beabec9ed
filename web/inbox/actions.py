"""The task actions, declared once with who may use them; pages draw their buttons from this list
and the views refuse what it does not allow (the engine checks again under the row lock)."""
from dataclasses import dataclass
from typing import Callable

from flask import g

from engine import states
from engine.models import HumanTask


@dataclass(frozen=True)
class Situation:
    task: HumanTask
    user: str
    candidates: list[str]

    @property
    def open(self) -> bool:
        return self.task.state == states.TASK_OPEN


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    style: str
    allowed: Callable[[Situation], bool]


ACTIONS = [
    Action("claim", "认领", "primary",
           lambda s: s.open and s.task.assignee is None and s.user in s.candidates),
    Action("unclaim", "放回", "secondary",
           lambda s: s.open and s.task.assignee == s.user and s.candidates != [s.user]),
    Action("hand_over", "转交", "secondary",
           lambda s: s.open and s.task.assignee == s.user and bool(g.engine.tasks.hand_over_targets(s.task, s.user))),
    Action("complete", "提交办理", "primary",
           lambda s: s.open and (s.task.assignee == s.user if s.task.assignee else s.user in s.candidates)),
]
BY_NAME = {a.name: a for a in ACTIONS}


def situation(engine, task: HumanTask, user: str) -> Situation:
    return Situation(task, user, engine.tasks.candidates(task.id))


def available(engine, task: HumanTask, user: str) -> dict[str, Action]:
    s = situation(engine, task, user)
    return {a.name: a for a in ACTIONS if a.allowed(s)}
