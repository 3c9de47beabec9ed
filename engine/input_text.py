"""What text and numbers from outside may be: one set of rules for pages, the API, forms and the
command line, each refusal a Chinese sentence naming the field.

- NUL and the other C0 control characters (tab and line breaks aside): PostgreSQL refuses NUL in
  text, XML (BPMN data, .docx documents) refuses the rest; nobody types them.
- Lone surrogates: not characters at all; they fail when encoded to UTF-8 for storage or a page.
- Bidirectional embedding, override and isolate controls (U+202A–202E, U+2066–2069): they make
  `invoice‮gpj.exe` display as `invoiceexe.jpg`, and a subject or reason read differently from what
  is stored. Arabic or Hebrew text needs none of them.
- A required text made only of spaces and invisible characters (zero-width space, BOM, soft hyphen,
  Hangul filler …) is empty: a matter whose subject shows as nothing cannot be found or told apart.
- Whole numbers within the bounds the caller gives (the INTEGER columns hold at most 2³¹−1).
- Dates as YYYY-MM-DD only (`date.fromisoformat` also takes `20261201` and `2026-W49-2`).
- Free text has one limit, MAX_TEXT_LENGTH characters: every multi-line field of a form (the form
  declares none of its own, engine/forms.py applies this one), every reason or opinion typed into an
  office operation, and the most any text field holds.
"""
import re
import unicodedata
from datetime import date

from .errors import FormInvalid, LiandongError

INT_MAX = 2**31 - 1  # the largest value of the database's INTEGER columns (ids, revisions)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ALLOWED_CONTROLS = frozenset("\t\n\r")
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u180e")  # fillers that render as nothing
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
MAX_TEXT_LENGTH = 5000  # a letter's body or a meeting's minutes fit; the pages show the count as one types


class InvalidText(LiandongError):
    """Characters no field may hold, anywhere in a request (400, before any view runs)."""

    status = 400

    def __init__(self, message: str, errors: dict[str, str]):
        super().__init__(message, errors=errors)
        self.errors = errors


def problem(value: str) -> str | None:
    """Why this text may not be stored (a phrase to follow a field's name), or None."""
    for ch in value:
        code = ord(ch)
        if code == 0:
            return "含有空字符（\\0）"
        if 0xD800 <= code <= 0xDFFF:
            return "含有无效的字符编码（单独的代理码位）"
        if ch in BIDI_CONTROLS:
            return "含有文字方向控制符（会使显示的文字与实际内容不符）"
        if (code < 0x20 or 0x7F <= code < 0xA0) and ch not in ALLOWED_CONTROLS:
            return f"含有控制字符（U+{code:04X}）"
    return None


def looks_empty(value: str) -> bool:
    """Nothing a reader would see: spaces, format characters (zero-width, BOM …) and blank fillers."""
    return all(ch.isspace() or ch in BLANK_LOOKING or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn")
               for ch in value)


def text(value, field: str, title: str, required: bool = False, max_length: int = MAX_TEXT_LENGTH) -> str:
    """The stripped text of a field, or FormInvalid naming the field. None counts as empty."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FormInvalid({field: f"“{title}”必须是文字"}, f"“{title}”必须是文字")
    reason = problem(value)
    if reason:
        raise FormInvalid({field: f"“{title}”{reason}"}, f"“{title}”{reason}")
    value = value.strip()
    if required and looks_empty(value):
        message = f"请填写“{title}”（不能只有空白或不可见字符）" if value else f"请填写“{title}”"
        raise FormInvalid({field: message}, message)
    if len(value) > max_length:
        raise FormInvalid({field: too_long(title, max_length)}, too_long(title, max_length))
    return value


def too_long(title: str, max_length: int) -> str:
    return f"“{title}”不能超过{max_length}个字"


def whole_number(value, field: str, title: str, low: int = 0, high: int = INT_MAX) -> int:
    """An int (or a string of digits) within [low, high], or FormInvalid naming the field and bounds."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,12}", value.strip(), re.ASCII):
        number = int(value)
    if number is None or not low <= number <= high:
        message = f"“{title}”须为 {low}–{high} 之间的整数"
        raise FormInvalid({field: message}, message)
    return number


def iso_date(value) -> date | None:
    """The date written as YYYY-MM-DD, or None (anything else, or no such day)."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def strings(data, where: str = ""):
    """(path, text) for every string in nested JSON, keys included, without recursion."""
    stack = [(where, data)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    stack.append((inner_path, key))
                stack.append((inner_path, inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", inner) for i, inner in enumerate(item))


def refuse_invalid(values) -> None:
    """InvalidText for the first (path, text) that no field may hold."""
    for path, value in values:
        reason = problem(value)
        if reason:
            field = path or "请求"
            raise InvalidText(f"“{field}”{reason}", {field: reason})
