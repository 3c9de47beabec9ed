"""The lists an office worker looks for beside 待办 (shared/office-conventions.md): 已办 (steps I
completed), 我发起的 (matters I started), and for the 督查室 the late tasks of every department, to
催办 them (003 §3(3)). Who may read the late list is decided here, not in the pages."""
from datetime import datetime

from sqlalchemy import select

from . import directory, states
from .errors import NotCandidate
from .models import HumanTask, Instance, WITHOUT_STATE

DONE_STATES = states.TASK_HANDLED


class Worklists:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def done_by(self, user: str, limit: int = 200) -> list[tuple[HumanTask, Instance]]:
        """已办: the steps I completed or sent back, newest first."""
        return list(self.db.execute(
            select(HumanTask, Instance).join(Instance, Instance.id == HumanTask.instance_id).options(WITHOUT_STATE)
            .where(HumanTask.completed_by == user, HumanTask.state.in_(DONE_STATES))
            .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(limit)).all())

    def started_by(self, user: str, limit: int = 200) -> list[tuple[Instance, list[HumanTask]]]:
        """我发起的: my matters, newest first, each with the steps open on it now."""
        matters = list(self.db.execute(select(Instance).options(WITHOUT_STATE).where(Instance.started_by == user)
                                       .order_by(Instance.started_at.desc(), Instance.id.desc()).limit(limit)).scalars())
        open_steps: dict[int, list[HumanTask]] = {m.id: [] for m in matters}
        if matters:
            for task in self.db.execute(select(HumanTask).where(
                    HumanTask.instance_id.in_(open_steps), HumanTask.state == states.TASK_OPEN)
                    .order_by(HumanTask.id)).scalars():
                open_steps[task.instance_id].append(task)
        return [(m, open_steps[m.id]) for m in matters]

    def may_oversee(self, user: str) -> bool:
        """督查人员 and administrators watch every department's deadlines."""
        return directory.is_admin(self.db, user) or any(
            r.role == "supervisor" for r in directory.roles_of(self.db, user))

    def late(self, user: str, now: datetime | None = None) -> list[tuple[HumanTask, Instance]]:
        """Open tasks past their deadline, in any department, the latest first (paused ones are not
        counting: 补正 stops the clock)."""
        if not self.may_oversee(user):
            raise NotCandidate("只有督查人员或管理员可以查看全部超期任务")
        now = now or self.ctx.clock.now()
        return list(self.db.execute(
            select(HumanTask, Instance).join(Instance, Instance.id == HumanTask.instance_id).options(WITHOUT_STATE)
            .where(HumanTask.state == states.TASK_OPEN, HumanTask.due_at.is_not(None), HumanTask.due_at < now,
                   HumanTask.paused_at.is_(None), Instance.status.in_(states.ACTIVE))
            .order_by(HumanTask.due_at, HumanTask.id)).all())
