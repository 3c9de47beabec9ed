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


def take(key, revision: int):
    """The cached workflow for this revision, removed from the cache; None if absent or stale."""
    with _lock:
        entry = _entries.pop(key, None)
    if entry is None or entry[0] != revision:
        return None
    return entry[1]


def put_after_commit(session: Session, key, revision: int, workflow) -> None:
    pending = session.info.setdefault("workflow_cache_pending", {})
    pending[key] = (revision, workflow)
    if not session.info.get("workflow_cache_hooked"):
        session.info["workflow_cache_hooked"] = True
        event.listen(session, "after_commit", _publish)
        event.listen(session, "after_rollback", _discard)
        event.listen(session, "after_soft_rollback", _discard_soft)


def _publish(session: Session) -> None:
    pending = session.info.pop("workflow_cache_pending", {})
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


def _discard(session: Session) -> None:
    session.info.pop("workflow_cache_pending", None)


def _discard_soft(session: Session, _previous_transaction) -> None:
    session.info.pop("workflow_cache_pending", None)


def clear() -> None:
    with _lock:
        _entries.clear()
