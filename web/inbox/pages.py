"""Staff pages: the two inboxes, the task page and its actions, starting a matter, notifications.

Views parse input, make one engine call, then redirect or show the engine's refusal."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from engine import states
from engine.procedures import complaints, report_tracking
from engine.errors import FormInvalid, InvalidState, StaleTask
from engine.models import HumanTask

from .. import documents_views, formview, matter_context, present, registry
from ..auth import login_required
from ..office import operations
from ..transaction import refuse
from . import actions, starting

bp = Blueprint("inbox", __name__)

SCOPES = {"mine": "我的待办", "group": "待认领"}


# --- inboxes ---
@bp.get("/")
@login_required
def index():
    return redirect(url_for("inbox.listing", scope="mine"))


@bp.get("/inbox/<scope>")
@login_required
def listing(scope: str):
    if scope not in SCOPES:
        abort(404)
    args = request.args
    filters = {"procedure": args.get("procedure", ""), "overdue": args.get("overdue") == "1",
               "q": args.get("q", "").strip(), "sort": args.get("sort", "due")}
    rows = present.inbox_rows(g.user.id, scope, filters["procedure"], filters["overdue"], filters["q"],
                              filters["sort"])
    delegated = g.engine.tasks.delegated_out(g.user.id) if scope == "mine" else []
    return render_template("inbox/list.html", scope=scope, title=SCOPES[scope], rows=rows, filters=filters,
                           procedures=present.procedures_in(g.user.id), delegated=delegated)


# --- one task ---
def _visible_task(task_id: int) -> HumanTask:
    task = g.engine.tasks.get(task_id)  # NotFound -> 404
    if not g.engine.permissions.may_view_task(task, g.user.id):
        abort(403, description="该任务不在您的办理范围内，无权查看。")
    return task


def _revision() -> int | None:
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        return None


def render_task(task: HumanTask, status: int = 200, errors: dict | None = None, entered=None,
                message: str = "", refused: registry.Refusal | None = None):
    """The task page; `refused`: an office operation or 转交 refused, its form shown open with the typing kept."""
    instance = g.engine.runtime.instance(task.instance_id)
    allowed = actions.available(task, g.user.id)
    schema = g.engine.tasks.form_schema(task)
    if entered is None and task.draft and task.state == states.TASK_OPEN:
        entered = task.draft  # what was saved, or what a delegate filled in
    ops = registry.drawn(operations.available(task, g.user.id, "task"), task, g.user.id, refused)
    reopened = g.engine.office.reopenings([task]).get(task.id) if task.state == states.TASK_OPEN else None
    signing = any(op.name == "sign" for op, _ in ops)  # 加签: the opinion asked of me comes first
    approving = any(op.name == "extend" for op, _ in ops)  # a 延期申请 sent to me
    handing_over = refused is not None and refused.name == "hand_over"
    return render_template(
        "inbox/task.html", task=task, instance=instance, allowed=allowed, message=message,
        deadline=present.deadline(task), holder=present.holder_text(task), limit_kind=present.limit_kind(task),
        form_title=schema.get("title", task.name), form_description=schema.get("description", ""),
        fields=formview.fields(schema, entered, errors), form_error=formview.form_error(errors),
        attachments_error=(errors or {}).get("attachments", ""),
        handover=_hand_over_fields(task, allowed, refused), handover_refused=handing_over,
        context=matter_context.context(instance, g.engine.visibility.task_data(task, g.user.id),
                                unlabelled="admin" in (g.user.system_roles or [])), history=present.history(instance.id), ops=ops,
        signers=g.engine.signers.of_task(task.id), documents=documents_views.listed(instance.id),
        attachments=g.engine.attachments.of_matter(instance.id),
        failed_op=(refused.name, refused.message) if refused and not handing_over else ("sign" if signing else None, ""),
        signing=signing, approving=approving,
        reopened=reopened, suspended=present.suspension(instance),
        extension_refused=g.engine.deadlines.refused_extension(task) if task.state == states.TASK_OPEN else None,
        review=matter_context.previous_step(task, g.user.id) if task.state == states.TASK_OPEN else None,
        reopened_text=present.reopened_text(reopened) if reopened else "",
    ), status


def _hand_over_fields(task: HumanTask, allowed: dict, refused: registry.Refusal | None) -> list[formview.Field]:
    """转交's fields, declared in actions.py, holding what was typed when it was refused."""
    if "hand_over" not in allowed:
        return []
    return registry.drawn([allowed["hand_over"]], task, g.user.id, refused)[0][1]


