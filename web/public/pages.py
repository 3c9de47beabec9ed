"""Public pages (no sign-in): published supervision results, and reporting a violation (P10–P13).

- `/public/results`: "一公开" — inspection results (P10), 行政许可 and penalty decisions (双公示, P1 and P11)
  the 经营异常名录 and the blacklist (P13) as published; withdrawn notices (e.g. an enterprise removed from the blacklist) are not shown.
  Nothing here comes from workflow data: only the `public_notice` rows the publishing steps wrote.
- `/public/report`: a member of the public reports a violation through the website (000 §3(5)). The
  reporter's name and contact are sealed (engine/procedures/complaints.py) before the matter starts; the matter,
  its event log and every staff page hold only the sealed reference.
- `/public/reporter/<instance_id>`: the reporter's identity, for the handling officer only (signed in).
"""
from flask import Blueprint, abort, g, render_template, request
from sqlalchemy import select

from engine import input_text, specs
from engine.procedures import complaints, report_tracking
from engine.errors import FormInvalid, LiandongError, NotCandidate
from engine.forms import uscc_problem
from engine.models import Department, PublicNotice

from ..auth import login_required

bp = Blueprint("public", __name__, url_prefix="/public")
KINDS = {"inspection": "“双随机”抽查结果", "licence": "行政许可决定", "penalty": "行政处罚决定",
         "abnormal": "经营异常名录", "blacklist": "失信联合惩戒黑名单"}
PUBLIC_STARTER = "public"  # the website: no staff account starts these matters
SEARCH_MAX = 100  # characters of a search: the forms take enterprise names of at most 100
TRACKING_CODE_MAX = 40  # a 查询码 is at most 23 characters (engine/procedures/report_tracking.py), spaces allowed
TYPED = ("subject", "enterprise_name", "content")  # the report's own fields the reporter types
DEPARTMENTS = ["emergency_bureau", "market_bureau", "housing_bureau", "ecology_bureau", "health_commission"]


@bp.route("/results")
def results():
    kind = request.args.get("kind", "inspection")
    if kind not in KINDS:
        abort(404)
    query = (select(PublicNotice).where(PublicNotice.kind == kind, PublicNotice.withdrawn_at.is_(None))
             .order_by(PublicNotice.on_date.desc(), PublicNotice.id.desc()).limit(500))
    text, error = request.args.get("q", "").strip(), ""
    if len(text) > SEARCH_MAX:  # anyone may ask: a long text is refused, not searched for
        text, error = "", f"查询内容不能超过{SEARCH_MAX}字，请输入企业名称或18位统一社会信用代码"
    elif text:  # the words as typed: % and _ are letters here, not patterns
        query = query.where(PublicNotice.enterprise_name.contains(text, autoescape=True)
                            | (PublicNotice.credit_code == text.upper()))
    notices = [] if error else list(g.db.execute(query).scalars())
    names = dict(g.db.execute(select(Department.code, Department.name)).all())
    return render_template("public/results.html", notices=notices, kind=kind, kinds=KINDS, names=names, q=text,
                           error=error, search_max=SEARCH_MAX), 400 if error else 200


@bp.route("/report", methods=("GET", "POST"))
def report():
    names = dict(g.db.execute(select(Department.code, Department.name)).all())
    values, errors, done = dict(request.form), {}, None
    if request.method == "POST":
        anonymous = request.form.get("anonymous") == "on"
        code = request.form.get("credit_code", "").strip().upper()
        errors = _report_problems(anonymous, code)
        if not errors:
            done, errors = _file_report(anonymous, code)
        if done:  # the identity is sealed now: the answer does not carry it (refusals are no-store)
            values.pop("name", None), values.pop("phone", None)
    status = 422 if errors else 200
    return render_template("public/report.html", departments=[(d, names.get(d, d)) for d in DEPARTMENTS],
                           values=values, errors=errors, done=done), status


