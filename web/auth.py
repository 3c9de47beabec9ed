"""Sign-in and sign-out; `login_required` for the pages."""
import functools
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from engine.models import Person

bp = Blueprint("auth", __name__)


def check_credentials(person_id: str, password: str) -> Person | None:
    """The active person with this id and password, or None (same answer for every failure)."""
    person = g.db.get(Person, (person_id or "").strip())
    if person is None or not person.active or not person.password_hash:
        return None
    if not check_password_hash(person.password_hash, password or ""):
        return None
    return person


@bp.before_app_request
def load_user():
    g.user = None
    person_id = session.get("user_id")
    if person_id and g.get("db") is not None:
        person = g.db.get(Person, person_id)
        g.user = person if person is not None and person.active else None


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)
    return wrapped


def role_required(*system_roles: str):
    """Pages for administrators or process owners: others get 403 and nothing runs."""
    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(**kwargs):
            if not set(system_roles) & set(g.user.system_roles or []):
                abort(403, description="该页面仅限" + "、".join(ROLE_NAMES.get(r, r) for r in system_roles) + "访问。")
            return view(**kwargs)
        return wrapped
    return decorate


ROLE_NAMES = {"admin": "系统管理员", "process_owner": "流程管理员"}


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=("GET", "POST"))
def login():
    error = None
    person_id = ""
    if request.method == "POST":
        person_id = request.form.get("person_id", "").strip()
        person = check_credentials(person_id, request.form.get("password", ""))
        if person is None:
            error = "账号或密码不正确"
        else:
            session.clear()  # a fresh session on sign-in (no fixation)
            session["user_id"] = person.id
            flash(f"欢迎，{person.name}", "success")
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, person_id=person_id), status


@bp.post("/logout")
def logout():
    session.clear()
    flash("您已退出登录", "info")
    return redirect(url_for("auth.login"))