def _refused(task_id: int, err, prefix: str = "", entered=None):
    """Roll back, re-read the task and show it with the engine's message (and, for a refused
    submission, the form still holding what was typed)."""
    refuse()
    task = g.engine.tasks.get(task_id)
    message = err.message
    if isinstance(err, StaleTask) and task.assignee and task.assignee != g.user.id and task.state == states.TASK_OPEN:
        message = f"该任务已由 {present.person_name(task.assignee)} 认领或办理，您无需再处理。"
    elif isinstance(err, StaleTask) and task.state != states.TASK_OPEN:
        message = "该任务已经办理完毕或已取消，请刷新后查看。"
    return render_task(task, status=err.status, message=prefix + message, entered=entered)


@bp.get("/tasks/<int:task_id>")
@login_required
def task_page(task_id: int):
    return render_task(_visible_task(task_id))


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    return _claim_or_unclaim(task_id, "claim", "认领失败：", url_for("inbox.task_page", task_id=task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int):
    return _claim_or_unclaim(task_id, "unclaim", "放回失败：", url_for("inbox.listing", scope="group"))


def _claim_or_unclaim(task_id: int, name: str, refused_prefix: str, then: str):
    task = _visible_task(task_id)
    action = actions.BY_NAME[name]
    try:
        action.run(task, g.user.id, {"revision": _revision()})
    except (StaleTask, InvalidState) as err:
        return _refused(task_id, err, refused_prefix)
    flash(action.done, "success")
    return redirect(then)


@bp.post("/tasks/<int:task_id>/hand_over")
@login_required
def hand_over(task_id: int):
    task = _visible_task(task_id)
    action = actions.BY_NAME["hand_over"]
    params = {**{p.name: request.form.get(p.name, "") for p in action.params}, "revision": _revision()}
    try:
        registry.run_posted(action, task, g.user.id, params)
    except FormInvalid as err:  # a field left empty or too long: told beside it, the typing kept
        refuse()
        return render_task(task, status=422, refused=registry.Refusal.of(action, params, err))
    except (StaleTask, InvalidState) as err:
        return _refused(task_id, err, "转交失败：")
    flash(f"已转交给 {present.person_name(params['to_user'])}", "success")
    return redirect(url_for("inbox.listing", scope="mine"))


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int):
    task = _visible_task(task_id)
    schema = g.engine.tasks.form_schema(task)
    data = formview.submitted(schema, request.form)
    action = request.form.get("action", "complete")
    if not g.engine.tasks.may_act(task, g.user.id):
        abort(403, description="您不是该任务的办理人，不能办理。")
    if _revision() is None:  # every form carries the revision the user saw; without it, nothing is done
        return _refused(task_id, StaleTask("页面已过期，请刷新后重新提交"), "提交失败：", request.form)
    try:
        if action == "save":
            g.engine.office.save_draft(task_id, g.user.id, data, _revision())
            flash("已暂存，尚未提交", "success")
            return redirect(url_for("inbox.task_page", task_id=task_id))
        if action == "return":
            g.engine.office.return_delegation(task_id, g.user.id, data, _revision())
            flash("已交回委派人", "success")
            return redirect(url_for("inbox.index"))
        files = _uploads()
        done = actions.BY_NAME["complete"].run(task, g.user.id, {"data": data, "revision": _revision()})
        if files:  # in the same transaction: a refused file refuses the submission, nothing is kept
            g.engine.attachments.add(task.instance_id, g.user.id, files, task_id)
        if done.task.held_by_signers:
            flash("已提交，等待后加签人签署意见后办结", "success")
            return redirect(url_for("inbox.task_page", task_id=task_id))
    except FormInvalid as err:
        refuse()
        return render_task(g.engine.tasks.get(task_id), status=422, errors=err.errors, entered=request.form,
                          message=err.message)
    except (StaleTask, InvalidState) as err:  # stale tab, suspended matter …: what was typed stays
        return _refused(task_id, err, "提交失败：", request.form)
    session["completion"] = {"task": task_id, "next": [t.id for t in done.next_tasks],
                             "status": done.instance_status}
    return redirect(url_for("inbox.completed", task_id=task_id))


