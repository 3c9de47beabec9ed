"""A step over a matter's life: what one step costs after 10, 200, 500 and 1 000 completed rounds of a loop
through a gateway (tests/data/t_gateway_loop.bpmn), against the young matter's step.

Figures per age, each the median of `--window` consecutive steps: raw SpiffWorkflow's step in memory
(run + refresh_timers + do_engine_steps, no storage), the same with Liandong's compaction
(engine/compaction.py) after each step, the serializer writing the compacted state (engine/storage.py's
dump) and its size, and Liandong's persisted step on SQLite (warm workflow cache, one transaction per step).

The verdict does not compare figures taken minutes apart on a shared machine: once the old matter has its
rounds, a young matter (10 rounds) is made and the two are stepped in turn, `--window` × 3 steps each; the
ratio is of their medians (the minimums are printed beside).

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
from engine import Liandong, compaction, db, storage  # noqa: E402
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


def raw_by_age(factory, rounds: int, ages: list[int], window: int, compact: bool) -> dict[int, tuple[float, float, int]]:
    """age -> (raw step ms, dump ms, state bytes); `compact`: Liandong's compaction runs after each step."""
    with factory() as s, s.begin():
        ctx = Liandong(s, CLOCK)
        spec, subprocess_specs = ctx.repository.specs(ctx.repository.bundle(PROCESS))
        script_engine = ctx.script_engine(lambda *_: None)
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
        if compact:
            compaction.compact(workflow)
        stepped = time.perf_counter()
        text = storage.dump(workflow)
        dumped = time.perf_counter()
        for age in ages:
            if age <= done < age + window:
                samples[age].append(((stepped - started) * 1000, (dumped - stepped) * 1000, len(text.encode())))
    return {age: (common.median(s[0] for s in v), common.median(s[1] for s in v), v[-1][2])
            for age, v in samples.items()}


def _start(factory) -> int:
    with factory() as s, s.begin():
        return Liandong(s, CLOCK).runtime.start(PROCESS, START, "zhuling").id


def _step(factory, instance_id: int) -> float:
    started = time.perf_counter()
    with factory() as s, s.begin():
        engine = Liandong(s, CLOCK)
        task = engine.tasks.of_instance(instance_id, open_only=True)[0]
        engine.tasks.complete(task.id, "zhuling", AGAIN, task.revision)
    return (time.perf_counter() - started) * 1000


def persisted_by_age(factory, rounds: int, ages: list[int], window: int) -> tuple[dict[int, float], int]:
    """age -> median persisted step ms, and the old matter's id."""
    instance_id = _start(factory)
    samples: dict[int, list[float]] = {age: [] for age in ages}
    for done in range(rounds + window):
        took = _step(factory, instance_id)
        for age in ages:
            if age <= done < age + window:
                samples[age].append(took)
    return {age: common.median(v) for age, v in samples.items()}, instance_id


def interleaved(factory, old_id: int, young_rounds: int, steps: int) -> tuple[list[float], list[float]]:
    """Step a young matter and the old one in turn: (young ms, old ms) per step."""
    young_id = _start(factory)
    for _ in range(young_rounds):
        _step(factory, young_id)
    young, old = [], []
    for _ in range(steps):
        young.append(_step(factory, young_id))
        old.append(_step(factory, old_id))
    return young, old


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
    raw = raw_by_age(factory, args.rounds, ages, args.window, compact=False)
    compacted = raw_by_age(factory, args.rounds, ages, args.window, compact=True)
    persisted, old_id = persisted_by_age(factory, args.rounds, ages, args.window)
    young_ms, old_ms = interleaved(factory, old_id, ages[0], args.window * 3)
    eng.dispose()
    young = ages[0]
    print(f"A step over a matter's life (loop through a gateway, median of {args.window} steps per age); "
          f"target: persisted step at {args.rounds} rounds ≤ {TARGET:g}× the young matter's")
    print(f"{'rounds':>6} {'raw ms':>7} {'× young':>7} {'compacted':>9} {'× young':>7} {'dump ms':>7} "
          f"{'state KB':>8} {'sqlite ms':>9} {'× young':>7}")
    for age in ages:
        r, c, p = raw[age][0], compacted[age][0], persisted[age]
        _, d, size = compacted[age]
        print(f"{age:>6} {r:>7.2f} {r / raw[young][0]:>6.1f}× {c:>9.2f} {c / compacted[young][0]:>6.1f}× {d:>7.2f} "
              f"{size / 1024:>8.0f} {p:>9.2f} {p / persisted[young]:>6.1f}×")
    ratio = common.median(old_ms) / common.median(young_ms)
    print(f"interleaved, {len(old_ms)} steps each: young matter ({young} rounds) median {common.median(young_ms):.2f} "
          f"min {min(young_ms):.2f} ms, old matter ({ages[-1]} rounds) median {common.median(old_ms):.2f} "
          f"min {min(old_ms):.2f} ms")
    print(f"persisted step at {ages[-1]} rounds {ratio:.2f}× the young matter's  {common.verdict(ratio <= TARGET)}")


if __name__ == "__main__":
    main()
