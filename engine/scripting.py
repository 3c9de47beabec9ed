"""Expressions and scripts from BPMN run here, and only here: in a restricted Python, under a budget.

The language (what may be written) is engine/restricted.py: deployment refuses anything else. How
an evaluation runs is decided once per expression, when it is compiled:

- A straight-line expression (no loop, comprehension or lambda; calls only of linear built-ins, the
  diagram's functions and lookups; no size-multiplying operator — `restricted.is_straight_line`)
  costs at most its length times the size of the data it reads. Most gateway conditions, `due`
  properties, timers and lanes are such, and they run right here, as cheap as plain `eval`.
- Everything else (every script, and expressions with loops, lambdas, `*`, `**`, `sorted`, …) runs in
  a worker process under the budget of engine/budget.py — time, steps and memory, enforced from
  outside the evaluated code (engine/script_worker.py, engine/script_pool.py).

A refusal names the element it happened in (file, element id and name) and, when a budget ran out,
which one (时间/步数/内存); at deployment, expressions that need no data are tried under the same
budget (`DeployTrials`).
"""
import builtins
import json
import re
import time
from typing import Any
from collections.abc import Callable
from dataclasses import astuple
from datetime import date, datetime

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import script_pool
from .budget import MAX_INSTANCES, STEPS, Limits, SandboxRefusal
from .calendar import WorkingCalendar
from .clock import local, parse_local
from .errors import LiandongError, ScriptError
from .restricted import ALLOWED_FUNCTIONS, check_source, compile_checked
from .restricted_guards import GUARDS, PLAIN_BUILTINS, builtins_table

__all__ = ["ALLOWED_FUNCTIONS", "PLAIN_BUILTINS", "check_source", "SandboxEnvironment", "CalendarFunctions",
           "DeployTrials", "make_script_engine"]

MAX_WORKING_DAYS = 3650  # about fourteen years: more is a mistake in the data, and would take long to count
MAX_SPAN_DAYS = 20 * 366  # the widest interval working_days_between counts
MAX_DATE_TEXT = 40


def _compiled(source: str, mode: str):
    try:
        return compile_checked(source, mode)
    except SandboxRefusal:
        raise
    except ScriptError as err:
        raise SandboxRefusal(err.message) from None


def _raise_reply(reply: tuple):
    """Turn a worker's answer into the value, or into the exception the evaluation raised."""
    kind = reply[0]
    if kind == "done":
        return reply[1]
    if kind == "refused":
        raise SandboxRefusal(reply[2], reply[1])
    if kind == "failed":
        raise ScriptError(reply[1])
    error_type = getattr(builtins, reply[1], None)
    if not (isinstance(error_type, type) and issubclass(error_type, Exception)):
        error_type = RuntimeError
    raise error_type(reply[2])


class SandboxEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment, evaluating through the sandbox with the allowed functions."""

    def __init__(self, functions: dict, call_service):
        env = {"__builtins__": builtins_table(), **GUARDS}
        env.update(functions)
        super().__init__(env)
        self.functions = dict(functions)
        self._call_service = call_service

    def evaluate(self, expression, context, external_context=None):
        source = expression.strip()
        code, straight = _compiled(source, "eval")
        if straight:
            scope = dict(self.globals)
            scope.update(external_context or {})
            scope.update(context)
            scope.update(GUARDS)  # task data may not replace a guard
            scope["__builtins__"] = self.globals["__builtins__"]
            return eval(code, scope)
        return _raise_reply(self._in_worker("eval", source, context, external_context))

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        _compiled(script, "exec")
        result = _raise_reply(self._in_worker("exec", script, context, external_context))
        context.clear()
        context.update(result)
        return True

    def check_for_overwrite(self, context, external_context):
        clash = (set(self.globals) | set(external_context)) & set(context)
        if clash:
            raise ScriptError(f"数据中的字段名与可调用的函数同名：{'、'.join(sorted(clash))}，请改用其他字段名")

    def _in_worker(self, mode: str, source: str, context: dict, external_context: dict | None) -> tuple:
        limits = Limits.current()
        request = {"mode": mode, "source": source, "context": dict(context), "external": dict(external_context or {}),
                   "functions": sorted(self.functions), "limits": astuple(limits)}
        return script_pool.run(request, self.functions, limits)

    def call_service(self, context, operation_name=None, operation_params=None, **_):
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        return json.dumps(self._call_service(operation_name, params, context))


class CalendarFunctions:
    """The working-day functions bound to one clock and calendar. Remembers each deadline it gave,
    so the runtime can store how a provisional deadline was computed and recompute it later.
    They run in the server's process (the worker calls back), so they bound their own arguments."""

    def __init__(self, calendar: WorkingCalendar | Callable[[], WorkingCalendar], clock):
        self._calendar = calendar  # or what loads it, when a working day is first asked about
        self.clock = clock
        self.given: dict[str, Any] = {}  # iso string -> Deadline

    @property
    def calendar(self) -> WorkingCalendar:
        if not isinstance(self._calendar, WorkingCalendar):
            self._calendar = self._calendar()
        return self._calendar

    def _instant(self, value) -> datetime:
        if value is None:
            return self.clock.now()
        if isinstance(value, datetime):
            return parse_local(value)
        if isinstance(value, date):
            return parse_local(datetime(value.year, value.month, value.day, 12))
        if not isinstance(value, str) or len(value) > MAX_DATE_TEXT:
            raise ScriptError(f"日期须为 ISO 格式的文字（如 2026-10-12），而不是 {str(value)[:MAX_DATE_TEXT]!r}")
        text = value
        if len(text) == 10:
            text += "T12:00:00"
        try:
            return parse_local(text)
        except ValueError:
            raise ScriptError(f"日期格式不正确：{value!r}（应为 2026-10-12 或 2026-10-12T09:00:00+08:00）") from None

    @staticmethod
    def _days(n) -> int:
        if isinstance(n, bool) or not isinstance(n, int | float | str):
            raise ScriptError(f"工作日天数须为整数，而不是 {str(n)[:20]!r}")
        try:
            days = int(n)
        except ValueError:
            raise ScriptError(f"工作日天数须为整数，而不是 {str(n)[:20]!r}") from None
        if not 0 <= days <= MAX_WORKING_DAYS:
            raise ScriptError(f"工作日天数超出范围（0–{MAX_WORKING_DAYS}）：{str(n)[:20]}")
        return days

    def working_days_after(self, n, start=None) -> str:
        return self._remember(self.calendar.add_working_days(self._instant(start), self._days(n)))

    def calendar_days_after(self, n, start=None) -> str:
        """A period in calendar days (e.g. 行政处罚法第六十条's 90 days), its last day moved past holidays;
        remembered like a working-day deadline, since its last day may lie in a year not yet official."""
        return self._remember(self.calendar.add_calendar_days(self._instant(start), self._days(n)))

    def _remember(self, deadline) -> str:
        """The deadline as the diagram's data holds it, kept so the runtime can store how it was computed."""
        iso = deadline.iso()
        self.given[iso] = deadline
        return iso

    def working_days_between(self, a, b) -> int:
        first, last = self._instant(a), self._instant(b)
        if abs((last - first).days) > MAX_SPAN_DAYS:
            raise ScriptError("两个日期相隔超过二十年，不计算工作日")
        return self.calendar.working_days_between(first, last)

    def is_working_day(self, d=None) -> bool:
        return self.calendar.is_working_day(local(self._instant(d)).date())

    def now(self) -> str:
        return local(self.clock.now()).isoformat(timespec="seconds")

    def today(self) -> str:
        return local(self.clock.now()).date().isoformat()

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in ALLOWED_FUNCTIONS}


def element_label(task, where: str | None = None) -> str:
    """'p03.bpmn 元素“审核”（review）' — the file and element an evaluation belongs to."""
    spec = task.task_spec
    filename = getattr(getattr(task.workflow, "spec", None), "file", None) or ""
    if where is None:
        element_id = spec.bpmn_id or spec.name
        name = spec.bpmn_name
        inner = getattr(spec, "task_spec", None)  # a loop or multi-instance task: the name is its child's
        if not name and isinstance(inner, str) and inner in spec._wf_spec.task_specs:
            name = spec._wf_spec.task_specs[inner].bpmn_name
        where = f"元素“{name}”（{element_id}）" if name else f"元素 {element_id}"
    return f"{filename} {where}".strip()


def _plain_error(err: Exception) -> str:
    if isinstance(err, NameError) and getattr(err, "name", None):
        return f"数据中没有 {err.name}"
    if isinstance(err, NameError) and "'" in str(err):
        return f"数据中没有 {str(err).split(chr(39))[1]}"
    if isinstance(err, KeyError):
        return f"数据中没有键 {err}"
    return _python_error(err)


