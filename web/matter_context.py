"""A matter's facts as one person may read them: form-titled values, diagram-set values a form titles
(`x-context`), and what the previous step submitted (shown above an approver's form)."""
from dataclasses import dataclass, field
from datetime import datetime

from flask import g

from engine.clock import local
from engine.models import HumanTask, Instance
from web.present import person_name


@dataclass
class ContextItem:
    label: str
    value: str


@dataclass
class Context:
    items: list[ContextItem] = field(default_factory=list)
    other: list[ContextItem] = field(default_factory=list)


def _form_fields(instance: Instance) -> dict[str, dict]:
    """Field titles from every form the matter is bound to, its start form first; a form's `x-context`
    titles values the diagram sets that the holder reads but never enters (processes/README.md "Forms")."""
    names = dict(instance.bundle.get("forms", {}))
    start_name = g.engine.repository.process_of(instance).start_form
    ordered = sorted(names.items(), key=lambda item: item[0] != start_name)
    fields, hashes = {}, instance.bundle.get("hashes")  # the forms' texts by hash: cached, no query each
    for _, form_id in ordered:
        schema = g.engine.repository.form_schema(form_id, hashes)
        for name, spec in {**schema.get("properties", {}), **schema.get("x-context", {})}.items():
            fields.setdefault(name, spec)
    return fields


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
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if spec.get("format") == "date-time" and isinstance(value, str):
        try:
            return local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if spec.get("x-titles"):
        return _titled(value, spec["x-titles"])
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    return str(value)


def _titled(value, titles: dict[str, str]) -> str:
    """A diagram-set structure shown by the titles its form gives its keys (`x-context`): untitled keys
    are bookkeeping and left out; a list of records is one line per record."""
    if isinstance(value, list):
        return "\n".join(_titled(item, titles) for item in value)
    if isinstance(value, dict):
        parts = []
        for key, title in titles.items():
            if key in value:
                inner = _titled(value[key], titles)
                parts.append(f"{title}：\n{inner}" if isinstance(value[key], list) else f"{title}：{inner}")
        return "；".join(parts) if all("\n" not in p for p in parts) else "\n".join(parts)
    return format_value(value, None)


def context(instance: Instance, data: dict, unlabelled: bool = False) -> Context:
    """Labelled values of `data`: what engine.visibility lets this person read of the matter. Values no
    form gives a title (set by the diagram's scripts: sent_at, rung_history …) are internal: listed by
    their raw names in `other` only when `unlabelled` (for administrators, who repair data by those names)."""
    fields = _form_fields(instance)
    result = Context()
    if data.get("started_by"):
        result.items.append(ContextItem("发起人", person_name(data["started_by"])))
    process = g.engine.repository.process_of(instance)
    matter_due = g.engine.deadlines.matter_deadline(instance, data)  # moved by 补正 or 延期 of its step
    if matter_due is not None:
        result.items.append(ContextItem(process.matter_deadline_label or "办理期限",
                                        format_value(matter_due.isoformat(), {"format": "date-time"})))
    for name, value in data.items():
        if name in ("started_by", "started_at", process.matter_deadline):
            continue
        spec = fields.get(name)
        if spec and spec.get("title"):
            result.items.append(ContextItem(spec["title"], format_value(value, spec)))
        elif unlabelled:
            result.other.append(ContextItem(name, format_value(value, None)))
    return result


def previous_step(task: HumanTask, user: str) -> tuple[HumanTask, list[ContextItem]] | None:
    """What the step before this one on its path submitted (the OA draft, the letter an approver
    approves), labelled, as this person may read it: shown above the form."""
    targets = g.engine.office.send_back_targets(task)
    if not targets:
        return None
    row = targets[0]
    values = g.engine.office.last_submitted(row) or {}
    values = g.engine.visibility.readable(g.engine.runtime.instance(task.instance_id), values, user)
    props = g.engine.tasks.form_schema(row).get("properties", {})
    items = [ContextItem(props[k].get("title", k), format_value(v, props[k])) for k, v in values.items() if k in props]
    return (row, items) if items else None
