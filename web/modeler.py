"""The process owner's pages: deployed procedures and their versions, diagrams, XML, version
comparison, the browser modeler (drafts, validation, deployment), .bpmn upload and trial runs.

Validation is deployment without storing: `Repository.deploy` inside a SAVEPOINT that is always
rolled back, so the checks are exactly the deployment's. Deploying goes through the same call."""
import json
import re

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import case, func, select

from engine import bpmn_xml, directory, file_kinds, states
from engine.errors import DeploymentError, FormInvalid, LiandongError
from engine.models import Definition, Draft, Instance, Person, RoleAssignment, Timer

from . import bpmn_diff, formview, sandbox
from .auth import role_required

bp = Blueprint("modeler", __name__, url_prefix="/modeler")
OWNER = "process_owner"
STATUS_NAMES = states.MATTER
EVENT_NAMES = states.EVENTS  # the event log's one vocabulary (engine/states.py): 超期上报, not overdue_escalated


# --- reading helpers ---
def _counts() -> dict[int, dict]:
    """Definition id -> {total, running} matters bound to that version."""
    running = func.sum(case((Instance.status.in_(states.UNFINISHED), 1), else_=0))
    rows = g.db.execute(select(Instance.definition_id, func.count(), running).group_by(Instance.definition_id)).all()
    return {d: {"total": total, "running": int(run or 0)} for d, total, run in rows}


def _definition(definition_id: int) -> Definition:
    row = g.db.get(Definition, definition_id)
    if row is None or row.kind != "bpmn":
        abort(404, description="没有该流程版本。")
    return row


def _draft(draft_id: int) -> Draft:
    row = g.db.get(Draft, draft_id)
    if row is None:
        abort(404, description="没有该草稿。")
    return row


def _form_names() -> list[str]:
    return sorted(set(g.db.execute(select(Definition.key).where(Definition.kind == "form")).scalars()))


def _describe(content: bytes) -> dict | None:
    try:
        return bpmn_xml.describe_bpmn(bpmn_xml.parse_safely(content))
    except bpmn_xml.XmlProblem:
        return None


def _bpmn_shaped(content: bytes) -> bool:
    """A BPMN document, perhaps unfinished: bpmn:definitions holding a bpmn:process with an id."""
    try:
        root = bpmn_xml.parse_safely(content)
    except bpmn_xml.XmlProblem:
        return False
    return root.tag == f"{{{bpmn_xml.NS['bpmn']}}}definitions" and bool(
        root.xpath("./bpmn:process[@id]", namespaces=bpmn_xml.NS))


def _filename(content: bytes, fallback: str = "diagram.bpmn") -> str:
    """A deployed process keeps its file name; a new one is named after its process id."""
    meta = _describe(content)
    if meta is None:
        return fallback
    current = g.engine.repository.latest("bpmn", meta["process_id"])
    return current.filename if current is not None else f"{meta['process_id']}.bpmn"


def _names(content: bytes) -> dict[str, str]:
    try:
        root = bpmn_xml.parse_safely(content)
    except bpmn_xml.XmlProblem:
        return {}
    return {n.get("id"): n.get("name", "") for n in root.iter() if isinstance(n.tag, str) and n.get("id")}


def _problems(err: DeploymentError, content: bytes) -> list[dict]:
    names = _names(content)
    return [{"file": p.get("file", ""), "line": p.get("line"), "element": p.get("element"),
             "element_name": names.get(p.get("element") or "", ""), "reason": p.get("reason", "")}
            for p in err.problems]


def deployable() -> frozenset[str]:
    """What this person may deploy: process owners diagrams, decision tables and forms; document
    templates run on the server when a document renders, so only administrators deploy them."""
    return file_kinds.ALL_KINDS if "admin" in (g.user.system_roles or []) else file_kinds.OWNER_KINDS


def check(filename: str, content: bytes) -> list[dict]:
    """Every deployment check, nothing stored: deploy inside a savepoint, then roll it back."""
    savepoint = g.db.begin_nested()
    try:
        g.engine.repository.deploy([(filename, content)], g.user.id, deployable())
        return []
    except DeploymentError as err:
        return _problems(err, content)
    finally:
        savepoint.rollback()


