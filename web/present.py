"""What the pages show, computed from the engine's services: inbox rows with deadline lights,
navigation counts, notifications, a matter's context and history."""
from dataclasses import dataclass
from datetime import datetime

from flask import g
from sqlalchemy import select

from engine import accountability, deadlines, states
from engine.calendar import CALENDAR_DAYS, WORKING_DAYS
from engine.clock import local
from engine.models import Department, Event, EventRecipient, HumanTask, Instance, Person, TaskCandidate, WITHOUT_STATE

GREEN, YELLOW, RED, NONE = "green", "yellow", "red", "none"
UNIT_WORDS = {WORKING_DAYS: "个工作日", CALENDAR_DAYS: "日"}  # what follows a number of days of a limit


# --- names ---
def _names() -> dict[str, str]:
    """Person id -> name, as far as this request has read them."""
    return g.setdefault("people_names", {})


def know_names(person_ids) -> None:
    """Reads the names of just these people, in one query: for an answer that shows a few, so the
    whole directory is read only when a page asks for someone not read yet."""
    missing = sorted(set(person_ids) - set(_names()))
    if missing and not g.get("all_names_read"):
        _names().update(g.db.execute(select(Person.id, Person.name).where(Person.id.in_(missing))).all())


def person_name(person_id: str | None) -> str:
    if not person_id:
        return ""
    if person_id not in _names() and not g.get("all_names_read"):
        _names().update(g.db.execute(select(Person.id, Person.name)).all())  # a page names many: read all once
        g.all_names_read = True
    return states.actor_name(person_id, _names())


def department_name(code: str | None) -> str:
    if not code:
        return ""
    if "department_names" not in g:
        g.department_names = dict(g.db.execute(select(Department.code, Department.name)).all())
    return g.department_names.get(code, code)


# --- deadlines ---
@dataclass
class Deadline:
    light: str  # green | yellow | red | none
    text: str
    due: datetime | None
    provisional: bool
    days_left: int | None  # negative when overdue; in the limit's unit
    unit: str = WORKING_DAYS  # the limit's limit_unit: working or calendar days
    day_word: str = UNIT_WORDS[WORKING_DAYS]  # "个工作日" or "日", after a number of days


def deadline(task: HumanTask, now: datetime | None = None) -> Deadline:
    """Days left in the limit's own unit (working days, or calendar days where the law counts them:
    行政处罚法第六十条), with the light engine.deadlines decides (yellow at the 预警 threshold)."""
    if task.due_at is None:
        return Deadline(NONE, "无时限", None, False, None)
    unit = g.engine.deadlines.limit_unit(task)
    word = UNIT_WORDS[unit]
    if task.paused_at is not None:
        return Deadline(NONE, "补正中，计时暂停", task.due_at, task.due_provisional, task.days_left_at_pause, unit, word)
    now = now or g.engine.clock.now()
    calendar = g.engine.calendar
    colour = deadlines.light(task, now, calendar) if task.state == states.TASK_OPEN else NONE
    if now > task.due_at:
        late = calendar.days_between(task.due_at, now, unit)
        text = f"已超期 {late} {word}" if late > 0 else "已超期"
        return Deadline(colour, text, task.due_at, task.due_provisional, -late, unit, word)
    left = calendar.days_between(now, task.due_at, unit)
    text = "今日到期" if left <= 0 else f"剩 {left} {word}"
    return Deadline(colour, text, task.due_at, task.due_provisional, left, unit, word)


def limit_kind(task: HumanTask) -> tuple[str, str] | None:
    """(short, long) Chinese name of the kind of the task's limit, which decides 补正 and 延期."""
    if task.due_at is None:
        return None
    kind = g.engine.deadlines.limit_kind(task)
    return states.LIMIT_SHORT[kind], states.LIMIT_KINDS[kind]


# --- inbox ---
@dataclass
class Row:
    task: HumanTask
    instance: Instance
    deadline: Deadline
    starter: str


def _inbox(user: str, scope: str) -> list[tuple[HumanTask, Instance]]:
    """The inbox once per request: the list, its procedure filter and the navigation counts read it."""
    cached = g.setdefault("inboxes", {})
    if (user, scope) not in cached:
        cached[user, scope] = g.engine.tasks.inbox(user, scope)
    return cached[user, scope]


def inbox_rows(user: str, scope: str, procedure: str = "", overdue_only: bool = False, query: str = "",
               sort: str = "due") -> list[Row]:
    pairs = _inbox(user, scope)
    if procedure:
        pairs = [(t, i) for t, i in pairs if i.process_key == procedure]
    if query.strip() and pairs:
        ids = {i.id for _, i in pairs}
        hits = set(g.db.execute(select(Instance.id).where(
            Instance.id.in_(ids), g.engine.tasks.search_filter(query))).scalars())
        pairs = [(t, i) for t, i in pairs if i.id in hits]
    now = g.engine.clock.now()
    rows = [Row(t, i, deadline(t, now), person_name(i.started_by)) for t, i in pairs]
    if overdue_only:
        rows = [r for r in rows if r.deadline.light == RED]
    if sort == "received":
        rows.sort(key=lambda r: (r.task.created_at, r.task.id), reverse=True)
    return rows  # the engine's order is by deadline


