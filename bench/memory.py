"""Peak memory (RSS) of a web worker and of a timer worker.

Web worker: a process running the Flask app that serves, through the test client, the inbox benchmark's
queries — both inbox pages and the JSON task list for many people, the admin matter list with filters
and keyset pages, the compliance report — against a generated database (bench/inbox_scale.py's
generator; 100 000 matters by default, or --reuse an existing one). Timer worker: one of the worker
processes of bench/timers.py while it fires its share of the due timers.

    .venv/bin/python bench/memory.py [--instances 100000] [--reuse DBNAME] [--timers 10000]

Target: ≤ 300 MB each.
"""
import argparse
import multiprocessing
import os
import random
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_scale, timers  # noqa: E402

TARGET_MB = 300.0


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB."""
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def web_worker(url: str, requests: int, results) -> None:
    from web import create_app
    from web.api import make_token

    from engine.directory import DEMO_PASSWORD

    rng = random.Random(3)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "CLOCK": inbox_scale.NOW})
    eng = app.extensions["liandong_engine"]
    with eng.connect() as conn:
        people = [r[0] for r in conn.exec_driver_sql("SELECT DISTINCT person_id FROM task_candidate LIMIT 3000")]
        departments = [r[0] for r in conn.exec_driver_sql("SELECT code FROM department")]
    baseline = _rss_mb()[0]
    admin = app.test_client()
    admin.post("/login", data={"person_id": "admin", "password": DEMO_PASSWORD})
    staff = app.test_client()
    staff.post("/login", data={"person_id": inbox_scale.HEAVY_USER, "password": DEMO_PASSWORD})
    api = app.test_client()
    with app.app_context():
        tokens = {p: f"Bearer {make_token(p)}" for p in people}
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
    current, peak = _rss_mb()
    results.put({"baseline": baseline, "current": current, "peak": peak, "requests": requests,
                 "errors": sum(1 for s in statuses if s >= 400), "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=100_000)
    ap.add_argument("--reuse", help="an existing generated database (bench/inbox_scale.py --keep)")
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--timers", type=int, default=10_000)
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
    finally:
        if not args.reuse:
            common.drop_pg(url)
    print(f"web worker: {web['requests']} requests ({web['errors']} refused), RSS after start {web['baseline']:.0f} MB, "
          f"at end {web['current']:.0f} MB, peak {web['peak']:.0f} MB; target ≤ {TARGET_MB:g} MB  "
          f"{common.verdict(web['peak'] <= TARGET_MB)}")
    seconds, out, checked = timers.run(args.timers, 2, 50, label="memory_timers")
    peak = max(r["peak_rss_mb"] for r in out)
    shares = ", ".join(f"{r['moved']} matters, peak {r['peak_rss_mb']:.0f} MB" for r in out)
    print(f"timer workers: {shares} "
          f"({seconds:.1f} s, exactly once: {checked['exactly once']}); target ≤ {TARGET_MB:g} MB  "
          f"{common.verdict(peak <= TARGET_MB)}")


if __name__ == "__main__":
    main()
