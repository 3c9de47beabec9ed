"""Working days as the Time rules count them: official holidays, make-up days (调休), the first
day not counted, the end of day in Asia/Shanghai, and provisional deadlines where no data exists."""
from datetime import datetime

import pytest

from engine import calendar
from engine.clock import SHANGHAI
from engine.errors import CalendarError
from engine.scripting import CalendarFunctions


@pytest.fixture
def cal(session):
    return calendar.load(session)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


@pytest.mark.parametrize("start, days, due", [
    # Spring Festival 2026: Feb 15–23 off; Saturdays Feb 14 and Feb 28 are make-up working days.
    (at(2026, 2, 13), 1, end_of(2026, 2, 14)),
    (at(2026, 2, 14), 1, end_of(2026, 2, 24)),
    (at(2026, 2, 13), 3, end_of(2026, 2, 25)),
    (at(2026, 2, 26), 2, end_of(2026, 2, 28)),
    # National Day 2026: Oct 1–7 off; Sunday Sep 20 and Saturday Oct 10 are make-up working days.
    (at(2026, 9, 30), 1, end_of(2026, 10, 8)),
    (at(2026, 10, 9), 1, end_of(2026, 10, 10)),
    (at(2026, 9, 19), 1, end_of(2026, 9, 20)),
    # The first day is not counted even when it is a working day, and late at night is still that day.
    (at(2026, 11, 23, 23), 1, end_of(2026, 11, 24)),
    # Asia/Shanghai: 2026-11-23 20:00 UTC is already Tuesday 04:00 in Beijing.
    (datetime.fromisoformat("2026-11-23T20:00:00+00:00"), 1, end_of(2026, 11, 25)),
    (at(2026, 11, 23), 0, end_of(2026, 11, 23)),
])
def test_add_working_days_follows_the_official_calendar(cal, start, days, due):
    deadline = cal.add_working_days(start, days)
    assert deadline.at == due
    assert not deadline.provisional


def test_make_up_days_are_working_days_and_holidays_are_not(cal):
    assert cal.is_working_day(datetime(2026, 2, 14).date())  # Saturday, make-up
    assert not cal.is_working_day(datetime(2026, 2, 16).date())  # Monday, Spring Festival
    assert not cal.is_working_day(datetime(2026, 10, 5).date())
    assert cal.day_name(datetime(2026, 10, 10).date()) == "国庆节调休上班"


def test_working_days_between(cal):
    assert cal.working_days_between(at(2026, 9, 30), at(2026, 10, 8)) == 1
    assert cal.working_days_between(at(2026, 10, 8), at(2026, 9, 30)) == -1
    assert cal.working_days_between(at(2026, 11, 23), at(2026, 11, 23, 18)) == 0


def test_a_year_without_official_data_gives_a_provisional_deadline(cal):
    deadline = cal.add_working_days(at(2026, 12, 30), 3)
    assert deadline.at == end_of(2027, 1, 4)  # Monday–Friday guess: Dec 31, Jan 1, Jan 4
    assert deadline.provisional
    assert not cal.add_working_days(at(2026, 12, 28), 3).provisional  # ends Dec 31


def test_a_calendar_day_period_ending_in_a_year_without_official_data_is_provisional(cal):
    """行政处罚法第六十条's 90 days from filing on Tue 10 Nov 2026 end on Mon 8 Feb 2027, a year without an
    official schedule: whether that day is a holiday (民法典第二百零三条) is not known yet, so the limit is
    provisional, like a working-day limit over such a day, and keeps its unit to be recomputed."""
    deadline = cal.add_days(at(2026, 11, 10), 90, calendar.CALENDAR_DAYS)
    assert deadline.at == end_of(2027, 2, 8) and deadline.provisional
    assert deadline.basis() == {"start": "2026-11-10T10:00:00+08:00", "days": 90, "unit": "calendar"}
    assert not cal.add_days(at(2026, 7, 10), 90, calendar.CALENDAR_DAYS).provisional  # Thu 8 Oct 2026


def test_only_the_last_day_and_the_days_it_moves_over_decide_whether_a_calendar_day_period_is_provisional():
    """民法典第二百零三条 looks at the last day only: a period whose last day is a holiday of an official year
    and moves into a year without data is provisional; one that merely passes through such a year, its
    last day a working day of an official year, is not."""
    new_years_eve_off = calendar.WorkingCalendar({datetime(2026, 12, 31).date(): False}, {2026})
    moved = new_years_eve_off.add_calendar_days(at(2026, 12, 21), 10)  # Thu 31 Dec 2026, a day off
    assert moved.at == end_of(2027, 1, 1) and moved.provisional
    only_2027 = calendar.WorkingCalendar({}, {2027})
    through = only_2027.add_calendar_days(at(2026, 12, 1), 90)  # Mon 1 Mar 2027
    assert through.at == end_of(2027, 3, 1) and not through.provisional


