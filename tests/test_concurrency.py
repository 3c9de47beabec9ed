"""Races that real deployments have: two timer workers, two people completing the same task.
Run on PostgreSQL (row locks, SKIP LOCKED) and on SQLite (one writer at a time)."""
import threading

from engine.errors import StaleTask

START = {"department": "market_bureau"}


def _in_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        barrier.wait()
        try:
            results.append(target(i))
        except Exception as err:  # collected and asserted on below
            errors.append(err)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_two_timer_workers_fire_each_timer_exactly_once(engine_scenario):
    s = engine_scenario
    matters = []
    for _ in range(12):
        m = s.start("t_two_steps", by="zhuling", data=START)
        m.complete("draft", by="zhuling", data={"note": "起草"})
        matters.append(m)
    s.at("2026-10-09 00:00:01")

    def worker(_):
        moved = 0
        while True:
            n = s.run(lambda e: e.management.fire_due_timers(limit=3))
            moved += n
            if n == 0:
                return moved
    results, errors = _in_threads(2, worker)
    assert errors == []
    assert sum(results) == 12
    for m in matters:
        assert m.status == "completed"
        assert len(m.events("timer_fired")) == 1
        assert len(m.events("deemed_received")) == 1


def test_two_people_complete_the_same_task_at_once_one_wins(engine_scenario):
    s = engine_scenario
    m = s.start("t_two_steps", by="zhuling", data=START)
    draft = m.task("draft")
    results, errors = _in_threads(2, lambda i: s.run(
        lambda e: e.tasks.complete(draft.id, "zhuling", {"note": f"第{i}份"}, draft.revision)))
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], StaleTask)
    assert len(m.events("task_completed")) == 1
    assert m.task("confirm").state == "ready"


def test_two_timer_workers_record_each_warning_light_and_timeout_action_once(engine_scenario):
    """Both workers find the same overdue tasks; each matter is handled under its row lock and re-read
    there, so every overdue step turns red once and is escalated to the section head once."""
    from engine import worker

    s = engine_scenario
    matters = [s.start("t_two_steps", by="zhuling", data=START) for _ in range(8)]
    s.at("2026-10-20 09:00")  # long past every draft's deadline
    results, errors = _in_threads(2, lambda _: worker.run_due(s.session_factory, s.clock, batch=3))
    assert errors == []
    assert sum(swept for _, swept in results) == 16  # 8 red lights + 8 escalations, between the two
    for m in matters:
        assert len(m.events("light_red")) == 1
        assert len(m.events("overdue_escalated")) == 1
    assert worker.run_due(s.session_factory, s.clock) == (0, 0)  # nothing left for the next round
