"""The engine on both backends: start, complete, refusals, and a timer across a holiday."""
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from engine.clock import SHANGHAI
from engine.errors import FormInvalid, NotCandidate, StaleTask, UnknownProcess
from engine.models import Event, HumanTask, Instance

START = {"department": "market_bureau", "subject": "测试事项"}


def test_start_assigns_first_task_to_the_lane_role(engine_scenario):
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    draft = matter.task("draft")
    assert draft.assignee == "zhuling"  # the market bureau's only liaison
    assert draft.candidates == ["zhuling"]
    assert draft.role == "liaison" and draft.department == "market_bureau"
    assert matter.status == "running"
    assert [e["kind"] for e in matter.events()] == ["started", "task_ready"]


def test_complete_by_right_user_moves_on_and_records_who(engine_scenario):
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    matter.complete("draft", by="zhuling", data={"note": "已起草"})
    confirm = matter.task("confirm")
    # 2026-09-28 is a Monday: 3 working days after it end on Thursday 2026-10-01? No: National Day.
    # Sep 29, Sep 30 are working days; Oct 1–7 are holidays; Oct 8 is the third working day.
    assert confirm.due == datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)
    assert not confirm.due_provisional
    matter.complete("confirm", by="zhuling", data={"note": "确认"})
    assert matter.status == "completed"
    completed = matter.events("task_completed")
    assert [(e["task_id"], e["actor"], e["data"]["form"]["note"]) for e in completed] == [
        ("draft", "zhuling", "已起草"), ("confirm", "zhuling", "确认")]


def test_wrong_user_is_refused_and_nothing_changes(engine_scenario):
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    draft = matter.task("draft")
    before = len(matter.events())
    with pytest.raises(NotCandidate):
        engine_scenario.run(lambda e: e.tasks.complete(draft.id, "gaoyan", {"note": "x"}, draft.revision))
    assert matter.task("draft").state == "ready"
    assert len(matter.events()) == before


def test_stale_or_repeated_completion_is_refused(engine_scenario):
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    draft = matter.task("draft")
    engine_scenario.run(lambda e: e.tasks.complete(draft.id, "zhuling", {"note": "一"}, draft.revision))
    with pytest.raises(StaleTask):  # the same form submitted twice
        engine_scenario.run(lambda e: e.tasks.complete(draft.id, "zhuling", {"note": "二"}, draft.revision))
    confirm = matter.task("confirm")
    with pytest.raises(StaleTask):  # a revision the user never saw
        engine_scenario.run(lambda e: e.tasks.complete(confirm.id, "zhuling", {"note": "x"}, confirm.revision + 5))
    assert len(matter.events("task_completed")) == 1


def test_invalid_form_is_refused_with_a_message_per_field(engine_scenario):
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    draft = matter.task("draft")
    with pytest.raises(FormInvalid) as err:
        engine_scenario.run(lambda e: e.tasks.complete(draft.id, "zhuling", {}, draft.revision))
    assert err.value.errors == {"note": "请填写“办理意见”"}
    with pytest.raises(FormInvalid) as err:
        engine_scenario.run(lambda e: e.tasks.complete(draft.id, "zhuling", {"note": "长" * 201}, draft.revision))
    assert err.value.errors["note"] == "“办理意见”不能超过200个字"
    assert matter.task("draft").revision == draft.revision


def test_unknown_process_is_refused(engine_scenario):
    with pytest.raises(UnknownProcess):
        engine_scenario.run(lambda e: e.runtime.start("no_such_process", {}, "zhuling"))
    assert engine_scenario.run(lambda e: e.db.scalar(select(func.count()).select_from(Instance))) == 0


def test_timer_fires_at_the_exact_working_day_deadline_across_national_day(engine_scenario):
    """Pushed Monday 2026-09-28: the third working day after it is 2026-10-08 (Oct 1–7 off)."""
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    matter.complete("draft", by="zhuling", data={"note": "已起草"})
    engine_scenario.advance_to("2026-10-08 23:59:59")
    assert matter.task("confirm").state == "ready"  # not a second early
    engine_scenario.advance_to("2026-10-09 00:00:00")
    assert matter.status == "completed"
    [done] = [t for t in matter.done_tasks() if t.spec_id == "confirm"]
    assert done.state == "deemed_received"
    [fired] = matter.events("timer_fired")
    assert fired["data"]["outcome"] == "deemed_received"
    assert [e["data"]["department"] for e in matter.events("deemed_received")] == ["market_bureau"]
    assert engine_scenario.advance_to("2026-10-20 00:00") == 0  # fired once, never again


