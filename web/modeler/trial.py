"""Trial runs: a draft deployed in a throw-away copy of the directory, calendar and definitions,
with a clock the owner moves forward to fire timers."""
import json

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import file_messages, specs, states
from engine.errors import DeploymentError, FormInvalid, LiandongError
from engine.models import Draft, Person, RoleAssignment, Timer

from .. import formview
from . import sandbox
from ..auth import role_required
from .common import OWNER, bp, draft_row, filename_for, problems_of, xml_response

STATUS_NAMES = states.MATTER
EVENT_NAMES = states.EVENTS  # the event log's one vocabulary (engine/states.py): 超期上报, not overdue_escalated


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
    draft = draft_row(draft_id)
    content = draft.content.encode("utf-8")
    try:
        box = sandbox.create(g.db, g.engine.clock, filename_for(content), content, g.user.id, draft.id, draft.process_key)
    except DeploymentError as err:
        g.rollback = True
        return render_template("modeler/upload.html", problems=problems_of(err, content), filename=f"草稿 {draft.id}",
                               heading="草稿无法试运行"), 422
    return redirect(url_for("modeler.sandbox_page", token=box.token))


def _start_schema(service, process: specs.ProcessSpec) -> dict:
    """The start form as the real start page reads it (Repository.form_schema: with the one limit of
    free text on its multi-line fields), or no fields when the process has none."""
    form = service.repository.latest("form", process.start_form) if process.start_form else None
    return service.repository.form_schema(form.id) if form else {"type": "object", "properties": {}}


def _start_people(service, process: specs.ProcessSpec) -> list[tuple[str, str]]:
    """Whom the trial run may start as: the people the process lets start (ProcessSpec.may_start)."""
    roles: dict[tuple[str, str], set[str]] = {}
    for pid, name, role in service.db.execute(
            select(Person.id, Person.name, RoleAssignment.role).join(RoleAssignment, RoleAssignment.person_id == Person.id)
            .where(RoleAssignment.until.is_(None), Person.active.is_(True)).order_by(Person.id)).all():
        roles.setdefault((pid, name), set()).add(role)
    return [person for person, held in roles.items() if process.may_start(held)]


@bp.get("/sandbox/<token>")
@role_required(OWNER)
def sandbox_page(token: str):
    box = _sandbox(token)
    view = {}
    with box.engine() as service:
        definition = service.repository.process(box.meta["process_key"])
        view["definition"] = {"key": definition.key, "name": definition.name, "version": definition.version,
                              "content": definition.content}
        process = specs.of(definition)
        view["start_fields"] = formview.fields(_start_schema(service, process))
        view["start_people"] = _start_people(service, process)
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
    except json.JSONDecodeError as err:  # said in Chinese, as for an uploaded form
        raise FormInvalid({"extra_json": file_messages.json_syntax(err, "其他数据")[0]}) from None
    except RecursionError:  # json gives up on deep nesting with RecursionError, not ValueError
        raise FormInvalid({"extra_json": "其他数据的 JSON 嵌套过深"}) from None
    if not isinstance(value, dict):
        raise FormInvalid({"extra_json": "须为 JSON 对象"})
    return value


@bp.get("/sandbox/<token>/xml")
@role_required(OWNER)
def sandbox_xml(token: str):
    box = _sandbox(token)
    with box.engine() as service:
        content = service.repository.process(box.meta["process_key"]).content
    return xml_response(content)


@bp.post("/sandbox/<token>/start")
@role_required(OWNER)
def sandbox_start(token: str):
    box = _sandbox(token)
    if box.meta.get("instance_id"):
        flash("该试运行已发起过事项。", "error")
        return redirect(url_for("modeler.sandbox_page", token=token))

    def start(service):
        process = specs.of(service.repository.process(box.meta["process_key"]))
        data = {**_extra_data(), **formview.submitted(_start_schema(service, process), request.form)}
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