def _xml(content: str, download_name: str | None = None) -> Response:
    """Diagram XML for the browser: as a download, or as plain text for bpmn-js to fetch (never rendered
    as a document, so markup smuggled into a file cannot run on this site)."""
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}
    if download_name:
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
        return Response(content, mimetype="application/xml", headers=headers)
    return Response(content, mimetype="text/plain", headers=headers)


DRAFT_MAX_BYTES = 2 * 1024 * 1024


def _posted_xml() -> bytes:
    xml = request.form.get("xml", "")
    if not xml.strip():
        abort(400, description="没有收到流程图 XML。")
    return xml.encode("utf-8")


# --- procedures and versions ---
@bp.get("/")
@role_required(OWNER)
def index():
    counts = _counts()
    procedures = []
    for latest in g.engine.repository.processes():
        versions = g.engine.repository.versions("bpmn", latest.key)
        procedures.append({
            "latest": latest, "versions": len(versions),
            "total": sum(counts.get(v.id, {}).get("total", 0) for v in versions),
            "running": sum(counts.get(v.id, {}).get("running", 0) for v in versions),
            "drafts": g.db.execute(select(func.count()).select_from(Draft).where(Draft.process_key == latest.key)).scalar_one(),
        })
    procedures.sort(key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p["latest"].key)])
    deployed = {p["latest"].key for p in procedures}
    orphans = [d for d in g.db.execute(select(Draft).order_by(Draft.saved_at.desc())).scalars()
               if d.process_key not in deployed]  # drafts of procedures not deployed yet
    return render_template("modeler/index.html", procedures=procedures, orphans=orphans)


@bp.get("/processes/<key>")
@role_required(OWNER)
def process(key: str):
    versions = g.engine.repository.versions("bpmn", key)
    if not versions:
        abort(404, description="没有该流程。")
    counts = _counts()
    drafts = list(g.db.execute(select(Draft).where(Draft.process_key == key).order_by(Draft.saved_at.desc())).scalars())
    base_versions = {d.id: d.version for d in versions}
    return render_template("modeler/process.html", key=key, versions=list(reversed(versions)), latest=versions[-1],
                           counts=counts, drafts=drafts, base_versions=base_versions)


@bp.get("/definitions/<int:definition_id>")
@role_required(OWNER)
def diagram(definition_id: int):
    row = _definition(definition_id)
    counts = _counts().get(row.id, {"total": 0, "running": 0})
    return render_template("modeler/diagram.html", row=row, counts=counts)


@bp.get("/definitions/<int:definition_id>/xml")
@role_required(OWNER)
def download(definition_id: int):
    row = _definition(definition_id)
    if request.args.get("inline") == "1":
        return _xml(row.content)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", row.filename.rsplit(".", 1)[0] or row.key)
    return _xml(row.content, f"{stem}.v{row.version}.bpmn")


@bp.get("/processes/<key>/diff")
@role_required(OWNER)
def diff(key: str):
    versions = {v.version: v for v in g.engine.repository.versions("bpmn", key)}
    if not versions:
        abort(404, description="没有该流程。")
    newest = max(versions)
    a = request.args.get("a", type=int) or max(newest - 1, 1)
    b = request.args.get("b", type=int) or newest
    if a not in versions or b not in versions:
        abort(404, description="没有该版本。")
    result = bpmn_diff.compare(versions[a].content, versions[b].content)
    return render_template("modeler/diff.html", key=key, old=versions[a], new=versions[b], diff=result,
                           versions=sorted(versions))


# --- the modeler ---
@bp.get("/processes/<key>/edit")
@role_required(OWNER)
def edit(key: str):
    draft = _draft(request.args.get("draft", type=int)) if request.args.get("draft") else None
    if draft is not None and draft.process_key != key:
        abort(404, description="没有该草稿。")
    if draft is not None:
        base = g.db.get(Definition, draft.base_definition_id) if draft.base_definition_id else None
        source_url = url_for("modeler.draft_xml", draft_id=draft.id)
    else:
        version = request.args.get("version", type=int)
        rows = {v.version: v for v in g.engine.repository.versions("bpmn", key)}
        if not rows:
            abort(404, description="没有该流程。")
        base = rows.get(version) if version else rows[max(rows)]
        if base is None:
            abort(404, description="没有该版本。")
        source_url = url_for("modeler.download", definition_id=base.id, inline=1)
    config = {
        "processKey": key, "draftId": draft.id if draft else None, "baseDefinitionId": base.id if base else None,
        "sourceUrl": source_url, "validateUrl": url_for("modeler.validate"), "deployUrl": url_for("modeler.deploy"),
        "saveUrl": url_for("modeler.save_draft", key=key), "processUrl": url_for("modeler.process", key=key),
        "forms": _form_names(),
        "roles": [[r, name] for r, name in directory.ROLES.items()] + [[directory.STARTER, "发起人"]],
        "outcomes": [["deemed_received", "超时视为接收"], ["overdue_escalated", "逾期升级"]],
        "limitKinds": [[k, v] for k, v in states.LIMIT_SHORT.items()],
    }
    return render_template("modeler/edit.html", key=key, draft=draft, base=base, config=config)


