"""A matter continues across every process boundary: each CLI call, web worker and timer worker is its
own process, and a restart empties the caches. Each BPMN construct the validator accepts is driven warm
(one process) and cold (every action as in a fresh process: no parsed definition, no cached workflow),
and after every action each unfinished matter has something to wait on (tests/scenario.py)."""
from pathlib import Path
from datetime import timezone

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import storage, tree_depth
from engine.clock import FrozenClock
from engine.errors import DeploymentError
from engine.models import Instance, Timer
from tests.scenario import Scenario

DEPARTMENTS = {"department": "market_bureau", "subject": "跨进程测试",
               "departments": ["market_bureau", "emergency_bureau"]}
LIAISON = {"market_bureau": "zhuling", "emergency_bureau": "gaoyan"}
NOTE = {"note": "已阅"}


def timers(s: Scenario, matter) -> list[tuple[str, str]]:
    return s.run(lambda e: [(t.spec_id, t.status) for t in e.db.execute(
        select(Timer).where(Timer.instance_id == matter.id).order_by(Timer.id)).scalars()])


@pytest.mark.parametrize("process", ["t_mi_parallel", "t_mi_sequential"])
def test_each_department_answers_its_own_instance_and_the_matter_ends(matters, process):
    m = matters.start(process, by="zhuling", data=DEPARTMENTS)
    for department in ("market_bureau", "emergency_bureau"):
        m.complete("work", by=LIAISON[department], department=department, data={"note": f"{department} 已办"})
    assert m.status == "completed"
    assert m.data["notes"] == ["market_bureau 已办", "emergency_bureau 已办"]


def test_a_loop_runs_as_many_rounds_as_the_answers_ask(matters):
    m = matters.start("t_loop", by="zhuling", data=DEPARTMENTS)
    for note in ("第一轮", "第二轮"):
        m.complete("work", by="zhuling", data={"note": note})
        assert m.task("work").assignee == "zhuling"
    m.complete("work", by="zhuling", data={"note": "完成"})
    assert m.status == "completed"
    assert len([t for t in m.done_tasks() if t.spec_id == "work"]) == 3


def test_a_called_process_returns_to_its_caller(matters):
    m = matters.start("t_call", by="zhuling", data=DEPARTMENTS)
    m.complete("work", by="zhuling", data=NOTE)  # the called process's only task
    assert m.status == "completed"


def test_an_intermediate_timer_waits_one_working_day(matters):
    m = matters.start("t_intermediate_timer", by="zhuling", data=DEPARTMENTS)
    m.complete("first", by="zhuling", data=NOTE)
    assert m.open_tasks() == [] and m.status == "waiting"
    assert timers(matters, m) == [("wait", "waiting")]
    assert matters.advance_to("2026-09-29 23:00") == 0  # Tue 29 Sep is the working day counted
    assert matters.advance_to("2026-09-30 00:01") == 1
    m.complete("second", by="zhuling", data=NOTE)
    assert m.status == "completed"


def test_an_event_based_gateway_takes_the_reply_when_it_comes_first(matters):
    m = matters.start("t_event_gateway", by="zhuling", data=DEPARTMENTS)
    assert timers(matters, m) == [("wait_for", "waiting")]  # the gateway's timer has a row to fire
    m.complete("send_reply", by="zhuling", data=NOTE)
    m.complete("read_reply", by="zhuling", data=NOTE)
    assert m.status == "completed"
    assert timers(matters, m) == [("wait_for", "cancelled")]
    assert [e["data"]["direction"] for e in m.events("message")] == ["sent", "received"]


def test_an_event_based_gateway_takes_the_timer_when_no_reply_comes(matters):
    m = matters.start("t_event_gateway", by="zhuling", data=DEPARTMENTS)
    assert matters.advance_to("2026-09-30 09:00") == 1
    assert timers(matters, m) == [("wait_for", "fired")]
    m.complete("chase", by="zhuling", data=NOTE)
    m.complete("send_reply", by="zhuling", data=NOTE)
    assert m.status == "completed"


def test_a_signal_starts_the_event_subprocess_and_both_finish(matters):
    m = matters.start("t_event_subprocess", by="zhuling", data=DEPARTMENTS)
    m.complete("main_work", by="zhuling", data={"note": "提示"})
    assert sorted(t.spec_id for t in m.open_tasks()) == ["after_flag", "handle_flag"]
    m.complete("handle_flag", by="zhuling", data=NOTE)
    m.complete("after_flag", by="zhuling", data=NOTE)
    assert m.status == "completed"


