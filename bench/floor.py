"""The durable floor: the least a persisted step can cost. The same SpiffWorkflow step as Liandong's (same
specs, data and script engine, the workflow kept in memory as Liandong's workflow cache keeps it), then the
rows a Liandong step writes, with plain DBAPI in one transaction: lock and read the matter's row, close the
task row, insert the next task row and its candidate, two event rows with their SHA-256 chain, write the
serialized state (engine/storage.py's serializer) and the revision, commit. No ORM, no directory or
calendar lookups, no forms: what is left is SpiffWorkflow, the serializer, the driver and the commit.

SQLite runs in WAL with synchronous=NORMAL, as engine/db.py sets it; PostgreSQL with its defaults.

    .venv/bin/python bench/floor.py [--sizes 12,200] [--runs 3]

bench/step_cost.py measures the floor in the same run as the product and prints the ratios.
"""
import hashlib
import json
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from engine import storage  # noqa: E402

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS floor_instance (id INTEGER PRIMARY KEY, state TEXT, revision INTEGER, "
    "event_head TEXT)",
    "CREATE TABLE IF NOT EXISTS floor_task (id INTEGER PRIMARY KEY, instance_id INTEGER, guid TEXT, "
    "spec_id TEXT, state TEXT, completed_at TEXT, completed_by TEXT, revision INTEGER)",
    "CREATE TABLE IF NOT EXISTS floor_candidate (task_id INTEGER, person_id TEXT)",
    "CREATE TABLE IF NOT EXISTS floor_event (id INTEGER PRIMARY KEY, instance_id INTEGER, kind TEXT, "
    "data TEXT, prev_hash TEXT, hash TEXT)",
]


class Store:
    """One DBAPI connection and its parameter style."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///"):
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.mark, self.lock_suffix, self.begin = "?", "", "BEGIN IMMEDIATE"
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            self.mark, self.lock_suffix, self.begin = "%s", " FOR UPDATE", "BEGIN"
            for statement in SCHEMA:
                self.conn.execute(statement.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY"))
            return
        for statement in SCHEMA:
            self.conn.execute(statement)

    def run(self, sql: str, params=()):
        return self.conn.execute(sql.replace("?", self.mark), params)

    def inserted_id(self, sql: str, params) -> int:
        return self.run(sql + " RETURNING id", params).fetchone()[0]

    def close(self) -> None:
        self.conn.close()


def _event(store: Store, instance_id: int, head: str, kind: str, data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(f"{head}|{instance_id}|{kind}|{text}".encode()).hexdigest()
    store.run("INSERT INTO floor_event (instance_id, kind, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
              (instance_id, kind, text, head, digest))
    return digest


def _ready(workflow: BpmnWorkflow):
    return [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


def floor_ms(url: str, spec, subprocess_specs, script_engine, start_data: dict, steps: list[tuple]) -> float:
    """ms per step of the durable floor; `steps` are (spec_id, department, user, values) as in step_cost."""
    store = Store(url)
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.script_engine = script_engine
    workflow.get_tasks(state=TaskState.READY)[0].data.update(start_data)
    workflow.do_engine_steps()
    instance_id = store.inserted_id("INSERT INTO floor_instance (state, revision, event_head) VALUES (?, 0, '')",
                                    (storage.dump(workflow),))
    rows = {}
    for task in _ready(workflow):
        rows[task.id] = store.inserted_id("INSERT INTO floor_task (instance_id, guid, spec_id, state, revision) "
                                          "VALUES (?, ?, ?, 'ready', 0)", (instance_id, str(task.id),
                                                                          task.task_spec.bpmn_id))
    started = time.perf_counter()
    for spec_id, department, user, values in steps:
        store.run(store.begin)
        revision, head = store.run("SELECT revision, event_head FROM floor_instance WHERE id = ?"
                                   + store.lock_suffix, (instance_id,)).fetchone()
        task = next(t for t in _ready(workflow) if t.task_spec.bpmn_id == spec_id
                    and (department is None or t.data.get("department") == department))
        task.data.update(values)
        task.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()
        head = _event(store, instance_id, head, "task.completed", {"task": spec_id, "by": user, "data": values})
        store.run("UPDATE floor_task SET state = 'completed', completed_at = ?, completed_by = ?, revision = ? "
                  "WHERE id = ?", ("2026-10-08T09:00:00+08:00", user, revision + 1, rows.pop(task.id)))
        for new in _ready(workflow):
            if new.id in rows:
                continue
            rows[new.id] = store.inserted_id("INSERT INTO floor_task (instance_id, guid, spec_id, state, revision) "
                                             "VALUES (?, ?, ?, 'ready', 0)",
                                             (instance_id, str(new.id), new.task_spec.bpmn_id))
            store.run("INSERT INTO floor_candidate (task_id, person_id) VALUES (?, ?)", (rows[new.id], user))
            head = _event(store, instance_id, head, "task.created", {"task": new.task_spec.bpmn_id})
        store.run("UPDATE floor_instance SET state = ?, revision = ?, event_head = ? WHERE id = ?",
                  (storage.dump(workflow), revision + 1, head, instance_id))
        store.run("COMMIT")
    elapsed = time.perf_counter() - started
    store.close()
    assert workflow.completed, "floor workflow did not complete"
    return elapsed * 1000 / len(steps)


def main() -> None:
    import argparse
    import tempfile

    from bench import common, step_cost

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="12,200")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    linear = [step_cost.linear_workload(int(n)) for n in args.sizes.split(",")]
    tmp = tempfile.mkdtemp()
    sqlite_url = f"sqlite:///{tmp}/bench.sqlite3"
    step_cost.prepare(sqlite_url, [f for _, f in linear])
    pg_url = common.create_pg("liandong_bench_floor")
    try:
        for w, _ in linear:
            line = f"{w.label:<18}"
            for name, url in (("sqlite", sqlite_url), ("pg", pg_url)):
                if url:
                    ms = common.median(step_cost.floor_of(sqlite_url, url, w) for _ in range(args.runs))
                    line += f"  {name} {ms:.2f} ms"
            print(line, flush=True)
    finally:
        common.drop_pg(pg_url)


if __name__ == "__main__":
    main()
