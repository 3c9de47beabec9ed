"""Task forms: JSON Schema documents under processes/forms/, validated with Chinese messages.

Multi-line text fields (`"x-widget": "textarea"`) declare no length of their own: every one takes
input_text.MAX_TEXT_LENGTH characters (`with_text_rule`), so forms, pages and the server agree."""
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from . import input_text
from .errors import FormInvalid
import contextlib

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a unified social credit code (GB 32100-2015), or None if it is one."""
    if not isinstance(code, str) or len(code) != 18:
        return "统一社会信用代码应为18位"
    code = code.upper()
    if any(ch not in USCC_CHARS for ch in code):
        return "统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）"
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    if code[17] != USCC_CHARS[check]:
        return "统一社会信用代码校验位不正确，请核对"
    return None


def uscc_with_check(first17: str) -> str:
    """Complete 17 characters with their check character (used to make demo and test data)."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


FORMATS = FormatChecker()


@FORMATS.checks("uscc")
def _is_uscc(value) -> bool:
    return not isinstance(value, str) or uscc_problem(value) is None


@FORMATS.checks("date")
def _is_date(value) -> bool:
    """YYYY-MM-DD only: `date.fromisoformat` also takes 20261201 and 2026-W49-2."""
    return not isinstance(value, str) or input_text.iso_date(value) is not None


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value) -> bool:
    return not isinstance(value, str) or (input_text.iso_date(value[:10]) is not None and value[10:11] in "T "
                                          and bool(datetime.fromisoformat(value)))


def is_multiline(spec: dict) -> bool:
    return spec.get("x-widget") == "textarea"


def with_text_rule(schema: dict) -> dict:
    """The form with the one limit of free text on each multi-line field (what validation and pages read)."""
    for spec in schema.get("properties", {}).values():
        if isinstance(spec, dict) and is_multiline(spec):
            spec["maxLength"] = input_text.MAX_TEXT_LENGTH
    return schema


def check_schema(schema: dict) -> None:
    Draft202012Validator.check_schema(schema)
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise ValueError("表单必须是 type=object 且有 properties")
    for name, field in schema["properties"].items():
        if not field.get("title"):
            raise ValueError(f"字段 {name} 缺少中文 title")
        if is_multiline(field) and "maxLength" in field:
            raise ValueError(f"字段 {name}（{field['title']}）是多行文本，字数上限统一为{input_text.MAX_TEXT_LENGTH}字，"
                             "请删除 maxLength")
    for rule in schema.get("x-distinct", []):
        fields = rule.get("fields") if isinstance(rule, dict) else None
        if not (isinstance(fields, list) and len(fields) == 2 and all(f in schema["properties"] for f in fields)):
            raise ValueError("x-distinct 的每一项须为 {\"fields\": [两个字段名], \"message\": 中文说明}")
    shown = schema.get("x-context", {})
    if not isinstance(shown, dict) or not all(isinstance(s, dict) and s.get("title") for s in shown.values()):
        raise ValueError("x-context 须为 {流程数据名: {\"title\": 中文标题, \"x-titles\": {键: 中文标题}}}")
    for name in set(shown) & set(schema["properties"]):
        raise ValueError(f"{name} 既是填写字段又在 x-context 中：x-context 只列流程自己设置、办理人只读的数据")
    for name, spec in shown.items():
        _check_context_entry(name, spec)


CONTEXT_FORMATS = ("date", "date-time", "person", "department")  # person/department: ids read as names


def _check_context_entry(name: str, spec: dict) -> None:
    """An `x-context` value's keys are titled by a string, or by a spec with a title and optionally a
    `format` or `enum` + `x-enum-titles`, so that a page never shows a raw id or code by mistake."""
    keys = spec.get("x-titles", {})
    if not isinstance(keys, dict) or not all(isinstance(k, str) or (isinstance(k, dict) and k.get("title"))
                                             for k in keys.values()):
        raise ValueError(f"x-context {name} 的 x-titles 须为 {{键: 中文标题 或 {{\"title\": 中文标题, \"format\": …}}}}")
    for entry in [spec, *(k for k in keys.values() if isinstance(k, dict))]:
        if entry.get("format", "date") not in CONTEXT_FORMATS:
            raise ValueError(f"x-context {name}：format 只能是 {'、'.join(CONTEXT_FORMATS)}")
        if len(entry.get("enum", [])) != len(entry.get("x-enum-titles", entry.get("enum", []))):
            raise ValueError(f"x-context {name}：enum 与 x-enum-titles 须一一对应")


def _message(error, schema: dict) -> tuple[str | None, str]:
    field = error.path[0] if error.path else None
    if error.validator == "required":
        field = error.message.split("'")[1]
    if error.validator == "additionalProperties":
        return "_form", "表单包含未定义的字段"
    spec = schema.get("properties", {}).get(field, {}) if field else {}
    title = spec.get("title", field or "表单")
    say = _MESSAGES.get(error.validator)
    if say is None:
        return field or "_form", f"“{title}”不符合要求"
    return field, say(title, error, spec)


