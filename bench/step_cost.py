"""Step cost: ms per completed user task, raw SpiffWorkflow in memory vs. Liandong persisted on SQLite
and PostgreSQL and through the HTTP API (Flask test client, token auth, POST /api/v1/tasks/<id>/complete),
side by side in one process so the ratios hold on a noisy machine.

Workloads: a linear process of N user tasks (N = 12, 50, 200), the P4 escalation ladder climbed rung
by rung to the consultation meeting (P5 called), and P1 pushed to 30 departments (25 of them made up
in the benchmark databases only). Raw = the same specs, data and script engine, `task.run()` +
`refresh_timers()` + `do_engine_steps()` per step, no storage.

    .venv/bin/python bench/step_cost.py [--sizes 12,50,200] [--runs 3] [--no-procedures]

Floor = bench/floor.py: the same step and the same rows written with plain DBAPI in one transaction,
measured on each backend in the same run. Trivial = one authenticated GET /api/v1/copies.

Targets: persisted ≤ 1.5× the floor on each backend; HTTP ≤ 2× the floor plus the trivial round trip;
flat (the ratio to the floor at the largest N no worse than at the smallest).
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from bench import common  # noqa: E402
from bench.floor import floor_ms  # noqa: E402
from bench.linear import FORM, linear_bpmn  # noqa: E402
from engine import Liandong, db  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402

TARGET_PERSISTED = 1.5  # × the durable floor
TARGET_HTTP = 2.0  # × the floor, plus a trivial request's round trip
EXTRA_DEPARTMENTS = 25
CLOCK = FrozenClock("2026-10-08 09:00")  # no timer falls due while a matter is driven


class Workload:
    def __init__(self, label: str, start: tuple, steps: list[tuple]):
        self.label, (self.process, self.starter, self.data), self.steps = label, start, steps


def linear_workload(n: int) -> tuple[Workload, tuple[str, bytes]]:
    pid, xml = linear_bpmn(n)
    steps = [(f"step_{i}", None, "zhuling", {"note": "ok"}) for i in range(n)]
    return Workload(f"linear N={n}", (pid, "zhuling", {"department": "market_bureau"}), steps), ("bench.bpmn", xml.encode())


def prepare(url: str, linear_files: list[tuple[str, bytes]]) -> list[str]:
    """Bootstrap the database, add the made-up departments, widen P1's start form, deploy the linear
    processes. Returns the extra department codes."""
    bootstrap(url, clock=CLOCK)
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    with factory() as s, s.begin():
        codes = common.add_departments(s, EXTRA_DEPARTMENTS)
        engine = Liandong(s, CLOCK)
        engine.repository.deploy([common.widened_p1_start_form(codes)])
        for name, content in linear_files:
            engine.repository.deploy([("bench_step.json", FORM.encode()), (name, content)])
    eng.dispose()
    return codes


def _find(open_tasks, spec_id: str, department: str | None):
    for task in open_tasks:
        if task[0] == spec_id and (department is None or task[1] == department):
            return task
    raise AssertionError(f"no open task {spec_id} ({department}); open: {[t[:2] for t in open_tasks]}")


# --- raw SpiffWorkflow in memory ---
def _specs(factory, w: Workload):
    """The workload's specs and a script engine, as Liandong builds them."""
    with factory() as s, s.begin():
        ctx = Liandong(s, CLOCK)
        spec, subprocess_specs = ctx.repository.specs(ctx.repository.bundle(w.process))
        # The calendar is read now: read lazily by the first working-day expression (P4's limits), it
        # would open a transaction on this closed session and hold SQLite's write lock for good.
        ctx.calendar  # noqa: B018
        return spec, subprocess_specs, ctx.script_engine(lambda *_: None)


def floor_of(specs_url: str, url: str, w: Workload) -> float:
    """The durable floor (bench/floor.py) of the workload on the database at `url`."""
    eng = db.make_engine(specs_url)
    try:
        spec, subprocess_specs, script_engine = _specs(db.session_factory(eng), w)
    finally:
        eng.dispose()
    return floor_ms(url, spec, subprocess_specs, script_engine, dict(w.data, started_by=w.starter), w.steps)


