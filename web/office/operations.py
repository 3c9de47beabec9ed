"""The office operations (退回, 撤回, 委派, 加签, 催办, 抄送, 补正, 延期, 撤销, 挂起 …), declared once:
label, the fields they ask for, who sees the button, and the engine call, as web/registry.py declares
every action (the administrator's repairs in web/admin/repairs.py, the task page's own in
web/inbox/actions.py). The task page and the matter page draw their forms from this list; the page
routes and the JSON API both run it, and the engine checks every permission again under the row lock."""
from flask import g
from sqlalchemy import select

from engine import directory, input_text, states
from engine.calendar import CALENDAR_DAYS
from engine.errors import FormInvalid, InvalidState
from engine.models import HumanTask, Instance, Person

from ..registry import Operation, Param


# --- choices offered in the forms ---
def _targets(task, _user):
    return [(str(t.id), f"{t.name}（{t.completed_by and _name(t.completed_by)}）")
            for t in g.engine.office.send_back_targets(task)]


def _name(person_id: str) -> str:
    person = g.db.get(Person, person_id)
    return person.name if person else person_id


def _department_colleagues(_task, user):
    mine = {r.department for r in directory.roles_of(g.db, user)}
    people = sorted({r.person_id for d in mine for r in _assignments(d)} - {user})
    return [(p, _name(p)) for p in people]


def _assignments(department: str):
    from engine.models import RoleAssignment
    return g.db.execute(select(RoleAssignment).where(RoleAssignment.department == department,
                                                     RoleAssignment.until.is_(None))).scalars()


def _everyone(_task, user):
    rows = g.db.execute(select(Person.id, Person.name, Person.title).where(Person.active.is_(True), Person.id != user)
                        .order_by(Person.id)).all()
    return [(pid, f"{name}（{title}）") for pid, name, title in rows]


def _transfer_posts(task, _user):
    from engine.directory import ROLES
    return [(value, f"{_department(dept)} · {ROLES.get(value.split('@')[0], '')}")
            for value, dept in g.engine.office.transfer_roles(task)]


def _department(code: str) -> str:
    from engine.models import Department
    row = g.db.get(Department, code)
    return row.name if row else code


def _one_target(params: dict) -> str:
    person, post = (params.get("to_user") or "").strip(), (params.get("to_role") or "").strip()
    if person and post:
        raise InvalidState("请只选择一项：转给人员，或转给岗位")
    return person or post


def _my_pending_signers(task, _user):
    return [(str(s.id), f"{_name(s.person_id)}（{'前' if s.position == 'before' else '后'}加签）")
            for s in g.engine.signers.of_task(task.id) if s.signed_at is None]


def _signer_row(task, user):
    return next((s for s in g.engine.signers.of_task(task.id) if s.person_id == user and s.signed_at is None
                 and (s.position == "before" or task.held_by_signers)), None)


# --- who sees what ---
def _open(task):
    return task.state == states.TASK_OPEN


def _holder(task, user):
    return _open(task) and task.assignee == user


def _may_act(task, user):
    return _open(task) and g.engine.tasks.may_act(task, user) and not task.delegated_by




def _instance(task) -> Instance:
    return g.engine.runtime.instance(task.instance_id)


def _int(value) -> int:
    """An id chosen in a form (退回到, 减签): a whole number the database can hold."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise FormInvalid({"_form": "参数无效"}) from None
    if not 0 <= number <= input_text.INT_MAX:
        raise FormInvalid({"_form": "参数无效"})
    return number


def _extension_days(task) -> str:
    """延期 counts in the limit's own unit: calendar days for a limit the law counts so (行政处罚法第六十条)."""
    return f"延长{'日数（自然日）' if g.engine.deadlines.limit_unit(task) == CALENDAR_DAYS else '工作日数'}"


EXTENSION_DAYS = Param("days", "延长天数（按任务的期限单位 limit_unit 计：工作日或自然日）", "integer",
                       titled=_extension_days)


def _list(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in str(value or "").replace("，", ",").split(",") if v.strip()]


