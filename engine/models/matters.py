"""Deployed definitions, matters and what their steps leave: task and timer rows, the event log, signers,
copies, attachments; the process owner's drafts."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, defer, mapped_column, relationship

from .. import states
from .base import Base, UTCDateTime


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
    # {at, start, days, unit} of its matter deadline (P11's decision_due) while that is provisional
    matter_deadline_basis: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)


# A list of matters (inbox, 已办, notifications, the admin list) never reads a matter's state text, which
# grows to hundreds of KB over a long matter: load the rows without it (read on access if ever needed).
WITHOUT_STATE = defer(Instance.state)


class HumanTask(Base):
    """Queryable projection of a user task, so inboxes never load workflow state."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "guid"),
        Index("ix_human_task_assignee_state", "assignee", "state"),
        Index("ix_human_task_state_due", "state", "due_at"),
        # steps closed after their limit (执法责任追究, engine/accountability.py): only those rows, by limit
        Index("ix_human_task_closed_late", "due_at", sqlite_where=text("completed_at > due_at"),
              postgresql_where=text("completed_at > due_at")),
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
    due_basis: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # {start, days, unit} to recompute (Deadline.basis)
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
