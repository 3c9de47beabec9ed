"""A step over a matter's life: what one step costs after 10, 200, 500 and 1 000 completed rounds of a loop
through a gateway (tests/data/t_gateway_loop.bpmn), against the young matter's step.

Three figures per age, each the median of `--window` consecutive steps: raw SpiffWorkflow's step in memory
(run + refresh_timers + do_engine_steps, no storage), the serializer writing the state (engine/storage.py's
dump) and its size, and Liandong's persisted step on SQLite (warm workflow cache, one transaction per step).

    .venv/bin/python bench/aging.py [--rounds 1000] [--window 9]

Target (issue 22): the persisted step after 1 000 rounds within 1.2× of the young matter's.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from bench import common  # noqa: E402
from engine import Liandong, db, storage  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
PROCESS = "t_gateway_loop"
START = {"department": "market_bureau"}
AGAIN = {"note": "再来"}
TARGET = 1.2
CLOCK = FrozenClock("2026-10-08 09:00")


def _deploy(factory) -> None:
    with factory() as s, s.begin():
        Liandong(s, CLOCK).repository.deploy([("t_note.json", (DATA / "forms" / "t_note.json").read_bytes()),
                                               ("t_gateway_loop.bpmn", (DATA / "t_gateway_loop.bpmn").read_bytes())])


def raw_by_age(factory, rounds: int, ages: list[int], window: int) -> dict[int, tuple[float, float, int]]:
    """age -> (raw step ms, dump ms, state bytes)."""
    with factory() as s, s.begin():
        ctx = Liandong(s, CLOCK)
        spec, subprocess_specs = ctx.repository.specs(ctx.repository.bundle(PROCESS))
        script_engine = ctx.script_engine(lambda operation, params, data: None)
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.script_engine = script_engine
    workflow.get_tasks(state=TaskState.READY)[0].data.update(START)
    workflow.do_engine_steps()
    samples: dict[int, list[tuple[float, float, int]]] = {age: [] for age in ages}
    for done in range(rounds + window):
        started = time.perf_counter()
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(AGAIN)
        task.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()
        stepped = time.perf_counter()
        text = storage.dump(workflow)
        dumped = time.perf_counter()
        for age in ages:
            if age <= done < age + window:
                samples[age].append(((stepped - started) * 1000, (dumped - stepped) * 1000, len(text.encode())))
    return {age: (common.median(s[0] for s in v), common.median(s[1] for s in v), v[-1][2])
            for age, v in samples.items()}


def persisted_by_age(factory, rounds: int, ages: list[int], window: int) -> dict[int, float]:
    with factory() as s, s.begin():
        instance_id = Liandong(s, CLOCK).runtime.start(PROCESS, START, "zhuling").id
    samples: dict[int, list[float]] = {age: [] for age in ages}
    for done in range(rounds + window):
        started = time.perf_counter()
        with factory() as s, s.begin():
            engine = Liandong(s, CLOCK)
            task = engine.tasks.of_instance(instance_id, open_only=True)[0]
            engine.tasks.complete(task.id, "zhuling", AGAIN, task.revision)
        for age in ages:
            if age <= done < age + window:
                samples[age].append((time.perf_counter() - started) * 1000)
    return {age: common.median(v) for age, v in samples.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=1000)
    ap.add_argument("--window", type=int, default=9)
    args = ap.parse_args()
    ages = sorted({10, 200, 500, args.rounds} & set(range(args.rounds + 1)))
    url = f"sqlite:///{tempfile.mkdtemp()}/aging.sqlite3"
    bootstrap(url, clock=CLOCK)
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    _deploy(factory)
    raw = raw_by_age(factory, args.rounds, ages, args.window)
    persisted = persisted_by_age(factory, args.rounds, ages, args.window)
    eng.dispose()
    young = ages[0]
    print(f"A step over a matter's life (loop through a gateway, median of {args.window} steps per age); "
          f"target: persisted step at {args.rounds} rounds ≤ {TARGET:g}× the young matter's")
    print(f"{'rounds':>6} {'raw ms':>7} {'× young':>7} {'dump ms':>7} {'state KB':>8} {'sqlite ms':>9} {'× young':>7}")
    for age in ages:
        r, d, size = raw[age]
        p = persisted[age]
        print(f"{age:>6} {r:>7.2f} {r / raw[young][0]:>6.1f}× {d:>7.2f} {size / 1024:>8.0f} {p:>9.2f} "
              f"{p / persisted[young]:>6.1f}×")
    ratio = persisted[ages[-1]] / persisted[young]
    print(f"persisted step at {ages[-1]} rounds {ratio:.1f}× the young matter's  {common.verdict(ratio <= TARGET)}")


if __name__ == "__main__":
    main()
