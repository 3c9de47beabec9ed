"""Official documents (公文): letters, minutes, opinions, records and decisions as printable files.

A document is issued by a BPMN service task (`document.issue`) at the step that produces it:

    <spiffworkflow:serviceTaskOperator id="document.issue" resultVariable="letter_document">
      <spiffworkflow:parameter id="kind" value="'official_letter'" />        template processes/templates/<kind>.html
      <spiffworkflow:parameter id="department" value="sending_department" /> issuer (a section issues through its parent)
      <spiffworkflow:parameter id="title" value="letter_title" />
      <spiffworkflow:parameter id="recipients" value="[receiving_department]" />
      ... any further parameter is handed to the template as f.<name>

Issuing takes the next number of the issuer's series for the year (a counter row read FOR UPDATE in the
caller's transaction, so numbers never repeat or skip), fills the template (Jinja2, sandboxed, autoescaped)
from the parameters, the matter and the directory, renders the HTML to PDF (WeasyPrint, fonts embedded)
and to .docx (python-docx), stores both with their SHA-256 and records `document_issued`.

An issued document never changes (the ORM refuses updates and deletes of `Document` rows). A mistake
is put right by `correct()`: a new document with a new number that names the one it corrects.

Templates are deployed and versioned like forms (kind "template"). Each starts with a header comment:

    {#- liandong
    name: 公函
    number: "{code}函〔{year}〕{seq}号"
    series: 函
    -#}

`number` is the document-number pattern ({code} = 发文机关代字, {year}, {seq}); `series` names the counter
(templates sharing a pattern share a series). A template with `base: true` is a layout others extend.
`imprint: file` gives the document a 版记 (抄送 and 印发机关和印发日期, GB/T 9704-2012 §7.4); `imprint:
letter` only the 抄送 line of a letter (§10.1). The service task's `copies` names the 抄送机关.

The PDF is signed (PAdES) with the key of the issuer and of each joint issuer, in that order
(engine/authority_keys.py); `verify()` checks the stored files' hashes and those signatures.
"""
import hashlib

from jinja2 import TemplateNotFound
from sqlalchemy import event, select
from sqlalchemy.orm import defer
from sqlalchemy.dialects import postgresql, sqlite

from . import authority_keys, directory
from .document_templates import DeployedLoader, cn_date, environment
from .clock import local
from .errors import DirectoryError, InvalidState, NotFound, ScriptError
from .models import (
    Department,
    Document,
    DocumentCounter,
    HumanTask,
    Instance,
    IssuingAuthority,
    Person,
    TaskCandidate,
)

# --- directory lookups ---

def authority(db, code: str) -> tuple[Department, IssuingAuthority]:
    """The issuing authority for a department: itself or its nearest parent that issues documents."""
    current = code
    while current:
        dep = db.get(Department, current)
        if dep is None:
            raise DirectoryError(f"目录中没有部门“{current}”")
        row = db.get(IssuingAuthority, current)
        if row is not None:
            return dep, row
        current = dep.parent
    raise DirectoryError(f"部门“{code}”及其上级都不是发文机关（目录中缺少 issuer）")


def _directory_view(db):
    """Read-only lookups for templates (plain values, never ORM objects, inside the sandbox)."""

    def department(code):
        dep = db.get(Department, str(code))
        return dep.name if dep else str(code)

    def organ(code):
        """Short name of the authority a department belongs to (主送机关: 市行政审批局)."""
        dep, _ = authority(db, str(code))
        return dep.name

    def organ_full(code):
        return authority(db, str(code))[1].full_name

    def person(person_id):
        row = db.get(Person, str(person_id))
        return {"id": str(person_id), "name": row.name if row else str(person_id),
                "title": row.title if row else "", "phone": row.phone if row else ""}

    def holder(code, role):
        """The current holder of a role in a department (P9's letter lists both 责任人 and 联络人)."""
        try:
            people = directory.holders(db, str(code), str(role))
        except DirectoryError:
            return {"id": "", "name": "（未指定）", "title": "", "phone": ""}
        return person(people[0])

    return {"department": department, "organ": organ, "organ_full": organ_full, "person": person, "holder": holder}


# --- numbers ---