def _report_problems(anonymous: bool, code: str) -> dict[str, str]:
    """Field -> what is wrong with the posted report, before anything is sealed or started."""
    errors = {}
    for field, title in (("subject", "举报事项"), ("enterprise_name", "被举报企业"), ("content", "举报内容")):
        if not request.form.get(field, "").strip():
            errors[field] = f"请填写{title}"
    if request.form.get("department") not in DEPARTMENTS:
        errors["department"] = "请选择承办部门"
    if code and (problem := uscc_problem(code)):
        errors["credit_code"] = problem
    if not anonymous and not (request.form.get("name", "").strip() and request.form.get("phone", "").strip()):
        errors["name"] = "实名举报请填写姓名和联系电话，或选择匿名举报"
    for field, (title, most) in _limits().items():  # refused and kept as typed, never cut
        if field not in errors and len(request.form.get(field, "").strip()) > most:
            errors[field] = input_text.too_long(title, most)
    return errors


def _file_report(anonymous: bool, code: str) -> tuple[str | None, dict[str, str]]:
    """Seal the identity and start the matter: (查询码, no errors), or (None, the engine's refusal)."""
    engine = g.engine
    data = {"subject": request.form["subject"].strip(), "enterprise_name": request.form["enterprise_name"].strip(),
            "department": request.form["department"], "channel": "website",
            "received_at": engine.functions.now(), "content": request.form["content"].strip().replace("\r\n", "\n"),
            "anonymous": anonymous}
    if code:
        data["credit_code"] = code
    try:
        if not anonymous:
            data["reporter_ref"] = complaints.seal_identity(
                g.db, engine.clock.now(), request.form["name"], request.form["phone"])
        matter = engine.runtime.start(complaints.PROCESS, data, PUBLIC_STARTER)
        return report_tracking.code_for(matter.id), {}
    except FormInvalid as err:
        g.db.rollback()
        return None, dict(err.errors)
    except LiandongError as err:
        g.db.rollback()
        return None, {"_form": err.message}


def _limits() -> dict[str, tuple[str, int]]:
    """(title, most characters) of each typed field: the deployed start form's maxLength, and the sealed
    identity's own limits for name and phone (engine/procedures/complaints.py)."""
    repository = g.engine.repository
    form = repository.latest("form", specs.of(repository.process(complaints.PROCESS)).start_form)
    fields = repository.form_schema(form.id).get("properties", {}) if form is not None else {}
    limits = {f: (fields[f].get("title", f), fields[f]["maxLength"]) for f in TYPED if "maxLength" in fields.get(f, {})}
    return limits | {f: complaints.IDENTITY_LIMITS[f] for f in ("name", "phone")}


@bp.route("/track", methods=("GET", "POST"))
def track():
    """The reporter follows the report with the 查询码 (posted, so it stays out of addresses and logs)."""
    code, found, error = request.form.get("code", "").strip(), None, ""
    if len(code) > TRACKING_CODE_MAX:
        code = ""  # neither looked up nor shown back
    if request.method == "POST":
        matter = report_tracking.matter_for(g.db, code)
        if matter is None:
            error = "查询码不正确，请核对后重新输入（查询码在提交举报后给出，形如 12-ABCDEFGHJKLM）"
        else:
            found = report_tracking.progress(g.engine, matter)
    return render_template("public/track.html", code=code, progress=found, error=error,
                           code_max=TRACKING_CODE_MAX), 422 if error else 200


@bp.route("/reporter/<int:instance_id>")
@login_required
def reporter(instance_id: int):
    try:
        identity = complaints.reporter_identity(g.engine, instance_id, g.user.id)
    except complaints.IdentityRefused:
        g.db.commit()  # the refusal itself stays in the event log
        abort(403, "举报人信息仅此刻承办该举报的执法人员可以查看。")
    except NotCandidate:
        abort(403, "举报人信息仅承办该举报的执法人员可以查看。")
    return render_template("public/reporter.html", identity=identity, instance_id=instance_id)