@bp.post("/validate")
@role_required(OWNER)
def validate():
    content = _posted_xml()
    problems = check(_filename(content, request.form.get("filename") or "diagram.bpmn"), content)
    return jsonify({"ok": not problems, "problems": problems})


@bp.post("/deploy")
@role_required(OWNER)
def deploy():
    content = _posted_xml()
    filename = _filename(content, request.form.get("filename") or "diagram.bpmn")
    try:
        result = g.engine.repository.deploy([(filename, content)], g.user.id, deployable())[0]
    except DeploymentError as err:
        return jsonify({"ok": False, "problems": _problems(err, content)}), 422
    draft_id = request.form.get("draft_id", type=int)
    if draft_id and result.changed:
        draft = g.db.get(Draft, draft_id)
        if draft is not None and draft.process_key == result.key:
            g.db.delete(draft)  # deployed: the draft is now a version
    message = (f"已部署“{result.key}”版本 {result.version}：此后发起的事项使用新版本，办理中的事项仍按原版本办结。"
               if result.changed else f"内容与已部署的版本 {result.version} 相同，未产生新版本。")
    return jsonify({"ok": True, "key": result.key, "version": result.version, "changed": result.changed,
                    "message": message, "mapping": result.notes, "url": url_for("modeler.process", key=result.key)})


@bp.post("/processes/<key>/drafts")
@role_required(OWNER)
def save_draft(key: str):
    """A draft is a BPMN diagram (parsed safely, at most `DRAFT_MAX_BYTES`), whatever else is posted."""
    content = _posted_xml()
    if len(content) > DRAFT_MAX_BYTES:
        return jsonify({"ok": False, "error": f"草稿过大（上限 {DRAFT_MAX_BYTES // 1024 // 1024} MB）"}), 413
    if not _bpmn_shaped(content):
        return jsonify({"ok": False, "error": "草稿必须是 BPMN 流程图（bpmn:definitions 中含一个流程），未保存"}), 422
    meta = _describe(content)
    if meta is not None and meta["process_id"] != key:
        key = meta["process_id"]  # the diagram's process id decides which procedure the draft belongs to
    draft_id = request.form.get("draft_id", type=int)
    draft = g.db.get(Draft, draft_id) if draft_id else None
    if draft is None or draft.process_key != key:
        base_id = request.form.get("base_definition_id", type=int)
        base = g.db.get(Definition, base_id) if base_id else None
        draft = Draft(process_key=key, base_definition_id=base.id if base is not None else None,
                      content="", saved_by=g.user.id, saved_at=g.engine.clock.now())
        g.db.add(draft)
    draft.content = content.decode("utf-8")
    draft.saved_by, draft.saved_at = g.user.id, g.engine.clock.now()
    g.db.flush()
    return jsonify({"ok": True, "draft_id": draft.id, "message": f"已保存草稿 #{draft.id}",
                    "edit_url": url_for("modeler.edit", key=key, draft=draft.id),
                    "sandbox_url": url_for("modeler.sandbox_create", draft_id=draft.id)})


@bp.get("/drafts/<int:draft_id>/xml")
@role_required(OWNER)
def draft_xml(draft_id: int):
    return _xml(_draft(draft_id).content)


@bp.post("/drafts/<int:draft_id>/delete")
@role_required(OWNER)
def draft_delete(draft_id: int):
    draft = _draft(draft_id)
    key = draft.process_key
    g.db.delete(draft)
    flash(f"已删除草稿 #{draft_id}", "success")
    return redirect(url_for("modeler.process", key=key) if g.engine.repository.latest("bpmn", key)
                    else url_for("modeler.index"))


