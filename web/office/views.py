"""Pages for the office operations: run one on a task or a matter, the read-only matter page (for
the starter, section heads, copy recipients and supervisors), opinions asked of me, copies to me."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from engine.errors import LiandongError

from .. import documents_views, matter_context, present, registry
from ..auth import login_required
from ..inbox import pages as inbox
from ..transaction import refuse
from . import operations

bp = Blueprint("office", __name__)


def _params() -> dict:
    params = request.form.to_dict()
    params["people"] = request.form.getlist("people")
    try:
        params["revision"] = int(params["revision"]) if "revision" in params else None
    except ValueError:
        params["revision"] = None
    return params


@bp.post("/tasks/<int:task_id>/ops/<name>")
@login_required
def task_operation(task_id: int, name: str):
    task = g.engine.tasks.get(task_id)
    op = operations.BY_NAME.get(name)
    if op is None or op.on != "task" or not g.engine.permissions.may_view_task(task, g.user.id) or not op.shown(task, g.user.id):
        abort(403, description="您不能对该任务执行此操作。")
    back_to_late = request.form.get("back") == "late"  # 催办 from the 督查室's list of late tasks
    params = _params()
    try:
        registry.run_posted(op, task, g.user.id, params)
        flash(op.done, "success")
    except LiandongError as err:  # refused: nothing of it is kept but what was typed, in the open form
        refuse()
        if not back_to_late and g.engine.permissions.may_view_task(g.engine.tasks.get(task_id), g.user.id):
            refused = registry.Refusal.of(op, params, err)
            return inbox.render_task(g.engine.tasks.get(task_id), status=refused.status, refused=refused)
        flash(f"{op.label}失败：{err.message}", "error")
    if back_to_late:
        return redirect(url_for("lists.late") + f"#late-{task_id}")
    if g.engine.permissions.may_view_task(g.engine.tasks.get(task_id), g.user.id):
        return redirect(url_for("inbox.task_page", task_id=task_id))
    return redirect(url_for("inbox.index"))


@bp.post("/matters/<int:instance_id>/ops/<name>")
@login_required
def matter_operation(instance_id: int, name: str):
    matter = g.engine.runtime.instance(instance_id)
    op = operations.BY_NAME.get(name)
    if op is None or op.on != "matter" or not op.shown(matter, g.user.id):
        abort(403, description="您不能对该事项执行此操作。")
    params = _params()
    try:
        registry.run_posted(op, matter, g.user.id, params)
        flash(op.done, "success")
    except LiandongError as err:
        refuse()
        matter = g.engine.runtime.instance(instance_id)
        if g.engine.permissions.may_view_matter(matter, g.user.id):
            refused = registry.Refusal.of(op, params, err)
            return _matter_page(matter, refused.status, refused)
        flash(f"{op.label}失败：{err.message}", "error")
    return redirect(url_for("office.matter_page", instance_id=instance_id))


@bp.get("/matters/<int:instance_id>")
@login_required
def matter_page(instance_id: int):
    matter = g.engine.runtime.instance(instance_id)
    if not g.engine.permissions.may_view_matter(matter, g.user.id):
        abort(403, description="该事项不在您的查看范围内。")
    g.engine.office.mark_read(matter.id, g.user.id)
    return _matter_page(matter)


def _matter_page(matter, status: int = 200, refused: registry.Refusal | None = None):
    tasks = g.engine.tasks.of_instance(matter.id)
    ops = registry.drawn(operations.available(matter, g.user.id, "matter"), matter, g.user.id, refused)
    data = g.engine.visibility.matter_data(matter, g.user.id)
    return render_template("office/matter.html", matter=matter, context=matter_context.context(matter, data),
                           history=present.history(matter.id), ops=ops, documents=documents_views.listed(matter.id),
                           viewable={t.id for t in tasks if g.engine.permissions.may_view_task(t, g.user.id)},
                           tasks=[(t, present.deadline(t), present.holder_text(t)) for t in tasks],
                           failed_op=(refused.name, refused.message) if refused else (None, ""), diagram=present.diagram(matter),
                           attachments=g.engine.attachments.of_matter(matter.id)), status


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """A 附件, for the people of its matter only."""
    row = g.engine.attachments.get(attachment_id)
    if row is None:
        abort(404)
    if not g.engine.permissions.may_view_matter(g.engine.runtime.instance(row.instance_id), g.user.id):
        abort(403, description="附件仅该事项的办理人员可以下载。")
    from flask import Response
    from urllib.parse import quote
    return Response(row.content, mimetype=row.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
        "X-Content-Type-Options": "nosniff"})


@bp.get("/signing")
@login_required
def signing():
    rows = [(signer, task, g.engine.runtime.instance(task.instance_id))
            for signer, task in g.engine.signers.waiting_for(g.user.id)]
    return render_template("office/signing.html", rows=rows)


@bp.get("/copies")
@login_required
def copies():
    return render_template("office/copies.html", rows=g.engine.office.copies_for(g.user.id))