TASK_OPERATIONS = [
    Operation("send_back", "退回", "退回到本路径上已办理的步骤，由原办理人重新办理", "task",
              lambda t, u: _may_act(t, u) and bool(g.engine.office.send_back_targets(t)),
              lambda t, u, p: g.engine.office.send_back(t.id, u, _int(p.get("target")), p.get("reason", ""), p.get("revision")),
              [Param("target", "退回到", "select", options=_targets), Param("reason", "退回原因", "textarea")],
              "已退回"),
    Operation("take_back", "撤回", "下一步办理人尚未处理时，撤回刚办理的步骤重新办理", "task",
              lambda t, u: t.state == states.TASK_COMPLETED and t.completed_by == u and _instance(t).status in states.ACTIVE,
              lambda t, u, _p: g.engine.office.take_back(t.id, u), [], "已撤回，请重新办理"),
    Operation("delegate", "委派", "请同事代为填写，填写后交回由您决定", "task",
              lambda t, u: _holder(t, u) and not t.delegated_by,
              lambda t, u, p: g.engine.office.delegate(t.id, u, p.get("to_user", ""), p.get("note", ""), p.get("revision")),
              [Param("to_user", "委派给", "select", options=_department_colleagues),
               Param("note", "委派说明", "textarea", required=False)], "已委派"),
    Operation("transfer", "转办", "科室负责人把任务转给其他人员或岗位，由对方办理", "task",
              lambda t, u: g.engine.office.may_transfer(t, u),
              lambda t, u, p: g.engine.office.transfer(t.id, u, _one_target(p), p.get("reason", "")),
              [Param("to_user", "转给人员", "select", required=False, options=_everyone),
               Param("to_role", "或转给岗位（同岗位人员认领）", "select", required=False, options=_transfer_posts),
               Param("reason", "转办原因", "textarea")], "已转办"),
    Operation("add_signers", "加签", "请同事先于您（前加签）或在您之后（后加签）签署意见", "task",
              lambda t, u: _holder(t, u) and not t.held_by_signers,
              lambda t, u, p: g.engine.signers.add(t.id, u, _list(p.get("people")), p.get("position", ""), p.get("revision")),
              [Param("people", "加签人员", "select", options=_everyone),
               Param("position", "加签方式", "select",
                     options=lambda _t, _u: [("before", "前加签：先于我签署"), ("after", "后加签：我提交后签署")])],
              "已加签"),
    Operation("remove_signer", "减签", "移除尚未签署意见的加签人", "task",
              lambda t, u: _holder(t, u) and bool(_my_pending_signers(t, u)),
              lambda _t, u, p: g.engine.signers.remove(_int(p.get("signer")), u),
              [Param("signer", "加签人", "select", options=_my_pending_signers)], "已减签"),
    Operation("sign", "签署意见", "您被加签：请签署意见", "task",
              lambda t, u: _open(t) and _signer_row(t, u) is not None,
              lambda t, u, p: g.engine.signers.sign(_signer_row(t, u).id if _signer_row(t, u) else 0, u, p.get("opinion", "")),
              [Param("opinion", "意见", "textarea")], "已签署意见"),
    Operation("remind", "催办", "提醒办理人尽快办理（记入考核）", "task",
              lambda t, u: _open(t) and t.assignee != u and g.engine.office.may_remind(_instance(t), u),
              lambda t, u, p: g.engine.office.remind(t.id, u, p.get("message", "")),
              [Param("message", "催办内容", "textarea", required=False)], "已催办"),
    Operation("copy", "抄送", "抄送给有关人员知悉（只读）", "task",
              lambda t, u: g.engine.tasks.may_act(t, u) or t.completed_by == u,
              lambda t, u, p: g.engine.office.copy(t.instance_id, u, _list(p.get("people")), t.id),
              [Param("people", "抄送给", "select", options=_everyone)], "已抄送"),
    Operation("pause", "补正（暂停计时）", "等待申请人补正材料：计时暂停，材料补齐次日起恢复", "task",
              lambda t, u: _holder(t, u) and t.paused_at is None and g.engine.deadlines.may_pause(t),
              lambda t, u, p: g.engine.deadlines.pause(t.id, u, p.get("reason", "")),
              [Param("reason", "需补正的材料", "textarea")], "已暂停计时"),
    Operation("resume_clock", "材料已补齐（恢复计时）", "登记材料补齐日期，从次日起恢复计时", "task",
              lambda t, u: _open(t) and t.assignee == u and t.paused_at is not None,
              lambda t, u, p: g.engine.deadlines.resume(t.id, u, p.get("arrived_on", "")),
              [Param("arrived_on", "材料补齐日期", "date")], "已恢复计时"),
    Operation("request_extension", "申请延期", "向有权批准的领导申请延长办理期限", "task",
              lambda t, u: _holder(t, u) and g.engine.deadlines.may_request_extension(t),
              lambda t, u, p: g.engine.deadlines.request_extension(t.id, u, _int(p.get("days")), p.get("reason", "")),
              [EXTENSION_DAYS, Param("reason", "延期理由", "textarea")], "已提交延期申请"),
    Operation("extend", "批准延期", "批准延长办理期限（记录理由）", "task",
              lambda t, u: _open(t) and g.engine.deadlines.may_extend(t, u),
              lambda t, u, p: g.engine.deadlines.extend(t.id, u, _int(p.get("days")), p.get("reason", "")),
              [EXTENSION_DAYS, Param("reason", "延期理由", "textarea")], "已延期",
              prefill=lambda t, _u: g.engine.deadlines.pending_extension(t)),  # what the holder asked for
    Operation("refuse_extension", "不予延期", "不批准延期申请，办理期限不变（记录理由，告知申请人）", "task",
              lambda t, u: _open(t) and bool(g.engine.deadlines.pending_extension(t)) and g.engine.deadlines.may_extend(t, u),
              lambda t, u, p: g.engine.deadlines.refuse_extension(t.id, u, p.get("reason", "")),
              [Param("reason", "不予延期的理由", "textarea")], "已不予延期，期限不变"),
]

