"""A matter's facts as one person may read them: form-titled values, diagram-set values a form titles
(`x-context`), and what the previous step submitted (shown above an approver's form)."""
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import g

from engine.clock import local
from engine.models import HumanTask, Instance
from web.present import department_name, person_name


@dataclass
class ContextItem:
    label: str
    value: str


@dataclass
class Context:
    items: list[ContextItem] = field(default_factory=list)
    other: list[ContextItem] = field(default_factory=list)


def _form_fields(instance: Instance) -> tuple[dict[str, dict], set[str]]:
    """Field titles from every form the matter is bound to, its start form first; a form's `x-context`
    titles values the diagram sets that the holder reads but never enters (processes/README.md "Forms").
    Returns the specs by name and the names `x-context` titles."""
    names = dict(instance.bundle.get("forms", {}))
    start_name = g.engine.repository.process_of(instance).start_form
    ordered = sorted(names.items(), key=lambda item: item[0] != start_name)
    fields, shown, hashes = {}, set(), instance.bundle.get("hashes")  # forms by hash: cached, no query each
    for _, form_id in ordered:
        schema = g.engine.repository.form_schema(form_id, hashes)
        for name, spec in schema.get("properties", {}).items():
            fields.setdefault(name, spec)
        for name, spec in schema.get("x-context", {}).items():
            if fields.setdefault(name, spec) is spec:
                shown.add(name)
    return fields, shown


def format_value(value, spec: dict | None) -> str:
    spec = spec or {}
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "—"
    titles = spec.get("x-enum-titles") or spec.get("items", {}).get("x-enum-titles")
    options = spec.get("enum") or spec.get("items", {}).get("enum")
    if titles and options:
        mapping = dict(zip(options, titles, strict=False))
        if isinstance(value, list):
            return "、".join(mapping.get(v, str(v)) for v in value)
        return mapping.get(value, str(value))
    if spec.get("format") in ("person", "department"):  # ids the diagram keeps, read as names
        name = person_name if spec["format"] == "person" else department_name
        return "、".join(name(str(v)) for v in value) if isinstance(value, list) else name(str(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if spec.get("format") == "date-time" and isinstance(value, str):
        try:
            return local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    return str(value)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _nested(value) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)


def _leaf(value, spec: dict) -> str:
    """One value inside a diagram-set structure: by its spec, else an ISO date-time as local minutes."""
    if isinstance(value, str) and not spec.get("format") and _ISO_DATETIME.match(value):
        spec = {**spec, "format": "date-time"}
    return format_value(value, spec)


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_VALUE_KEYS = ("enum", "x-enum-titles", "items", "format")


def _key_spec(entry, field: dict | None) -> dict:
    """How one key of a structure reads: its own spec in `x-titles` ({"title", "format", "enum", …}),
    or a bare title whose values read like the form field of that name (P10's `result` enum)."""
    if isinstance(entry, dict):
        return entry
    field = field if field and "x-titles" not in field else {}
    return {"title": entry, **{k: v for k, v in field.items() if k in _VALUE_KEYS}}


def _titled(value, titles: dict, fields: dict[str, dict]) -> str:
    """A diagram-set structure shown by the titles its form gives its keys (`x-context`): untitled keys
    are bookkeeping and left out; a list of records, or records keyed by credit code or department,
    is one line per record."""
    if isinstance(value, list):
        return "\n".join(line for line in (_titled(item, titles, fields) for item in value) if line)
    if not isinstance(value, dict):
        return _leaf(value, {})
    if value and not titles.keys() & value.keys() and all(isinstance(v, dict) for v in value.values()):
        return _titled(list(value.values()), titles, fields)
    parts = []
    for key, entry in titles.items():
        if key in value and not _empty(value[key]):
            spec = _key_spec(entry, fields.get(key))
            if _nested(value[key]):
                parts.append(f"{spec['title']}：\n{_titled(value[key], titles, fields)}")
            else:
                parts.append(f"{spec['title']}：{_leaf(value[key], spec)}")
    return "；".join(parts) if all("\n" not in p for p in parts) else "\n".join(parts)


def _shown(value, spec: dict, fields: dict[str, dict]) -> str:
    """A value a form's `x-context` titles: a structure by its `x-titles`, a plain value by its spec."""
    if spec.get("x-titles"):
        return _titled(value, spec["x-titles"], fields)
    return _leaf(value, spec)


def context(instance: Instance, data: dict, unlabelled: bool = False) -> Context:
    """Labelled values of `data`: what engine.visibility lets this person read of the matter. Values no
    form gives a title (set by the diagram's scripts: sent_at, rung_history …) are internal: listed by
    their raw names in `other` only when `unlabelled` (for administrators, who repair data by those names).
    A value `x-context` titles that holds nothing yet (no results so far, no refusal) is not listed."""
    fields, shown = _form_fields(instance)
    result = Context()
    if data.get("started_by"):
        result.items.append(ContextItem("发起人", person_name(data["started_by"])))
    process = g.engine.repository.process_of(instance)
    matter_due = g.engine.deadlines.matter_deadline(instance, data)  # moved by 补正 or 延期 of its step
    if matter_due is not None:
        due_text = format_value(matter_due.at.isoformat(), {"format": "date-time"})
        result.items.append(ContextItem(process.matter_deadline_label or "办理期限",
                                        f"{due_text}（暂定）" if matter_due.provisional else due_text))
    for name, value in data.items():
        if name in ("started_by", "started_at", process.matter_deadline):
            continue
        spec = fields.get(name)
        if name in shown:
            text = _shown(value, spec, fields) if not _empty(value) else ""
            if text:
                result.items.append(ContextItem(spec["title"], text))
            elif unlabelled:
                result.other.append(ContextItem(name, format_value(value, None)))
        elif spec and spec.get("title"):
            result.items.append(ContextItem(spec["title"], format_value(value, spec)))
        elif unlabelled:
            result.other.append(ContextItem(name, format_value(value, None)))
    return result


def previous_step(task: HumanTask, user: str) -> tuple[HumanTask, list[ContextItem]] | None:
    """What the step before this one on its path submitted (the OA draft, the letter an approver
    approves), labelled, as this person may read it: shown above the form. A step that only decided
    (an approval whose comment is internal to the other side) is passed over for the content it
    approved: the receiving department answers the approved draft, not the leader's 是."""
    instance = g.engine.runtime.instance(task.instance_id)
    decision_only = None
    for row in g.engine.office.send_back_targets(task):
        values = g.engine.visibility.readable(instance, g.engine.office.last_submitted(row) or {}, user)
        props = g.engine.tasks.form_schema(row).get("properties", {})
        fields = [k for k in values if k in props]
        if any(props[k].get("type") != "boolean" for k in fields):
            return row, _items(values, props, fields)
        if fields and decision_only is None:
            decision_only = (row, _items(values, props, fields))
    return decision_only


def _items(values: dict, props: dict, fields: list[str]) -> list[ContextItem]:
    return [ContextItem(props[k].get("title", k), format_value(values[k], props[k])) for k in fields]
