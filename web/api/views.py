"""JSON API under /api/v1: bearer tokens, start a matter, list, read and complete tasks.

Same services, validation and permissions as the pages; refusals are {"error", "errors"?} with the
engine's status (403, 404, 409, 422). A token is a random secret whose row in `auth_session`
(engine/auth_sessions.py) is looked up on every call: it expires after `Limits.token`, and ends when
revoked (POST /token/revoke, a password change, deactivation, an administrator)."""
import functools

from flask import Blueprint, g, jsonify, request

from engine import auth_sessions
from engine.errors import FormInvalid, NotCandidate
from engine.models import HumanTask, Instance, Person

from .. import present, registry
from ..inbox import starting
from ..office import operations
from ..auth import LOCKED_MESSAGE, _address, _now, attempt_sign_in, limits
from ..transaction import refuse
from . import openapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def _person_from_token(secret: str) -> Person | None:
    found = auth_sessions.find_with_person(g.db, secret, "api", _now(), limits())
    return found[1] if found is not None and found[1].active else None


def token_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        person = _person_from_token(_bearer())
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


def task_json(task: HumanTask, instance: Instance | None = None, schema: bool = False,
              candidates: list[str] | None = None) -> dict:
    """`candidates`: the task's, where the caller read several tasks' at once."""
    deadline = present.deadline(task)
    out = {
        "id": task.id, "name": task.name, "spec_id": task.spec_id, "state": task.state,
        "instance_id": task.instance_id, "department": task.department, "role": task.role,
        "assignee": task.assignee,
        "candidates": g.engine.tasks.candidates(task.id) if candidates is None else candidates,
        "revision": task.revision, "created_at": task.created_at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None, "due_provisional": task.due_provisional,
        "light": deadline.light, "deadline_text": deadline.text, "deemed_received": task.deemed_received,
        "limit_unit": deadline.unit,
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
    person, error = attempt_sign_in(str(body.get("id", "")).strip(), str(body.get("password", "")))
    if person is None:
        return jsonify({"error": error}), 429 if error == LOCKED_MESSAGE else 401
    now = _now()
    token = auth_sessions.issue(g.db, person.id, "api", now, limits(), _address())
    return jsonify({"token": token, "token_type": "Bearer", "person": person.id,
                    "expires_at": (now + limits().token).isoformat()})


@bp.post("/token/revoke")
@token_required
def revoke_token():
    """The caller's own token ends now (a script's sign-out)."""
    auth_sessions.revoke(g.db, _bearer(), _now())
    return jsonify({"revoked": True})


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
    found = g.engine.tasks.inbox(g.user.id, scope)
    candidates = g.engine.tasks.candidates_of([t.id for t, _ in found])
    return jsonify([task_json(t, i, candidates=candidates[t.id]) for t, i in found])


def _visible(task_id: int) -> HumanTask:
    task = g.engine.tasks.get(task_id)
    if not g.engine.permissions.may_view_task(task, g.user.id):
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
    task = _visible(task_id)  # held: the session keeps rows weakly, and the step would read it again
    body = _body()
    revision, data = body.get("revision"), body.get("data")
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise FormInvalid({"revision": "请提供任务版本号 revision（整数）"}, "缺少任务版本号")
    if not isinstance(data, dict):
        raise FormInvalid({"data": "data 必须是对象"}, "data 必须是对象")
    done = g.engine.tasks.complete(task.id, g.user.id, data, revision)
    candidates = g.engine.tasks.candidates_of([done.task.id, *(t.id for t in done.next_tasks)])
    present.know_names({p for t in done.next_tasks for p in candidates[t.id]})  # their holders' names
    return jsonify({"task": task_json(done.task, candidates=candidates[done.task.id]),
                    "instance_status": done.instance_status,
                    "next_tasks": [task_json(t, candidates=candidates[t.id])
                                   | {"holder": present.holder_text(t, candidates[t.id])} for t in done.next_tasks]})


# --- office operations (退回, 撤回, 委派, 加签, 催办, 抄送, 补正, 延期; 撤销, 挂起 …), one route each ---
def _operation_view(op):
    def view(target_id: int):
        params = _body()
        if op.on == "task":
            target = g.engine.tasks.get(target_id)
            if not g.engine.permissions.may_view_task(target, g.user.id):
                raise NotCandidate("该任务不在您的办理范围内")
        else:
            target = g.engine.runtime.instance(target_id)
        if not op.shown(target, g.user.id):
            raise NotCandidate(f"您不能对其执行“{op.label}”")
        registry.run(op, target, g.user.id, params)
        if op.on == "task":
            return jsonify({"done": op.done, "task": task_json(g.engine.tasks.get(target_id))})
        matter = g.engine.runtime.instance(target_id)
        return jsonify({"done": op.done, "status": matter.status})
    view.__name__ = f"op_{op.name}"
    return token_required(view)


for _op in operations.TASK_OPERATIONS:
    bp.add_url_rule(f"/tasks/<int:target_id>/{_op.name}", view_func=_operation_view(_op), methods=["POST"])
for _op in operations.MATTER_OPERATIONS:
    bp.add_url_rule(f"/matters/<int:target_id>/{_op.name}", view_func=_operation_view(_op), methods=["POST"])


@bp.post("/tasks/<int:task_id>/save")
@token_required
def save_task(task_id: int):
    """暂存: keep what was filled in without submitting; a delegate's 交回 goes through /return."""
    return _with_form_data(task_id, g.engine.office.save_draft)


@bp.post("/tasks/<int:task_id>/return")
@token_required
def return_task(task_id: int):
    return _with_form_data(task_id, g.engine.office.return_delegation)


def _with_form_data(task_id: int, action):
    """An action that takes the task's form data and the revision the client saw."""
    _visible(task_id)
    body = _body()
    task = action(task_id, g.user.id, body.get("data") or {}, body.get("revision"))
    return jsonify({"task": task_json(task)})


@bp.get("/signing")
@token_required
def signing_list():
    return jsonify([{"signer_id": s.id, "position": s.position, "task": task_json(t)}
                    for s, t in g.engine.signers.waiting_for(g.user.id)])


@bp.get("/copies")
@token_required
def copies_list():
    return jsonify([{"instance_id": m.id, "process_name": m.process_name, "subject": m.subject,
                     "copied_by": c.copied_by, "read": c.read_at is not None}
                    for c, m in g.engine.office.copies_for(g.user.id)])
