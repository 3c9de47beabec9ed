"""The directory (departments, people, roles), the working-day calendar, sign-in failures and sessions."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class Department(Base):
    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent: Mapped[str | None] = mapped_column(String(100), nullable=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    # 003 §2(2) "市行政审批局按照科室与部门间的对应关系开展工作": the approval section a supervision department
    # works with (directory.yaml `pairs_with` of the section)
    paired_section: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Person(Base):
    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    system_roles: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # notifications read up to


class RoleAssignment(Base):
    __tablename__ = "role_assignment"
    __table_args__ = (Index("ix_role_dept_role", "department", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    department: Mapped[str] = mapped_column(ForeignKey("department.code"))
    role: Mapped[str] = mapped_column(String(50))
    certificate: Mapped[str] = mapped_column(String(100), default="")
    since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # set when replaced (P9)


class CalendarDay(Base):
    """A day that differs from the Monday–Friday rule: a holiday, or a make-up working day (调休)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100), default="")


class CalendarYear(Base):
    """A year whose official schedule is known. Days of other years give provisional deadlines."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(64), default="system")


class LoginFailure(Base):
    """A failed sign-in (page or API token), kept to slow down password guessing (web/auth.py).
    In the database, not in a worker's memory, so every web worker sees the same count."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_person_at", "person_id", "at"),
                      Index("ix_login_failure_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuthSession(Base):
    """A signed-in browser session or an API token (engine/auth_sessions.py). The cookie or bearer
    token carries a random secret; only its SHA-256 is stored, so a database read forges nothing.
    Signing out, a password change, deactivation or an administrator sets `revoked_at`."""

    __tablename__ = "auth_session"
    __table_args__ = (Index("ix_auth_session_person", "person_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # web | api
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the absolute limit
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
