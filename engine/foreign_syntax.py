"""Expressions and timers written in another engine's notation (Camunda's JUEL, Camunda 8's FEEL,
cron), recognised so that deployment can say in Chinese how to write them for Liandong."""
import re

_JUEL = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.S)
_CRON_FIELD = r"[0-9*?/,LW#A-Za-z-]+"
_CRON = re.compile(rf"^\s*{_CRON_FIELD}(\s+{_CRON_FIELD}){{4,6}}\s*$")
_JUEL_WORDS = [(r"&&", " and "), (r"\|\|", " or "), (r"!(?!=)", " not "), (r"\beq\b", "=="), (r"\bne\b", "!="),
               (r"\bnull\b", "None"), (r"\btrue\b", "True"), (r"\bfalse\b", "False"), (r"\bempty\s+", "not ")]


def _python_for_juel(body: str) -> str | None:
    """A Python spelling of a simple JUEL expression, if the result is an acceptable expression."""
    from .restricted import check_source
    text = body.strip()
    for pattern, replacement in _JUEL_WORDS:
        text = re.sub(pattern, replacement, text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text or "execution" in text or "(" in text or check_source(text, "eval"):
        return None
    return text


def foreign_expression(text: str) -> str | None:
    """Why an expression is another engine's notation, and how to write it here; None if it is not."""
    match = _JUEL.match(text or "")
    if match:
        python = _python_for_juel(match.group("body"))
        hint = f"，本例可写作 {python}" if python else ""
        return (f"“{text.strip()[:80]}”是 Camunda 的 JUEL 表达式：Liandong 的表达式是 Python，直接写变量名和运算，"
                f"去掉 ${{ }}，&& 写 and，|| 写 or，! 写 not{hint}")
    if (text or "").lstrip().startswith("=") and not (text or "").lstrip().startswith("=="):
        return (f"“{text.strip()[:80]}”是 Camunda 8 的 FEEL 表达式：Liandong 的表达式是 Python，去掉开头的 =，"
                "如 amount > 1000、status == 'approved'")
    return None


def cron_timer(text: str) -> str | None:
    if _CRON.match(text or "") and not (text or "").strip().upper().startswith(("R", "P")):
        return (f"“{text.strip()}”是 cron 表达式（Camunda 的写法）：Liandong 的循环定时器用 ISO 8601 重复区间"
                "“R次数/开始时间/间隔”，如每天 9 点写 R/2026-01-05T09:00:00+08:00/P1D，每 5 分钟写 R/PT5M")
    return None
