"""The official working-day calendar (法定工作日), with make-up working days (调休).

Counting follows the Time rules of shared/procedures.md: a period of N working days "from the day X"
does not count day X (Civil Code art. 201) and ends at the end of the N-th working day after X,
Asia/Shanghai. Days of a year without an official schedule fall back to Monday–Friday, and every
deadline that touched such a day is marked provisional so it can be shown as such and recomputed
once the State Council's schedule is imported.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .clock import SHANGHAI, local, parse_local
from .errors import CalendarError
from .models import CalendarDay, CalendarYear

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
END_OF_DAY = time(23, 59, 59)
# The unit a task's limit is counted in (its limit_unit): working days unless the law counts calendar days
WORKING_DAYS, CALENDAR_DAYS = "working", "calendar"


@dataclass(frozen=True)
class Deadline:
    at: datetime  # aware, the end of the last working day
    provisional: bool  # a day that decides it lies in a year without official data
    start: str  # ISO start instant, kept so a provisional deadline can be recomputed
    days: int
    unit: str = WORKING_DAYS  # what `days` counts: working or calendar days

    def iso(self) -> str:
        return local(self.at).isoformat()

    def basis(self) -> dict:
        """How it was computed, as stored beside a task's or timer's due (due_basis, basis)."""
        return {"start": self.start, "days": self.days, "unit": self.unit}


class WorkingCalendar:
    """Pure calendar arithmetic over the exceptions to the Monday–Friday rule."""

    def __init__(self, exceptions: dict[date, bool], official_years: set[int], names: dict[date, str] | None = None):
        self.exceptions = exceptions
        self.official_years = official_years
        self.names = names or {}

    def is_working_day(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def is_official(self, day: date) -> bool:
        return day.year in self.official_years

    def day_name(self, day: date) -> str:
        return self.names.get(day, "")

    def add_working_days(self, start: datetime, days: int) -> Deadline:
        """The end of the `days`-th working day after the day of `start` (start day not counted)."""
        if days < 0:
            raise CalendarError("工作日天数不能为负数")
        day = local(start).date()
        provisional = False
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            provisional |= not self.is_official(day)
            if self.is_working_day(day):
                counted += 1
        at = datetime.combine(day, END_OF_DAY, SHANGHAI)
        return Deadline(at=at, provisional=provisional, start=local(start).isoformat(), days=days)

    def add_calendar_days(self, start: datetime, days: int) -> Deadline:
        """The end of a period of `days` calendar days from the day of `start` (start day not counted, Civil
        Code art. 201) whose last day, if not a working day, moves to the end of the next working day
        (art. 203: "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日"). Provisional when
        the last day, or a day it moves over, lies in a year without official data: only their status
        decides the result, not that of the days counted before."""
        if days < 0:
            raise CalendarError("天数不能为负数")
        day = local(start).date() + timedelta(days=days)
        provisional = not self.is_official(day)
        while not self.is_working_day(day):
            day += timedelta(days=1)
            provisional |= not self.is_official(day)
        at = datetime.combine(day, END_OF_DAY, SHANGHAI)
        return Deadline(at=at, provisional=provisional, start=local(start).isoformat(), days=days, unit=CALENDAR_DAYS)

    def add_days(self, start: datetime, days: int, unit: str = WORKING_DAYS) -> Deadline:
        """A limit of `days` from `start` in its own unit (a task's `limit_unit`): calendar days (art. 203
        move) or, for any other unit including none, working days."""
        if unit != CALENDAR_DAYS:
            return self.add_working_days(start, days)
        return self.add_calendar_days(start, days)

    def recompute(self, basis: dict) -> Deadline:
        """A stored deadline computed again from its basis (Deadline.basis) with this calendar; a basis
        stored before units were kept has none and counts working days."""
        return self.add_days(parse_local(basis["start"]), int(basis["days"]), basis.get("unit") or WORKING_DAYS)

    def days_between(self, start: datetime, end: datetime, unit: str = WORKING_DAYS) -> int:
        """Days from `start` to `end` in the limit's own unit."""
        if unit != CALENDAR_DAYS:
            return self.working_days_between(start, end)
        return (local(end).date() - local(start).date()).days

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after the day of `start` up to and including the day of `end` (negative if before)."""
        first, last = local(start).date(), local(end).date()
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        count = 0
        day = first
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return sign * count


_cache: dict[str, WorkingCalendar] = {}


def load(session: Session) -> WorkingCalendar:
    """The calendar as stored; cached until a year is imported (any worker sees the new stamp)."""
    stamp = session.execute(select(func.count(), func.max(CalendarYear.imported_at))).one()
    key = f"{session.get_bind().engine.url}|{stamp[0]}|{stamp[1]}"
    if key not in _cache:
        rows = session.execute(select(CalendarDay)).scalars()
        exceptions, names = {}, {}
        for row in rows:
            exceptions[row.day] = row.is_workday
            names[row.day] = row.name
        years = set(session.execute(select(CalendarYear.year)).scalars())
        _cache.clear()
        _cache[key] = WorkingCalendar(exceptions, years, names)
    return _cache[key]


def seed_from_package(session: Session, now: datetime) -> list[int]:
    """Store the official schedules shipped in the `chinesecalendar` package (years not yet stored)."""
    import chinese_calendar
    from chinese_calendar import constants

    have = set(session.execute(select(CalendarYear.year)).scalars())
    years = sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    added = [y for y in years if y not in have]
    for day, name in constants.holidays.items():
        if day.year in added:
            session.add(CalendarDay(day=day, is_workday=False, name=HOLIDAY_NAMES.get(name, name)))
    for day, name in constants.workdays.items():
        if day.year in added:
            zh = HOLIDAY_NAMES.get(name, name)
            session.add(CalendarDay(day=day, is_workday=True, name=f"{zh}调休上班"))
    source = f"chinesecalendar {chinese_calendar.__version__}"
    for year in added:
        session.add(CalendarYear(year=year, source=source, imported_at=now))
    session.flush()
    return added


_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|~|～)\s*(\d{4}-\d{2}-\d{2}))?\s+(休|班)\s*(.*)$")


def parse_schedule(text: str) -> tuple[int, list[tuple[date, bool, str]]]:
    """Read a year's schedule. One line per day or range; `#` starts a comment:

        2027-01-01 休 元旦
        2027-02-06..2027-02-12 休 春节
        2027-02-14 班 春节调休上班

    `休` is a day off that would be a working day, `班` a make-up working day. All days in one year.
    """
    days: list[tuple[date, bool, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        days += _schedule_line(number, raw)
    return _one_year(days), days


def _schedule_line(number: int, raw: str) -> list[tuple[date, bool, str]]:
    """The days one line of a schedule names (none for a blank or comment line)."""
    line = raw.split("#", 1)[0].strip()
    if not line:
        return []
    match = _LINE.match(line)
    if not match:
        raise CalendarError(f"第{number}行格式不对：{raw.strip()}（应为“YYYY-MM-DD 休|班 名称”）")
    first_s, last_s, kind, name = match.groups()
    try:
        first = date.fromisoformat(first_s)
        last = date.fromisoformat(last_s) if last_s else first
    except ValueError:
        raise CalendarError(f"第{number}行日期无效：{raw.strip()}") from None
    if last < first:
        raise CalendarError(f"第{number}行日期范围颠倒：{raw.strip()}")
    return [(first + timedelta(days=n), kind == "班", name.strip()) for n in range((last - first).days + 1)]


def _one_year(days: list[tuple[date, bool, str]]) -> int:
    """The one year all the days are in, each day named once."""
    if not days:
        raise CalendarError("文件中没有任何日期")
    years = {d.year for d, _, _ in days}
    if len(years) != 1:
        raise CalendarError(f"一个文件只能包含一个年度，发现：{sorted(years)}")
    seen = set()
    for day, _, _ in days:
        if day in seen:
            raise CalendarError(f"日期重复：{day.isoformat()}")
        seen.add(day)
    return years.pop()


def import_schedule(session: Session, text: str, source: str, user: str, now: datetime) -> int:
    """Replace one year's official schedule with the parsed file. Returns the year."""
    year, days = parse_schedule(text)
    session.execute(
        delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    )
    for day, is_workday, name in days:
        session.add(CalendarDay(day=day, is_workday=is_workday, name=name))
    row = session.get(CalendarYear, year)
    if row is None:
        session.add(CalendarYear(year=year, source=source, imported_at=now, imported_by=user))
    else:
        row.source, row.imported_at, row.imported_by = source, now, user
    session.flush()
    return year
