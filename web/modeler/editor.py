"""The bpmn-js modeler: editing a version or a draft, validation, deployment, drafts."""
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for

from engine import bpmn_xml, directory, states
from engine.errors import DeploymentError
from engine.models import Definition, Draft
from engine.versions import VersionQuestion

from ..auth import role_required
from .common import (OWNER, bp, bpmn_root, check, deployable, describe, draft_row, filename_for, form_names,
                     posted_xml, problems_of, xml_response)


@bp.get("/processes/<key>/edit")
@role_required(OWNER)
def edit(key: str):
    draft = draft_row(request.args.get("draft", type=int)) if request.args.get("draft") else None
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
        "forms": form_names(),
        "roles": [[r, name] for r, name in directory.ROLES.items()] + [[directory.STARTER, "发起人"]],
        "outcomes": [["deemed_received", "超时视为接收"], ["overdue_escalated", "逾期升级"]],
        "limitKinds": [[k, v] for k, v in states.LIMIT_SHORT.items()],
    }
    return render_template("modeler/edit.html", key=key, draft=draft, base=base, config=config)


@bp.post("/validate")
@role_required(OWNER)
def validate():
    content = posted_xml()
    problems, questions = check(filename_for(content, request.form.get("filename") or "diagram.bpmn",
                                             request.form.get("process_key")), content)
    return jsonify({"ok": not problems, "problems": problems, "questions": questions})


@bp.post("/deploy")
@role_required(OWNER)
def deploy():
    content = posted_xml()
    filename = filename_for(content, request.form.get("filename") or "diagram.bpmn", request.form.get("process_key"))
    confirmed = request.form.get("as_new_version") == "1"  # the owner answered the question below
    try:
        result = g.engine.repository.deploy([(filename, content)], g.user.id, deployable(), as_new_version=confirmed)[0]
    except VersionQuestion as question:
        return jsonify({"ok": False, "problems": [], "questions": [p["reason"] for p in question.problems]}), 409
    except DeploymentError as err:
        return jsonify({"ok": False, "problems": problems_of(err, content)}), 422
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
    """A draft is a BPMN diagram (parsed safely, so at most the `bpmn_xml.MAX_BYTES` of a file
    deployment reads), whatever else is posted."""
    content = posted_xml()
    if len(content) > bpmn_xml.MAX_BYTES:
        return jsonify({"ok": False, "error": f"草稿过大（上限 {bpmn_xml.MAX_BYTES // 1000 // 1000} MB），未保存"}), 413
    root = bpmn_root(content)
    if root is None:
        return jsonify({"ok": False, "error": "草稿必须是 BPMN 流程图（bpmn:definitions 中含一个流程），未保存"}), 422
    meta = describe(root)  # the root read above, not the file again
    if meta is not None:  # the diagram's process id decides which procedure the draft belongs to; an
        key = meta["process_id"]  # unfinished one stays with the procedure it was opened from
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
    return jsonify({"ok": True, "draft_id": draft.id, "message": f"已保存草稿 {draft.id}",
                    "edit_url": url_for("modeler.edit", key=key, draft=draft.id),
                    "sandbox_url": url_for("modeler.sandbox_create", draft_id=draft.id)})


@bp.get("/drafts/<int:draft_id>/xml")
@role_required(OWNER)
def draft_xml(draft_id: int):
    return xml_response(draft_row(draft_id).content)


@bp.post("/drafts/<int:draft_id>/delete")
@role_required(OWNER)
def draft_delete(draft_id: int):
    draft = draft_row(draft_id)
    key = draft.process_key
    g.db.delete(draft)
    flash(f"已删除草稿 {draft_id}", "success")
    return redirect(url_for("modeler.process", key=key) if g.engine.repository.latest("bpmn", key)
                    else url_for("modeler.index"))

