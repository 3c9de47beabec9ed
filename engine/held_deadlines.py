"""A provisional matter deadline kept on the matter until the step that carries it is made.

P11's 90 days (行政处罚法第六十条) are computed when the case is filed (decision_due =
calendar_days_after(90, filed_on)) and carried by the decision step only later, in another unit of work
that no longer knows how they were computed. While their last day lies in a year without an official
schedule the matter keeps the basis (Instance.matter_deadline_basis: at, start, days, unit), so the case
page and the step show them as 暂定 and importing the year's schedule recomputes them.
"""
from collections.abc import Callable
from typing import Any

from .calendar import WORKING_DAYS, Deadline
from .clock import parse_local
from .models import Instance


def hold(instance: Instance, given: dict[str, Deadline], matter_deadline: Callable[[], Any]) -> None:
    """After a step: keep the basis of the matter deadline its data holds (`matter_deadline()`, read only
    if needed) if a script just computed it as provisional (`given`: the deadlines the calendar functions
    gave in this unit of work)."""
    if not any(d.provisional for d in given.values()):
        return
    value = matter_deadline()
    deadline = given.get(value) if isinstance(value, str) else None
    if deadline is not None and deadline.provisional:
        instance.matter_deadline_basis = {"at": value, **deadline.basis()}


def deadline_of(instance: Instance, value, given: dict[str, Deadline]) -> Deadline | None:
    """How a due value was computed: in this unit of work (`given`), or earlier and kept by the matter."""
    if not isinstance(value, str):
        return None
    return given.get(value) or held(instance, value)


def held(instance: Instance, value) -> Deadline | None:
    """The provisional deadline `value` as the matter keeps it, if it does."""
    basis = instance.matter_deadline_basis
    if not basis or basis.get("at") != value:
        return None
    return Deadline(at=parse_local(value), provisional=True, start=basis["start"], days=int(basis["days"]),
                    unit=basis.get("unit") or WORKING_DAYS)
