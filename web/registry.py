"""Every action a person takes on a page or through the API, declared one way: an `Operation` names
its id, Chinese label, help text, what it acts on (a task or a matter), who sees it, the engine call,
the fields it asks for, the message after it and the confirmation before one that cannot be undone,
and its audience:

- "task": the task page's own buttons, 认领 放回 转交 提交办理 (web/inbox/actions.py);
- "staff": the office operations on the task and matter pages and in the API (web/office/operations.py);
- "admin": the console's repairs (web/admin/repairs.py).

Here too is what every declaration shares: its form's fields, the parameters normalised by the rules
of engine/input_text.py, a refusal drawn back into the form that was posted. The engine checks every
permission again under the row lock."""
from dataclasses import dataclass, field
from typing import Callable

from engine import input_text
from engine.errors import FormInvalid, LiandongError
from engine.models import HumanTask, Instance

from .formview import Field


@dataclass(frozen=True)
class Param:
    name: str
    title: str
    widget: str = "text"  # text textarea select checkboxes date integer
    required: bool = True
    options: Callable[[HumanTask | Instance, str], list[tuple[str, str]]] | None = None
    hint: str = ""  # what to type, shown inside an empty field (改派给: 人员账号)
    titled: Callable[[HumanTask | Instance], str] | None = None  # a title that depends on the target (延期's unit)

    def title_for(self, target) -> str:
        return self.titled(target) if self.titled is not None and target is not None else self.title


@dataclass(frozen=True)
class Operation:
    name: str
    label: str
    hint: str
    on: str  # "task" or "matter"
    shown: Callable[[HumanTask | Instance, str], bool]
    run: Callable[[HumanTask | Instance, str, dict], object]
    params: list[Param] = field(default_factory=list)
    done: str = "已完成"
    confirm: str = ""  # asked before an operation that cannot be undone, saying what will happen
    prefill: Callable[[HumanTask | Instance, str], dict | None] | None = None  # what the form opens with
    audience: str = "staff"  # task | staff | admin, as above
    style: str = "secondary"  # the button's look where a page draws it (primary: the step's main action)


@dataclass(frozen=True)
class Refusal:
    """An operation posted from a page and refused (by check_filled or the engine): its form is drawn
    again, open, holding what was typed, with the message in it and each field's error beside the field.
    The one way every operation form keeps what was typed: the task and matter pages, the console."""
    name: str
    entered: dict
    message: str
    errors: dict = field(default_factory=dict)
    status: int = 422  # the page is answered with the refusal's own 4xx, or 422

    @classmethod
    def of(cls, op: Operation, entered: dict, err: LiandongError) -> "Refusal":
        return cls(op.name, entered, f"{op.label}失败：{err.message}",
                   dict(err.errors) if isinstance(err, FormInvalid) else {},
                   err.status if 400 <= err.status < 500 else 422)

    def kept(self, name: str, **row) -> tuple[dict | None, dict | None]:
        """(what was typed, errors) for the form of operation `name`, on the row it was posted from
        (row: the hidden fields that tell one row's form from another, e.g. task=7); else nothing."""
        if self.name != name or any(str(self.entered.get(k, "")) != str(v) for k, v in row.items()):
            return None, None
        return self.entered, self.errors

    def says(self, name: str, **row) -> str:
        """The message, for the form of operation `name` on that row; else nothing."""
        return self.message if self.kept(name, **row)[0] is not None else ""


NOTHING_REFUSED = Refusal("", {}, "")


def drawn(ops: list[Operation], target, user: str, refused: Refusal | None = None) -> list[tuple[Operation, list[Field]]]:
    """Each operation with its form's fields; the refused one's hold what was typed."""
    return [(op, form_fields(op, target, user, *(refused.kept(op.name) if refused else (None, None)))) for op in ops]


def check_filled(op: Operation, params: dict, target=None) -> None:
    """A page's form names the fields left empty, each beside its field, before the engine is asked."""
    missing = {p.name: _asked(p, target)
               for p in op.params if p.required and not [v for v in _as_list(params.get(p.name)) if str(v).strip()]}
    if missing:
        raise FormInvalid(missing, "；".join(missing.values()))


def _asked(p: Param, target) -> str:
    verb = "请选择" if p.widget in ("select", "checkboxes", "date") else "请填写"
    return f"{verb}“{p.title_for(target)}”"


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def form_fields(op: Operation, target, user: str, entered: dict | None = None,
                errors: dict | None = None) -> list[Field]:
    """The operation's fields, holding what the user typed when it was refused, with the refusal
    next to its field (or what the operation opens with, e.g. the days and reason a 延期申请 asked for)."""
    entered = entered or (op.prefill(target, user) if op.prefill else None) or {}
    errors = errors or {}

    def shown(value) -> list[str]:
        if value in (None, ""):
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return [Field(name=p.name, title=p.title_for(target), widget=p.widget, required=p.required, description=p.hint,
                  options=p.options(target, user) if p.options else [], values=shown(entered.get(p.name)),
                  error=errors.get(p.name, ""),
                  max_length=input_text.MAX_TEXT_LENGTH if p.widget == "textarea" else None)
            for p in op.params]


MAX_EXTENSION_DAYS = 250  # about a year of working days: the most one extension may add


def normalised(op: Operation, params: dict, target=None) -> dict:
    """The parameters as the operation declares them: text is text (engine/input_text.py rules),
    a number of days is a bounded whole number, a date is YYYY-MM-DD; FormInvalid names the field."""
    out = dict(params)
    for p in op.params:
        value = params.get(p.name)
        if p.name == "people" and isinstance(value, list):
            out[p.name] = [input_text.text(v, p.name, p.title) for v in value]
        elif p.widget == "integer":
            out[p.name] = input_text.whole_number(value, p.name, p.title_for(target), 1, MAX_EXTENSION_DAYS)
        elif p.widget == "date":
            if input_text.iso_date(value) is None:  # not YYYY-MM-DD (20261201 …): the engine says what it needs
                out[p.name] = ""
        else:  # text that shows nothing is empty: the engine then says what it needs (退回须填写原因 …)
            if p.widget == "select" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)  # a chosen id (退回到, 减签) may come as a JSON number
            value = input_text.text(value, p.name, p.title)
            out[p.name] = "" if input_text.looks_empty(value) else value
    if "revision" in params and params["revision"] is not None:
        out["revision"] = input_text.whole_number(params["revision"], "revision", "任务版本号")
    return out


def run(op: Operation, target, user: str, params: dict):
    return op.run(target, user, normalised(op, params, target))


def run_posted(op: Operation, target, user: str, params: dict):
    """An operation posted from a page's form: the fields left empty are named first (the JSON API
    calls `run`, and the engine says what it needs)."""
    check_filled(op, params, target)
    return run(op, target, user, params)