# --- upload ---
@bp.route("/upload", methods=("GET", "POST"))
@role_required(OWNER)
def upload():
    if request.method == "GET":
        return render_template("modeler/upload.html", problems=None)
    file = request.files.get("file")
    if file is None or not file.filename:
        return render_template("modeler/upload.html", problems=None, message="请选择一个 .bpmn 文件。"), 400
    name = file.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if not name.lower().endswith(".bpmn"):
        return render_template("modeler/upload.html", problems=None, message="只能上传 .bpmn 文件。"), 400
    content = file.read(bpmn_xml.MAX_BYTES + 1)
    filename = _filename(content, name)
    try:
        result = g.engine.repository.deploy([(filename, content)], g.user.id, deployable())[0]
    except DeploymentError as err:
        g.rollback = True
        return render_template("modeler/upload.html", problems=_problems(err, content), filename=name), 422
    for note in result.notes:  # what the Camunda mapping did (engine/camunda.py)
        flash(f"Camunda 映射：{note['element']}（第{note['line']}行）{note['camunda']} → {note['liandong']}", "info")
    if result.changed:
        flash(f"已上传并部署“{result.key}”版本 {result.version}。", "success")
    else:
        flash(f"文件与已部署的版本 {result.version} 相同，未产生新版本。", "info")
    return redirect(url_for("modeler.process", key=result.key))


# --- trial runs ---
def _sandbox(token: str) -> sandbox.Sandbox:
    try:
        box = sandbox.Sandbox(token)
    except KeyError:
        abort(404, description="试运行不存在或已过期。")
    if box.meta.get("owner") != g.user.id:
        abort(404, description="试运行不存在或已过期。")
    return box


@bp.post("/drafts/<int:draft_id>/sandbox")
@role_required(OWNER)
def sandbox_create(draft_id: int):
    draft = _draft(draft_id)
    content = draft.content.encode("utf-8")
    try:
        box = sandbox.create(g.db, g.engine.clock, _filename(content), content, g.user.id, draft.id, draft.process_key)
    except DeploymentError as err:
        g.rollback = True
        return render_template("modeler/upload.html", problems=_problems(err, content), filename=f"草稿 #{draft.id}",
                               heading="草稿无法试运行"), 422
    return redirect(url_for("modeler.sandbox_page", token=box.token))


def _start_people(service, meta: dict) -> list[tuple[str, str]]:
    lane = meta.get("lanes", {}).get(meta.get("start_lane") or "", {})
    role = lane.get("role", directory.STARTER)
    query = select(Person.id, Person.name).join(RoleAssignment, RoleAssignment.person_id == Person.id).where(
        RoleAssignment.until.is_(None), Person.active.is_(True))
    if role != directory.STARTER:
        query = query.where(RoleAssignment.role == role)
    return list(dict.fromkeys((pid, name) for pid, name in service.db.execute(query.order_by(Person.id)).all()))


@bp.get("/sandbox/<token>")
@role_required(OWNER)
def sandbox_page(token: str):
    box = _sandbox(token)
    view = {}
    with box.engine() as service:
        repo = service.repository
        definition = repo.process(box.meta["process_key"])
        view["definition"] = {"key": definition.key, "name": definition.name, "version": definition.version,
                              "content": definition.content}
        meta = definition.meta
        start_form = repo.latest("form", meta["start_form"]) if meta.get("start_form") else None
        start_schema = json.loads(start_form.content) if start_form else {"type": "object", "properties": {}}
        view["start_fields"] = formview.fields(start_schema)
        view["start_people"] = _start_people(service, meta)
        view["now"] = service.clock.now()
        instance_id = box.meta.get("instance_id")
        view["instance"] = None
        if instance_id:
            instance = service.runtime.instance(instance_id)
            view["instance"] = {"id": instance.id, "status": instance.status, "error": instance.error,
                                "status_name": STATUS_NAMES.get(instance.status, instance.status)}
            tasks = []
            for task in service.tasks.of_instance(instance.id):
                item = {"task": task, "candidates": service.tasks.candidates(task.id)}
                if task.state == states.TASK_OPEN:
                    item["fields"] = formview.fields(service.tasks.form_schema(task))
                tasks.append(item)
            view["tasks"] = tasks
            view["timers"] = list(service.db.execute(
                select(Timer).where(Timer.instance_id == instance.id).order_by(Timer.id)).scalars())
            view["events"] = service.history.events(instance.id)
            view["data"] = json.dumps(service.runtime.data(instance), ensure_ascii=False, indent=1, default=str)
    markers = {}
    for item in view.get("tasks", []):
        markers[item["task"].spec_id] = "sandbox-open" if item["task"].state == states.TASK_OPEN else "sandbox-done"
    return render_template("modeler/sandbox.html", box=box, view=view, markers=markers, event_names=EVENT_NAMES)