def test_an_event_subprocess_another_matter_started_does_not_start_in_the_next(matters):
    """SpiffWorkflow connects an event sub-process to the start when its event first arrives; the stock
    start task would then start it in every later matter, whose end would wait for it for ever."""
    first = matters.start("t_event_subprocess", by="zhuling", data=DEPARTMENTS)
    first.complete("main_work", by="zhuling", data={"note": "提示"})
    second = matters.start("t_event_subprocess", by="zhuling", data=DEPARTMENTS)
    second.complete("main_work", by="zhuling", data={"note": "无需提示"})
    assert [t.spec_id for t in second.open_tasks()] == ["after_flag"]
    second.complete("after_flag", by="zhuling", data=NOTE)
    assert second.status == "completed"


def test_a_repeating_reminder_fires_each_cycle_then_stops(matters):
    m = matters.start("t_cycle_timer", by="zhuling", data=DEPARTMENTS)
    assert timers(matters, m) == [("remind", "waiting")]
    for hour in ("2026-09-28 21:01", "2026-09-29 09:01", "2026-09-29 21:01"):
        assert matters.advance_to(hour) == 1
    assert matters.advance_to("2026-09-30 21:01") == 0  # three times, then no more
    assert len(m.events("timer_fired")) == 3
    m.complete("work", by="zhuling", data=NOTE)
    assert m.status == "completed"


def test_a_date_without_an_offset_is_beijing_time_on_a_utc_host(matters, monkeypatch):
    """A date-only or naive form value is read as Asia/Shanghai by the rows and the engine alike;
    SpiffWorkflow alone reads it in the server's zone (here made UTC whatever the machine is)."""
    monkeypatch.setattr(spiff_timer, "LOCALTZ", timezone.utc)
    m = matters.start("t_date_timer", by="zhuling", data={**DEPARTMENTS, "remind_at": "2026-09-29T09:00:00"})
    assert matters.advance_to("2026-09-29 08:59") == 0
    assert matters.advance_to("2026-09-29 09:01") == 1  # 09:00 Beijing, not 09:00 UTC (17:00 Beijing)
    assert m.task("follow_up").assignee == "zhuling"


def test_a_wait_of_a_given_length_ends_when_it_has_passed(matters):
    m = matters.start("t_duration_timer", by="zhuling", data={**DEPARTMENTS, "wait_length": "PT2H"})
    assert matters.advance_to("2026-09-28 10:59") == 0
    assert matters.advance_to("2026-09-28 11:01") == 1
    assert m.task("follow_up").assignee == "zhuling"


@pytest.mark.parametrize("process, field, value, message", [
    ("t_duration_timer", "wait_length", "P999999999Y", "超过上限"),  # SpiffWorkflow counts it out month by month
    ("t_duration_timer", "wait_length", "三天", "无法识别"),
    ("t_date_timer", "remind_at", "下周一", "无法识别"),
    ("t_date_timer", "remind_at", 20261201, "ISO 8601"),
])
def test_a_timer_value_that_would_hang_or_mean_nothing_stops_with_a_clear_error(matters, process, field, value,
                                                                                message):
    from engine.errors import ScriptError

    with pytest.raises(ScriptError) as refused:
        matters.start(process, by="zhuling", data={**DEPARTMENTS, field: value})
    assert message in refused.value.message
    assert matters.run(lambda e: e.db.execute(select(Instance)).scalars().all()) == []  # nothing stored


@pytest.mark.parametrize("value, message", [
    ("R/2026-09-28T09:00:00+08:00/PT0S", "过短"),  # a zero-length cycle fires without end
    ("R5/PT10S", "过短"),
    ("R3/P99999Y", "超过上限"),
    ("R-1/PT1H", "无法识别"),
])
def test_cycle_values_are_bounded(value, message):
    from engine import timers as engine_timers

    with pytest.raises(engine_timers.TimerValueError, match=message):
        engine_timers.cycle(value, FrozenClock().now())


def test_data_named_like_the_serializers_types_is_kept_as_data(matters):
    tricky = {"typename": "BpmnEvent", "typename~": 1, "nested": [{"typename": "datetime", "value": "x"}]}
    m = matters.start("t_two_steps", by="zhuling", data={**DEPARTMENTS, "payload": tricky})
    m.complete("draft", by="zhuling", data=NOTE)
    assert m.data["payload"] == tricky
    assert m.task("confirm").assignee == "zhuling"


