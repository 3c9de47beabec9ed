"""Timers that read the engine's clock, and the sweep that fires due timers.

SpiffWorkflow's timer event definitions call `datetime.now()` themselves. The subclasses here read
`workflow.script_engine.clock` instead; `use_engine_clock` swaps them into parsed specs, and
`SERIALIZER_CONFIG` teaches the serializer their names.
"""
import re
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .clock import SHANGHAI, parse_local
from .errors import ScriptError


# One reading of a timer's value for the engine and the timer rows: a value without an offset is
# Asia/Shanghai wall time, whatever the server's zone (SpiffWorkflow reads it in the server's zone,
# so on a UTC host the row said due and the engine said not yet, and a sweep round never ended).
# Durations and cycles are bounded, so a value can neither hang the engine (P999999999Y is counted out
# month by month) nor fire without end (a zero-length cycle).
MAX_SPAN = timedelta(days=3660)  # ten years: no time limit in the seeds comes near it
MIN_CYCLE = timedelta(minutes=1)


class TimerValueError(ScriptError):
    status = 422


def _now(my_task) -> datetime:
    return my_task.workflow.script_engine.clock.now()


def _text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TimerValueError(f"定时器的值须为 ISO 8601 日期时间、时长或循环（如 working_days_after(1)、'P3D'），实际为 {value!r}")
    return value.strip()


_ISO_DURATION = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", re.I)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?")
_ISO_CYCLE = re.compile(r"R\d*/[0-9A-Z:.+/-]+", re.I)


def literal(expression: str) -> str | None:
    """A timer value written as bare ISO 8601 text (`PT1S`, `2026-10-09T09:00:00`, `R3/PT10M`), as
    Camunda Modeler writes it: the value itself, not an expression to evaluate."""
    text = (expression or "").strip()
    if _ISO_DURATION.fullmatch(text) or _ISO_DATE.fullmatch(text) or _ISO_CYCLE.fullmatch(text):
        return text
    return None


def near_literal(expression: str) -> bool:
    """Bare text that is meant as an ISO duration or cycle but is not one (`P3X`, `R3/PT1Q`): a
    mistake to report, not a variable name to look up when the timer starts."""
    return bool(re.fullmatch(r"(P|R\d*/)[0-9A-Z./:+-]*\d[0-9A-Z./:+-]*", (expression or "").strip()))


def _value(my_task, expression: str):
    text = literal(expression)
    return text if text is not None else my_task.workflow.script_engine.evaluate(my_task, expression)


def date_value(value) -> str:
    """A timeDate value as stored: the expression's string, an offset added if it had none."""
    text = _text(value)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise TimerValueError(f"定时器的日期时间无法识别：{text!r}（应为 ISO 8601，如 2026-10-09T23:59:59+08:00）") from None
    return text if when.tzinfo is not None else when.replace(tzinfo=SHANGHAI).isoformat()


def duration(value, start: datetime) -> timedelta:
    """The length of an ISO 8601 duration counted from `start`, within MAX_SPAN."""
    text = _text(value)
    if not text.upper().startswith("P"):
        raise TimerValueError(f"定时器的时长无法识别：{text!r}（应为 ISO 8601 时长，如 P3D、PT2H）")
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
    except Exception:  # noqa: BLE001 — the library raises a bare Exception('Invalid duration')
        parsed = None
    if not parsed:
        raise TimerValueError(f"定时器的时长无法识别：{text!r}（应为 ISO 8601 时长，如 P3D、PT2H）")
    rough_seconds = (parsed.get("years", 0) * 366 + parsed.get("months", 0) * 31 + parsed.get("weeks", 0) * 7
                     + parsed.get("days", 0)) * 86400 + parsed.get("hours", 0) * 3600 \
        + parsed.get("minutes", 0) * 60 + parsed.get("seconds", 0)
    if rough_seconds > MAX_SPAN.total_seconds():
        raise TimerValueError(f"定时器的时长 {text} 超过上限（{MAX_SPAN.days} 天）")
    return TimerEventDefinition.get_timedelta_from_start(parsed, start)


