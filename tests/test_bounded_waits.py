"""Nothing waits without a bound: a matter whose step hangs is set aside by the timer worker without
holding the rest of its batch, a timer the engine will not fire cannot keep a worker's round going,
and a request waits a bounded time for a matter someone else holds."""
import threading

from sqlalchemy import select, text, update

from engine import Liandong, db, worker
from engine.clock import parse_local
from engine.errors import Busy
from engine.models import Instance, Timer
from engine.runtime import Runtime

pytest_plugins = ["tests.web_fixtures"]
START = {"department": "market_bureau", "subject": "有界等待"}


def waiting_on_timer(s):
    m = s.start("t_intermediate_timer", by="zhuling", data=START)
    m.complete("first", by="zhuling", data={"note": "已阅"})
    return m


def test_a_step_that_never_ends_is_set_aside_and_the_rest_of_its_batch_fires(engine_scenario, monkeypatch):
    s = engine_scenario
    hanging, other = waiting_on_timer(s), waiting_on_timer(s)
    real_advance = Runtime.advance

    def advance(self, instance, workflow, actor, open_rows=None):
        while instance.id == hanging.id:  # a hang inside the engine, as a library bug could cause
            pass
        return real_advance(self, instance, workflow, actor, open_rows)

    monkeypatch.setattr(Runtime, "advance", advance)
    s.clock.set("2026-09-30 09:00")
    fired, _ = worker.run_due(s.session_factory, s.clock, budget=0.3)
    assert fired == 1
    assert other.task("second").assignee == "zhuling"
    assert hanging.status == "error"
    [event] = hanging.events("error")
    assert "超过 0.3 秒" in event["data"]["message"]


def test_a_due_timer_the_engine_does_not_fire_ends_the_round_and_is_reported(engine_scenario):
    """The rows and the engine once disagreed on a timer's zone; a round then never ended. Whatever the
    cause, a timer still due after its step sets its matter aside instead of being picked again."""
    s = engine_scenario
    m = waiting_on_timer(s)  # due at the end of Tue 29 Sep
    s.run(lambda e: e.db.execute(update(Timer).where(Timer.instance_id == m.id)
                                 .values(due_at=parse_local("2026-09-28 08:00"))))
    s.check_stalls = False
    s.clock.set("2026-09-28 10:00")
    worker.run_due(s.session_factory, s.clock)
    assert m.status == "error"
    assert "到期的定时器未能触发：等待一个工作日" in m.events("error")[0]["data"]["message"]


def test_a_step_waits_a_bounded_time_for_a_matter_someone_else_holds(database_url, clock):
    setup = db.make_engine(database_url)
    factory = db.session_factory(setup)
    with factory() as session, session.begin():
        engine = Liandong(session, clock)
        matter = engine.runtime.start("t_two_steps", START, "zhuling")
        draft = engine.tasks.of_instance(matter.id, open_only=True)[0]
        task_id, revision, matter_id = draft.id, draft.revision, matter.id
    holder = factory()
    holder.begin()
    if setup.dialect.name == "sqlite":
        holder.execute(text("UPDATE instance SET revision = revision WHERE id = :id"), {"id": matter_id})
    else:
        holder.execute(select(Instance).where(Instance.id == matter_id).with_for_update())
    impatient = db.make_engine(database_url, lock_timeout=0.5)
    try:
        result = {}

        def complete():
            try:
                with db.session_factory(impatient)() as session, session.begin():
                    Liandong(session, clock).tasks.complete(task_id, "zhuling", {"note": "好"}, revision)
            except Exception as err:  # asserted below
                result["error"] = err
        worker_thread = threading.Thread(target=complete)
        worker_thread.start()
        worker_thread.join(20)
        assert not worker_thread.is_alive(), "the step waited without bound"
        assert isinstance(result["error"], Busy)  # PostgreSQL's lock_timeout, SQLite's busy timeout
        assert result["error"].message == "事项正在被他人办理，请稍后重试"
    finally:
        holder.rollback()
        holder.close()
        impatient.dispose()
    with factory() as session, session.begin():  # nothing of the refused step was kept
        assert Liandong(session, clock).tasks.get(task_id).state == "ready"
    setup.dispose()


def test_the_page_says_the_matter_is_being_handled_when_it_stays_locked(tmp_path, web_template, clock):
    import shutil

    from web import create_app

    target = tmp_path / "busy.sqlite3"
    shutil.copy(web_template, target)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "s", "CLOCK": clock,
                      "LOCK_TIMEOUT": 0.3})
    from tests.web_fixtures import WebUser

    zhuling = WebUser(app, "zhuling")
    blocker = db.make_engine(f"sqlite:///{target}")
    with blocker.connect() as conn:
        held = conn.begin()  # BEGIN IMMEDIATE: SQLite's one write lock, held by another worker's step
        conn.exec_driver_sql("UPDATE instance SET revision = revision")
        response = zhuling.get("/")
        held.rollback()
    blocker.dispose()
    app.extensions["liandong_engine"].dispose()
    assert response.status_code == 503
    assert "事项正在被他人办理，请稍后重试" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
