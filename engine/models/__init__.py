"""Storage schema, one module per concern; every model is importable from `engine.models`.
Alembic migrations in engine/migrations are made from these models."""
from .base import UTCDateTime, Base
from .matters import WITHOUT_STATE, Definition, Instance, HumanTask, TaskCandidate, Timer, Event, EventRecipient, TaskSigner, MatterCopy, Attachment, Draft
from .people import Department, Person, RoleAssignment, CalendarDay, CalendarYear, LoginFailure, AuthSession
from .supervision import TargetEntry, ConflictDeclaration, InspectionDraw, PublicNotice, ReporterIdentity, ViolationRecord, AbnormalListing, BlacklistEntry
from .documents import IssuingAuthority, DocumentCounter, Document

__all__ = [
    "UTCDateTime",
    "Base",
    "Definition",
    "Instance",
    "WITHOUT_STATE",
    "HumanTask",
    "TaskCandidate",
    "Timer",
    "Event",
    "EventRecipient",
    "TaskSigner",
    "MatterCopy",
    "Attachment",
    "Draft",
    "Department",
    "Person",
    "RoleAssignment",
    "CalendarDay",
    "CalendarYear",
    "LoginFailure",
    "AuthSession",
    "TargetEntry",
    "ConflictDeclaration",
    "InspectionDraw",
    "PublicNotice",
    "ReporterIdentity",
    "ViolationRecord",
    "AbnormalListing",
    "BlacklistEntry",
    "IssuingAuthority",
    "DocumentCounter",
    "Document",
]
