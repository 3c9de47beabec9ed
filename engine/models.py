"""Storage schema. Alembic migrations in engine/migrations are made from these models."""
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import states


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Definition(Base):
    """A deployed file: BPMN process, DMN decision or form, one row per version."""

    __tablename__ = "definition"
    __table_args__ = (UniqueConstraint("kind", "key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # bpmn | dmn | form
    key: Mapped[str] = mapped_column(String(200), index=True)  # process id, decision id or form file name
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(300), default="")
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(64), default="system")


class Instance(Base):
    """A running or finished matter (one BPMN process instance)."""

    __tablename__ = "instance"
    __table_args__ = (
        Index("ix_instance_status_started", "status", "started_at"),
        Index("ix_instance_process_started", "process_key", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definition.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    process_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    enterprise_name: Mapped[str] = mapped_column(String(300), default="", index=True)
    credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)
    department: Mapped[str] = mapped_column(String(100), default="", index=True)  # the starter's department
    status: Mapped[str] = mapped_column(String(20), default=states.RUNNING)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    event_head: Mapped[str] = mapped_column(String(64), default="")  # hash of its newest event-log entry
    bundle: Mapped[dict] = mapped_column(JSON, default=dict)  # definition ids bound at start
    state: Mapped[str] = mapped_column(Text, default="")  # SpiffWorkflow serializer text, specs stripped
    serializer_version: Mapped[str] = mapped_column(String(20), default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    stall_checked: Mapped[int | None] = mapped_column(Integer, nullable=True)  # revision found able to go on


class HumanTask(Base):
    """Queryable projection of a user task, so inboxes never load workflow state."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "guid"),
        Index("ix_human_task_assignee_state", "assignee", "state"),
        Index("ix_human_task_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    guid: Mapped[str] = mapped_column(String(36))  # SpiffWorkflow task id
    spec_id: Mapped[str] = mapped_column(String(200))  # BPMN element id
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(50), default="")
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default=states.TASK_OPEN)  # states.TASK
    form_key: Mapped[str] = mapped_column(String(200), default="")
    deemed_received: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    due_basis: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # {start, days} to recompute
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Chinese office conventions (engine/office.py, engine/deadlines.py)
    delegated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 委派: who gets it back
    draft: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # saved, not yet submitted form data
    held_by_signers: Mapped[bool] = mapped_column(Boolean, default=False)  # 后加签: submitted, awaiting signers
    light: Mapped[str] = mapped_column(String(10), default="")  # last recorded warning light
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # 补正: clock stopped
    days_left_at_pause: Mapped[int | None] = mapped_column(Integer, nullable=True)
    timeout_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    working_days_taken: Mapped[int | None] = mapped_column(Integer, nullable=True)  # set on completion


class TaskCandidate(Base):
    __tablename__ = "task_candidate"

    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Timer(Base):
    """A waiting timer event; the timer worker fires due rows exactly once."""

    __tablename__ = "timer"
    __table_args__ = (UniqueConstraint("instance_id", "guid"), Index("ix_timer_status_due", "status", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    guid: Mapped[str] = mapped_column(String(36))
    spec_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=states.TIMER_WAITING)  # states.TIMER
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Event(Base):
    """Append-only event log; each entry is chained by hash to the previous entry of its matter."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_chain", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id"), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    kind: Mapped[str] = mapped_column(String(40), index=True)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    spec_id: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")
    # NULL on entries written before per-matter chains (migration 0010): they form one chain of their own
    per_matter: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    recipients: Mapped[list["EventRecipient"]] = relationship(cascade="save-update", lazy="raise")


class EventRecipient(Base):
    """Who an event-log entry is addressed to (a reminder, a warning light, a copy…): each person's
    notifications are one indexed query, however busy the rest of the log is."""

    __tablename__ = "event_recipient"
    __table_args__ = (Index("ix_event_recipient_person", "person_id", "event_id"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)


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


class TargetEntry(Base):
    """An enterprise in a department's enforcement-target library (fed by P1 receipts)."""

    __tablename__ = "target_entry"
    __table_args__ = (UniqueConstraint("department", "credit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(100), index=True)
    credit_code: Mapped[str] = mapped_column(String(18))
    enterprise_name: Mapped[str] = mapped_column(String(300))
    sector: Mapped[str] = mapped_column(String(100), default="")
    source_instance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # P10 (004 §4(1)): the sampling ratio and frequency follow the credit grade and the risk level.
    credit_grade: Mapped[str] = mapped_column(String(2), default="B")  # A good … D bad (违法失信)
    risk_level: Mapped[str] = mapped_column(String(10), default="medium")  # low | medium | high
    # P1's receiving department chooses how it supervises: routine | random_check | key_supervision.
    # Key supervision keeps the enterprise out of the random draw (004 §4(1)).
    supervision_measure: Mapped[str] = mapped_column(String(20), default="routine")


# --- supervision procedures P10–P13 (migration 0003_supervision) ---

class ConflictDeclaration(Base):
    """An enforcement officer's declared conflict of interest with an enterprise: never drawn for it (P10)."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("person_id", "credit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InspectionDraw(Base):
    """One recorded double-random draw: everything needed to re-run it and get the same result (P10)."""

    __tablename__ = "inspection_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    plan_no: Mapped[str] = mapped_column(String(100), default="")
    algorithm: Mapped[str] = mapped_column(String(40))
    seed: Mapped[str] = mapped_column(String(128))
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)  # candidate targets, officers, conflicts, ratios
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical inputs and result
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drawn_by: Mapped[str] = mapped_column(String(64), default="system")


class PublicNotice(Base):
    """What the public pages show without sign-in: inspection results, penalty decisions, the blacklist."""

    __tablename__ = "public_notice"
    __table_args__ = (Index("ix_public_notice_kind_published", "kind", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # inspection | penalty | blacklist
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    department: Mapped[str] = mapped_column(String(100), default="")
    enterprise_name: Mapped[str] = mapped_column(String(300))
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    item: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[str] = mapped_column(String(1000), default="")
    on_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReporterIdentity(Base):
    """A reporter's identity (P12), kept outside workflow data and the event log (000 §3(5), 001 §4(4)4).

    Sealed first (no matter yet), then bound to the matter by `complaint.register_reporter`; the
    workflow keeps only the opaque `ref`. Name, phone, ID number and address are stored encrypted
    (`engine/sealing.py`). Read only through `complaints.reporter_identity`."""

    __tablename__ = "reporter_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    sealed: Mapped[str] = mapped_column(Text)  # {name, phone, id_number, address}, encrypted
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reward_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rewarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ViolationRecord(Base):
    """The violation database (安全生产违法行为信息库, 000 §3(4)): one row per recorded violation."""

    __tablename__ = "violation_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50), default="")
    severity: Mapped[str] = mapped_column(String(20), default="general")  # general | serious
    description: Mapped[str] = mapped_column(Text, default="")
    decision_no: Mapped[str] = mapped_column(String(100), default="")
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    source_instance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AbnormalListing(Base):
    """An enterprise on the 经营异常名录 (001 §4(4)2), listed by the market regulator until removed."""

    __tablename__ = "abnormal_listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(100))  # the listing authority
    reason: Mapped[str] = mapped_column(String(40))  # abnormal_list.REASONS
    facts: Mapped[str] = mapped_column(Text, default="")
    decision_no: Mapped[str] = mapped_column(String(100), default="")
    listed_on: Mapped[date] = mapped_column(Date)
    listed_by: Mapped[str] = mapped_column(String(64))
    notice_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # its public notice
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    removal_reason: Mapped[str] = mapped_column(String(40), default="")
    referred_instance: Mapped[int | None] = mapped_column(Integer, nullable=True)  # P13 after three years


class BlacklistEntry(Base):
    """A serious violator on the blacklist (黑名单, 000 §3(4), 001 §4(4)2) until its period ends or credit repair."""

    __tablename__ = "blacklist_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    decision_no: Mapped[str] = mapped_column(String(100), default="")
    listed_on: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shared_with: Mapped[list] = mapped_column(JSON, default=list)
    source_instance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removal_reason: Mapped[str] = mapped_column(String(40), default="")  # expired | credit_repair


class IssuingAuthority(Base):
    """A department that issues official documents in its own name (发文机关): its full name for the
    issuer mark and signature, and its code for document numbers (发文机关代字, e.g. 鞍审批).
    A section without a row issues through its nearest parent that has one."""

    __tablename__ = "issuing_authority"

    department: Mapped[str] = mapped_column(ForeignKey("department.code"), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    doc_code: Mapped[str] = mapped_column(String(40))


class DocumentCounter(Base):
    """The last number given in one numbering series (e.g. 函) of one issuer in one year.
    Read FOR UPDATE and incremented in the issuing transaction: numbers never repeat or skip."""

    __tablename__ = "document_counter"

    department: Mapped[str] = mapped_column(String(100), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # the numbering series
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Document(Base):
    """An issued official document (公文): the printable files as issued, never changed afterwards.
    A correction is a new document with its own number whose `corrects_id` names the old one."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("number"), UniqueConstraint("department", "year", "series", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(100))  # template key, e.g. official_letter
    number: Mapped[str] = mapped_column(String(100))  # 发文字号, e.g. 鞍审批函〔2026〕12号
    department: Mapped[str] = mapped_column(String(100), index=True)  # issuing authority (numbering)
    year: Mapped[int] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)  # what the template was filled with
    templates: Mapped[dict] = mapped_column(JSON, default=dict)  # template file -> deployed version used
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    docx: Mapped[bytes] = mapped_column(LargeBinary)
    docx_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(64), default="system")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), nullable=True)


# --- process-owner modeler (migration 0004_drafts) ---

class Draft(Base):
    """A diagram a process owner saved in the browser modeler without deploying it."""

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    base_definition_id: Mapped[int | None] = mapped_column(ForeignKey("definition.id"), nullable=True)
    content: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskSigner(Base):
    """加签: a colleague whose opinion is required before (前) or after (后) the holder's own."""

    __tablename__ = "task_signer"
    __table_args__ = (Index("ix_task_signer_person", "person_id", "signed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(10))  # before | after
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MatterCopy(Base):
    """抄送: a matter copied to a person for information; they read it, they do not act."""

    __tablename__ = "matter_copy"
    __table_args__ = (UniqueConstraint("instance_id", "person_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    copied_by: Mapped[str] = mapped_column(String(64))
    copied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


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


class Attachment(Base):
    """附件 added to a matter at its start or at a step: stored here, not in the workflow state."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