def procedures_in(user: str) -> list[tuple[str, str]]:
    """(process key, name) of the matters in either inbox, for the filter."""
    seen = {}
    for scope in ("mine", "group"):
        for _, instance in _inbox(user, scope):
            seen.setdefault(instance.process_key, instance.process_name)
    return sorted(seen.items(), key=lambda kv: kv[1])


def nav_counts(user: str) -> dict:
    if "nav_counts" not in g:
        g.nav_counts = {
            "mine": len(_inbox(user, "mine")),
            "group": len(_inbox(user, "group")),
            "notes": sum(1 for n in notifications(user) if n.unread),
            "sign": len(g.engine.signers.waiting_for(user)),
            "copies": sum(1 for c, _ in g.engine.office.copies_for(user) if c.read_at is None),
            "oversee": g.engine.worklists.may_oversee(user),
            "accountability": accountability.is_oversight(g.db, user),  # 期限考核, read-only (003 §3(3))
        }
    return g.nav_counts


# --- holders ---
def holder_text(task: HumanTask, candidates: list[str] | None = None) -> str:
    if task.assignee:
        return person_name(task.assignee)
    names = [person_name(p) for p in (g.engine.tasks.candidates(task.id) if candidates is None else candidates)]
    return "待认领：" + "、".join(names) if names else "暂无办理人"


# --- notifications ---
@dataclass
class Note:
    kind: str  # ready | overdue | deemed
    text: str
    at: datetime
    task: HumanTask
    instance: Instance
    unread: bool = False


EVENT_NOTES = {"reminded": "催办", "light_yellow": "预警", "light_red": "超期", "signers_added": "加签",
               "copied": "抄送", "delegated": "委派", "extension_requested": "延期申请",
               "extension_refused": "不予延期", "delegation_returned": "委派交回", "transferred": "转办", "task_reassigned": "改派",
               "suspended": "挂起", "resumed": "激活", "terminated": "终止", "cancelled": "撤销"}  # the event log's addressed kinds (history.ADDRESSED)
MATTER_NOTES = {"suspended": "事项已挂起，暂停办理", "resumed": "事项已激活，可以继续办理", "terminated": "事项已终止",
                "cancelled": "事项已由发起人撤销"}
NOTE_LABELS = {"ready": "新任务", "overdue": "已超期", "deemed": "超时默认接收", "sent_back": "退回",
               "taken_back": "撤回", **EVENT_NOTES}


def notifications(user: str, limit: int = 50) -> list[Note]:
    """Tasks that reached me, became overdue, or were deemed received, and the log entries addressed
    to me, newest first. Unread: newer than when I last opened the list (kept with my account)."""
    now = g.engine.clock.now()
    rows = g.db.execute(
        select(HumanTask, Instance).join(Instance, Instance.id == HumanTask.instance_id).options(WITHOUT_STATE)
        .join(TaskCandidate, TaskCandidate.task_id == HumanTask.id)
        .where(TaskCandidate.person_id == user).order_by(HumanTask.id.desc()).limit(200)
    ).all()
    notes = []
    reopened = g.engine.office.reopenings([t for t, _ in rows if t.state == states.TASK_OPEN])
    for task, instance in rows:
        if task.id in reopened:  # a step come back to me is not a new task: say why it is back
            notes.append(_reopened_note(reopened[task.id], task, instance))
        else:
            notes.append(Note("ready", f"{task.name}（{instance.process_name}）已到达", task.created_at, task, instance))
        if task.state == states.TASK_OPEN and task.due_at and task.due_at < now:
            notes.append(Note("overdue", f"{task.name} 已超过办理期限", task.due_at, task, instance))
        if task.state == states.TASK_DEEMED and task.completed_at:
            notes.append(Note("deemed", f"{task.name} 超时未确认，视为已接收", task.completed_at, task, instance))
    notes += _event_notes(user, limit)
    person = g.db.get(Person, user)
    seen_at = person.notes_seen_at if person else None
    for note in notes:
        note.unread = seen_at is None or note.at > seen_at
    notes.sort(key=lambda n: (n.at, n.task.id if n.task else 0), reverse=True)
    return notes[:limit]


def reopened_text(event: Event) -> str:
    """The 已退回 / 已撤回 line of a step that is open again."""
    if event.kind == "sent_back":
        return (f"{person_name(event.actor)} 于 {local(event.at).strftime('%Y-%m-%d %H:%M')} 从“{event.data.get('from', '')}”"
                f"退回，原因：{event.data.get('reason', '')}")
    return f"{person_name(event.actor)} 于 {local(event.at).strftime('%Y-%m-%d %H:%M')} 撤回，可修改后重新提交"


