"""Reliability with real operating-system processes on PostgreSQL: races between workers, a worker
killed with SIGKILL in the middle of a transaction, timers fired exactly once by several timer
workers, and the append-only, tamper-evident event log. Every subprocess is bounded in time."""
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select as sql_select, text
from sqlalchemy.exc import DBAPIError

from engine import db
from engine.clock import FrozenClock
from engine.models import Event, HumanTask, Instance
from engine.runtime import find_task
from tests.conftest import pg_copy
from tests.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
START = {"department": "market_bureau"}
TIMERS_DUE = "2026-10-09 00:00:01"  # after the confirm step's 3 working days


@pytest.fixture
def pg_url(pg_template):
    admin, name, url = pg_copy(pg_template)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg(pg_url):
    eng = db.make_engine(pg_url)
    yield Scenario(db.session_factory(eng), FrozenClock("2026-09-28 09:00"))
    eng.dispose()


# --- driving worker processes ----------------------------------------------------------------
def spawn(url: str, **spec) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.reliability_worker", json.dumps({"url": url, **spec})],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def results(proc: subprocess.Popen, timeout: float = 40) -> list[dict]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("worker process did not finish in time") from None
    assert proc.returncode == 0, err[-3000:]
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def wait_inside(proc: subprocess.Popen, timeout: float = 30) -> list[dict]:
    """Lines up to the worker's {"inside": …}: it now holds an open transaction."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(json.loads(line))
            if "inside" in seen[-1]:
                return seen
    proc.kill()
    raise AssertionError(f"worker never reached the held transaction: {seen} {proc.stderr.read()[-2000:]}")


def kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    proc.stderr.close()


# --- arranging and checking storage ----------------------------------------------------------
def start_matters(s: Scenario, n: int) -> list[int]:
    return s.run(lambda e: [e.runtime.start("t_two_steps", dict(START), "zhuling").id for _ in range(n)])


def open_drafts(s: Scenario, instance_ids: list[int]) -> list[int]:
    return s.run(lambda e: list(e.db.execute(sql_select(HumanTask.id).where(
        HumanTask.instance_id.in_(instance_ids), HumanTask.spec_id == "draft", HumanTask.state == "ready")
        .order_by(HumanTask.id)).scalars()))


def revisions(s: Scenario, instance_ids: list[int]) -> dict[int, int]:
    return s.run(lambda e: dict(e.db.execute(
        sql_select(Instance.id, Instance.revision).where(Instance.id.in_(instance_ids))).all()))


def step_states(s: Scenario, instance_ids: list[int], before: dict[int, int]) -> dict[int, str]:
    """For each matter, 'before' or 'after' its draft step, asserting that the task rows, the instance
    revision, the stored workflow state and the event log all say the same."""
    def check(e):
        found = {}
        for instance_id in instance_ids:
            instance = e.runtime.instance(instance_id)
            rows = e.tasks.of_instance(instance_id)
            draft = next(r for r in rows if r.spec_id == "draft")
            confirms = [r for r in rows if r.spec_id == "confirm"]
            completions = [ev for ev in e.history.events(instance_id, "task_completed") if ev.task_id == draft.id]
            workflow = e.runtime.load(instance)
            engine_draft = find_task(workflow, draft.guid)
            facts = (draft.state, len(confirms), len(completions), instance.revision - before[instance_id],
                     engine_draft.state)
            if facts == ("ready", 0, 0, 0, TaskState.READY):
                found[instance_id] = "before"
            elif facts == ("completed", 1, 1, 1, TaskState.COMPLETED) and confirms[0].state == "ready" \
                    and find_task(workflow, confirms[0].guid).state == TaskState.READY:
                found[instance_id] = "after"
            else:
                raise AssertionError(f"matter {instance_id} is half-way: {facts}")
        return found
    return s.run(check)


def chain_intact(s: Scenario) -> None:
    assert s.run(lambda e: e.history.verify()) == []


# --- 1. concurrency between processes ---------------------------------------------------------
def test_two_processes_complete_the_same_task_exactly_one_wins(pg, pg_url):
    [matter] = start_matters(pg, 1)
    [draft] = open_drafts(pg, [matter])
    at = time.time() + 1.5  # both processes are up and connected by then
    workers = [spawn(pg_url, command="complete", tasks=[draft], user="zhuling", revision=0, start_at=at)
               for _ in range(2)]
    outcome = sorted((r["ok"], r.get("error")) for w in workers for r in results(w))
    assert outcome == [(False, "StaleTask"), (True, None)]
    assert len(pg.matter(matter).events("task_completed")) == 1
    assert pg.matter(matter).task("confirm").state == "ready"
    chain_intact(pg)


def test_200_completions_from_4_processes_none_lost_none_duplicated(pg, pg_url):
    matters = start_matters(pg, 200)
    drafts = open_drafts(pg, matters)
    before = revisions(pg, matters)
    at = time.time() + 1.5
    workers = [spawn(pg_url, command="complete", tasks=drafts[i::4], user="zhuling", fresh=True, start_at=at)
               for i in range(4)]
    done = [r for w in workers for r in results(w, timeout=240)]  # bounded; a loaded CI machine is slow
    assert len(done) == 200 and all(r["ok"] for r in done), [r for r in done if not r["ok"]][:3]

    def counts(e):
        completed = e.db.scalar(sql_select(func.count()).select_from(Event).where(
            Event.kind == "task_completed", Event.instance_id.in_(matters)))
        distinct = e.db.scalar(sql_select(func.count(func.distinct(Event.task_id))).where(
            Event.kind == "task_completed", Event.instance_id.in_(matters)))
        rows = dict(e.db.execute(sql_select(HumanTask.spec_id, func.count()).where(
            HumanTask.instance_id.in_(matters)).group_by(HumanTask.spec_id)).all())
        return completed, distinct, rows
    assert pg.run(counts) == (200, 200, {"draft": 200, "confirm": 200})
    assert set(step_states(pg, matters, before).values()) == {"after"}
    chain_intact(pg)


# --- 2. crash safety --------------------------------------------------------------------------
def test_sigkill_in_the_middle_of_a_batch_leaves_every_matter_before_or_after_its_step(pg, pg_url):
    matters = start_matters(pg, 12)
    drafts = open_drafts(pg, matters)
    before = revisions(pg, matters)
    worker = spawn(pg_url, command="complete", tasks=drafts, user="zhuling", fresh=True, hold_at=5)
    committed = [r for r in wait_inside(worker) if "task" in r]
    kill(worker)  # inside the transaction of the 6th completion, after the engine ran
    assert len(committed) == 5

    states = step_states(pg, matters, before)
    assert sorted(states.values()).count("after") == 5  # the held one rolled back with the connection
    chain_intact(pg)

    # Restart: the rest are completed; nothing is done twice.
    rest = open_drafts(pg, matters)
    assert len(rest) == 7
    assert all(r["ok"] for r in results(spawn(pg_url, command="complete", tasks=rest, user="zhuling", fresh=True)))
    assert set(step_states(pg, matters, before).values()) == {"after"}
    assert pg.run(lambda e: e.db.scalar(sql_select(func.count()).select_from(Event).where(
        Event.kind == "task_completed", Event.instance_id.in_(matters)))) == 12
    chain_intact(pg)


# --- 3. timers exactly once -------------------------------------------------------------------
def _waiting_for_timers(pg, n: int) -> list[int]:
    matters = start_matters(pg, n)
    for draft in open_drafts(pg, matters):
        pg.run(lambda e, d=draft: e.tasks.complete(d, "zhuling", {"note": "起草"}, 0))
    return matters


def _fired_once(pg, matters: list[int]) -> None:
    for matter_id in matters:
        m = pg.matter(matter_id)
        assert len(m.events("timer_fired")) == 1, matter_id
        assert len(m.events("deemed_received")) == 1, matter_id
        assert m.status == "completed"
    chain_intact(pg)


def test_two_timer_worker_processes_fire_each_timer_exactly_once(pg, pg_url):
    matters = _waiting_for_timers(pg, 12)
    at = time.time() + 1.5
    workers = [spawn(pg_url, command="timers", clock=TIMERS_DUE, limit=2, start_at=at) for _ in range(2)]
    moved = sum(r["moved"] for w in workers for r in results(w))
    assert moved == 12
    _fired_once(pg, matters)


def test_a_timer_worker_killed_mid_batch_loses_nothing_and_fires_nothing_twice(pg, pg_url):
    matters = _waiting_for_timers(pg, 12)
    doomed = spawn(pg_url, command="timers", clock=TIMERS_DUE, limit=3, hold_at=0)
    wait_inside(doomed)  # it has fired 3 matters' timers in an open transaction, rows locked
    survivor = spawn(pg_url, command="timers", clock=TIMERS_DUE, limit=2)
    # the survivor skips the three locked matters without waiting for them (each matter has its own
    # event chain) and fires the other nine
    assert sum(r["moved"] for r in results(survivor)) == 9
    kill(doomed)  # PostgreSQL rolls the doomed transaction back when its connection dies
    assert sum(r["moved"] for r in results(spawn(pg_url, command="timers", clock=TIMERS_DUE))) == 3
    assert sum(r["moved"] for r in results(spawn(pg_url, command="timers", clock=TIMERS_DUE))) == 0
    _fired_once(pg, matters)


# --- 8. the event log: append-only on PostgreSQL, tamper-evident everywhere --------------------
def test_postgresql_refuses_to_update_or_delete_events(pg):
    pg.start("t_two_steps", by="zhuling", data=START)
    for statement in ["UPDATE event SET actor = 'mallory'", "DELETE FROM event", "TRUNCATE event CASCADE"]:
        with pytest.raises(DBAPIError, match="只允许追加"):
            pg.run(lambda e, sql=statement: e.db.execute(text(sql)))
    chain_intact(pg)
    assert pg.run(lambda e: e.db.scalar(sql_select(func.count()).select_from(Event))) > 0


def test_no_product_code_updates_or_deletes_events():
    """Belt and braces for SQLite, which has no trigger: the product never writes to an existing event."""
    offenders = []
    for path in list((ROOT / "engine").rglob("*.py")) + list((ROOT / "web").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for needle in ("update(Event", "delete(Event", "UPDATE event", "DELETE FROM event", "TRUNCATE event"):
            if needle in source and "migrations" not in path.parts:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


def _verify_log(url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "engine.cli", "verify-log"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30)


def test_verify_log_cli_exit_code_on_an_intact_and_a_tampered_database(tmp_path, engine_template):
    target = tmp_path / "tamper.sqlite3"
    target.write_bytes(engine_template.read_bytes())
    url = f"sqlite:///{target}"
    eng = db.make_engine(url)
    s = Scenario(db.session_factory(eng), FrozenClock("2026-09-28 09:00"))
    m = s.start("t_two_steps", by="zhuling", data=START)
    m.complete("draft", by="zhuling", data={"note": "原始意见"})
    ok = _verify_log(url)
    assert ok.returncode == 0, ok.stderr
    assert "哈希链校验通过" in ok.stdout

    s.run(lambda e: e.db.execute(text(
        "UPDATE event SET data = '{\"form\": {\"note\": \"篡改\"}}' WHERE kind = 'task_completed'")))
    eng.dispose()
    tampered = _verify_log(url)
    assert tampered.returncode == 1
    assert "内容与哈希不符" in tampered.stdout


def test_verify_log_cli_catches_tampering_on_postgresql_even_past_the_trigger(pg, pg_url):
    """Only the table owner can switch the trigger off; if it is done, the chain still tells."""
    m = pg.start("t_two_steps", by="zhuling", data=START)
    m.complete("draft", by="zhuling", data={"note": "原始意见"})
    assert _verify_log(pg_url).returncode == 0
    pg.run(lambda e: e.db.execute(text(
        "ALTER TABLE event DISABLE TRIGGER event_append_only; "
        "DELETE FROM event WHERE id = (SELECT min(id) + 1 FROM event); "
        "ALTER TABLE event ENABLE TRIGGER event_append_only")))
    tampered = _verify_log(pg_url)
    assert tampered.returncode == 1
    assert "前序哈希不符" in tampered.stdout