def test_a_loop_through_a_gateway_goes_on_past_five_hundred_rounds(matters):
    """SpiffWorkflow walks 1 000 levels of a task tree and each round adds two: the engine walks it all.
    Driven in memory on the deployed definition (500 stored steps would take minutes)."""
    assert tree_depth.MAX_DEPTH > tree_depth.LIBRARY_LIMIT

    def rounds(e):
        spec, subprocess_specs = e.repository.specs(e.repository.bundle("t_gateway_loop"))
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.script_engine = e.script_engine(None)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(DEPARTMENTS)
        workflow.do_engine_steps()
        for _ in range(520):
            [step] = workflow.get_tasks(state=TaskState.READY, manual=True)
            step.data["note"] = "再来"
            step.run()
            workflow.do_engine_steps()
        restored = storage.load(storage.dump(workflow), spec, subprocess_specs)
        return [t.task_spec.name for t in restored.get_tasks(state=TaskState.READY, manual=True)]

    assert matters.run(rounds) == ["attempt"]


def test_a_plain_task_is_refused_with_what_to_set(matters):
    xml = (Path(__file__).parent / "data" / "t_intermediate_timer.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('<bpmn:userTask id="second" name="第二步">', '<bpmn:task id="second" name="第二步">')
    xml = xml.replace("</bpmn:userTask>\n    <bpmn:endEvent", "</bpmn:task>\n    <bpmn:endEvent")
    assert "<bpmn:task id" in xml
    with pytest.raises(DeploymentError) as refused:
        matters.run(lambda e: e.repository.deploy([("t_intermediate_timer.bpmn", xml.encode())]))
    [problem] = [p for p in refused.value.problems if p.get("element") == "second"]
    assert "userTask" in problem["reason"] and problem["line"]


def test_a_lost_timer_row_is_found_and_put_back_by_the_timer_worker(matters):
    m = matters.start("t_intermediate_timer", by="zhuling", data=DEPARTMENTS)
    m.complete("first", by="zhuling", data=NOTE)
    with matters.session_factory() as session, session.begin():  # lost, as a hand edit could lose it
        session.execute(Timer.__table__.delete().where(Timer.instance_id == m.id))
    matters.check_stalls = False
    assert matters.advance_to("2026-09-28 10:00") == 0  # the round's stall sweep syncs the rows again
    assert timers(matters, m) == [("wait", "waiting")]
    matters.check_stalls = True
    assert matters.advance_to("2026-09-30 00:01") == 1
    m.complete("second", by="zhuling", data=NOTE)
    assert m.status == "completed"


def test_a_matter_that_can_never_go_on_is_marked_stalled_and_retry_says_why(matters):
    matters.check_stalls = False  # this matter stalls on purpose
    m = matters.start("t_signal_wait", by="zhuling", data=DEPARTMENTS)
    assert m.status == "waiting"
    matters.advance_to("2026-09-28 10:00")
    assert m.status == "stalled"
    [event] = m.events("stalled")
    assert "没有可办理的任务、等待中的定时器或消息" in event["data"]["problems"][0]
    from engine.errors import InvalidState
    with pytest.raises(InvalidState, match="仍无法继续"):
        matters.run(lambda e: e.management.retry(m.id, "admin"))
    assert m.status == "stalled"  # the refused repair changed nothing


def test_matters_stuck_by_the_previous_version_are_moved_on_by_the_upgrade(matters, monkeypatch):
    """Before this version a multi-instance child finished in another process was never merged: every
    receipt done, the matter waiting with nothing to wait on. The timer worker merges it and logs it."""
    from engine import empty_caches, spec_links

    matters.check_stalls = False
    monkeypatch.setattr(spec_links, "connect", lambda *_specs: None)  # the previous version's parse
    empty_caches()
    m = matters.start("t_mi_parallel", by="zhuling", data=DEPARTMENTS)
    for department in ("market_bureau", "emergency_bureau"):
        empty_caches()  # each in its own process
        m.complete("work", by=LIAISON[department], department=department, data=NOTE)
    assert m.status == "waiting" and m.open_tasks() == []
    monkeypatch.undo()
    empty_caches()
    matters.advance_to("2026-09-28 10:00")  # this version's timer worker (`liandong init` runs it too)
    assert m.status == "completed"
    assert m.events("repaired")[0]["data"]["merged"] == ["各部门办理"]


@pytest.mark.parametrize("value, message", [
    ("'R/2000-01-01T00:00:00Z/PT0S'", "过短"),
    ("'R3/P999999999Y'", "超过上限"),
    ("'每天'", "无法识别"),
])
def test_a_constant_timer_value_is_checked_when_the_diagram_is_deployed(matters, value, message):
    xml = (Path(__file__).parent / "data" / "t_cycle_timer.bpmn").read_text(encoding="utf-8")
    xml = xml.replace("'R3/PT12H'", value)
    with pytest.raises(DeploymentError) as refused:
        matters.run(lambda e: e.repository.deploy([("t_cycle_timer.bpmn", xml.encode())]))
    [problem] = refused.value.problems
    assert message in problem["reason"] and problem["element"] == "remind" and problem["line"]
