"""Sign-in and sign-out; `login_required` for the pages; login rate limiting.

Rate limiting: after `MAX_FAILURES` failed sign-ins (page or API token) for one account from one
address within `WINDOW`, or `MAX_ADDRESS_FAILURES` from one address for any accounts, that account
from that address (or that address) is refused until the failures age out of the window; while
refused, even the right password is not checked. Failures are rows of `login_failure` in the
database, not a worker's memory: every gunicorn worker sees the same count, and a restart does not
reset it. Keyed by account and address, so someone guessing from elsewhere does not lock the real
user out of their own desk.
"""
import functools
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import delete, func, select
from engine import passwords
from engine.errors import FormInvalid
from engine.models import LoginFailure, Person

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCKED_MESSAGE = "登录失败次数过多，请15分钟后再试"


def _address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _now():
    return current_app.config["CLOCK"].now()


def login_locked(person_id: str) -> bool:
    """Too many recent failures for this account from this address, or from this address at all."""
    since = _now() - WINDOW
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.at > since)
    address = _address()
    pair = g.db.scalar(recent.where(LoginFailure.person_id == (person_id or "")[:64], LoginFailure.address == address))
    if pair >= MAX_FAILURES:
        return True
    return g.db.scalar(recent.where(LoginFailure.address == address)) >= MAX_ADDRESS_FAILURES


def record_failure(person_id: str) -> None:
    """Store a failed attempt in its own transaction: the request's own is rolled back on a 401."""
    with current_app.extensions["liandong_sessions"]() as attempts, attempts.begin():
        now = _now()
        attempts.add(LoginFailure(person_id=(person_id or "")[:64], address=_address(), at=now))
        attempts.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))


def clear_failures(person_id: str) -> None:
    g.db.execute(delete(LoginFailure).where(LoginFailure.person_id == person_id, LoginFailure.address == _address()))


def attempt_sign_in(person_id: str, password: str) -> tuple[Person | None, str]:
    """(person, "") on success; (None, Chinese reason) when refused. Counts failures; the caller
    must not hold a write transaction it wants to keep (a refusal is rolled back)."""
    from . import refuse
    if login_locked(person_id):
        refuse()
        return None, LOCKED_MESSAGE
    person = check_credentials(person_id, password)
    if person is None:
        refuse()  # ends the request's transaction (SQLite: releases the write lock) before recording
        record_failure(person_id)
        return None, "账号或密码不正确"
    clear_failures(person.id)
    return person, ""


def check_credentials(person_id: str, password: str) -> Person | None:
    """The active person with this id and password, or None (same answer for every failure).
    A one-time password (engine/passwords.py) is accepted once and marks `g.must_set_password`."""
    person = g.db.get(Person, (person_id or "").strip())
    if person is None or not person.active or not person.password_hash:
        return None
    right, one_time = passwords.matches(person, password)
    if not right:
        return None
    g.must_set_password = one_time
    return person


@bp.before_app_request
def load_user():
    g.user = None
    person_id = session.get("user_id")
    if person_id and g.get("db") is not None:
        person = g.db.get(Person, person_id)
        g.user = person if person is not None and person.active else None
    if g.user is not None and session.get("must_set_password") and request.endpoint not in (
            "auth.set_password", "auth.logout", "static"):
        return redirect(url_for("auth.set_password"))


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
        person, error = attempt_sign_in(person_id, request.form.get("password", ""))
        if person is not None:
            session.clear()  # a fresh session on sign-in (no fixation)
            session["user_id"] = person.id
            if g.get("must_set_password"):
                session["must_set_password"] = True
                return redirect(url_for("auth.set_password"))
            flash(f"欢迎，{person.name}", "success")
            return redirect(_safe_next(request.args.get("next")))
    status = (429 if error == LOCKED_MESSAGE else 401) if error else 200
    return render_template("auth/login.html", error=error, person_id=person_id), status


@bp.route("/password", methods=("GET", "POST"))
@login_required
def set_password():
    """Set one's own password; required right after signing in with a one-time password."""
    errors = {}
    if request.method == "POST":
        try:
            passwords.set_own(g.db, g.user, request.form.get("new_password", ""),
                              request.form.get("new_password_again", ""))
        except FormInvalid as refused:
            errors = refused.errors
        else:
            session.pop("must_set_password", None)
            flash("密码已设置，请牢记新密码", "success")
            return redirect(url_for("inbox.index"))
    return render_template("auth/password.html", errors=errors,
                           required=bool(session.get("must_set_password"))), (400 if errors else 200)


@bp.post("/logout")
def logout():
    session.clear()
    flash("您已退出登录", "info")
    return redirect(url_for("auth.login"))
