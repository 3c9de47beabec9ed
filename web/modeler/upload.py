"""Upload of files made elsewhere (Camunda Modeler, bpmn-js, a form or decision table editor): one
or more BPMN diagrams with the DMN tables and JSON Schema forms they use, deployed together with
the deployment's checks (all or nothing). A file that would become a version of another file's
process is shown back with the question (engine/versions.py) and deployed once the owner confirms;
the files ride along in the confirmation form, so nothing has to be chosen again."""
import base64
import binascii
from urllib.parse import quote_plus

from flask import current_app, flash, g, redirect, render_template, request, url_for

from engine import bpmn_xml
from engine.errors import DeploymentError
from engine.versions import VersionQuestion

from ..auth import role_required
from .common import OWNER, bp, deployable, describe, problems_of

SUFFIXES = (".bpmn", ".dmn", ".json")
MAX_FILES = 30


def _page(status: int = 200, **context):
    return render_template("modeler/upload.html", **{"problems": None, "questions": None, **context}), status


def _chosen() -> list[tuple[str, bytes]] | str:
    """The posted files as (name, content), or why they cannot be taken. Files carried back by the
    confirmation form come from the browser as much as chosen ones, so both keep one budget."""
    carried = request.form.getlist("carried_name")  # the confirmation step: the files shown to the owner
    files = [] if carried else [f for f in request.files.getlist("file") if f and f.filename]
    names = carried or [f.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] for f in files]
    if not names:
        return "请选择要上传的文件（.bpmn 流程图，可同时选择它用到的 .dmn 决策表和 .json 表单）。"
    refused = _refused(names)
    if refused:
        return refused
    if carried:
        try:
            chosen = [(name, base64.b64decode(data, validate=True))
                      for name, data in zip(names, request.form.getlist("carried_content"), strict=True)]
        except (ValueError, binascii.Error):
            return "确认表单中的文件已损坏，请重新选择文件上传。"
    else:
        chosen = [(name, file.read(bpmn_xml.MAX_BYTES + 1)) for name, file in zip(names, files, strict=True)]
    large = next((name for name, content in chosen if len(content) > bpmn_xml.MAX_BYTES), None)
    if large:
        return f"不能上传“{large}”：文件过大（每个文件上限 {bpmn_xml.MAX_BYTES // 1000 // 1000} MB）。"
    return chosen


def _refused(names: list[str]) -> str | None:
    """Why these file names cannot be taken: too many, or not a diagram, decision table or form."""
    if len(names) > MAX_FILES:
        return f"一次最多上传 {MAX_FILES} 个文件。"
    other = next((name for name in names if not name.lower().endswith(SUFFIXES)), None)
    if other is not None:
        return f"不能上传“{other}”：只能上传 .bpmn 流程图、.dmn 决策表和 .json 表单（JSON Schema）。"
    return None


def _posted_size(carried: list[tuple[str, str]]) -> int:
    """How many bytes the confirmation form posts for these files (form-encoded, with room for the rest)."""
    return 1024 + sum(len(quote_plus(name)) + len(quote_plus(data)) + 40 for name, data in carried)


def _stored_name(name: str, content: bytes) -> str:
    """A new process is named after its id; a file for a deployed one keeps its own name, so that a
    different file is asked about (the version is stored under the procedure's file name)."""
    meta = describe(content) if name.lower().endswith(".bpmn") else None
    if meta is None or g.engine.repository.latest("bpmn", meta["process_id"]) is not None:
        return name
    return f"{meta['process_id']}.bpmn"


@bp.route("/upload", methods=("GET", "POST"))
@role_required(OWNER)
def upload():
    if request.method == "GET":
        return _page()
    chosen = _chosen()
    if isinstance(chosen, str):
        return _page(400, message=chosen)
    files = [(_stored_name(name, content), content) for name, content in chosen]
    shown = "、".join(name for name, _ in chosen)
    try:
        results = g.engine.repository.deploy(files, g.user.id, deployable(),
                                             as_new_version=request.form.get("as_new_version") == "1")
    except VersionQuestion as question:
        g.rollback = True
        carried = [(name, base64.b64encode(content).decode("ascii")) for name, content in chosen]
        questions = [p["reason"] for p in question.problems]
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit and _posted_size(carried) > limit:  # the confirmation itself would be refused (413)
            return _page(409, questions=questions, filename=shown, message=(
                "这些文件合计过大，确认时无法一并带回：请分几次上传，先上传决策表和表单，再上传流程图。"))
        return _page(409, questions=questions, carried=carried, filename=shown)
    except DeploymentError as err:
        g.rollback = True
        return _page(422, problems=problems_of(err, *(content for _, content in chosen)), filename=shown)
    for result in results:
        for note in result.notes:  # what the Camunda mapping did (engine/camunda.py)
            flash(f"Camunda 映射：{note['element']}（第{note['line']}行）{note['camunda']} → {note['liandong']}", "info")
        what = {"bpmn": "流程", "dmn": "决策表", "form": "表单"}.get(result.kind, result.kind)
        if result.changed:
            flash(f"已上传并部署{what}“{result.key}”版本 {result.version}。", "success")
        else:
            flash(f"{what}“{result.key}”与已部署的版本 {result.version} 相同，未产生新版本。", "info")
    process = next((r for r in results if r.kind == "bpmn"), None)
    return redirect(url_for("modeler.process", key=process.key) if process else url_for("modeler.index"))