@bp.get("/tasks/<int:task_id>/done")
@login_required
def completed(task_id: int):
    task = g.engine.tasks.get(task_id)
    if task.completed_by != g.user.id:
        abort(403)
    info = session.get("completion") or {}
    instance = g.engine.runtime.instance(task.instance_id)
    if info.get("task") == task_id:
        next_tasks = [g.engine.tasks.get(i) for i in info["next"]]
    else:
        next_tasks = g.engine.tasks.of_instance(instance.id, open_only=True)
    return render_template("inbox/next_steps.html", heading=f"“{task.name}”已办理完成", instance=instance,
                           next_tasks=[(t, present.holder_text(t)) for t in next_tasks])


def _uploads() -> list[tuple[str, bytes]]:
    """附件 posted with a form (checked by engine/attachments.py)."""
    return [(f.filename, f.read()) for f in request.files.getlist("attachments") if f and f.filename]


# --- starting a matter ---
@bp.get("/start")
@login_required
def start_list():
    return render_template("inbox/start_list.html", items=starting.startable(g.user.id))


@bp.route("/start/<process_key>", methods=("GET", "POST"))
@login_required
def start_form(process_key: str):
    item = starting.find(g.user.id, process_key)
    if item is None:
        abort(404, description="没有可由您发起的该流程。")
    schema = item.schema()
    if request.method == "GET":
        return render_template("inbox/start_form.html", item=item, schema=schema,
                               fields=formview.fields(schema), form_error="")
    try:
        instance = starting.start(g.user.id, item, formview.submitted(schema, request.form))
        files = _uploads()
        if files:
            g.engine.attachments.add(instance.id, g.user.id, files)
    except (InvalidState, StaleTask) as err:
        refuse()
        return render_template("inbox/start_form.html", item=item, schema=schema, message=err.message,
                               fields=formview.fields(schema, request.form), form_error=""), 422
    except FormInvalid as err:
        refuse()
        return render_template("inbox/start_form.html", item=item, schema=schema, message=err.message,
                               fields=formview.fields(schema, request.form, err.errors),
                               form_error=formview.form_error(err.errors),
                               attachments_error=err.errors.get("attachments", "")), 422
    return redirect(url_for("inbox.started", instance_id=instance.id))


@bp.get("/matters/<int:instance_id>/started")
@login_required
def started(instance_id: int):
    instance = g.engine.runtime.instance(instance_id)
    if instance.started_by != g.user.id:
        abort(403)
    next_tasks = g.engine.tasks.of_instance(instance.id, open_only=True)
    # a report registered from 8890, 12350 or the mailbox: the reporter is given the 查询码 by that channel
    code = report_tracking.code_for(instance.id) if instance.process_key == complaints.PROCESS else ""
    return render_template("inbox/next_steps.html", heading=f"已发起“{instance.process_name}”", instance=instance,
                           next_tasks=[(t, present.holder_text(t)) for t in next_tasks], tracking_code=code)


# --- notifications ---
@bp.get("/notifications")
@login_required
def notifications():
    """Reading the list changes nothing (a GET may be prefetched or replayed); 全部标为已读 is a POST."""
    notes = present.notifications(g.user.id)
    return render_template("inbox/notifications.html", notes=notes, labels=present.NOTE_LABELS)


@bp.post("/notifications/read")
@login_required
def notifications_read():
    present.mark_notes_seen(g.user.id)
    flash("已全部标为已读", "success")
    return redirect(url_for("inbox.notifications"))