def raw_ms(factory, w: Workload) -> float:
    spec, subprocess_specs, script_engine = _specs(factory, w)
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.script_engine = script_engine
    workflow.get_tasks(state=TaskState.READY)[0].data.update(w.data, started_by=w.starter)
    workflow.do_engine_steps()
    started = time.perf_counter()
    for spec_id, department, _user, values in w.steps:
        ready = [(t.task_spec.bpmn_id, t.data.get("department"), t)
                 for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
        task = _find(ready, spec_id, department)[2]
        task.data.update(values)
        task.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()
    elapsed = time.perf_counter() - started
    assert workflow.completed, f"{w.label}: raw workflow did not complete"
    return elapsed * 1000 / len(w.steps)


# --- Liandong, one transaction per step ---
def _start(factory, w: Workload) -> int:
    with factory() as s, s.begin():
        return Liandong(s, CLOCK).runtime.start(w.process, w.data, w.starter).id


def engine_ms(factory, w: Workload) -> float:
    instance_id = _start(factory, w)
    started = time.perf_counter()
    for spec_id, department, user, values in w.steps:
        with factory() as s, s.begin():
            engine = Liandong(s, CLOCK)
            rows = [(t.spec_id, t.department, t) for t in engine.tasks.of_instance(instance_id, open_only=True)]
            task = _find(rows, spec_id, department)[2]
            engine.tasks.complete(task.id, user, values, task.revision)
    elapsed = time.perf_counter() - started
    with factory() as s:
        status = Liandong(s, CLOCK).runtime.instance(instance_id).status
    assert status == "completed", f"{w.label}: matter {instance_id} is {status}"
    return elapsed * 1000 / len(w.steps)


# --- the JSON API through the Flask test client ---
def http_ms(app, factory, w: Workload) -> float:
    instance_id = _start(factory, w)
    with factory() as s:
        open_tasks = {t.id: (t.spec_id, t.department, t.id, t.revision)
                      for t in Liandong(s, CLOCK).tasks.of_instance(instance_id, open_only=True)}
    client = app.test_client()
    tokens = {user: common.bearer(client, user) for user in {step[2] for step in w.steps}}
    started = time.perf_counter()
    for spec_id, department, user, values in w.steps:
        _, _, task_id, revision = _find(open_tasks.values(), spec_id, department)
        response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"revision": revision, "data": values},
                               headers={"Authorization": tokens[user]})
        assert response.status_code == 200, (w.label, spec_id, response.status_code, response.get_json())
        body = response.get_json()
        del open_tasks[task_id]
        for t in body["next_tasks"]:
            open_tasks[t["id"]] = (t["spec_id"], t["department"], t["id"], t["revision"])
    elapsed = time.perf_counter() - started
    assert body["instance_status"] == "completed", f"{w.label}: HTTP matter ended {body['instance_status']}"
    return elapsed * 1000 / len(w.steps)


def trivial_ms(app, requests: int = 50) -> float:
    """One authenticated, nearly empty API request: the HTTP round trip without a step."""
    client = app.test_client()
    header = {"Authorization": common.bearer(client, "zhuling")}
    client.get("/api/v1/copies", headers=header)  # warm: the first request builds the caches
    started = time.perf_counter()
    for _ in range(requests):
        assert client.get("/api/v1/copies", headers=header).status_code == 200
    return (time.perf_counter() - started) * 1000 / requests


