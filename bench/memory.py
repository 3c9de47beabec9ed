"""Peak memory (RSS) of a web worker and of a timer worker.

Web worker: a process running the Flask app that serves, through the test client, the inbox benchmark's
queries — both inbox pages and the JSON task list for many people, the admin matter list with filters
and keyset pages, the compliance report — against a generated database (bench/inbox_scale.py's
generator; 100 000 matters by default, or --reuse an existing one). Timer workers: two processes
running the timer worker's round (engine/worker.py, as `liandong timers` does) over the same
database, firing the due timers of the generated mix of procedures and recording warning lights.

    .venv/bin/python bench/memory.py [--instances 100000] [--reuse DBNAME]

Peaks are the kernel's high-water mark of each worker process (VmHWM).

Target: ≤ 300 MB each.
"""
import argparse
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_scale  # noqa: E402

TARGET_MB = 300.0


def web_worker(url: str, requests: int, results) -> None:
    from engine import auth_sessions
    from web import create_app

    from engine.directory import DEMO_PASSWORD

    rng = random.Random(3)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "CLOCK": inbox_scale.NOW})
    eng = app.extensions["liandong_engine"]
    with eng.connect() as conn:
        people = [r[0] for r in conn.exec_driver_sql("SELECT DISTINCT person_id FROM task_candidate LIMIT 3000")]
        departments = [r[0] for r in conn.exec_driver_sql("SELECT code FROM department")]
    baseline = common.rss_mb()[0]
    admin = app.test_client()
    admin.post("/login", data={"person_id": "admin", "password": DEMO_PASSWORD})
    staff = app.test_client()
    staff.post("/login", data={"person_id": inbox_scale.HEAVY_USER, "password": DEMO_PASSWORD})
    api = app.test_client()
    with app.extensions["liandong_sessions"]() as session, session.begin():  # no password check per person
        limits = auth_sessions.Limits.from_environment()
        tokens = {p: f"Bearer {auth_sessions.issue(session, p, 'api', inbox_scale.NOW.now(), limits)}"
                  for p in people}
    statuses = []
    for k in range(requests):
        person = rng.choice(people)
        kind = k % 6
        if kind == 0:
            r = staff.get(f"/inbox/{rng.choice(['mine', 'group'])}")
        elif kind in (1, 2):
            r = api.get(f"/api/v1/tasks?scope={rng.choice(['mine', 'group'])}", headers={"Authorization": tokens[person]})
        elif kind == 3:
            r = admin.get(f"/admin/?department={rng.choice(departments)}&status=running")
        elif kind == 4:
            r = admin.get("/admin/?overdue=1")
        else:
            r = admin.get("/admin/compliance") if k % 30 == 5 else admin.get("/admin/")
        statuses.append(r.status_code)
    eng.dispose()
    current, peak = common.rss_mb()
    results.put({"baseline": baseline, "current": current, "peak": peak, "requests": requests,
                 "errors": sum(1 for s in statuses if s >= 400)})


def timer_worker(url: str, results) -> None:
    from engine import db, worker

    eng = db.make_engine(url)
    baseline = common.rss_mb()[0]
    started = time.perf_counter()
    fired, swept = worker.run_due(db.session_factory(eng), inbox_scale.NOW)
    eng.dispose()
    current, peak = common.rss_mb()
    results.put({"fired": fired, "swept": swept, "seconds": time.perf_counter() - started, "baseline": baseline,
                 "current": current, "peak": peak})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=100_000)
    ap.add_argument("--reuse", help="an existing generated database (bench/inbox_scale.py --keep)")
    ap.add_argument("--requests", type=int, default=600)
    args = ap.parse_args()
    ctx = multiprocessing.get_context("spawn")
    url = common.PG_URL.rsplit("/", 1)[0] + f"/{args.reuse}" if args.reuse else None
    try:
        if url is None:
            url = common.create_pg(f"liandong_bench_memory_{os.getpid()}")
            if url is None:
                sys.exit("the memory benchmark needs PostgreSQL")
            from engine.bootstrap import bootstrap

            bootstrap(url, clock=inbox_scale.RUN_CLOCK)
            inbox_scale.generate(url, args.instances)
        results = ctx.Queue()
        proc = ctx.Process(target=web_worker, args=(url, args.requests, results))
        proc.start()
        web = results.get()
        proc.join()
        print(f"web worker: {web['requests']} requests ({web['errors']} refused), RSS after start {web['baseline']:.0f} MB, "
              f"at end {web['current']:.0f} MB, peak {web['peak']:.0f} MB; target ≤ {TARGET_MB:g} MB  "
              f"{common.verdict(web['peak'] <= TARGET_MB)}", flush=True)
        procs = [ctx.Process(target=timer_worker, args=(url, results)) for _ in range(2)]
        for p in procs:
            p.start()
        timer = [results.get() for _ in procs]
        for p in procs:
            p.join()
    finally:
        if not args.reuse:
            common.drop_pg(url)
    peak = max(r["peak"] for r in timer)
    shares = "; ".join(f"fired {r['fired']} matters and recorded {r['swept']} lights in {r['seconds']:.0f} s, "
                       f"RSS after start {r['baseline']:.0f} MB, peak {r['peak']:.0f} MB" for r in timer)
    print(f"timer workers (the generated mix of procedures): {shares}; target ≤ {TARGET_MB:g} MB  "
          f"{common.verdict(peak <= TARGET_MB)}")


if __name__ == "__main__":
    main()