MATTER_OPERATIONS = [
    Operation("cancel", "撤销事项", "发起人撤销整个事项", "matter",
              lambda m, u: m.started_by == u and m.status in states.ACTIVE,
              lambda m, u, p: g.engine.office.cancel(m.id, u, p.get("reason", "")),
              [Param("reason", "撤销原因", "textarea")], "事项已撤销",
              "撤销后，该事项所有未办结的步骤和定时器都将关闭，各办理人会收到通知，且不能恢复。确定撤销？"),
    Operation("suspend", "挂起", "暂停事项办理", "matter",
              lambda m, u: m.status in states.ACTIVE and g.engine.office.may_manage(m, u),
              lambda m, u, p: g.engine.office.suspend(m.id, u, p.get("reason", "")),
              [Param("reason", "挂起原因", "textarea")], "事项已挂起"),
    Operation("resume", "激活", "恢复事项办理", "matter",
              lambda m, u: m.status == states.SUSPENDED and g.engine.office.may_manage(m, u),
              lambda m, u, _p: g.engine.office.resume(m.id, u), [], "事项已激活"),
    Operation("terminate", "终止", "提前终止事项", "matter",
              lambda m, u: m.status in (*states.ACTIVE, states.SUSPENDED) and g.engine.office.may_manage(m, u),
              lambda m, u, p: g.engine.office.terminate(m.id, u, p.get("reason", "")),
              [Param("reason", "终止原因", "textarea")], "事项已终止",
              "终止后，该事项所有未办结的步骤和定时器都将关闭，各办理人会收到通知，且不能恢复。确定终止？"),
]
BY_NAME = {op.name: op for op in TASK_OPERATIONS + MATTER_OPERATIONS}


def available(target: HumanTask | Instance, user: str, on: str) -> list[Operation]:
    operations = TASK_OPERATIONS if on == "task" else MATTER_OPERATIONS
    return [op for op in operations if op.shown(target, user)]


