"""The Liandong web app: staff inbox pages, sign-in and a JSON API over the engine's services.

One SQLAlchemy session per request, `g.engine = Liandong(session, clock)`; the request commits when
the response is a success and rolls back otherwise, so a refused action leaves storage as it was.
"""
import logging
import os
import secrets

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from engine import Liandong, auth_sessions, db, input_text
from engine.clock import SystemClock
from engine.errors import Busy, LiandongError

from .transaction import refuse

csrf = CSRFProtect()
log = logging.getLogger(__name__)

ERROR_TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "未找到", 405: "不支持的操作",
                409: "任务已变更", 413: "内容过大", 422: "填写有误", 429: "请稍后再试", 500: "系统出错",
                503: "请稍后重试"}


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: ids fit the database's INTEGER columns; a larger number is a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.url_map.converters["int"] = IdConverter
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        DATABASE_URL=db.database_url(),
        CLOCK=SystemClock(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # behind HTTPS (production): SESSION_COOKIE_SECURE=1 sends the session cookie over HTTPS only
        SESSION_COOKIE_SECURE=os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the signed-in session
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,  # larger requests get 413 before any view reads them
        # behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0: trust none)
        PROXY_HOPS=int(os.environ.get("LIANDONG_PROXY_HOPS", "0")),
        # how long a sign-in and an API token last (engine/auth_sessions.py; environment-configurable)
        AUTH_LIMITS=auth_sessions.Limits.from_environment(),
    )
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["PROXY_HOPS"]:
        # the client's own address for login rate limiting and the log, HTTPS as the client used it
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if not app.config["SECRET_KEY"]:
        log.warning("SECRET_KEY 未设置：使用随机密钥，重启后登录状态和接口令牌失效")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.json.ensure_ascii = False

    engine = db.make_engine(app.config["DATABASE_URL"], app.config.get("LOCK_TIMEOUT"))
    app.extensions["liandong_engine"] = engine
    app.extensions["liandong_sessions"] = db.session_factory(engine)
    csrf.init_app(app)
    _register_transaction(app)  # before the blueprints: their hooks use g.db

    from . import auth, documents_views, filters, headers, modeler, vendor
    from .admin import console as admin, migration as admin_migration
    from .api import views as api
    from .credit import abnormal_list
    from .inbox import pages as inbox, worklists
    from .office import views as office_views
    from .public import pages as public
    headers.register(app)  # every response, error pages and refusals included
    app.register_blueprint(auth.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(public.bp)  # published results and the report form: no sign-in
    app.register_blueprint(vendor.bp)
    app.register_blueprint(modeler.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_migration.bp)
    app.register_blueprint(office_views.bp)
    app.register_blueprint(worklists.bp)
    app.register_blueprint(documents_views.bp)
    app.register_blueprint(abnormal_list.bp)  # 经营异常名录 (001 §4(4)2)
    csrf.exempt(api.bp)

    @app.get("/favicon.ico")  # browsers ask for it without reading the page's <link rel="icon">
    def favicon():
        from flask import redirect, url_for
        return redirect(url_for("static", filename="favicon.svg"), 301)
    filters.register(app)
    _register_errors(app)
    return app


def _request_strings():
    """(where, text) for every text a request brings: its path, query, form fields and file names,
    and every key and string of a JSON body."""
    yield "地址", request.path
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            yield key, key
            yield key, value
    for key, upload in request.files.items(multi=True):
        yield key, upload.filename or ""
    if request.is_json:
        yield from input_text.strings(request.get_json(silent=True))


def _register_transaction(app: Flask) -> None:
    @app.before_request
    def refuse_invalid_text():
        """NUL, lone surrogates, direction overrides and control characters are refused in every
        part of every request, before a view or the database sees them (engine/input_text.py)."""
        if request.endpoint != "static":
            input_text.refuse_invalid(_request_strings())

    @app.before_request
    def open_session():
        if request.endpoint == "static":
            return
        g.db = app.extensions["liandong_sessions"]()
        g.engine = Liandong(g.db, app.config["CLOCK"])

    @app.after_request
    def finish(response):
        session: Session | None = g.pop("db", None)
        if session is None:
            return response
        try:
            if response.status_code < 400 and not g.get("rollback"):
                session.commit()  # a failing commit becomes a 500, never a false success
            else:
                session.rollback()
        finally:
            session.close()
        return response

    @app.teardown_request
    def close_session(_exc):
        session = g.pop("db", None)
        if session is not None:  # the request raised before a response was made
            session.rollback()
            session.close()


def wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def error_page(status: int, message: str):
    return render_template("error.html", status=status, title=ERROR_TITLES.get(status, "出错了"),
                           message=message), status


HTTP_MESSAGES = {404: "您访问的页面不存在。", 403: "您无权查看或办理该内容。", 405: "不支持该操作。",
                 401: "请先登录。"}


def _refusal_response(err: LiandongError):
    """The engine's refusal as JSON or an error page; an unexpected 5xx shows as 500, 503 asks to retry."""
    status = err.status if err.status < 500 or err.status == 503 else 500
    if wants_json():
        body = {"error": err.message}
        if getattr(err, "errors", None):
            body["errors"] = err.errors
        response = jsonify(body), status
    else:
        response = error_page(status, err.message)
    if status == 503:
        return response[0], status, {"Retry-After": "5"}
    return response


def _http_error_message(err) -> str:
    """A description given where the error was raised wins over the standard Chinese one."""
    custom = err.description != type(err).description
    return err.description if custom else HTTP_MESSAGES.get(err.code, err.description)


def _register_errors(app: Flask) -> None:
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(LiandongError)
    def engine_refused(err: LiandongError):
        refuse()
        if g.get("db") is not None and g.engine.management.record_refusal(err):
            g.db.commit()  # the step stays rolled back; its matter shows 出错 with the sandbox's reason
        return _refusal_response(err)

    @app.errorhandler(OperationalError)
    def database_busy(err: OperationalError):
        if not db.is_lock_timeout(err):
            raise err
        return engine_refused(Busy())

    @app.errorhandler(CSRFError)
    def csrf_refused(_err):
        refuse()
        return error_page(400, "页面已过期或缺少安全校验信息，请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        refuse()
        message = _http_error_message(err)
        if wants_json():
            return jsonify({"error": message}), err.code
        return error_page(err.code, message)