def _required_message(title: str, _error, spec: dict) -> str:
    """Say what the person does: tick a box, choose an option, or type."""
    if spec.get("type") == "boolean":
        return f"请勾选“{title}”" if spec.get("const") is True else f"请选择“{title}”：是或否"
    if "enum" in spec or spec.get("type") == "array":
        return f"请选择“{title}”"
    return f"请填写“{title}”"


def _format_message(_title: str, error, spec: dict) -> str:
    if spec.get("format") == "uscc":
        return uscc_problem(error.instance) or "统一社会信用代码不正确"
    return {"date": "请填写有效日期（如 2026-11-23）", "date-time": "请填写有效的日期时间"}.get(
        str(spec.get("format")), "格式不正确")


def _not_below(title: str, error, _spec: dict) -> str:
    return f"“{title}”不能小于{error.validator_value}"


def _not_above(title: str, error, _spec: dict) -> str:
    return f"“{title}”不能大于{error.validator_value}"


# JSON Schema validator -> (field's title, the error, the field's schema) -> what the person reads
_MESSAGES = {
    "required": _required_message,
    "format": _format_message,
    "pattern": lambda title, _error, spec: spec.get("x-error", f"“{title}”格式不正确"),
    "maxLength": lambda title, error, _spec: f"“{title}”不能超过{error.validator_value}个字",
    "minLength": lambda title, error, _spec: (f"请填写“{title}”" if error.validator_value == 1
                                              else f"“{title}”至少{error.validator_value}个字"),
    "enum": lambda title, _error, _spec: f"“{title}”的选项无效",
    "minimum": _not_below,
    "exclusiveMinimum": _not_below,
    "maximum": _not_above,
    "exclusiveMaximum": _not_above,
    "minItems": lambda title, error, _spec: f"“{title}”至少选择{error.validator_value}项",
    "maxItems": lambda title, error, _spec: f"“{title}”最多选择{error.validator_value}项",
    "type": lambda title, _error, _spec: f"“{title}”类型不正确",
    "const": lambda title, _error, spec: spec.get("x-error", f"“{title}”必须确认"),
}


def validate(schema: dict, data: dict) -> dict:
    """Return the submitted values if they satisfy the form, else raise FormInvalid with one
    Chinese message per field."""
    if not isinstance(data, dict):
        raise FormInvalid({"_form": "表单数据必须是对象"})
    strict = dict(schema)
    strict.setdefault("additionalProperties", False)
    errors: dict[str, str] = {}
    required = set(schema.get("required", []))
    for name, value in data.items():  # no text longer than input_text.MAX_TEXT_LENGTH, whatever the schema says
        title = schema.get("properties", {}).get(name, {}).get("title", name) if isinstance(name, str) else name
        for _, text in input_text.strings(value):  # the text rules of engine/input_text.py
            try:
                # a required text that is there but shows nothing (spaces, zero-width …) is refused;
                # an empty one is the schema's business (minLength), as before
                input_text.text(text, str(name), str(title), required=name in required and text is value and text != "")
            except FormInvalid as err:
                errors.setdefault(str(name), err.errors[str(name)])
    validator = Draft202012Validator(strict, format_checker=FORMATS)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        field, message = _message(error, schema)
        errors.setdefault(str(field), message)
    for rule in schema.get("x-distinct", []):  # fields that must not hold the same value (P4's two sides)
        first, second = rule["fields"]
        if data.get(first) is not None and data.get(first) == data.get(second):
            errors.setdefault(second, rule.get("message") or "两项不能相同")
    if errors:
        raise FormInvalid(errors)
    return {k: (v.upper() if schema["properties"].get(k, {}).get("format") == "uscc" else v) for k, v in data.items()}


def coerce(schema: dict, raw: dict[str, list[str]]) -> dict:
    """Turn posted form fields (strings) into the JSON types the schema asks for.
    Empty inputs are left out so `required` reports them."""
    data: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        values = [v for v in raw.get(name, []) if v != ""]
        kind = spec.get("type")
        if kind == "array":
            if values:
                data[name] = values
            continue
        if kind == "boolean":
            if values:
                data[name] = values[-1] in ("true", "on", "1", "是")
            continue
        if not values:
            continue
        value: Any = values[-1].strip() if isinstance(values[-1], str) else values[-1]
        if isinstance(value, str):  # a browser posts a textarea's line breaks as CRLF; people typed one character
            value = value.replace("\r\n", "\n")
        if kind == "integer":
            with contextlib.suppress(ValueError):
                value = int(value)
        elif kind == "number":
            with contextlib.suppress(ValueError):
                value = float(value)
        data[name] = value
    return data
