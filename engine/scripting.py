"""Expressions and scripts from BPMN run here, and only here, in a restricted Python.

RestrictedPython compiles every expression and script: no imports, no underscore attributes, no
`open`, no `while` loops, no function or class definitions. The functions a diagram may call are
listed once, in `ALLOWED_FUNCTIONS` (plus the plain builtins of `PLAIN_BUILTINS`); deployment
refuses a diagram that calls anything else, and nothing else is reachable at run time.

Resource bombs are refused too: every evaluation has a budget of loop iterations and a time limit;
`range` is capped; `*`, `+`, `**`, `<<` and `%` (also in `+=` and friends) refuse results bigger than
`MAX_SEQUENCE` items or `MAX_INT_BITS` bits; string padding, `join`, `replace`, `list.extend` and
slice assignment are guarded the same way; `str.format` may not reach attributes, and format widths
are capped (also in f-strings and `%` formatting).
"""
import ast
import contextvars
import json
import operator
import re
import string
import time
from datetime import date, datetime
from functools import lru_cache

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .calendar import WorkingCalendar
from .clock import local, parse_local
from .errors import LiandongError, ScriptError

MAX_ITERATIONS = 100_000  # one loop or range
MAX_STEPS = 1_000_000  # all loop iterations and produced items of one evaluation together
MAX_SECONDS = 2.0  # wall time of one evaluation, checked at loop iterations and guarded operations
MAX_SEQUENCE = 1_000_000  # items of a string, bytes, list or tuple an operation may produce
MAX_PRODUCED = 5_000_000  # items all guarded operations of one evaluation may produce together
MAX_INT_BITS = 10_000  # size of an integer an operation may produce (about 3000 decimal digits)
MAX_WIDTH = 10_000  # a format width or precision
MAX_POWER = 64  # a constant exponent or shift written in a diagram

# What a diagram may call, with a word on each (shown to process owners in the modeler's help).
ALLOWED_FUNCTIONS = {
    "working_days_after": "第n个工作日结束时刻（起算日不计入）",
    "working_days_between": "两日之间的工作日数",
    "is_working_day": "是否法定工作日",
    "now": "当前时刻",
    "today": "今天（北京时间）",
}
PLAIN_BUILTINS = {
    "len", "min", "max", "sum", "sorted", "any", "all", "abs", "round", "str", "int", "float", "bool",
    "list", "dict", "set", "tuple", "enumerate", "zip", "range", "isinstance", "reversed", "map", "filter",
}


# --- the budget of one evaluation ---
class _Budget:
    __slots__ = ("steps", "produced", "deadline")

    def __init__(self):
        self.steps = MAX_STEPS
        self.produced = MAX_PRODUCED
        self.deadline = time.monotonic() + MAX_SECONDS

    def spend(self, n: int = 1) -> None:
        self.steps -= n
        if self.steps < 0:
            raise ScriptError(f"表达式运算量超过上限（{MAX_STEPS} 步），已中止")
        if time.monotonic() > self.deadline:
            raise ScriptError(f"表达式运行超过 {MAX_SECONDS:g} 秒，已中止")


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("liandong_script_budget", default=None)


def _current() -> _Budget:
    budget = _budget.get()
    if budget is None:  # called outside an evaluation (e.g. a generator kept and consumed later)
        budget = _Budget()
        _budget.set(budget)
    return budget


def _spend(n: int = 1) -> None:
    _current().spend(n)


def _capped_range(*args):
    r = range(*args)
    if len(r) > MAX_ITERATIONS:
        raise ScriptError(f"range 超过 {MAX_ITERATIONS} 项")
    return r


def _counting_getiter(obj):
    iterator = default_guarded_getiter(obj)
    for count, item in enumerate(iterator):
        if count >= MAX_ITERATIONS:
            raise ScriptError(f"循环超过 {MAX_ITERATIONS} 次，已中止")
        _spend()
        yield item


def _safe_sum(iterable, start=0):
    if not isinstance(start, int | float):
        raise ScriptError("sum 只能对数字求和")
    return sum(iterable, start)