def cycle(value, now: datetime) -> dict:
    """An ISO 8601 repeating interval R[n]/start/duration (or R[n]/duration), as the timer keeps it."""
    text = _text(value)
    parts = text.upper().replace("--", "/").split("/")
    if len(parts) not in (2, 3) or not parts[0].startswith("R"):
        raise TimerValueError(f"循环定时器无法识别：{text!r}（应为 R次数/开始时间/间隔，如 R3/2026-10-09T09:00:00+08:00/P1D）")
    count = parts[0][1:]
    if count and not count.isdigit():
        raise TimerValueError(f"循环定时器的次数无法识别：{text!r}")
    if len(parts) == 3:
        every = parts[2]
        begin = parse_local(date_value(parts[1]))
        length = duration(every, begin)
    else:  # R/duration: the first occurrence one interval from now
        every = parts[1]
        length = duration(every, now)
        begin = now + length
    if length < MIN_CYCLE:
        raise TimerValueError(f"循环定时器的间隔 {every} 过短（至少 {int(MIN_CYCLE.total_seconds() // 60)} 分钟）")
    return {"cycles": int(count) if count else -1, "next": begin.isoformat(), "duration": length.total_seconds()}


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = date_value(_value(my_task, self.expression))
            my_task._set_internal_data(event_value=event_value)
        if parse_local(event_value) < _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            start = _now(my_task)
            length = duration(_value(my_task, self.expression), start)
            event_value = (start + length).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if parse_local(event_value) < _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycleTimerEventDefinition(CycleTimerEventDefinition):
    def cycle_complete(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if event_value is None:
            event_value = cycle(_value(my_task, self.expression), now)
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event < now:
                # Fire once; occurrences missed while nobody swept are skipped, not fired in a burst.
                every = timedelta(seconds=event_value["duration"])
                missed = (now - next_event) // every
                event_value["next"] = (next_event + (missed + 1) * every).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def due_at(event_value) -> datetime:
    """When a waiting timer falls due, from the value the engine keeps (a cycle keeps a dict)."""
    return parse_local(event_value["next"] if isinstance(event_value, dict) else event_value)


SWAPS = {
    TimeDateEventDefinition: ClockTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockDurationTimerEventDefinition,
    CycleTimerEventDefinition: ClockCycleTimerEventDefinition,
}
SERIALIZER_CONFIG = dict(SPIFF_CONFIG)
for _cls in SWAPS.values():
    SERIALIZER_CONFIG[_cls] = TimerConditionalEventDefinitionConverter


def use_engine_clock(*process_specs) -> None:
    """Make every timer in these parsed process specs read the engine clock."""
    for spec in process_specs:
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            for item in [definition, *getattr(definition, "event_definitions", [])]:
                if type(item) in SWAPS:
                    item.__class__ = SWAPS[type(item)]


def is_timer(task_spec) -> bool:
    """A timer event, or an event-based gateway waiting on a timer among its events (the gateway holds
    a MultipleEventDefinition and the timer's due time)."""
    definition = getattr(task_spec, "event_definition", None)
    return isinstance(definition, TimerEventDefinition) or any(
        isinstance(d, TimerEventDefinition) for d in getattr(definition, "event_definitions", []))


def event_taken(task):
    """The event definition a completed event task reacted to; for an event-based gateway, the one of
    its events whose path it took (it keeps them in the order of its outgoing paths)."""
    definition = getattr(task.task_spec, "event_definition", None)
    paths = getattr(task.task_spec, "outputs", [])
    for child in task.children if hasattr(definition, "event_definitions") else []:
        if child.task_spec in paths:
            return definition.event_definitions[paths.index(child.task_spec)]
    return definition


def timer_fired(task) -> bool:
    """Whether a timer task that stopped waiting fired (rather than being cancelled or, behind an
    event-based gateway, beaten by another event)."""
    return task.state == TaskState.COMPLETED and isinstance(event_taken(task), TimerEventDefinition)


# --- a waiting timer changed from outside the engine (deadline recomputed or moved, 立即触发) ---
def set_due(engine_task, value: str) -> None:
    """The timer of this engine task now falls due at `value` (an ISO time)."""
    engine_task._set_internal_data(event_value=value)


def fire_now(engine_task) -> None:
    """The timer of this engine task has fired: the next step takes its path."""
    engine_task._set_internal_data(event_fired=True)