def _trial(box: sandbox.Sandbox, action, success: str):
    """Run one step in the trial database; a refusal is shown and changes nothing there."""
    try:
        with box.engine() as service:
            action(service)
        flash(success, "success")
    except FormInvalid as err:
        details = "；".join(f"{k}：{v}" for k, v in err.errors.items())
        flash(f"{err.message}（{details}）", "error")
    except LiandongError as err:
        flash(err.message, "error")
        with box.engine() as service:  # a sandbox refusal marks the trial matter 出错, as in production
            service.management.record_refusal(err)
    return redirect(url_for("modeler.sandbox_page", token=box.token))


def _extra_data() -> dict:
    raw = request.form.get("extra_json", "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as err:
        raise FormInvalid({"extra_json": f"不是有效的 JSON：{err}"}) from None
    if not isinstance(value, dict):
        raise FormInvalid({"extra_json": "须为 JSON 对象"})
    return value


@bp.get("/sandbox/<token>/xml")
@role_required(OWNER)
def sandbox_xml(token: str):
    box = _sandbox(token)
    with box.engine() as service:
        content = service.repository.process(box.meta["process_key"]).content
    return _xml(content)


@bp.post("/sandbox/<token>/start")
@role_required(OWNER)
def sandbox_start(token: str):
    box = _sandbox(token)
    if box.meta.get("instance_id"):
        flash("该试运行已发起过事项。", "error")
        return redirect(url_for("modeler.sandbox_page", token=token))

    def start(service):
        definition = service.repository.process(box.meta["process_key"])
        meta = definition.meta
        form = service.repository.latest("form", meta["start_form"]) if meta.get("start_form") else None
        schema = json.loads(form.content) if form else {"type": "object", "properties": {}}
        data = {**_extra_data(), **formview.submitted(schema, request.form)}
        instance = service.runtime.start(box.meta["process_key"], data, request.form.get("as_user", ""))
        box.meta["instance_id"] = instance.id

    return _trial(box, start, "已在试运行中发起事项。")


@bp.post("/sandbox/<token>/tasks/<int:task_id>/complete")
@role_required(OWNER)
def sandbox_complete(token: str, task_id: int):
    box = _sandbox(token)

    def complete(service):
        task = service.tasks.get(task_id)
        if task.instance_id != box.meta.get("instance_id"):
            raise LiandongError("没有该任务")
        data = {**_extra_data(), **formview.submitted(service.tasks.form_schema(task), request.form)}
        service.tasks.complete(task_id, request.form.get("as_user", ""), data, task.revision)

    return _trial(box, complete, "已办理该任务。")


@bp.post("/sandbox/<token>/clock")
@role_required(OWNER)
def sandbox_clock(token: str):
    box = _sandbox(token)
    days = request.form.get("days", type=int) or 0
    hours = request.form.get("hours", type=int) or 0
    if not 0 <= days <= 366 or not 0 <= hours <= 24 * 366:  # timedelta overflows on larger numbers
        flash("只能把时钟向后拨（0–366 天，0–8784 小时）。", "error")
        return redirect(url_for("modeler.sandbox_page", token=token))
    moved = {}

    def advance(service):
        service.clock.advance(days=days, hours=hours)
        moved["n"] = service.management.fire_due_timers()

    response = _trial(box, advance, f"时钟已向后拨 {days} 天 {hours} 小时。")
    if moved.get("n"):
        flash("到期的定时器已触发。", "info")
    return response


@bp.post("/sandbox/<token>/delete")
@role_required(OWNER)
def sandbox_delete(token: str):
    box = _sandbox(token)
    draft_id = box.meta.get("draft_id")
    box.remove()
    flash("已结束试运行，试运行数据已删除。", "success")
    draft = g.db.get(Draft, draft_id) if draft_id else None
    if draft is not None:
        return redirect(url_for("modeler.edit", key=draft.process_key, draft=draft.id))
    return redirect(url_for("modeler.index"))
