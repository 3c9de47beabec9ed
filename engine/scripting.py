"""Expressions and scripts from BPMN run here, and only here, in a restricted Python.

RestrictedPython compiles every expression and script: no imports, no underscore attributes, no
`open`, no `while` loops; `for` loops and `range` are capped. The functions a diagram may call are
listed once, in `ALLOWED_FUNCTIONS`; deployment refuses a diagram that calls anything else.
"""
import ast
import json
from datetime import date, datetime
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, limited_builtins, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .calendar import WorkingCalendar
from .clock import local, parse_local
from .errors import LiandongError, ScriptError

MAX_ITERATIONS = 100_000

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
        yield item


def _getattr(obj, name, default=None):
    if name.startswith("_"):
        raise ScriptError(f"不允许访问属性 {name}")
    return getattr(obj, name, default) if default is not None else getattr(obj, name)


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


def check_source(source: str, mode: str) -> list[str]:
    """Problems that make an expression (`eval`) or script (`exec`) unacceptable; empty if fine."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        return [f"语法错误：第{err.lineno}行 {err.msg}"]
    compiled = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    problems = list(compiled.errors)
    policy = _Policy(set(ALLOWED_FUNCTIONS) | PLAIN_BUILTINS)
    policy.visit(tree)
    return problems + policy.problems


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str):
    problems = check_source(source, mode)
    if problems:
        raise ScriptError("表达式不被允许：" + "；".join(problems), source=source)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    return compiler(source).code


class SandboxEnvironment(TaskDataEnvironment):
    """Task-data environment that evaluates through RestrictedPython with the allowed functions."""

    def __init__(self, functions: dict, call_service):
        builtins = dict(safe_builtins)
        builtins.update(limited_builtins)
        builtins.update({name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
                         for name in PLAIN_BUILTINS if name not in builtins})
        builtins["range"] = _capped_range
        env = {
            "__builtins__": builtins,
            "_getattr_": _getattr,
            "_getitem_": default_guarded_getitem,
            "_getiter_": _counting_getiter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": full_write_guard,
            "_print_": None,
        }
        env.update(functions)
        super().__init__(env)
        self._call_service = call_service

    def evaluate(self, expression, context, external_context=None):
        code = _compile(expression.strip(), "eval")
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = _compile(script, "exec")
        context.update(self.globals)
        context.update(external_context or {})
        try:
            exec(code, context)
        finally:
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
