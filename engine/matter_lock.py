"""A matter's row lock, taken once per transaction.

Every change to a matter (a step, a timer, an event appended to its chain) happens under the lock on
its instance row. Steps take it when they load the matter; the event log needs it too, so the
transaction remembers which matters it holds and does not ask the database twice.
"""
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .db import is_lock_timeout
from .errors import Busy
from .models import Instance


def _held(session: Session) -> set[int]:
    """Matters locked by the current outermost transaction (a commit or rollback starts a new set)."""
    transaction = session.get_transaction()
    held = session.info.get("held_matter_locks")
    if held is None or held[0] is not transaction:
        held = session.info["held_matter_locks"] = (transaction, set())
    return held[1]


def remember(session: Session, instances) -> None:
    """Note rows just locked by the caller's own query (e.g. the timer sweep's SKIP LOCKED batch).
    Locks taken inside a savepoint are not kept: rolling the savepoint back releases them."""
    if not session.in_nested_transaction():
        _held(session).update(i.id for i in instances)


def lock(session: Session, instance_id: int) -> Instance | None:
    """The matter's row, locked until the transaction ends and read after the lock was granted."""
    held = _held(session)
    if instance_id in held:
        row = session.get(Instance, instance_id)
        if row is not None:
            return row
    try:
        row = session.execute(select(Instance).where(Instance.id == instance_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one_or_none()
    except OperationalError as err:
        if is_lock_timeout(err):
            raise Busy() from err
        raise
    if row is not None:
        remember(session, [row])
    return row


def lock_free(session: Session, *conditions, limit: int | None = None) -> list[Instance]:
    """The matters meeting `conditions` that no one else holds, locked in id order (`SKIP LOCKED`:
    several workers share the matters instead of waiting for each other)."""
    query = select(Instance).where(*conditions).order_by(Instance.id).with_for_update(skip_locked=True)
    rows = list(session.execute(query.limit(limit) if limit else query).scalars())
    remember(session, rows)
    return rows
