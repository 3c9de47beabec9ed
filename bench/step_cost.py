"""Step cost: ms per completed user task, raw SpiffWorkflow in memory vs. Liandong on SQLite and
PostgreSQL, side by side in one process so the ratios hold on a noisy machine.

    .venv/bin/python bench/step_cost.py [--sizes 12,50,200] [--runs 3]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from bench.linear import FORM, linear_bpmn  # noqa: E402
from engine import Liandong, db  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402

PG_URL = os.environ.get("LIANDONG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_PERSISTED = 3.0


def raw_ms_per_task(pid: str, xml: str) -> float:
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(etree.fromstring(xml.encode()), filename="bench.bpmn")
    spec = parser.get_spec(pid)
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    count, started = 0, time.perf_counter()
    while not workflow.completed:
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update({"note": "ok"})
        task.run()
        workflow.do_engine_steps()
        count += 1
    return (time.perf_counter() - started) * 1000 / count


def engine_ms_per_task(url: str, pid: str, xml: str) -> float:
    clock = FrozenClock("2026-09-28 09:00")
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    with factory() as s, s.begin():
        Liandong(s, clock).repository.deploy([("bench_step.json", FORM.encode()), ("bench.bpmn", xml.encode())])
    with factory() as s, s.begin():
        instance_id = Liandong(s, clock).runtime.start(pid, {"department": "market_bureau"}, "zhuling").id
    count, started = 0, time.perf_counter()
    while True:
        with factory() as s, s.begin():
            engine = Liandong(s, clock)
            open_tasks = engine.tasks.of_instance(instance_id, open_only=True)
            if not open_tasks:
                break
            task = open_tasks[0]
            engine.tasks.complete(task.id, "zhuling", {"note": "ok"}, task.revision)
        count += 1
    eng.dispose()
    return (time.perf_counter() - started) * 1000 / count


def fresh_pg() -> str | None:
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
        name = f"liandong_bench_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
        bootstrap(url)
        return url
    except Exception as err:  # no server: say so and go on with SQLite
        print(f"(PostgreSQL skipped: {type(err).__name__})")
        return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="12,50,200")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    sqlite_url = f"sqlite:///{tmp}/bench.sqlite3"
    bootstrap(sqlite_url)
    pg_url = fresh_pg()
    print(f"{'N':>5} {'raw ms':>8} {'sqlite ms':>10} {'ratio':>6} {'pg ms':>8} {'ratio':>6}  target ≤{TARGET_PERSISTED}×")
    for n in [int(x) for x in args.sizes.split(",")]:
        pid, xml = linear_bpmn(n)
        raw = statistics.median(raw_ms_per_task(pid, xml) for _ in range(args.runs))
        lite = statistics.median(engine_ms_per_task(sqlite_url, pid, xml) for _ in range(args.runs))
        line = f"{n:>5} {raw:>8.2f} {lite:>10.2f} {lite / raw:>5.1f}×"
        verdicts = [lite / raw <= TARGET_PERSISTED]
        if pg_url:
            pg = statistics.median(engine_ms_per_task(pg_url, pid, xml) for _ in range(args.runs))
            line += f" {pg:>8.2f} {pg / raw:>5.1f}×"
            verdicts.append(pg / raw <= TARGET_PERSISTED)
        print(line + ("  PASS" if all(verdicts) else "  SHORT"))


if __name__ == "__main__":
    main()
