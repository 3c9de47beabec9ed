"""The administrator console: matters with filters, a matter's diagram and record, repair actions,
the deadline compliance report and the working-day calendar. Every route needs the admin role."""
import csv
import functools
import io
from collections import Counter
import json
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import accountability, auth_sessions, states
from engine.clock import SHANGHAI
from engine.errors import LiandongError
from engine.management import import_summary
from engine.models import CalendarYear, Department, Person
from engine.monitoring import STATUSES, InstanceFilter

from .. import documents_views, present, registry
from ..auth import login_required, role_required
from ..transaction import refuse
from . import repairs

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 50


def _day(text: str | None, end: bool = False) -> datetime | None:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1 if end else 0), datetime.min.time(), SHANGHAI)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@bp.get("/")
@role_required("admin")
def instances():
    args = request.args
    filters = InstanceFilter(
        process_key=args.get("process", ""), version=_int(args.get("version")), status=args.get("status", ""),
        department=args.get("department", ""), overdue=args.get("overdue") == "1",
        started_from=_day(args.get("from")), started_to=_day(args.get("to"), end=True),
        before_id=_int(args.get("before")), limit=PAGE + 1)
    rows = g.engine.monitoring.instances(filters)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    lights = g.engine.monitoring.lights([r.id for r in rows])
    query = {k: v for k, v in args.items() if k != "before" and v}
    next_url = url_for("admin.instances", **query, before=rows[-1].id) if more else None
    return render_template(
        "admin/instances.html", rows=rows, lights=lights, statuses=STATUSES, next_url=next_url,
        needing_repair=g.engine.monitoring.needing_repair(),
        procedures=[(d.key, d.name) for d in g.engine.repository.processes()], args=args,
        departments=g.db.execute(select(Department.code, Department.name).order_by(Department.code)).all())


@bp.get("/instances/<int:instance_id>")
@role_required("admin")
def instance(instance_id: int):
    return _instance_page(g.engine.runtime.instance(instance_id))


def _instance_page(matter, status: int = 200, refused: registry.Refusal = registry.NOTHING_REFUSED):
    """The console's page of one matter; a refused repair's form holds what was typed and says why."""
    definition = g.engine.repository.get(matter.definition_id)
    state = g.engine.monitoring.diagram_state(matter)
    data = g.engine.runtime.data(matter)
    open_tasks = g.engine.monitoring.open_tasks(matter.id)

    def typed(name: str, **row) -> dict:
        fields = registry.form_fields(repairs.BY_NAME[name], matter, g.user.id, *refused.kept(name, **row))
        return {f.name: f for f in fields}
    return render_template(
        "admin/instance.html", matter=matter, definition=definition, state=state, statuses=STATUSES,
        data_json=json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str),
        events=g.engine.history.events(matter.id), kinds=states.EVENTS,
        timers=g.engine.monitoring.pending_timers(matter.id), open_tasks=open_tasks,
        versions=[d.version for d in g.engine.repository.versions("bpmn", matter.process_key)],
        documents=documents_views.listed(matter.id), repairs=repairs.BY_NAME,
        buttons=[op for op in repairs.BUTTONS if op.shown(matter, g.user.id)],
        typed={op.name: typed(op.name) for op in repairs.REPAIRS if op.name != "reassign"},
        reassign={t.id: typed("reassign", task=t.id) for t, _ in open_tasks}, refused=refused,
        diagram={"xml": definition.content, "completed": state.completed, "active": state.active,
                 "errored": state.errored, "counts": state.counts, "labels": states.ENGINE_TASK}), status


@bp.post("/instances/<int:instance_id>/<action>")
@role_required("admin")
def act(instance_id: int, action: str):
    op = repairs.BY_NAME.get(action)
    if op is None:
        return redirect(url_for("admin.instance", instance_id=instance_id))
    params = request.form.to_dict()
    try:  # the engine says what a repair needs (终止事项须填写原因 …); text within input_text's limit
        registry.run(op, g.engine.runtime.instance(instance_id), g.user.id, params)
    except LiandongError as err:  # refused: nothing of it is kept but what was typed, in its form
        refuse()
        refused = registry.Refusal.of(op, params, err)
        return _instance_page(g.engine.runtime.instance(instance_id), refused.status, refused)
    flash(op.done, "success")
    return redirect(url_for("admin.instance", instance_id=instance_id))


def admin_or_oversight(view):
    """期限考核 is for administrators and, read-only, for 督查室、编委办、法制办 (003 §3(3))."""
    @functools.wraps(view)
    @login_required
    def wrapped(**kwargs):
        if "admin" not in (g.user.system_roles or []) and not accountability.is_oversight(g.db, g.user.id):
            abort(403, description="期限考核仅限系统管理员及督查室、编委办、法制办人员查看。")
        return view(**kwargs)
    return wrapped


@bp.get("/compliance")
@admin_or_oversight
def compliance():
    rows = _compliance_rows()
    peak = max([r["on_time"] + r["missed"] + r["open"] for r in rows] or [1]) or 1
    requested = g.engine.accountability.requests()
    counts = Counter((e.data["department"], e.data["process_key"]) for e in requested)
    return render_template("admin/compliance.html", rows=rows, peak=peak, args=request.args,
                           procedures=[(d.key, d.name) for d in g.engine.repository.processes()],
                           requested=requested, requested_counts=counts,
                           oversight=accountability.is_oversight(g.db, g.user.id),
                           duties=g.engine.accountability.missed_enforcement_duties(),
                           referrals=g.engine.accountability.referrals())