class Backend:
    def __init__(self, name: str, url: str):
        from web import create_app

        self.name, self.url = name, url
        self.engine = db.make_engine(url)
        self.factory = db.session_factory(self.engine)
        self.statements = 0
        event.listen(self.engine, "before_cursor_execute", self._count)
        self.app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "CLOCK": CLOCK})

    def _count(self, *_args):
        self.statements += 1

    def close(self):
        self.engine.dispose()
        self.app.extensions["liandong_engine"].dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="12,50,200")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-procedures", action="store_true")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    linear = [linear_workload(n) for n in sizes]

    tmp = tempfile.mkdtemp()
    sqlite_url = f"sqlite:///{tmp}/bench.sqlite3"
    codes = prepare(sqlite_url, [f for _, f in linear])
    pg_url = common.create_pg(f"liandong_bench_step_{os.getpid()}")
    if pg_url:
        prepare(pg_url, [f for _, f in linear])
    workloads = [w for w, _ in linear]
    if not args.no_procedures:
        departments = common.SUPERVISION + codes
        liaisons = dict(common.DEMO_LIAISONS, **{c: f"{c}_liaison" for c in codes})
        workloads.append(Workload("P4 ladder", common.P4_START, common.P4_STEPS))
        workloads.append(Workload(f"P1 ×{len(departments)} depts", common.p1_start(departments),
                                  common.p1_steps(departments, liaisons)))

    lite = Backend("sqlite", sqlite_url)
    pg = Backend("pg", pg_url) if pg_url else None
    backends = [b for b in (lite, pg) if b]
    http = pg or lite  # the API over the production database where there is one
    print(f"Step cost, ms per completed user task (median of {args.runs} interleaved rounds; × is the median of "
          f"the rounds' ratios, (min/min) beside it); HTTP on {http.name}; "
          f"targets: persisted ≤ {TARGET_PERSISTED:g}× the durable floor, HTTP ≤ {TARGET_HTTP:g}× the floor "
          f"+ a trivial request, flat")
    head = f"{'workload':<18} {'steps':>5} {'raw':>6} "
    for b in backends:
        head += f"{b.name + ' floor':>12} {b.name:>7} {'×':>5} {'(min)':>6} "
    head += f"{'SQL/step':>8} {'http':>7} {'trivial':>7} {'×':>5}  persisted  http"
    print(head)
    ratios: dict[str, dict[str, float]] = {b.name: {} for b in backends}
    try:
        for w in workloads:
            raw = common.median(raw_ms(lite.factory, w) for _ in range(args.runs))
            line = f"{w.label:<18} {len(w.steps):>5} {raw:>6.2f} "
            # Interleaved rounds: each round measures the floor and the product on every backend, then
            # HTTP and the trivial request, so a burst of load on the shared machine hits both sides.
            floors = {b.name: [] for b in backends}
            product = {b.name: [] for b in backends}
            https, trivials, statements = [], [], {}
            for _ in range(args.runs):
                for b in backends:
                    floors[b.name].append(floor_of(sqlite_url, b.url, w))
                    before = b.statements
                    product[b.name].append(engine_ms(b.factory, w))
                    statements[b.name] = (b.statements - before) / len(w.steps)
                https.append(http_ms(http.app, http.factory, w))
                trivials.append(trivial_ms(http.app))
            persisted_ok = True
            for b in backends:
                f, ms = common.median(floors[b.name]), common.median(product[b.name])
                ratio = common.median(p / q for p, q in zip(product[b.name], floors[b.name], strict=True))
                ratios[b.name][w.label] = ratio
                persisted_ok = persisted_ok and ratio <= TARGET_PERSISTED
                line += f"{f:>12.2f} {ms:>7.2f} {ratio:>4.1f}× ({min(product[b.name]) / min(floors[b.name]):.1f}×) "
            per_step = statements[backends[0].name]
            h, trivial = common.median(https), common.median(trivials)
            http_ratio = common.median(x / (f + t) for x, f, t in zip(https, floors[http.name], trivials, strict=True))
            line += f"{per_step:>8.0f} {h:>7.2f} {trivial:>7.2f} {http_ratio:>4.1f}×  "
            line += f"{common.verdict(persisted_ok):<9}  {common.verdict(http_ratio <= TARGET_HTTP)}"
            print(line, flush=True)
        if len(sizes) > 1:
            first, last = f"linear N={sizes[0]}", f"linear N={sizes[-1]}"
            for name, r in ratios.items():
                print(f"flat ({name}): ratio to the floor at N={sizes[-1]} {r[last]:.1f}× vs N={sizes[0]} "
                      f"{r[first]:.1f}×  {common.verdict(r[last] <= r[first] * 1.1)}")
    finally:
        lite.close()
        if pg:
            pg.close()
        common.drop_pg(pg_url)


if __name__ == "__main__":
    main()