def _reopened_note(event: Event, task: HumanTask, instance: Instance) -> Note:
    return Note(event.kind, f"{task.name}（{instance.process_name}）：{reopened_text(event)}", event.at, task, instance)


def _event_notes(user: str, limit: int) -> list[Note]:
    """Log entries addressed to me: reminders, warning lights, signer requests, copies, delegation."""
    rows = g.db.execute(
        select(Event, Instance, HumanTask).join(EventRecipient, EventRecipient.event_id == Event.id)
        .join(Instance, Instance.id == Event.instance_id).outerjoin(HumanTask, HumanTask.id == Event.task_id)
        .where(EventRecipient.person_id == user).options(WITHOUT_STATE).order_by(Event.id.desc()).limit(limit)).all()
    notes = []
    for event, instance, task in rows:
        what = event.data.get("message") or event.data.get("reason") or event.name
        if event.kind in MATTER_NOTES:  # about the whole matter: say which one and who did it
            text = (f"{MATTER_NOTES[event.kind]}：{instance.subject or instance.process_name}"
                    f"（{person_name(event.actor)}）" + (f"——原因：{what}" if what else ""))
        else:
            text = f"{EVENT_NOTES[event.kind]}：{event.name or instance.process_name}" + (f"——{what}" if what and what != event.name else "")
        notes.append(Note(event.kind, text, event.at, task, instance))
    return notes


def suspension(instance: Instance) -> Event | None:
    """The 挂起 entry of a matter that is suspended now (for the banner on its steps)."""
    if instance.status != states.SUSPENDED:
        return None
    return g.db.execute(select(Event).where(Event.instance_id == instance.id, Event.kind == "suspended")
                        .order_by(Event.id.desc()).limit(1)).scalar_one_or_none()


def mark_notes_seen(user: str) -> None:
    person = g.db.get(Person, user)
    if person is not None:
        person.notes_seen_at = g.engine.clock.now()


def diagram(matter: Instance) -> dict:
    """The matter's diagram with its completed, active and errored steps, for static/admin/diagram.js."""
    state = g.engine.monitoring.diagram_state(matter)
    return {"xml": g.engine.repository.get(matter.definition_id).content, "completed": state.completed,
            "active": state.active, "errored": state.errored, "counts": state.counts, "labels": states.ENGINE_TASK}


@dataclass
class HistoryItem:
    at: datetime
    who: str
    what: str
    detail: str


def _holders(data: dict) -> str:
    dept = department_name(data.get("department"))
    holders = data.get("assignee") or data.get("candidates") or []
    holders = [holders] if isinstance(holders, str) else holders
    return f"{dept} {'、'.join(person_name(p) for p in holders)}".strip()


def _signers(data: dict) -> str:  # whom the holder asked to sign, and before or after them
    names = "、".join(person_name(p) for p in data.get("people", []))
    return f"{'前加签' if data.get('position') == 'before' else '后加签'}：{names}"


def _extension(data: dict) -> str | None:
    if not data.get("days"):
        return None  # no length recorded: told like any other event
    unit = "自然日" if data.get("unit") == CALENDAR_DAYS else "工作日"
    return f"延长 {data['days']} 个{unit}，原因：{data.get('reason', '')}"


def _passed_on(verb: str):
    def detail(data: dict) -> str:
        to = data.get("to") or []
        names = "、".join(person_name(p) for p in ([to] if isinstance(to, str) else to))
        return f"{verb}给 {names}，原因：{data.get('reason', '')}"
    return detail


EVENT_DETAILS = {
    "task_handed_over": _passed_on("转交"),
    "task_ready": _holders,
    "attachment_added": lambda data: f"{data.get('size', 0)} 字节，SHA-256：{data.get('sha256', '')}",
    "signers_added": _signers,
    "extension_requested": _extension,
    "extended": _extension,
    "transferred": _passed_on("转办"),
    "task_reassigned": _passed_on("改派"),
}


def _common_detail(data: dict) -> str:
    if data.get("reason"):  # 退回, 撤销, 延期 …: the record keeps why
        return f"原因：{data['reason']}"
    if data.get("opinion"):
        return f"意见：{data['opinion']}"
    return data.get("message") or ""


def _event_detail(event) -> str:
    describe = EVENT_DETAILS.get(event.kind)
    detail = describe(event.data) if describe else None
    return _common_detail(event.data) if detail is None else detail


def history(instance_id: int) -> list[HistoryItem]:
    items = []
    for event in g.engine.history.events(instance_id):
        who = person_name(event.actor)
        name = states.SERVICES.get(event.name, event.name) if event.kind == "service_called" else event.name
        items.append(HistoryItem(event.at, who, f"{states.EVENTS.get(event.kind, event.kind)}：{name}"
                                 if name else states.EVENTS.get(event.kind, event.kind), _event_detail(event)))
    return items