def test_state_survives_reload_between_steps(engine_scenario):
    """Every action runs in its own transaction: the matter is reloaded from storage each time."""
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    matter.complete("draft", by="zhuling", data={"note": "已起草"})
    assert matter.data["note"] == "已起草"
    assert matter.data["department"] == "market_bureau"
    revision = engine_scenario.run(lambda e: e.runtime.instance(matter.id).revision)
    assert revision == 2


def test_event_log_is_hash_chained(engine_scenario):
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    matter.complete("draft", by="zhuling", data={"note": "已起草"})
    assert engine_scenario.run(lambda e: e.history.verify()) == []

    def tamper(e):
        if e.db.get_bind().dialect.name == "postgresql":  # the append-only trigger (migration 0006) is in the way
            e.db.execute(text("ALTER TABLE event DISABLE TRIGGER event_append_only"))
        row = e.db.scalars(select(Event).where(Event.kind == "task_completed")).first()
        row.data = {"form": {"note": "篡改"}}
    engine_scenario.run(tamper)
    problems = engine_scenario.run(lambda e: e.history.verify())
    assert problems and "被修改" in problems[0]


def test_each_matter_has_its_own_chain_and_a_cut_off_end_shows(engine_scenario):
    first = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    second = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    first.complete("draft", by="zhuling", data={"note": "已起草"})

    def chain_of(matter_id):
        return engine_scenario.run(lambda e: [(ev.prev_hash, ev.hash) for ev in e.history.events(matter_id)])
    for matter in (first, second):
        links = chain_of(matter.id)
        assert links[0][0] == "" and all(prev == links[k][1] for k, (prev, _) in enumerate(links[1:]))

    def cut_the_end(e):
        if e.db.get_bind().dialect.name == "postgresql":
            e.db.execute(text("ALTER TABLE event DISABLE TRIGGER event_append_only"))
        last = e.db.scalars(select(Event).where(Event.instance_id == first.id).order_by(Event.id.desc())).first()
        e.db.delete(last)
    engine_scenario.run(cut_the_end)
    assert engine_scenario.run(lambda e: e.history.verify()) == [f"事项 {first.id}：事件链末端与事项记录不符（末尾记录被删除）"]


@pytest.mark.parametrize("saved", [False, True], ids=["entry rolled back", "saved step rolled back"])
def test_an_entry_rolled_back_with_its_savepoint_leaves_the_chain_whole(engine_scenario, saved):
    """The matter's head waits in the session until the step saves (one update of the row). An entry
    whose savepoint was rolled back — also after the step in it saved, setting the row's head, as the
    timer sweep's steps run — is not linked to, and the row ends on the last entry kept."""
    from engine.history import settle_head

    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)

    def log_around_a_failed_savepoint(e):
        kept = e.history.record("reminded", matter.id, "zhuling", data={"to": ["zhuling"]})
        try:
            with e.db.begin_nested():
                e.history.record("reminded", matter.id, "zhuling", data={"to": ["lisi"]})
                if saved:
                    settle_head(e.db, e.runtime.instance(matter.id))
                    e.db.flush()
                raise RuntimeError("the step in the savepoint fails")
        except RuntimeError:
            pass
        last = e.history.record("reminded", matter.id, "zhuling", data={"to": ["wangwu"]})
        return kept.hash, last.prev_hash, last.hash
    kept, linked_to, last = engine_scenario.run(log_around_a_failed_savepoint)
    assert linked_to == kept
    assert engine_scenario.run(lambda e: e.runtime.instance(matter.id).event_head) == last
    assert engine_scenario.run(lambda e: e.history.verify()) == []
    reminded = engine_scenario.run(lambda e: [ev.data["to"] for ev in e.history.events(matter.id, "reminded")])
    assert reminded == [["zhuling"], ["wangwu"]]


def test_task_rows_are_queryable_without_loading_workflows(engine_scenario):
    engine_scenario.start("t_two_steps", by="zhuling", data=START)
    rows = engine_scenario.run(lambda e: [(t.spec_id, i.subject) for t, i in e.tasks.inbox("zhuling")])
    assert rows == [("draft", "测试事项")]
    assert engine_scenario.run(lambda e: e.db.scalar(select(func.count()).select_from(HumanTask))) == 1


def test_only_the_start_lanes_role_in_its_department_may_start(engine_scenario):
    with pytest.raises(NotCandidate) as err:
        engine_scenario.run(lambda e: e.runtime.start("t_two_steps", {"department": "emergency_bureau"}, "zhuling"))
    assert err.value.message == "只有市应急管理局的联络人可以发起该事项"
    assert engine_scenario.run(lambda e: e.db.scalar(select(func.count()).select_from(Instance))) == 0