# --- sizes of what operations produce ---
_SEQUENCES = (str, bytes, list, tuple)


def _check_length(n: int) -> None:
    if n > MAX_SEQUENCE:
        raise ScriptError(f"运算结果过大（{n} 项，上限 {MAX_SEQUENCE}）")
    budget = _current()
    budget.produced -= n
    if budget.produced < 0:
        raise ScriptError(f"表达式产生的数据超过上限（{MAX_PRODUCED} 项），已中止")
    budget.spend(1)


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise ScriptError(f"整数运算结果过大（约 {bits} 位二进制，上限 {MAX_INT_BITS}）")


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


def _check_spec_numbers(spec: str) -> None:
    for number in re.findall(r"\d+", spec):
        if int(number) > MAX_WIDTH:
            raise ScriptError(f"格式宽度或精度过大（{number}，上限 {MAX_WIDTH}）")


def _mod(a, b):
    if isinstance(a, str | bytes):
        text = a.decode("latin-1") if isinstance(a, bytes) else a
        for width, precision in _PRINTF_SPEC.findall(text):
            if "*" in (width, precision):
                raise ScriptError("不允许使用 * 作为格式宽度")
            _check_spec_numbers(width + " " + precision)
    return a % b


_OPERATORS = {
    "+": _add, "-": operator.sub, "*": _mul, "/": operator.truediv, "//": operator.floordiv, "%": _mod,
    "**": _pow, "<<": _lshift, ">>": operator.rshift, "|": operator.or_, "^": operator.xor, "&": operator.and_,
    "@": operator.matmul,
}
_GUARDED_BINOPS = {ast.Mult: "*", ast.Add: "+", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}


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
        _check_spec_numbers(format_spec)
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


# --- compiling ---
class _Transformer(RestrictingNodeTransformer):
    """RestrictedPython's rules, and the size-changing operators routed through `_binop_`."""

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        op = _GUARDED_BINOPS.get(type(node.op))
        if op is None:
            return node
        func = ast.copy_location(ast.Name("_binop_", ast.Load()), node)
        call = ast.Call(func=func, args=[ast.copy_location(ast.Constant(op), node), node.left, node.right], keywords=[])
        return ast.copy_location(call, node)


class _Policy(ast.NodeVisitor):
    """Constructs RestrictedPython allows but a diagram has no business using."""

    def __init__(self, callable_names: set[str]):
        self.callable_names = callable_names
        self.problems: list[str] = []

    def visit_While(self, node):
        self.problems.append("不允许使用 while 循环")

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id not in self.callable_names:
            self.problems.append(f"不允许调用函数 {node.func.id}")
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        self.problems.append("不允许在脚本中定义函数")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.problems.append("不允许在脚本中定义类")

    def visit_Import(self, node):
        self.problems.append("不允许导入模块")

    visit_ImportFrom = visit_Import

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Pow | ast.LShift):
            right = node.right
            if isinstance(node.op, ast.Pow) and isinstance(right, ast.BinOp) and isinstance(right.op, ast.Pow):
                self.problems.append("不允许连续乘方（如 10**10**10）")
            elif isinstance(right, ast.Constant) and isinstance(right.value, int) and right.value > MAX_POWER:
                self.problems.append(f"指数或移位过大（{right.value}，上限 {MAX_POWER}）")
        self.generic_visit(node)

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if any(not isinstance(p, ast.Constant) for p in parts):
                self.problems.append("f 字符串的格式说明不能含表达式")
            else:
                try:
                    _check_spec_numbers("".join(str(p.value) for p in parts))
                except ScriptError as err:
                    self.problems.append(err.message)
        self.generic_visit(node)


def _restricted(source: str, mode: str):
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    return compiler(source, policy=_Transformer)


