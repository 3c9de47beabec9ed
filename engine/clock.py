"""The clock the engine reads. Production uses the system clock; tests move a frozen one."""
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until a test sets or advances it."""

    def __init__(self, start: datetime | str = "2026-09-28 09:00"):
        self._now = parse_local(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime | str) -> None:
        self._now = parse_local(when)

    def advance(self, **delta) -> None:
        self._now += timedelta(**delta)


def parse_local(when: datetime | str) -> datetime:
    """Read a datetime; naive values are Asia/Shanghai wall time. Returns an aware UTC datetime."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    if when.tzinfo is None:
        when = when.replace(tzinfo=SHANGHAI)
    return when.astimezone(UTC)


def local(when: datetime) -> datetime:
    """The same instant as Asia/Shanghai wall time."""
    return when.astimezone(SHANGHAI)


def from_environment():
    """The system clock, or one frozen at LIANDONG_NOW (ISO datetime, naive = Beijing time): a command
    run as of a given moment, e.g. a rehearsal of a procedure or a test that drives the real CLI."""
    at = os.environ.get("LIANDONG_NOW")
    return FrozenClock(at) if at else SystemClock()
