"""加签 / 减签: the holder adds colleagues whose opinions the step needs, before (前加签) or after
(后加签) their own; the step completes only when all have given theirs. Works on any user task."""
from sqlalchemy import select

from . import states
from .errors import InvalidState, NotCandidate, NotFound
from .models import HumanTask, Person, TaskSigner

POSITIONS = {"before": "前加签", "after": "后加签"}


class Signers:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def of_task(self, task_id: int) -> list[TaskSigner]:
        return list(self.db.execute(select(TaskSigner).where(
            TaskSigner.task_id == task_id, TaskSigner.removed_at.is_(None)).order_by(TaskSigner.id)).scalars())

    def pending(self, task_id: int, position: str) -> list[TaskSigner]:
        return [s for s in self.of_task(task_id) if s.position == position and s.signed_at is None]

    def waiting_for(self, user: str) -> list[tuple[TaskSigner, HumanTask]]:
        """Opinions asked of me: before-signers at once, after-signers once the holder has submitted."""
        rows = self.db.execute(select(TaskSigner, HumanTask).join(HumanTask, HumanTask.id == TaskSigner.task_id).where(
            TaskSigner.person_id == user, TaskSigner.signed_at.is_(None), TaskSigner.removed_at.is_(None),
            HumanTask.state == states.TASK_OPEN)).all()
        return [(s, t) for s, t in rows if s.position == "before" or t.held_by_signers]

    def add(self, task_id: int, user: str, people: list[str], position: str, revision: int | None) -> list[TaskSigner]:
        if position not in POSITIONS:
            raise InvalidState("加签方式只能是前加签或后加签")
        task, instance = self.ctx.tasks.lock_open(task_id, revision)
        if task.assignee != user:
            raise NotCandidate("只有当前办理人可以加签")
        if task.held_by_signers:
            raise InvalidState("已提交并等待后加签意见，不能再加签")
        present = {s.person_id for s in self.of_task(task.id)}
        added = []
        for person in dict.fromkeys(p.strip() for p in people if p and p.strip()):
            if person == user:
                raise InvalidState("不能给自己加签")
            if self.db.get(Person, person) is None:
                raise NotFound(f"目录中没有人员“{person}”")
            if person in present:
                continue
            row = TaskSigner(task_id=task.id, person_id=person, position=position, added_by=user,
                             added_at=self.ctx.clock.now())
            self.db.add(row)
            added.append(row)
        if not added:
            raise InvalidState("请选择要加签的人员")
        task.revision += 1
        self.ctx.history.record("signers_added", instance.id, user, task_id=task.id, spec_id=task.spec_id, name=task.name,
                                data={"people": [r.person_id for r in added], "position": position})
        self.db.flush()
        return added

    def remove(self, signer_id: int, user: str) -> None:
        signer = self.db.get(TaskSigner, signer_id)
        if signer is None or signer.removed_at is not None:
            raise NotFound("加签记录不存在")
        task, instance = self.ctx.tasks.lock_open(signer.task_id, None)
        if task.assignee != user:
            raise NotCandidate("只有当前办理人可以减签")
        if signer.signed_at is not None:
            raise InvalidState("该加签人已签署意见，不能减签")
        signer.removed_at = self.ctx.clock.now()
        task.revision += 1
        self.ctx.history.record("signer_removed", instance.id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"person": signer.person_id})
        self._finish_if_done(task, user)

    def sign(self, signer_id: int, user: str, opinion: str) -> TaskSigner:
        signer = self.db.get(TaskSigner, signer_id)
        if signer is None or signer.removed_at is not None:
            raise NotFound("加签记录不存在")
        if signer.person_id != user:
            raise NotCandidate("只有被加签人可以签署意见")
        task, instance = self.ctx.tasks.lock_open(signer.task_id, None)
        if signer.signed_at is not None:
            raise InvalidState("您已签署过意见")
        if signer.position == "after" and not task.held_by_signers:
            raise InvalidState("办理人提交后才能签署后加签意见")
        if not opinion or not opinion.strip():
            raise InvalidState("请填写意见")
        signer.opinion, signer.signed_at = opinion.strip(), self.ctx.clock.now()
        self.ctx.history.record("signed", instance.id, user, task_id=task.id, spec_id=task.spec_id, name=task.name,
                                data={"position": signer.position, "opinion": signer.opinion})
        self._finish_if_done(task, task.assignee)
        return signer

    def _finish_if_done(self, task: HumanTask, holder: str) -> None:
        """After the last after-signer, the step completes with what its holder submitted."""
        if task.held_by_signers and not self.pending(task.id, "after"):
            task.held_by_signers = False
            self.ctx.tasks.finish(task, holder, task.draft or {})
