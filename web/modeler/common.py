"""What the process owner's pages share: reading definitions and drafts, the deployment checks
(deployment inside a SAVEPOINT that is always rolled back, so validation is exactly deployment),
problems with element names, and XML responses that never render as documents."""
import html
import re

from flask import Blueprint, Response, abort, g, request
from lxml import etree
from sqlalchemy import case, func, select

from engine import bpmn_xml, file_kinds, states
from engine.errors import DeploymentError
from engine.models import Definition, Draft, Instance
from engine.versions import VersionQuestion

bp = Blueprint("modeler", __name__, url_prefix="/modeler")
OWNER = "process_owner"


def matter_counts() -> dict[int, dict]:
    """Definition id -> {total, running} matters bound to that version."""
    running = func.sum(case((Instance.status.in_(states.UNFINISHED), 1), else_=0))
    rows = g.db.execute(select(Instance.definition_id, func.count(), running).group_by(Instance.definition_id)).all()
    return {d: {"total": total, "running": int(run or 0)} for d, total, run in rows}


def definition_row(definition_id: int) -> Definition:
    row = g.db.get(Definition, definition_id)
    if row is None or row.kind != "bpmn":
        abort(404, description="没有该流程版本。")
    return row


def draft_row(draft_id: int) -> Draft:
    row = g.db.get(Draft, draft_id)
    if row is None:
        abort(404, description="没有该草稿。")
    return row


def form_names() -> list[str]:
    return sorted(set(g.db.execute(select(Definition.key).where(Definition.kind == "form")).scalars()))


def describe(content: bytes | etree._Element) -> dict | None:
    """What deployment reads of a diagram (its file, or its parsed root), or None if it cannot."""
    try:
        return bpmn_xml.describe_bpmn(bpmn_xml.parse_safely(content) if isinstance(content, bytes) else content)
    except bpmn_xml.XmlProblem:
        return None


def bpmn_root(content: bytes) -> etree._Element | None:
    """The root of a BPMN document, perhaps unfinished (bpmn:definitions holding a bpmn:process with
    an id); None if the content is not one."""
    try:
        root = bpmn_xml.parse_safely(content)
    except bpmn_xml.XmlProblem:
        return None
    shaped = root.tag == f"{{{bpmn_xml.NS['bpmn']}}}definitions" and bool(
        root.xpath("./bpmn:process[@id]", namespaces=bpmn_xml.NS))
    return root if shaped else None


def filename_for(content: bytes, fallback: str = "diagram.bpmn", edited: str | None = None) -> str:
    """A deployed process keeps its file name; a new one is named after its process id. `edited`: the
    procedure open in the modeler; a diagram whose id was changed to another deployed process's is
    not that file, so deploying it asks first (engine/versions.py)."""
    meta = describe(content)
    if meta is None:
        return fallback
    current = g.engine.repository.latest("bpmn", meta["process_id"])
    if current is None:
        return f"{meta['process_id']}.bpmn"
    if edited and edited != meta["process_id"]:
        return f"{edited}.bpmn"  # the file being edited, which is not the one that process came from
    return current.filename


def element_names(content: bytes) -> dict[str, str]:
    try:
        root = bpmn_xml.parse_safely(content)
    except bpmn_xml.XmlProblem:  # a broken file: read the names off its start tags
        text = content.decode("utf-8", "replace")
        tags = (dict(re.findall(r'\s(id|name)="([^"]*)"', tag)) for tag in re.findall(r"<[^<>]+>", text))
        return {tag["id"]: html.unescape(tag.get("name", "")) for tag in tags if tag.get("id")}
    return {n.get("id"): n.get("name", "") for n in root.iter() if isinstance(n.tag, str) and n.get("id")}


def problems_of(err: DeploymentError, *contents: bytes) -> list[dict]:
    """The refusal's problems, each with the Chinese name of its element (from the files deployed)."""
    names = {}
    for content in contents:
        names.update(element_names(content))
    return [{"file": p.get("file", ""), "line": p.get("line"), "element": p.get("element"),
             "element_name": names.get(p.get("element") or "", ""), "reason": p.get("reason", "")}
            for p in err.problems]


def deployable() -> frozenset[str]:
    """What this person may deploy: process owners diagrams, decision tables and forms; document
    templates run on the server when a document renders, so only administrators deploy them."""
    return file_kinds.ALL_KINDS if "admin" in (g.user.system_roles or []) else file_kinds.OWNER_KINDS


def check(filename: str, content: bytes) -> tuple[list[dict], list[str]]:
    """Every deployment check, nothing stored: deploy inside a savepoint, then roll it back.
    Returns the problems, and the questions deploying would ask (engine/versions.py)."""
    savepoint = g.db.begin_nested()
    try:
        g.engine.repository.deploy([(filename, content)], g.user.id, deployable())
        return [], []
    except VersionQuestion as question:
        return [], [p["reason"] for p in question.problems]
    except DeploymentError as err:
        return problems_of(err, content), []
    finally:
        savepoint.rollback()


def xml_response(content: str, download_name: str | None = None) -> Response:
    """Diagram XML for the browser: as a download, or as plain text for bpmn-js to fetch (never rendered
    as a document, so markup smuggled into a file cannot run on this site)."""
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}
    if download_name:
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
        return Response(content, mimetype="application/xml", headers=headers)
    return Response(content, mimetype="text/plain", headers=headers)


def posted_xml() -> bytes:
    xml = request.form.get("xml", "")
    if not xml.strip():
        abort(400, description="没有收到流程图 XML。")
    return xml.encode("utf-8")