def test_a_deadline_is_recomputed_in_the_unit_of_its_limit():
    """A calendar-day limit (行政处罚法第六十条) is recomputed in calendar days, its last day moved past the
    holidays the new schedule brings (民法典第二百零三条); a basis stored before units were kept counts
    working days."""
    spring_festival = calendar.WorkingCalendar({datetime(2027, 2, d).date(): False for d in range(5, 12)}, {2027})
    basis = {"start": "2026-11-10T10:00:00+08:00", "days": 90, "unit": "calendar"}
    assert spring_festival.recompute(basis).at == end_of(2027, 2, 12)  # 8 Feb falls in 5–11 Feb
    assert spring_festival.recompute({"start": "2027-02-04T10:00:00+08:00", "days": 1}).at == end_of(2027, 2, 12)
    assert spring_festival.recompute({"start": "2027-01-04T10:00:00+08:00", "days": 3}).at == end_of(2027, 1, 7)


def test_calendar_days_after_remembers_how_its_deadline_was_computed(cal, clock):
    """The script function of P11's decision limit (行政处罚法第六十条, 民法典第二百零三条) registers its deadline
    with start, days and unit, so the step that carries it is stored as provisional and can be recomputed."""
    functions = CalendarFunctions(cal, clock)
    iso = functions.calendar_days_after(90, "2026-11-10")
    assert iso == "2027-02-08T23:59:59+08:00"
    given = functions.given[iso]
    assert given.provisional and given.basis() == {"start": "2026-11-10T12:00:00+08:00", "days": 90, "unit": "calendar"}


SCHEDULE_2027 = """
# 示例：2027 年部分节假日安排（格式示范）
2027-01-01 休 元旦
2027-02-05..2027-02-11 休 春节
2027-02-13 班 春节调休上班
"""


def test_schedule_file_format():
    year, days = calendar.parse_schedule(SCHEDULE_2027)
    assert year == 2027
    assert len(days) == 1 + 7 + 1
    assert days[-1] == (datetime(2027, 2, 13).date(), True, "春节调休上班")


@pytest.mark.parametrize("text, message", [
    ("2027-01-01 放假 元旦", "第1行格式不对"),
    ("2027-02-30 休 错", "日期无效"),
    ("2027-01-01 休 元旦\n2028-01-01 休 元旦", "一个文件只能包含一个年度"),
    ("2027-01-01 休 元旦\n2027-01-01 休 元旦", "日期重复"),
    ("# 空", "没有任何日期"),
    ("2027-02-11..2027-02-05 休 春节", "颠倒"),
])
def test_bad_schedule_files_are_refused_with_the_line(text, message):
    with pytest.raises(CalendarError) as err:
        calendar.parse_schedule(text)
    assert message in err.value.message


def test_import_makes_the_year_official(session, clock):
    from engine import Liandong
    engine = Liandong(session, clock)
    engine.management.import_calendar(SCHEDULE_2027, "测试", "admin")
    cal = engine.calendar
    assert cal.is_official(datetime(2027, 6, 1).date())
    deadline = cal.add_working_days(at(2026, 12, 30), 3)
    assert deadline.at == end_of(2027, 1, 5) and not deadline.provisional


def test_provisional_deadlines_and_timers_are_recomputed_when_the_schedule_arrives(engine_scenario):
    """A matter started before the State Council publishes next year's holidays shows a provisional
    deadline; importing the schedule moves both the task's deadline and its timer."""
    s = engine_scenario
    s.at("2026-12-29 10:00")
    matter = s.start("t_two_steps", by="zhuling", data={"department": "market_bureau"})
    matter.complete("draft", by="zhuling", data={"note": "起草"})
    confirm = matter.task("confirm")
    assert confirm.due == end_of(2027, 1, 1) and confirm.due_provisional

    result = s.run(lambda e: e.management.import_calendar(SCHEDULE_2027, "测试", "admin"))
    assert (result["tasks"], result["timers"]) == (1, 1)
    confirm = matter.task("confirm")
    assert confirm.due == end_of(2027, 1, 4) and not confirm.due_provisional
    assert len(matter.events("deadline_recomputed")) == 2

    s.advance_to("2027-01-02 00:00")  # the old, provisional deadline has passed: nothing fires
    assert matter.task("confirm").state == "ready"
    s.advance_to("2027-01-05 00:00")
    assert matter.status == "completed"
    assert [t.state for t in matter.done_tasks() if t.spec_id == "confirm"] == ["deemed_received"]
