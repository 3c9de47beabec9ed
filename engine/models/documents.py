"""Official documents: issuing authorities, their number series, and the issued documents."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


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