def check_source(source: str, mode: str) -> list[str]:
    """Problems that make an expression (`eval`) or script (`exec`) unacceptable; empty if fine."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        return [f"语法错误：第{err.lineno}行 {err.msg}"]
    except (ValueError, MemoryError, RecursionError) as err:  # NUL bytes, absurd nesting
        return [f"无法解析：{type(err).__name__}"]
    policy = _Policy(set(ALLOWED_FUNCTIONS) | PLAIN_BUILTINS)
    try:
        compiled = _restricted(source, mode)
        policy.visit(tree)
    except RecursionError:
        return ["表达式嵌套过深"]
    return list(compiled.errors) + policy.problems


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str):
    problems = check_source(source, mode)
    if problems:
        raise ScriptError("表达式不被允许：" + "；".join(problems), source=source)
    return _restricted(source, mode).code


def _builtins() -> dict:
    import builtins
    table = {name: getattr(builtins, name) for name in PLAIN_BUILTINS}
    table.update({"range": _capped_range, "sum": _safe_sum, "None": None, "True": True, "False": False})
    return table


GUARDS = {
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": _counting_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _write,
    "_inplacevar_": _inplacevar,
    "_binop_": _binop,
    "_apply_": lambda function, *args, **kwargs: function(*args, **kwargs),  # calls with *args / **kwargs
    "_print_": None,
}


class SandboxEnvironment(TaskDataEnvironment):
    """Task-data environment that evaluates through RestrictedPython with the allowed functions."""

    def __init__(self, functions: dict, call_service):
        env = {"__builtins__": _builtins(), **GUARDS}
        env.update(functions)
        super().__init__(env)
        self._call_service = call_service

    def evaluate(self, expression, context, external_context=None):
        code = _compile(expression.strip(), "eval")
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope.update(GUARDS)  # task data may not replace a guard
        scope["__builtins__"] = self.globals["__builtins__"]
        token = _budget.set(_Budget())
        try:
            return eval(code, scope)
        finally:
            _budget.reset(token)

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = _compile(script, "exec")
        context.update(self.globals)
        context.update(external_context or {})
        token = _budget.set(_Budget())
        try:
            exec(code, context)
        finally:
            _budget.reset(token)
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **_):
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        return json.dumps(self._call_service(operation_name, params, context))


class CalendarFunctions:
    """The working-day functions bound to one clock and calendar. Remembers each deadline it gave,
    so the runtime can store how a provisional deadline was computed and recompute it later."""

    def __init__(self, calendar: WorkingCalendar, clock):
        self.calendar = calendar
        self.clock = clock
        self.given = {}  # iso string -> Deadline

    def _instant(self, value) -> datetime:
        if value is None:
            return self.clock.now()
        if isinstance(value, datetime):
            return parse_local(value)
        if isinstance(value, date):
            return parse_local(datetime(value.year, value.month, value.day, 12))
        text = str(value)
        if len(text) == 10:
            text += "T12:00:00"
        return parse_local(text)

    def working_days_after(self, n, start=None) -> str:
        deadline = self.calendar.add_working_days(self._instant(start), int(n))
        iso = deadline.iso()
        self.given[iso] = deadline
        return iso

    def working_days_between(self, a, b) -> int:
        return self.calendar.working_days_between(self._instant(a), self._instant(b))

    def is_working_day(self, d=None) -> bool:
        return self.calendar.is_working_day(local(self._instant(d)).date())

    def now(self) -> str:
        return local(self.clock.now()).isoformat(timespec="seconds")

    def today(self) -> str:
        return local(self.clock.now()).date().isoformat()

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in ALLOWED_FUNCTIONS}


class LiandongScriptEngine(PythonScriptEngine):
    """SpiffWorkflow 3.2's call_service hides every failure behind `NameError: script`: let the
    engine's own refusals through, and wrap anything else with the task it happened in."""

    def call_service(self, task, **kwargs):
        try:
            return self.environment.call_service(task.data, **kwargs)
        except LiandongError:
            raise
        except Exception as err:
            raise WorkflowTaskException(f"服务操作失败：{err}", task=task, exception=err) from err


def make_script_engine(functions: CalendarFunctions, call_service) -> PythonScriptEngine:
    engine = LiandongScriptEngine(environment=SandboxEnvironment(functions.as_dict(), call_service))
    engine.clock = functions.clock  # read by the clock-aware timers (engine.timers)
    return engine
