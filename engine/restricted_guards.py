"""The run-time guards of the restricted language (engine/restricted.py): the operators that make big
values (`*`, `+`, `**`, `<<`, `%`) and the growing string methods refuse oversized results at once,
attribute and item access is guarded, and the builtins a diagram may use are a fixed table.
Imported by the worker process: keep it free of the database and the workflow engine.
"""
import ast
import operator
import re
import string

from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence

from .errors import ScriptError

MAX_SEQUENCE = 1_000_000  # items of a string, bytes, list or tuple one operation may produce
MAX_INT_BITS = 10_000  # size of an integer an operation may produce (about 3000 decimal digits)
MAX_WIDTH = 10_000  # a format width or precision

PLAIN_BUILTINS = {
    "len", "min", "max", "sum", "sorted", "any", "all", "abs", "round", "str", "int", "float", "bool",
    "list", "dict", "set", "tuple", "enumerate", "zip", "range", "isinstance", "reversed", "map", "filter",
}


class SizeRefused(ScriptError):
    """An operation would make a value bigger than the sandbox allows (a memory refusal)."""


# --- sizes of what operations produce ---
_SEQUENCES = (str, bytes, list, tuple)


def _check_length(n: int) -> None:
    if n > MAX_SEQUENCE:
        raise SizeRefused(f"运算结果过大（{n} 项，上限 {MAX_SEQUENCE}）")


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise SizeRefused(f"整数运算结果过大（约 {bits} 位二进制，上限 {MAX_INT_BITS}）")


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _mul(a, b):
    if isinstance(a, _SEQUENCES) and _is_int(b):
        _check_length(len(a) * max(b, 0))
    elif isinstance(b, _SEQUENCES) and _is_int(a):
        _check_length(len(b) * max(a, 0))
    elif _is_int(a) and _is_int(b):
        _check_bits(a.bit_length() + b.bit_length())
    return a * b


def _add(a, b):
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _check_length(len(a) + len(b))
    return a + b


def _pow(a, b, mod=None):
    if mod is None and _is_int(a) and _is_int(b) and b > 0 and abs(a) > 1:
        _check_bits(a.bit_length() * b)
    return pow(a, b, mod)


def _lshift(a, b):
    if _is_int(a) and _is_int(b) and a:
        _check_bits(a.bit_length() + b)
    return a << b


_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def check_spec_numbers(spec: str) -> None:
    for number in re.findall(r"\d+", spec):
        if int(number) > MAX_WIDTH:
            raise SizeRefused(f"格式宽度或精度过大（{number}，上限 {MAX_WIDTH}）")


def _mod(a, b):
    if isinstance(a, str | bytes):
        text = a.decode("latin-1") if isinstance(a, bytes) else a
        for width, precision in _PRINTF_SPEC.findall(text):
            if "*" in (width, precision):
                raise ScriptError("不允许使用 * 作为格式宽度")
            check_spec_numbers(width + " " + precision)
    return a % b


_OPERATORS = {
    "+": _add, "-": operator.sub, "*": _mul, "/": operator.truediv, "//": operator.floordiv, "%": _mod,
    "**": _pow, "<<": _lshift, ">>": operator.rshift, "|": operator.or_, "^": operator.xor, "&": operator.and_,
    "@": operator.matmul,
}
GUARDED_BINOPS = {ast.Mult: "*", ast.Add: "+", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}


def _binop(op: str, a, b):
    return _OPERATORS[op](a, b)


def _inplacevar(op: str, x, y):
    """`x += y` and friends (RestrictedPython turns them into calls of this)."""
    if op.endswith("=") and op[:-1] in _OPERATORS:
        return _OPERATORS[op[:-1]](x, y)
    raise ScriptError(f"不允许的运算 {op}")


# --- string formatting and growing methods ---
class _SafeFormatter(string.Formatter):
    """str.format without attribute access in fields and with capped widths."""

    def get_field(self, field_name, args, kwargs):
        first, rest = _formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            if is_attribute:
                raise ScriptError("格式字符串中不允许访问属性")
            obj = default_guarded_getitem(obj, key)
        return obj, first

    def format_field(self, value, format_spec):
        check_spec_numbers(format_spec)
        return super().format_field(value, format_spec)


def _formatter_field_name_split(field_name):
    import _string
    return _string.formatter_field_name_split(field_name)


_FORMATTER = _SafeFormatter()


def _padding(method):
    def guarded(text, width, *args):
        _check_length(int(width))
        return method(text, width, *args)
    return guarded


def _join(separator, iterable):
    items = list(iterable)
    _check_length(sum(len(i) for i in items if isinstance(i, str | bytes)) + len(separator) * max(len(items) - 1, 0))
    return separator.join(items)


def _replace(text, old, new, count=-1):
    occurrences = len(text) + 1 if not old else text.count(old)
    if count >= 0:
        occurrences = min(occurrences, count)
    _check_length(len(text) + occurrences * len(new))
    return text.replace(old, new, count)


def _expandtabs(text, tabsize=8):
    _check_length(len(text) * max(int(tabsize), 1))
    return text.expandtabs(tabsize)


_STRING_METHODS = {
    "format": lambda text, *a, **k: _FORMATTER.vformat(text, a, k),
    "format_map": lambda text, mapping: _FORMATTER.vformat(text, (), mapping),
    "center": _padding(str.center), "ljust": _padding(str.ljust), "rjust": _padding(str.rjust),
    "zfill": lambda text, width: _padding(str.zfill)(text, width),
    "join": _join, "replace": _replace, "expandtabs": _expandtabs,
}


def _list_extend(target, iterable):
    items = list(iterable)
    _check_length(len(target) + len(items))
    target.extend(items)


def _getattr(obj, name, default=None):
    if name.startswith("_"):
        raise ScriptError(f"不允许访问属性 {name}")
    if isinstance(obj, type):
        raise ScriptError(f"不允许访问类型的属性 {name}")
    if isinstance(obj, str | bytes) and name in _STRING_METHODS and not (isinstance(obj, bytes) and name.startswith("format")):
        method = _STRING_METHODS[name]
        return lambda *args, **kwargs: method(obj, *args, **kwargs)
    if isinstance(obj, list) and name == "extend":
        return lambda iterable: _list_extend(obj, iterable)
    return getattr(obj, name, default) if default is not None else getattr(obj, name)


class _GuardedList:
    """What `_write_` gives for a list: slice assignment may not grow it past MAX_SEQUENCE."""

    __slots__ = ("_target",)

    def __init__(self, target: list):
        self._target = target

    def __setitem__(self, key, value):
        if isinstance(key, slice):
            value = list(value)
            removed = len(range(*key.indices(len(self._target))))
            _check_length(len(self._target) - removed + len(value))
        self._target[key] = value

    def __delitem__(self, key):
        del self._target[key]


def _write(obj):
    return _GuardedList(obj) if isinstance(obj, list) else full_write_guard(obj)


def _safe_sum(iterable, start=0):
    if not isinstance(start, int | float):
        raise ScriptError("sum 只能对数字求和")
    return sum(iterable, start)


GUARDS = {
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _write,
    "_inplacevar_": _inplacevar,
    "_binop_": _binop,
    "_apply_": lambda function, *args, **kwargs: function(*args, **kwargs),  # calls with *args / **kwargs
    "_print_": None,
}


def builtins_table() -> dict:
    import builtins
    table = {name: getattr(builtins, name) for name in PLAIN_BUILTINS}
    table.update({"sum": _safe_sum, "None": None, "True": True, "False": False})
    return table
