"""The event log: append-only, each matter's entries chained to the previous one by SHA-256.

It is the evidence trail the seeds ask for (002: full-process record). Nothing in the product edits
or deletes it; `verify` recomputes the chains so an auditor can see any tampering. One chain per
matter (not one for the whole log) lets the timer workers and the web write to different matters at
the same time.
"""
import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import event as orm_event, select, text
from sqlalchemy.orm import Session

from . import matter_lock
from .models import Event, EventRecipient, Instance

CHAIN_LOCK = 0x4C44_4556  # "LDEV": the PostgreSQL advisory lock that serialises appends to the shared chain

# Entries addressed to people (their notifications): the recipients are in data "notify", "to" or "people".
ADDRESSED = {"reminded", "light_yellow", "light_red", "signers_added", "copied", "delegated",
             "extension_requested", "extension_refused", "delegation_returned", "transferred", "task_reassigned",
             "suspended", "resumed", "terminated", "cancelled"}  # the last four: the holders of its open steps


def recipients(data: dict) -> list[str]:
    to = data.get("notify") or data.get("to") or data.get("people") or []
    return sorted({str(p) for p in (to if isinstance(to, list) else [to])})


def _digest(prev_hash: str, event: Event) -> str:
    body = json.dumps(
        [prev_hash, event.instance_id, event.at.isoformat(), event.actor, event.kind, event.task_id,
         event.spec_id, event.name, event.data],
        ensure_ascii=False, sort_keys=True, default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _matter_head(session: Session, matter: Instance) -> str:
    """The hash the matter's next entry links to: its newest entry of this transaction still in the
    session (a rolled-back savepoint drops its entries), else the head stored on its row."""
    _, pending = session.info.get("event_heads", {}).get(matter.id, (None, []))
    newest = next((e for e in reversed(pending) if e in session), None)
    return newest.hash if newest is not None else (matter.event_head or "")


def settle_head(session: Session, matter: Instance) -> None:
    """Puts the matter's newest entry on its row, to go out with the step's own update of that row.
    Until then the head waits in the session: a step that flushes half-way (to learn a new task's id)
    would otherwise update the row twice. The entries stay known until commit, so a savepoint rolled
    back after this still leaves the head on the newest entry kept."""
    if matter.id in session.info.get("event_heads", {}):
        matter.event_head = _matter_head(session, matter)


@orm_event.listens_for(Session, "before_commit")
def _settle_heads(session: Session) -> None:
    """Entries logged outside a step (or after it saved) reach their matter's row at commit."""
    for matter, _ in list(session.info.get("event_heads", {}).values()):
        if matter in session:
            settle_head(session, matter)
    session.info.pop("event_heads", None)


class History:
    def __init__(self, session: Session, clock):
        self.db = session
        self.clock = clock

    def record(self, kind: str, instance_id: int | None = None, actor: str = "system", task_id=None,
               spec_id: str = "", name: str = "", data: dict | None = None, at: datetime | None = None) -> Event:
        event = Event(
            instance_id=instance_id, at=(at or self.clock.now()).astimezone(UTC), actor=actor, kind=kind, task_id=task_id,
            spec_id=spec_id, name=name, data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
            per_matter=True,
        )
        # Each matter has its own chain, its head kept on the matter's row: writers to different
        # matters never wait for each other, and appending needs no query when the step already holds
        # the matter. Entries without a matter (deployments, calendar imports) share one chain.
        matter = None
        if instance_id is not None:
            matter = matter_lock.lock(self.db, instance_id)
            if matter is None:
                raise ValueError(f"no matter {instance_id} to log {kind!r} for")
            event.prev_hash = _matter_head(self.db, matter)
        else:
            event.prev_hash = self._shared_head()
        event.hash = _digest(event.prev_hash, event)
        if kind in ADDRESSED:
            event.recipients = [EventRecipient(person_id=p) for p in recipients(event.data)]
        self.db.add(event)  # flushed with the rest of the unit of work
        if matter is not None:  # its row's head is set once a step saves (settle_head)
            self.db.info.setdefault("event_heads", {}).setdefault(matter.id, (matter, []))[1].append(event)
        else:  # the shared chain's newest entry, for this outermost transaction (which holds its lock)
            self.db.info["event_shared_head"] = (self.db.get_transaction(), event)
        return event

    def _shared_head(self) -> str:
        """The hash the next entry of the shared chain links to, with that chain locked until commit:
        on PostgreSQL a transaction-scoped advisory lock taken before the head is read (a row lock on
        the last entry would not do: a waiter gets that same row once the holder commits); SQLite
        writers are serialised by BEGIN IMMEDIATE (engine/db.py)."""
        transaction, known = self.db.info.get("event_shared_head", (None, None))
        if known is not None and transaction is self.db.get_transaction() and known in self.db:  # not rolled back
            return known.hash
        if self.db.get_bind().dialect.name == "postgresql":
            self.db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        last = self.db.execute(select(Event.hash).where(Event.instance_id.is_(None), Event.per_matter.is_(True))
                               .order_by(Event.id.desc()).limit(1)).scalar_one_or_none()
        return last or ""

    def events(self, instance_id: int, kind: str | None = None) -> list[Event]:
        query = select(Event).where(Event.instance_id == instance_id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(self.db.execute(query.order_by(Event.id)).scalars())

    def verify(self) -> list[str]:
        """Problems in the chains (empty when intact): each matter's entries, and the entries without a
        matter, link in order of id, and each matter's chain ends where its row says (so entries cut
        off the end show too). Entries written before per-matter chains (migration 0010) form one
        chain of their own and are checked as such."""
        problems: list[str] = []
        heads: dict[tuple, str] = {}
        # streamed: the whole log never sits in memory at once
        for event in self.db.execute(select(Event).order_by(Event.id).execution_options(yield_per=2000)).scalars():
            chain = ("matter", event.instance_id) if event.per_matter else ("log", None)
            if event.prev_hash != heads.get(chain, ""):
                problems.append(f"事件 {event.id}：前序哈希不符（记录被删除或插入）")
            if _digest(event.prev_hash, event) != event.hash:
                problems.append(f"事件 {event.id}：内容与哈希不符（记录被修改）")
            heads[chain] = event.hash
        for instance_id, head in self.db.execute(select(Instance.id, Instance.event_head).order_by(Instance.id)):
            if (head or "") != heads.get(("matter", instance_id), ""):
                problems.append(f"事项 {instance_id}：事件链末端与事项记录不符（末尾记录被删除）")
        return problems