def next_number(db, department: str, year: int, series: str) -> int:
    """The next number of an issuer's series in a year, inside the caller's transaction. The counter
    row is created if missing (ON CONFLICT DO NOTHING, so two first issuers do not collide), then read
    FOR UPDATE: a concurrent issuer waits until this transaction ends. On SQLite the write lock taken
    at BEGIN serialises issuers. A rollback takes the number back with everything else: no gaps."""
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(insert(DocumentCounter).values(department=department, year=year, kind=series, last_number=0)
               .on_conflict_do_nothing())
    row = db.execute(
        select(DocumentCounter).where(DocumentCounter.department == department, DocumentCounter.year == year,
                                      DocumentCounter.kind == series)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    row.last_number += 1
    db.flush()
    return row.last_number


# --- rendering ---

def render_html(db, kind: str, context: dict) -> tuple[str, dict, dict[str, int]]:
    """Fill the latest deployed template of `kind`; returns (html, template meta, versions used)."""
    loader = DeployedLoader(db)
    name = f"{kind}.html"
    try:
        meta = loader.row(name).meta
    except TemplateNotFound:
        raise ScriptError(f"没有部署公文模板 templates/{name}") from None
    if meta.get("base"):
        raise ScriptError(f"模板 {name} 是版式模板，不能直接用于发文")
    env = environment(loader)
    env.globals.update(_directory_view(db))
    html = env.get_template(name).render(**context)
    return html, meta, dict(loader.used)


def to_pdf(html: str) -> bytes:
    import weasyprint  # imported when first needed: it loads Pango

    from .document_resources import fetcher  # fonts and data: URLs only, never a file or a host

    return weasyprint.HTML(string=html, url_fetcher=fetcher()).write_pdf()


def to_docx(html: str) -> bytes:
    from .docx_writer import write_docx

    return write_docx(html)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- issuing ---

def issue(ctx, kind: str, department: str, title: str, recipients=None, joint=None, **fields) -> dict:
    """Service task operation `document.issue`: number, render, store and log one document."""
    params = {"title": str(title), "department": str(department), "recipients": list(recipients or []),
              "joint": list(joint or []), "copies": list(fields.pop("copies", None) or []), **fields}
    doc = _issue(ctx, kind, department, params, ctx.instance_id, corrects=None, user=ctx.actor)
    return {"document_id": doc.id, "number": doc.number, "pdf_sha256": doc.pdf_sha256,
            "docx_sha256": doc.docx_sha256}


def correct(ctx, document_id: int, user: str, reason: str, changes: dict | None = None) -> Document:
    """Issue a correction: a new document with a new number of the same series that names and
    replaces the old one. The old document stays as it was issued."""
    old = ctx.db.get(Document, document_id)
    if old is None:
        raise NotFound(f"公文 {document_id} 不存在")
    if not str(reason or "").strip():
        raise InvalidState("更正须说明理由")
    params = {**old.fields, **(changes or {}), "correction_reason": str(reason).strip()}
    return _issue(ctx, old.kind, params.get("department", old.department), params, old.instance_id,
                  corrects=old, user=user)


def _issue(ctx, kind, department, params, instance_id, corrects, user) -> Document:
    db = ctx.db
    dep, issuer = authority(db, department)
    now = ctx.clock.now()
    year = local(now).year
    loader = DeployedLoader(db)
    try:
        meta = loader.row(f"{kind}.html").meta
    except TemplateNotFound:
        raise ScriptError(f"没有部署公文模板 templates/{kind}.html") from None
    seq = next_number(db, issuer.department, year, meta["series"])
    number = meta["number"].format(code=issuer.doc_code, year=year, seq=seq)
    joint = []
    for code in params.get("joint") or []:
        jdep, jissuer = authority(db, code)
        joint.append({"code": jissuer.department, "name": jdep.name, "full_name": jissuer.full_name})
    instance = db.get(Instance, instance_id) if instance_id else None
    views = _directory_view(db)
    context = {
        "doc": {
            "kind": kind, "kind_name": meta["name"], "number": number, "year": year, "seq": seq,
            "title": params["title"], "date": local(now).date().isoformat(), "date_cn": cn_date(now),
            "issuer": {"code": issuer.department, "name": dep.name, "full_name": issuer.full_name,
                       "doc_code": issuer.doc_code},
            "joint": joint,
            "recipients": [views["organ"](code) for code in params.get("recipients") or []],
            "copies": [views["organ"](code) for code in params.get("copies") or []],
            "imprint": meta.get("imprint"), "printer": printing_office(issuer.full_name),
            "corrects": {"number": corrects.number, "title": corrects.title,
                         "date_cn": cn_date(corrects.issued_at)} if corrects else None,
            "correction_reason": params.get("correction_reason", ""),
        },
        "f": {k: v for k, v in params.items() if k not in ("title", "recipients", "joint", "copies")},
        "matter": {
            "id": instance.id if instance else None, "subject": instance.subject if instance else "",
            "enterprise_name": instance.enterprise_name if instance else "",
            "credit_code": instance.credit_code if instance else "",
            "process_name": instance.process_name if instance else "",
        },
    }
    html, _, used = render_html(db, kind, context)
    pdf, docx = to_pdf(html), to_docx(html)
    for signer in [{"code": issuer.department, "full_name": issuer.full_name}] + joint:
        pdf = authority_keys.sign(pdf, signer["code"], signer["full_name"], reason=f"{number} {meta['name']}")
    row = Document(
        instance_id=instance_id, kind=kind, number=number, department=issuer.department, year=year,
        series=meta["series"], seq=seq, title=params["title"][:300], fields=params, templates=used,
        pdf=pdf, pdf_sha256=_sha256(pdf), docx=docx, docx_sha256=_sha256(docx),
        issued_at=now, issued_by=user or "system", corrects_id=corrects.id if corrects else None,
    )
    db.add(row)
    db.flush()
    ctx.history.record("document_issued", instance_id, user or "system", name=row.title, data={
        "document_id": row.id, "kind": kind, "number": number, "department": issuer.department,
        "pdf_sha256": row.pdf_sha256, "docx_sha256": row.docx_sha256, "templates": used,
        "corrects": corrects.number if corrects else None,
    })
    return row


# --- reading ---

def of_instance(db, instance_id: int, with_files: bool = True) -> list[Document]:
    query = select(Document).where(Document.instance_id == instance_id).order_by(Document.id)
    if not with_files:  # a list on a page needs the numbers, not the files
        query = query.options(defer(Document.pdf), defer(Document.docx))
    return list(db.execute(query).scalars())


def corrections_of(db, document_id: int) -> list[Document]:
    return list(db.execute(select(Document).where(Document.corrects_id == document_id)
                           .order_by(Document.id)).scalars())


def may_read(db, document: Document, person_id: str) -> bool:
    """People who held a task in the matter (assignee, candidate or completer), its starter, and admins."""
    if directory.is_admin(db, person_id):
        return True
    if document.instance_id is None:
        return False
    instance = db.get(Instance, document.instance_id)
    if instance is not None and instance.started_by == person_id:
        return True
    held = select(HumanTask.id).where(HumanTask.instance_id == document.instance_id).where(
        (HumanTask.assignee == person_id) | (HumanTask.completed_by == person_id)
        | HumanTask.id.in_(select(TaskCandidate.task_id).where(TaskCandidate.person_id == person_id)))
    return db.execute(held.limit(1)).first() is not None


def verify(document: Document, db=None) -> bool:
    """The stored files are the ones issued (their SHA-256 match the row and the event log) and, given
    the session, the PDF carries the intact signatures of its issuers."""
    if _sha256(document.pdf) != document.pdf_sha256 or _sha256(document.docx) != document.docx_sha256:
        return False
    return db is None or signature_valid(db, document.pdf, document)


def signers_of(db, document: Document) -> list[tuple[str, str]]:
    """(directory code, full name) of the authorities that signed the document, in signing order."""
    codes = [document.department] + [authority(db, c)[1].department for c in document.fields.get("joint") or []]
    return [(code, db.get(IssuingAuthority, code).full_name) for code in codes]


def signature_valid(db, pdf: bytes, document: Document) -> bool:
    """Is `pdf` signed, intact, by each of the document's issuers in turn?"""
    return authority_keys.verify(pdf, signers_of(db, document))


def printing_office(full_name: str) -> str:
    """印发机关 (§7.4.3): the issuer's office, which sends the document to print."""
    return full_name if full_name.endswith(("办公室", "办公厅")) else full_name + "办公室"


@event.listens_for(Document, "before_update")
def _issued_documents_never_change(_mapper, _connection, target):
    raise InvalidState(f"公文 {target.number} 已印发，不能修改；请印发更正文件（documents.correct）")


@event.listens_for(Document, "before_delete")
def _issued_documents_are_kept(_mapper, _connection, target):
    raise InvalidState(f"公文 {target.number} 已印发，不能删除")
