"""Timer sweep: 10 000 due timers fired by two worker processes on PostgreSQL.

One matter of bench/one_timer.bpmn (start → wait 1 working day → end) is started through the engine,
then cloned in bulk (COPY of its instance, timer and event rows) to 10 000 matters. The clock moves past
the due time and two worker processes run the timer worker's loop (`Management.fire_due_timers`, batches
of 50, as `liandong timers` does) until nothing is due. Prints the time and checks each timer fired
exactly once (one `timer_fired` event per matter, every timer row fired, every matter completed).

    .venv/bin/python bench/timers.py [--timers 10000] [--workers 2] [--batch 50]

Target: ≤ 30 s for 10 000 timers.
"""
import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench import common  # noqa: E402
from engine import Liandong, db  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402

TARGET_S = 30.0
BPMN = Path(__file__).with_name("one_timer.bpmn")
START_AT = "2026-10-09 09:00"  # Friday: due at the end of Monday 12 October
FIRE_AT = "2026-10-13 09:00"


def prepare(url: str, count: int) -> None:
    from bench.inbox_scale import Copier

    clock = FrozenClock(START_AT)
    bootstrap(url, clock=clock)
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    with factory() as s, s.begin():
        engine = Liandong(s, clock)
        engine.repository.deploy([(BPMN.name, BPMN.read_bytes())])
        source_id = engine.runtime.start("bench_one_timer", {"department": "market_bureau"}, "zhuling").id
    with eng.connect() as conn:
        instance = dict(conn.exec_driver_sql("SELECT * FROM instance WHERE id = %(i)s", {"i": source_id}).mappings().one())
        timers = [dict(r) for r in conn.exec_driver_sql("SELECT * FROM timer WHERE instance_id = %(i)s",
                                                        {"i": source_id}).mappings()]
        events = [dict(r) for r in conn.exec_driver_sql("SELECT * FROM event WHERE instance_id = %(i)s ORDER BY id",
                                                        {"i": source_id}).mappings()]
        next_event = conn.exec_driver_sql("SELECT max(id) + 1 FROM event").scalar()
    assert instance["status"] == "waiting" and len(timers) == 1, (instance["status"], timers)
    raw_conn = eng.raw_connection()
    raw = raw_conn.driver_connection
    copiers = {t: Copier(raw, t) for t in ("instance", "timer", "event")}
    for k in range(1, count):  # the source matter is the first of `count`
        iid = source_id + k
        copiers["instance"].add(dict(instance, id=iid, subject=f"定时器 {k}"))
        for t in timers:
            copiers["timer"].add(dict(t, id=t["id"] + k, instance_id=iid))
        for e in events:
            copiers["event"].add(dict(e, id=next_event, instance_id=iid))
            next_event += 1
    for c in copiers.values():
        c.flush()
    with raw.cursor() as cur:
        for t in ("instance", "timer", "event"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
    raw.commit()
    raw.autocommit = True
    with raw.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    raw_conn.close()
    eng.dispose()


def worker(url: str, batch: int, results) -> None:
    """The timer worker's loop: fire due timers in batches until none is due."""
    clock = FrozenClock(FIRE_AT)
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    moved = batches = 0
    started = time.perf_counter()
    while True:
        with factory() as s, s.begin():
            n = Liandong(s, clock).management.fire_due_timers(batch)
        if n == 0:
            break
        moved += n
        batches += 1
    eng.dispose()
    peak_mb = common.rss_mb()[1]
    results.put({"pid": os.getpid(), "moved": moved, "batches": batches, "seconds": time.perf_counter() - started,
                 "peak_rss_mb": peak_mb})


def fire(url: str, workers: int, batch: int) -> tuple[float, list[dict]]:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(url, batch, results)) for _ in range(workers)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    out = [results.get() for _ in procs]
    for p in procs:
        p.join()
    return time.perf_counter() - started, out


def check(url: str, count: int) -> dict:
    eng = db.make_engine(url)
    with eng.connect() as conn:
        q = conn.exec_driver_sql
        result = {
            "matters": q("SELECT count(*) FROM instance WHERE process_key = 'bench_one_timer'").scalar(),
            "completed": q("SELECT count(*) FROM instance WHERE process_key = 'bench_one_timer' AND status = 'completed'").scalar(),
            "timer rows fired": q("SELECT count(*) FROM timer WHERE status = 'fired'").scalar(),
            "timer rows waiting": q("SELECT count(*) FROM timer WHERE status = 'waiting'").scalar(),
            "matters with one timer_fired": q("SELECT count(*) FROM (SELECT instance_id FROM event WHERE kind = 'timer_fired' "
                                              "GROUP BY instance_id HAVING count(*) = 1) x").scalar(),
            "matters with more than one": q("SELECT count(*) FROM (SELECT instance_id FROM event WHERE kind = 'timer_fired' "
                                            "GROUP BY instance_id HAVING count(*) > 1) x").scalar(),
            "errors": q("SELECT count(*) FROM instance WHERE status = 'error'").scalar(),
        }
    with db.session_factory(eng)() as s:
        # only the entries the workers wrote: the cloned rows carry their template's hashes
        first = s.execute(text("SELECT min(id) FROM event WHERE kind = 'timer_fired'")).scalar() or 0
        result["event log chain problems (worker entries)"] = sum(
            1 for p in Liandong(s).history.verify() if int(p.split("：")[0].removeprefix("事件 ")) > first)
    eng.dispose()
    result["exactly once"] = (result["matters with one timer_fired"] == count and result["matters with more than one"] == 0
                              and result["timer rows fired"] == count and result["completed"] == count)
    return result


def run(count: int, workers: int, batch: int, label: str = "timers") -> tuple[float, list[dict], dict]:
    url = common.create_pg(f"liandong_bench_{label}_{os.getpid()}")
    if url is None:
        sys.exit("the timer benchmark needs PostgreSQL")
    try:
        with common.timed(f"{count:,} matters waiting on a timer (1 through the engine, the rest cloned)"):
            prepare(url, count)
        print(f"firing with {workers} worker processes, batches of {batch} …", flush=True)
        seconds, out = fire(url, workers, batch)
        return seconds, out, check(url, count)
    finally:
        common.drop_pg(url)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timers", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=50)
    args = ap.parse_args()
    seconds, out, checked = run(args.timers, args.workers, args.batch)
    for r in sorted(out, key=lambda r: r["pid"]):
        print(f"  worker {r['pid']}: {r['moved']:>6} matters in {r['batches']} batches, {r['seconds']:.1f} s, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB")
    for key, value in checked.items():
        print(f"  {key}: {value}")
    target = seconds * 10_000 / args.timers  # scaled to 10 000 when run smaller
    print(f"{args.timers:,} timers fired in {seconds:.1f} s ({args.timers / seconds:.0f}/s); "
          f"target ≤ {TARGET_S:g} s per 10 000 (here {target:.1f} s)  {common.verdict(target <= TARGET_S)}; "
          f"exactly once {common.verdict(checked['exactly once'])}")


if __name__ == "__main__":
    main()
