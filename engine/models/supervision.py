"""What the supervision procedures keep beside their matters: the target library (P1), draws and
publications (P10), reporters' sealed identities (P12), credit records and the blacklist (P13)."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


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
    """What the public pages show without sign-in: inspection results, licence and penalty decisions, the
    经营异常名录 and the blacklist; written by engine/procedures/public_notices.py."""

    __tablename__ = "public_notice"
    __table_args__ = (Index("ix_public_notice_kind_published", "kind", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # inspection | licence | penalty | abnormal | blacklist
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
