"""Deserialized workflows kept between requests, so a step need not rebuild the matter from text.

An entry is exactly the committed state of one revision of a matter: it is put in only after the
transaction that saved it commits, and taken out (never shared) by the next step that loads that
revision under the matter's row lock. A rolled-back step leaves nothing behind; a worker that
missed a newer revision sees the revision differ and deserializes as usual.
"""
import os
import threading
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.orm import Session

# A deserialized matter of a real procedure takes about a megabyte: keep the hot ones only.
MAX_ENTRIES = int(os.environ.get("LIANDONG_WORKFLOW_CACHE", "64"))
_entries: OrderedDict = OrderedDict()
_lock = threading.Lock()


def key_of(session: Session, instance) -> tuple:
    """A matter's entry: by database too, as two databases may give one id to different matters."""
    return str(session.get_bind().engine.url), instance.id


def take(key, revision: int):
    """The cached workflow for this revision, removed from the cache; None if absent or stale."""
    with _lock:
        entry = _entries.pop(key, None)
    if entry is None or entry[0] != revision:
        return None
    return entry[1]


def put_after_commit(session: Session, key, revision: int, workflow) -> None:
    session.info.setdefault("workflow_cache_pending", {})[key] = (revision, workflow)


# Listened to on the class, once: a listener added to each session costs more than a step's query.
@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop("workflow_cache_pending", {})
    if not pending:
        return
    for _revision, workflow in pending.values():
        # The script engine holds the finished request's services and session: let them go. The next
        # step that takes the workflow attaches its own.
        workflow.script_engine = None
    with _lock:
        for key, entry in pending.items():
            _entries[key] = entry
            _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop("workflow_cache_pending", None)


@event.listens_for(Session, "after_soft_rollback")
def _discard_soft(session: Session, _previous_transaction) -> None:
    session.info.pop("workflow_cache_pending", None)


def clear() -> None:
    with _lock:
        _entries.clear()