_PYTHON_ERRORS = [  # what Python says, in Chinese: a process owner reads these (issue 21 item 6)
    (r"unsupported operand type\(s\) for (\S+): '(\w+)' and '(\w+)'", "不能对 {1} 和 {2} 做 {0} 运算：先把数据转换成同一类型，如 int(x)、str(x)"),
    (r'can only concatenate str \(not "(\w+)"\) to str', "文字只能与文字相连（这里是 {0}）：用 str(x) 转换"),
    (r"'(\S+)' not supported between instances of '(\w+)' and '(\w+)'", "{1} 和 {2} 不能用 {0} 比较：先转换成同一类型"),
    (r"object of type '(\w+)' has no len\(\)", "{0} 类型的数据没有长度，不能用 len()"),
    (r"'NoneType' object is not subscriptable", "该数据为空（None），不能取其中的项：先确认前面的步骤填写了它"),
    (r"'(\w+)' object is not subscriptable", "{0} 类型的数据不能用 [] 取其中的项"),
    (r"'(\w+)' object has no attribute '(\w+)'", "{0} 类型的数据没有 {1}"),
    (r"(?:list|string|tuple) index out of range", "下标超出了列表的长度"),
    (r"(?:integer |float )?division(?: or modulo)? by zero", "除数为零"),
    (r"invalid literal for int\(\) with base 10: (.*)", "{0} 不是整数，不能用 int() 转换"),
    (r"could not convert string to float: (.*)", "{0} 不是数字，不能用 float() 转换"),
]
_ERROR_KINDS = {"TypeError": "数据类型不对", "ValueError": "取值无效", "ZeroDivisionError": "除数为零",
                "IndexError": "下标超出范围", "AttributeError": "没有该属性", "OverflowError": "数值过大"}


def _python_error(err: Exception) -> str:
    for pattern, say in _PYTHON_ERRORS:
        match = re.fullmatch(pattern, str(err))
        if match:
            return f"表达式出错：{say.format(*match.groups())}"
    kind = _ERROR_KINDS.get(type(err).__name__, "运行出错")
    return f"表达式出错（{kind}）：请检查表达式用到的数据是否已填写、类型是否正确"


class LiandongScriptEngine(PythonScriptEngine):
    """Names the element in every failure of an expression or script (SpiffWorkflow's own message is
    'Error evaluating expression …'), keeps the matter's id on sandbox refusals so the caller can
    mark it 出错, and lets the engine's own service refusals through (SpiffWorkflow 3.2's
    call_service hides every failure behind `NameError: script`)."""

    instance_id: int | None = None

    def evaluate(self, task, expression, external_context=None, where: str | None = None):
        try:
            value = self.environment.evaluate(expression, task.data, external_context)
        except Exception as err:
            raise self._located(task, err, where) from None
        if expression == getattr(task.task_spec, "cardinality", None) and not (
                isinstance(value, int) and 0 <= value <= MAX_INSTANCES):
            # each instance is a task of the engine: a huge count would fill the server's memory
            raise SandboxRefusal(f"多实例数量须为 0 到 {MAX_INSTANCES} 之间的整数，而不是 {str(value)[:20]}", STEPS,
                                 element_label(task, where), self.instance_id)
        return value

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except Exception as err:
            raise self._located(task, err, None) from None

    def _located(self, task, err: Exception, where: str | None) -> Exception:
        if isinstance(err, SpiffWorkflowException):
            return err
        label = element_label(task, where)
        if isinstance(err, SandboxRefusal):
            return err.located(label, self.instance_id)
        if isinstance(err, ScriptError):
            return err if err.message.startswith(label) else ScriptError(f"{label}：{err.message}", **err.details)
        if isinstance(err, LiandongError):
            return err
        return ScriptError(f"{label}：{_plain_error(err)}")

    def call_service(self, task, **kwargs):
        try:
            return self.environment.call_service(task.data, **kwargs)
        except LiandongError:
            raise
        except Exception as err:
            raise WorkflowTaskException(f"服务操作失败：{err}", task=task, exception=err) from err


def make_script_engine(functions: CalendarFunctions, call_service, instance_id: int | None = None) -> PythonScriptEngine:
    engine = LiandongScriptEngine(environment=SandboxEnvironment(functions.as_dict(), call_service))
    engine.clock = functions.clock  # read by the clock-aware timers (engine.timers)
    engine.instance_id = instance_id
    return engine


class DeployTrials:
    """At deployment, run each expression or script that needs no data, once, under the budget: a
    bomb written with constants (`sum(map(lambda j: j, range(10**9)))`) is refused before it is
    deployed, with its element. Straight-line expressions need no trial; a trial that reads data or
    calls a diagram function stops there, inconclusive (the running sandbox still holds it). All
    trials of one deployment together get a few budgets' time, so deploying stays quick."""

    def __init__(self):
        self.left = 3 * Limits.current().seconds

    def problems(self, source: str, mode: str) -> list[str]:
        problems = check_source(source, mode)
        if problems or self.left <= 0:
            return problems
        try:
            _, straight = compile_checked(source, mode)
        except ScriptError as err:
            return [err.message]
        if straight:
            return []
        started = time.monotonic()
        environment = SandboxEnvironment({}, None)  # no functions: a call of one ends the trial
        try:
            if mode == "eval":
                environment.evaluate(source, {})
            else:
                environment.execute(source, {})
        except SandboxRefusal as refusal:
            return [refusal.message]
        except Exception:  # noqa: BLE001 — needs data or a function: decided when it runs
            pass
        finally:
            self.left -= time.monotonic() - started
        return []
