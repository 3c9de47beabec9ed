"""Forms drawn from a task's JSON Schema, and posted fields turned back into JSON values.

Field types follow processes/README.md "Forms". Validation itself is the engine's (engine.forms)."""
from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.datastructures import MultiDict

from engine import forms
from engine.clock import SHANGHAI


@dataclass
class Field:
    name: str
    title: str
    widget: str  # text textarea date datetime uscc select radio checkbox yesno checkboxes integer number
    required: bool
    description: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    values: list[str] = field(default_factory=list)  # what the user entered (kept on errors)
    error: str = ""
    max_length: int | None = None

    @property
    def value(self) -> str:
        return self.values[-1] if self.values else ""


def _widget(spec: dict) -> str:
    kind, fmt = spec.get("type"), spec.get("format")
    if kind == "array":
        return "checkboxes"
    if kind == "boolean":
        return "checkbox" if spec.get("const") is True else "yesno"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if "enum" in spec:
        return "radio" if len(spec["enum"]) <= 4 else "select"
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "uscc":
        return "uscc"
    if forms.is_multiline(spec):
        return "textarea"
    return "text"


def _options(spec: dict) -> list[tuple[str, str]]:
    source = spec.get("items", spec) if spec.get("type") == "array" else spec
    values = source.get("enum", [])
    titles = source.get("x-enum-titles") or [str(v) for v in values]
    return [(str(v), str(t)) for v, t in zip(values, titles, strict=False)]


def _shown(value) -> list[str]:
    """A stored JSON value as the strings an input holds."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and len(value) > 16 and "T" in value:
        try:  # a stored date-time back into a datetime-local input
            return [datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")]
        except ValueError:
            pass
    return [str(value)]


def fields(schema: dict, entered: MultiDict | dict | None = None, errors: dict | None = None) -> list[Field]:
    entered = entered if entered is not None else {}
    errors = errors or {}
    required = set(schema.get("required", []))
    result = []
    for name, spec in schema.get("properties", {}).items():
        values = entered.getlist(name) if isinstance(entered, MultiDict) else _shown(entered.get(name))
        result.append(Field(
            name=name, title=spec.get("title", name), widget=_widget(spec), required=name in required,
            description=spec.get("description", ""), options=_options(spec), values=values,
            error=errors.get(name, ""), max_length=spec.get("maxLength"),
        ))
    return result


def form_error(errors: dict | None) -> str:
    return (errors or {}).get("_form", "")


def submitted(schema: dict, posted: MultiDict) -> dict:
    """Posted strings as JSON values (engine.forms.coerce); local date-times get +08:00."""
    data = forms.coerce(schema, {k: posted.getlist(k) for k in posted})
    for name, spec in schema.get("properties", {}).items():
        value = data.get(name)
        if spec.get("format") == "date-time" and isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                continue  # the engine reports the format
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=SHANGHAI)
            data[name] = parsed.isoformat()
        if spec.get("format") == "uscc" and isinstance(value, str):
            data[name] = value.replace(" ", "").upper()
    return data