@bp.post("/compliance/accountability")
@admin_or_oversight
def request_accountability():
    """提请市政府予以问责 against a department's missed limits in one procedure (003 §3(3))."""
    try:
        g.engine.accountability.request(g.user.id, request.form.get("department", ""),
                                        request.form.get("process_key", ""), request.form.get("reason", ""))
        flash("已提请市政府予以问责，记入办理记录", "success")
    except LiandongError as err:
        refuse()
        flash(f"提请问责失败：{err.message}", "error")
    return redirect(url_for("admin.compliance"))


@bp.post("/compliance/enforcement-referral")
@admin_or_oversight
def refer_enforcement_duty():
    """执法责任追究 of one enforcement step whose limit passed (001 §4(3)2)."""
    try:
        task_id = int(request.form.get("task_id", ""))
    except ValueError:
        abort(400, description="任务编号无效")
    try:
        g.engine.accountability.refer_enforcement_duty(g.user.id, task_id, request.form.get("reason", ""))
        flash("已提出执法责任追究，记入该事项的办理记录", "success")
    except LiandongError as err:
        refuse()
        flash(f"执法责任追究失败：{err.message}", "error")
    return redirect(url_for("admin.compliance") + "#enforcement-duties")


@bp.get("/compliance.csv")
@admin_or_oversight
def compliance_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["部门", "流程", "按时办结", "超期办结", "办理中已超期", "办理中", "超时默认接收", "关闭时已超期", "超限合计",
                     "经批准延期", "不予延期", "催办次数", "平均用时（工作日）"])
    for r in _compliance_rows():
        writer.writerow([present.department_name(r["department"]), r["process_name"], r["on_time"], r["late"],
                         r["open_overdue"], r["open"], r["deemed_received"], r["closed_overdue"], r["missed"],
                         r["extended"], r["extension_refused"], r["reminders"],
                         "" if r["mean_working_days"] is None else r["mean_working_days"]])
    body = "\ufeff" + out.getvalue()  # BOM: Excel and WPS open the Chinese text correctly
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=compliance.csv"})


def _compliance_rows() -> list[dict]:
    return g.engine.monitoring.compliance(request.args.get("process", ""), _day(request.args.get("from")))


@bp.get("/calendar")
@role_required("admin")
def calendar_page():
    years = list(g.db.execute(select(CalendarYear).order_by(CalendarYear.year.desc())).scalars())
    today = g.engine.clock.now().astimezone(SHANGHAI).date()
    year = _int(request.args.get("year")) or today.year
    return render_template("admin/calendar.html", years=years, year=year, months=_months(year),
                           official=g.engine.calendar.is_official(date(year, 1, 1)), today=today)


def _months(year: int) -> list[dict]:
    cal = g.engine.calendar
    months = []
    for month in range(1, 13):
        first = date(year, month, 1)
        days, day = [], first
        while day.month == month:
            days.append({"day": day, "work": cal.is_working_day(day), "name": cal.day_name(day),
                         "weekend": day.weekday() >= 5})
            day += timedelta(days=1)
        months.append({"month": month, "lead": first.weekday(), "days": days})
    return months


@bp.post("/calendar")
@role_required("admin")
def calendar_import():
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", errors="replace") if upload and upload.filename else request.form.get("text", "")
    source = f"导入：{upload.filename}" if upload and upload.filename else "导入：页面粘贴"
    try:
        result = g.engine.management.import_calendar(text, source, g.user.id)
    except LiandongError as err:
        refuse()
        flash(f"导入失败：{err.message}", "error")
        return redirect(url_for("admin.calendar_page"))
    flash(import_summary(result), "success")
    return redirect(url_for("admin.calendar_page", year=result["year"]))


@bp.get("/people")
@role_required("admin")
def people():
    rows = g.db.execute(select(Person).order_by(Person.id)).scalars().all()
    return render_template("admin/people.html", people=rows,
                           live=auth_sessions.live_counts(g.db, g.engine.clock.now()))


PEOPLE_ACTIONS = {
    "revoke": lambda p, now: f"已注销 {p} 的 {auth_sessions.revoke_person(g.db, p, now)} 处登录和接口令牌",
    "deactivate": lambda p, now: f"已停用 {auth_sessions.set_active(g.db, p, False, now).name}，其登录和接口令牌均已失效",
    "activate": lambda p, now: f"已启用 {auth_sessions.set_active(g.db, p, True, now).name}",
}


@bp.post("/people/<person_id>/<action>")
@role_required("admin")
def person_act(person_id: str, action: str):
    """Sign a person out everywhere, or deactivate (which signs them out too) or reactivate them."""
    if action not in PEOPLE_ACTIONS or g.db.get(Person, person_id) is None:
        abort(404)
    if action == "deactivate" and person_id == g.user.id:
        refuse()
        flash("不能停用自己的账号", "error")
    else:
        flash(PEOPLE_ACTIONS[action](person_id, g.engine.clock.now()), "success")
    return redirect(url_for("admin.people"))