def test_a_failure_after_the_engine_step_leaves_the_matter_as_it_was(engine_scenario, monkeypatch):
    """An exception after the engine has moved but before commit: storage, rows and the next load all
    show the matter before the step (the cached workflow of the failed step is never reused)."""
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    matter.complete("draft", by="zhuling", data={"note": "起草"})
    confirm = matter.task("confirm")
    from engine.runtime import Runtime
    real_save = Runtime.save

    def crash_after_saving(self, instance, workflow):
        real_save(self, instance, workflow)
        raise RuntimeError("power cut before commit")
    monkeypatch.setattr(Runtime, "save", crash_after_saving)
    with pytest.raises(RuntimeError):
        engine_scenario.run(lambda e: e.tasks.complete(confirm.id, "zhuling", {"note": "确认"}, confirm.revision))
    monkeypatch.setattr(Runtime, "save", real_save)
    assert matter.status == "running"
    assert matter.task("confirm").revision == confirm.revision
    assert len(matter.events("task_completed")) == 1
    matter.complete("confirm", by="zhuling", data={"note": "确认"})
    assert matter.status == "completed"
    assert matter.data["note"] == "确认"


def test_messages_sent_by_a_matter_are_in_the_event_log(engine_scenario):
    matter = engine_scenario.start("t_message_notice", by="zhuling", data={})
    assert matter.status == "completed"
    [message] = matter.events("message")
    assert (message["task_id"], message["name"], message["data"]) == (
        "send_notice", "发出平台消息", {"direction": "sent", "message": "notice_sent"})


def test_a_steps_database_work_does_not_grow_with_the_matter(engine_scenario):
    """The storage design in one line: the 40th step of a matter issues exactly the statements the 1st
    did (only open rows are read, the state is one row), and no more than twelve (were eighteen; the
    matter row is updated once, at commit)."""
    from sqlalchemy import event

    from bench.linear import FORM, linear_bpmn

    pid, xml = linear_bpmn(40)
    engine_scenario.run(lambda e: e.repository.deploy([("bench_step.json", FORM.encode()), ("linear.bpmn", xml.encode())]))
    matter = engine_scenario.start(pid, by="zhuling", data={"department": "market_bureau"})
    bind = engine_scenario.session_factory.kw["bind"]
    engine_scenario.check_stalls = False  # count the step's own statements, not the test's check after it
    counted = {"on": False, "n": 0}

    def count(*_):
        counted["n"] += counted["on"]
    event.listen(bind, "before_cursor_execute", count)
    try:
        per_step = []
        for k in range(40):
            task = matter.task(f"step_{k}")
            counted.update(on=True, n=0)
            engine_scenario.run(lambda e, task=task: e.tasks.complete(task.id, "zhuling", {"note": "ok"}, task.revision))
            counted["on"] = False
            per_step.append(counted["n"])
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert matter.status == "completed"
    assert per_step[1] == per_step[20] == per_step[38], per_step
    assert per_step[1] <= 12, per_step


def test_starting_or_showing_a_matter_reads_no_form_file(tmp_path, processes_template):
    """A matter is bound to its forms and decision tables by id and content hash (its bundle): starting
    a P11 case (32 forms) or showing its task page reads the parsed, cached files, not their rows."""
    import re
    import shutil

    from sqlalchemy import event

    from engine import db
    from engine.clock import FrozenClock
    from engine.directory import DEMO_PASSWORD
    from tests.scenario import Scenario
    from tests.test_p11_penalty_case import file_and_investigate, start
    from web import create_app

    shutil.copy(processes_template, tmp_path / "p11.sqlite3")
    url = f"sqlite:///{tmp_path / 'p11.sqlite3'}"
    eng, clock = db.make_engine(url), FrozenClock("2026-07-03 10:00")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "CLOCK": clock})
    s = Scenario(db.session_factory(eng), clock)
    rows_read: list[str] = []

    def count(_conn, _cursor, statement, *_):
        if "definition.content," in statement:  # a whole definition row, file included
            rows_read.append(statement)
    try:
        start(s)  # the parsed files are cached from here on
        event.listen(eng, "before_cursor_execute", count)
        matter = start(s)
        assert len(rows_read) <= 8, len(rows_read)  # its processes' own rows (P11 calls P2, which calls P5)
        event.remove(eng, "before_cursor_execute", count)
        file_and_investigate(s, matter, returned_at="2026-07-03T09:30:00+08:00")
        client = app.test_client()
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"person_id": "luoyi", "password": DEMO_PASSWORD, "csrf_token": token})
        task = matter.task("notify_proposed_penalty")
        client.get(f"/tasks/{task.id}")
        web_engine, rows_read[:] = app.extensions["liandong_engine"], []
        event.listen(web_engine, "before_cursor_execute", count)
        page = client.get(f"/tasks/{task.id}")
        assert page.status_code == 200 and "作出处罚决定期限（立案之日起90日）" in page.get_data(as_text=True)
        assert rows_read == []
    finally:
        app.extensions["liandong_engine"].dispose()
        eng.dispose()
