"""Passwords of people added after the demo directory (P9's new responsible person or liaison).

The demo directory's people share the published demo password; anyone added later must not. Such an
account starts without a password (nobody can sign in as them). An administrator issues a one-time
password (`liandong one-time-password PERSON`); it is stored hashed and marked, and the first sign-in
with it must set the person's own password before any other page opens.
"""
import secrets

from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import DirectoryError
from .models import Person

ONE_TIME = "one-time$"  # prefix of a stored hash that may be used once, to set a real password
MIN_LENGTH = 10


def issue_one_time(session: Session, person_id: str) -> str:
    """A fresh one-time password for the person (shown once to the administrator who asked)."""
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise DirectoryError(f"目录中没有在职人员“{person_id}”")
    plain = secrets.token_urlsafe(9)
    person.password_hash = ONE_TIME + generate_password_hash(plain)
    session.flush()
    return plain


def matches(person: Person, password: str) -> tuple[bool, bool]:
    """(the password is right, it was a one-time password that must be replaced now)."""
    stored = person.password_hash or ""
    one_time = stored.startswith(ONE_TIME)
    stored = stored[len(ONE_TIME):] if one_time else stored
    if not stored or not check_password_hash(stored, password or ""):
        return False, False
    return True, one_time


def problems(new: str, confirm: str) -> dict[str, str]:
    """What is wrong with a new password, by form field (`new`, `confirm`): the one rule for every
    way a password is set (one's own change, the first sign-in after a one-time password, an operator)."""
    from .directory import DEMO_PASSWORD

    if len(new or "") < MIN_LENGTH:
        return {"new": f"新密码至少 {MIN_LENGTH} 个字符"}
    if new == DEMO_PASSWORD:
        return {"new": "新密码不能使用公开的演示密码"}
    if new != confirm:
        return {"confirm": "两次输入的新密码不一致"}
    return {}
