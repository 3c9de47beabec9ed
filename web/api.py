"""JSON API under /api/v1: bearer tokens, start a matter, list, read and complete tasks.

Same services, validation and permissions as the pages; refusals are {"error", "errors"?} with the
engine's status (403, 404, 409, 422). A token is `<person id>.<HMAC-SHA256(SECRET_KEY, person id)>`:
it does not expire; it stops working when the person is deactivated or SECRET_KEY changes."""
import functools
import hashlib
import hmac

from flask import Blueprint, current_app, g, jsonify, request

from engine.errors import FormInvalid, NotCandidate
from engine.models import HumanTask, Instance, Person

from . import openapi, present, refuse, starting
from .auth import check_credentials

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def make_token(person_id: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"liandong-api:{person_id}".encode(), hashlib.sha256).hexdigest()
    return f"{person_id}.{digest}"


def _person_from_token(header: str) -> Person | None:
    if not header.startswith("Bearer "):
        return None
    token = header.removeprefix("Bearer ").strip()
    person_id, _, _ = token.rpartition(".")
    if not person_id or not hmac.compare_digest(make_token(person_id), token):
        return None
    person = g.db.get(Person, person_id)
    return person if person is not None and person.active else None


def token_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        person = _person_from_token(request.headers.get("Authorization", ""))
        if person is None:
            refuse()
            return jsonify({"error": "缺少或无效的访问令牌"}), 401
        g.user = person
        return view(**kwargs)
    return wrapped


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FormInvalid({"_form": "请求体必须是 JSON 对象"}, "请求体必须是 JSON 对象")
    return body


def task_json(task: HumanTask, instance: Instance | None = None, schema: bool = False) -> dict:
    deadline = present.deadline(task)
    out = {
        "id": task.id, "name": task.name, "spec_id": task.spec_id, "state": task.state,
        "instance_id": task.instance_id, "department": task.department, "role": task.role,
        "assignee": task.assignee, "candidates": g.engine.tasks.candidates(task.id),
        "revision": task.revision, "created_at": task.created_at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None, "due_provisional": task.due_provisional,
        "light": deadline.light, "deadline_text": deadline.text, "deemed_received": task.deemed_received,
    }
    if instance is not None:
        out["matter"] = {"id": instance.id, "process": instance.process_key, "process_name": instance.process_name,
                         "subject": instance.subject, "enterprise_name": instance.enterprise_name,
                         "credit_code": instance.credit_code, "started_by": instance.started_by,
                         "status": instance.status}
    if schema:
        out["form_schema"] = g.engine.tasks.form_schema(task)
    return out


@bp.post("/token")
def token():
    body = _body()
    person = check_credentials(str(body.get("id", "")), str(body.get("password", "")))
    if person is None:
        refuse()
        return jsonify({"error": "账号或密码不正确"}), 401
    return jsonify({"token": make_token(person.id), "token_type": "Bearer", "person": person.id})


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.get("/processes")
@token_required
def processes():
    return jsonify([{"key": s.key, "name": s.definition.name, "version": s.definition.version,
                     "start_form": s.schema()} for s in starting.startable(g.user.id)])


@bp.post("/matters")
@token_required
def start_matter():
    body = _body()
    item = starting.find(g.user.id, str(body.get("process", "")))
    if item is None:
        raise NotCandidate("没有可由您发起的该流程")
    instance = starting.start(g.user.id, item, body.get("data") if isinstance(body.get("data"), dict) else {})
    open_tasks = g.engine.tasks.of_instance(instance.id, open_only=True)
    return jsonify({"id": instance.id, "status": instance.status,
                    "open_tasks": [task_json(t) for t in open_tasks]}), 201


@bp.get("/tasks")
@token_required
def list_tasks():
    scope = request.args.get("scope", "mine")
    if scope not in ("mine", "group"):
        raise FormInvalid({"scope": "scope 只能是 mine 或 group"}, "scope 只能是 mine 或 group")
    return jsonify([task_json(t, i) for t, i in g.engine.tasks.inbox(g.user.id, scope)])


def _visible(task_id: int) -> HumanTask:
    task = g.engine.tasks.get(task_id)
    if not present.may_view(task, g.user.id):
        raise NotCandidate("该任务不在您的办理范围内")
    return task


@bp.get("/tasks/<int:task_id>")
@token_required
def get_task(task_id: int):
    task = _visible(task_id)
    return jsonify(task_json(task, g.engine.runtime.instance(task.instance_id), schema=True))


@bp.post("/tasks/<int:task_id>/complete")
@token_required
def complete_task(task_id: int):
    _visible(task_id)
    body = _body()
    revision, data = body.get("revision"), body.get("data")
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise FormInvalid({"revision": "请提供任务版本号 revision（整数）"}, "缺少任务版本号")
    if not isinstance(data, dict):
        raise FormInvalid({"data": "data 必须是对象"}, "data 必须是对象")
    done = g.engine.tasks.complete(task_id, g.user.id, data, revision)
    return jsonify({"task": task_json(done.task), "instance_status": done.instance_status,
                    "next_tasks": [task_json(t) | {"holder": present.holder_text(t)} for t in done.next_tasks]})
