"""Sign-in and sign-out; `login_required` for the pages; login rate limiting.

Rate limiting: after `MAX_FAILURES` failed sign-ins (page or API token) for one account from one
address within `WINDOW`, or `MAX_ADDRESS_FAILURES` from one address for any accounts, that account
from that address (or that address) is refused until the failures age out of the window; while
refused, even the right password is not checked. Failures are rows of `login_failure` in the
database, not a worker's memory: every gunicorn worker sees the same count, and a restart does not
reset it. Keyed by account and address, so someone guessing from elsewhere does not lock the real
user out of their own desk.

Sessions: the cookie carries only the secret of an `auth_session` row (engine/auth_sessions.py),
looked up on every request; signing out revokes the row, so a replayed cookie is signed out.
"""
import functools
import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import delete, func, select, text

from engine import auth_sessions, passwords
from engine.errors import FormInvalid, LiandongError
from engine.models import LoginFailure, Person

from .transaction import refuse

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCKED_MESSAGE = "登录失败次数过多，请15分钟后再试"


def _address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _now():
    return current_app.config["CLOCK"].now()


def _locked(db, person_id: str, address: str, now) -> bool:
    """Too many recent failures for this account from this address, or from this address at all."""
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.at > now - WINDOW)
    if db.scalar(recent.where(LoginFailure.person_id == person_id, LoginFailure.address == address)) >= MAX_FAILURES:
        return True
    return db.scalar(recent.where(LoginFailure.address == address)) >= MAX_ADDRESS_FAILURES


def reserve_attempt(person_id: str) -> int | None:
    """Count this attempt and record it as a failure in one transaction that no other attempt from
    the address runs beside (PostgreSQL: an advisory lock on the address; SQLite: BEGIN IMMEDIATE):
    the id of the recorded row, or None when the limit is reached. So parallel guesses get exactly
    `MAX_FAILURES` password checks, not as many as raced past the count. A success deletes the row."""
    g.db.rollback()  # SQLite: the request's own write lock would block this transaction
    person_id, address, now = (person_id or "")[:64], _address(), _now()
    with current_app.extensions["liandong_sessions"]() as attempts, attempts.begin():
        if attempts.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(f"login:{address}".encode()).digest()[:8], "big", signed=True)
            attempts.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        if _locked(attempts, person_id, address, now):
            return None
        row = LoginFailure(person_id=person_id, address=address, at=now)
        attempts.add(row)
        attempts.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
        attempts.flush()
        return row.id


def clear_failures(person_id: str) -> None:
    g.db.execute(delete(LoginFailure).where(LoginFailure.person_id == person_id, LoginFailure.address == _address()))


def attempt_sign_in(person_id: str, password: str) -> tuple[Person | None, str]:
    """(person, "") on success; (None, Chinese reason) when refused. Counts failures; the caller
    must not hold a write transaction it wants to keep (it is rolled back first)."""
    if reserve_attempt(person_id) is None:
        refuse()
        return None, LOCKED_MESSAGE
    person = check_credentials(person_id, password)
    if person is None:
        refuse()  # the failure stays recorded: it was committed on its own
        return None, "账号或密码不正确"
    clear_failures(person.id)  # this attempt's row and the earlier failures of this account here
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


def limits() -> auth_sessions.Limits:
    return current_app.config["AUTH_LIMITS"]


@bp.before_app_request
def load_user():
    g.user = g.auth_session = None
    secret = session.get("sid")
    if not secret or g.get("db") is None:
        return
    row, person = auth_sessions.find_with_person(g.db, str(secret), "web", _now(), limits()) or (None, None)
    if person is None or not person.active:
        session.clear()  # revoked, expired or idle too long: a signed-out visitor from now on
        return
    g.user, g.auth_session = person, row
    if session.get("must_set_password") and request.endpoint not in ("auth.set_password", "auth.logout", "static"):
        return redirect(url_for("auth.set_password"))


def sign_in(person: Person) -> None:
    session.clear()  # a fresh session on sign-in (no fixation)
    session["sid"] = auth_sessions.issue(g.db, person.id, "web", _now(), limits(), _address())


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
            sign_in(person)
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
            # the others of this person's sessions end
            auth_sessions.set_password(g.db, g.user.id, request.form.get("new", ""), request.form.get("confirm", ""),
                                       _now(), keep=g.auth_session.id)
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
    if session.get("sid"):
        auth_sessions.revoke(g.db, str(session["sid"]), _now())  # the cookie is worthless from now on
    session.clear()
    flash("您已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=("GET", "POST"))
@login_required
def change_password():
    """The signed-in person's own password: every other session and API token of theirs ends."""
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            ended = auth_sessions.change_password(g.db, g.user.id, form.get("current", ""), form.get("new", ""),
                                                  form.get("confirm", ""), _now(), keep=g.auth_session.id)
        except LiandongError as err:
            refuse()
            errors = getattr(err, "errors", None) or {"_form": err.message}
        else:
            flash("密码已修改" + (f"，已退出其他 {ended} 处登录和接口令牌" if ended else ""), "success")
            return redirect(url_for("inbox.index"))
    return render_template("auth/change_password.html", errors=errors), 422 if errors else 200
