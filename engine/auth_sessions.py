"""Signed-in sessions and API tokens, kept server-side so they can end before their time.

A browser session and an API token are each one `auth_session` row; the client holds a random
secret and the row only its SHA-256. Every request looks its row up: a session ends when it is
revoked (sign-out, password change, deactivation, an administrator), when it has been idle longer
than `Limits.idle`, or when `Limits.absolute` has passed since sign-in; an API token when revoked
or when `Limits.token` has passed. A signed Flask cookie alone proves nothing any more, so a
replayed cookie after sign-out is a signed-out visitor.
"""
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from typing import cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from . import passwords
from .errors import FormInvalid, NotFound
from .models import AuthSession, Person

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often (fewer row locks)


@dataclass(frozen=True)
class Limits:
    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=12)
    token: timedelta = timedelta(days=7)

    @classmethod
    def from_environment(cls) -> "Limits":
        """LIANDONG_SESSION_IDLE_MINUTES, LIANDONG_SESSION_MAX_HOURS, LIANDONG_TOKEN_HOURS."""
        env, default = os.environ, cls()

        def read(name: str, unit: str, fallback: timedelta) -> timedelta:
            text = env.get(name, "").strip()
            return timedelta(**{unit: int(text)}) if text.isdigit() and int(text) > 0 else fallback
        return cls(idle=read("LIANDONG_SESSION_IDLE_MINUTES", "minutes", default.idle),
                   absolute=read("LIANDONG_SESSION_MAX_HOURS", "hours", default.absolute),
                   token=read("LIANDONG_TOKEN_HOURS", "hours", default.token))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def issue(db: Session, person_id: str, kind: str, now: datetime, limits: Limits, address: str = "") -> str:
    """A new session ("web") or API token ("api") for the person; returns the secret to hand out."""
    secret = secrets.token_urlsafe(32)
    lifetime = limits.token if kind == "api" else limits.absolute
    db.add(AuthSession(token_hash=_digest(secret), person_id=person_id, kind=kind, address=address[:64],
                       created_at=now, last_seen_at=now, expires_at=now + lifetime))
    db.flush()
    return secret


def find(db: Session, secret: str, kind: str, now: datetime, limits: Limits) -> AuthSession | None:
    """The live row for this secret, or None (unknown, revoked, expired, idle too long, or the
    person deactivated). Refreshes last_seen_at."""
    found = find_with_person(db, secret, kind, now, limits)
    return found[0] if found else None


def find_with_person(db: Session, secret: str, kind: str, now: datetime,
                     limits: Limits) -> tuple[AuthSession, Person] | None:
    """`find`, with its person read in the same query (every request asks for both)."""
    if not secret or len(secret) > 200:
        return None
    found = db.execute(select(AuthSession, Person).join(Person, Person.id == AuthSession.person_id).where(
        AuthSession.token_hash == _digest(secret), AuthSession.kind == kind)).first()
    if found is None:
        return None
    row, person = found
    if row.revoked_at is not None or now >= row.expires_at:
        return None
    if kind == "web" and now - row.last_seen_at >= limits.idle:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row, person


def revoke(db: Session, secret: str, now: datetime) -> None:
    db.execute(update(AuthSession).where(AuthSession.token_hash == _digest(secret or ""),
                                         AuthSession.revoked_at.is_(None)).values(revoked_at=now))


def revoke_person(db: Session, person_id: str, now: datetime, keep: int | None = None) -> int:
    """End every session and token of the person (but `keep`, the caller's own); how many ended."""
    query = update(AuthSession).where(AuthSession.person_id == person_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    result = cast(CursorResult, db.execute(query.values(revoked_at=now)))  # an UPDATE: it has a row count
    return result.rowcount or 0


def live_counts(db: Session, now: datetime) -> dict[str, int]:
    """Person id → number of sessions and tokens not revoked and not past their absolute limit."""
    rows = db.execute(select(AuthSession.person_id, func.count()).where(
        AuthSession.revoked_at.is_(None), AuthSession.expires_at > now).group_by(AuthSession.person_id))
    return dict(rows.all())


def change_password(db: Session, person_id: str, current: str, new: str, confirm: str, now: datetime,
                    keep: int | None = None) -> int:
    """The person's own password change: the current one must match; every other session and every
    API token ends (someone who learned the old password is signed out). How many ended."""
    person = db.get(Person, person_id)
    if person is None or not passwords.matches(person, current)[0]:
        raise FormInvalid({"current": "当前密码不正确"}, "当前密码不正确")
    return set_password(db, person_id, new, confirm, now, keep=keep)


def set_password(db: Session, person_id: str, new: str, confirm: str, now: datetime,
                 keep: int | None = None) -> int:
    """Set a password (the person's own change, or an operator's reset) and end their sessions."""
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound(f"目录中没有人员“{person_id}”")
    wrong = passwords.problems(new, confirm)
    if wrong:
        raise FormInvalid(wrong, next(iter(wrong.values())))
    person.password_hash = generate_password_hash(new)
    return revoke_person(db, person_id, now, keep=keep)


def set_active(db: Session, person_id: str, active: bool, now: datetime) -> Person:
    """Deactivate (and sign out everywhere) or reactivate a person."""
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound(f"目录中没有人员“{person_id}”")
    person.active = active
    if not active:
        revoke_person(db, person_id, now)
    return person
