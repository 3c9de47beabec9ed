"""附件: files people add to a matter when they start it or at a step (issue 19).

Kept in their own table, never in the workflow state; each is in the event log with its SHA-256, so the
record shows what was added and that it is unchanged. Only files whose content is what their name says
are taken (PDF, images, Word/Excel/WPS documents as zip or OLE), each at most 3 MB, at most 10 a time.
Who may download one is the caller's matter-visibility rule (engine/permissions.py `may_view_matter`).
"""
import hashlib

from sqlalchemy import select

from .errors import FormInvalid
from .models import Attachment

MAX_BYTES = 3 * 1024 * 1024  # a request carries at most 4 MB (MAX_CONTENT_LENGTH)
MAX_FILES = 10
ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
KINDS = {  # suffix -> (content type, magic bytes the content starts with)
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)), ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".doc": ("application/msword", (OLE,)), ".xls": ("application/vnd.ms-excel", (OLE,)),
    ".wps": ("application/vnd.ms-works", (OLE,)), ".ofd": ("application/ofd", (ZIP,)),
}
ALLOWED = "PDF、JPG、PNG、Word、Excel、WPS、OFD"


def _refused(message: str) -> FormInvalid:
    """A refused file, named beside the form's 附件 field (a browser cannot refill a file input)."""
    return FormInvalid({"attachments": f"{message}，请重新选择文件"}, message)


def _kind(filename: str, content: bytes) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in KINDS:
        raise _refused(f"附件“{filename}”的类型不支持：只能上传 {ALLOWED} 文件")
    content_type, magics = KINDS[suffix]
    if not any(content.startswith(m) for m in magics):
        raise _refused(f"附件“{filename}”的内容与文件类型不符")
    return content_type


class Attachments:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def add(self, instance_id: int, user: str, files: list[tuple[str, bytes]], task_id: int | None = None) -> list[Attachment]:
        """Check every file first, then store them all (one refused file: none is kept)."""
        files = [(name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200], data) for name, data in files if name]
        if len(files) > MAX_FILES:
            raise _refused(f"一次最多上传 {MAX_FILES} 个附件")
        checked = []
        for name, data in files:
            if not data:
                raise _refused(f"附件“{name}”是空文件")
            if len(data) > MAX_BYTES:
                raise _refused(f"附件“{name}”超过 {MAX_BYTES // 1024 // 1024} MB")
            checked.append((name, data, _kind(name, data)))
        rows = []
        for name, data, content_type in checked:
            row = Attachment(instance_id=instance_id, task_id=task_id, filename=name, content_type=content_type,
                             size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
                             added_by=user, added_at=self.ctx.clock.now())
            self.db.add(row)
            self.db.flush()
            self.ctx.history.record("attachment_added", instance_id, user, task_id=task_id, name=name,
                                    data={"attachment": row.id, "size": row.size, "sha256": row.sha256})
            rows.append(row)
        return rows

    def of_matter(self, instance_id: int) -> list[Attachment]:
        return list(self.db.execute(select(Attachment).where(Attachment.instance_id == instance_id)
                                    .order_by(Attachment.id)).scalars())

    def get(self, attachment_id: int) -> Attachment | None:
        return self.db.get(Attachment, attachment_id)
