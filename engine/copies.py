"""抄送 recorded: people given a read-only view of a matter, once per person and step, logged once.

Below both callers: Office.copy (the holder's 抄送) and Tasks.finish (抄送 set in the diagram), so
completing a task never calls back up into the office service."""
from sqlalchemy import select

from .errors import NotFound
from .models import MatterCopy, Person


def record(ctx, instance_id: int, user: str, people: list[str], task_id: int | None = None) -> list[str]:
    """The people newly copied (a person already copied on this step is skipped)."""
    instance = ctx.runtime.instance(instance_id)
    added = []
    for person in dict.fromkeys(p.strip() for p in people if p and p.strip()):
        if ctx.db.get(Person, person) is None:
            raise NotFound(f"目录中没有人员“{person}”")
        exists = ctx.db.execute(select(MatterCopy.id).where(
            MatterCopy.instance_id == instance.id, MatterCopy.person_id == person,
            MatterCopy.task_id.is_(task_id) if task_id is None else MatterCopy.task_id == task_id)).first()
        if exists:
            continue
        ctx.db.add(MatterCopy(instance_id=instance.id, task_id=task_id, person_id=person, copied_by=user,
                              copied_at=ctx.clock.now()))
        added.append(person)
    if added:
        ctx.history.record("copied", instance.id, user, task_id=task_id, data={"to": added})
    ctx.db.flush()
    return added
