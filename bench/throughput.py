"""Throughput over the JSON API: gunicorn on PostgreSQL, client threads completing tasks as fast as the
server answers (POST /api/v1/tasks/<id>/complete, bearer token), a bounded run per worker count.

Each client thread takes a matter (a linear process of `--steps` user tasks, started beforehand) and
completes its tasks one after the other, following `next_tasks` in each answer, then takes the next
matter. A run ends when every matter is done. Printed per worker count: completions per second over
the run's wall time, latency p50/p95/max, and errors (any answer but 200).

    .venv/bin/python bench/throughput.py [--workers 2,3,4] [--threads 8] [--matters 96] [--steps 12]

Target (issue 22): ≥ 300 completions/s on this 2-core machine, p95 ≤ 50 ms, 0 errors. The client
threads run on the same two cores as the server and the database.
"""
import argparse
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.step_cost import CLOCK, linear_workload, prepare  # noqa: E402
from engine import Liandong, db  # noqa: E402
from engine.directory import DEMO_PASSWORD  # noqa: E402

TARGET_RATE, TARGET_P95 = 300, 50.0
PORT = 8391


def start_matters(url: str, w, count: int) -> list[tuple[int, int]]:
    """`count` new matters; each one's open task as (task id, revision)."""
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    first = []
    for _ in range(count):
        with factory() as s, s.begin():
            engine = Liandong(s, CLOCK)
            instance = engine.runtime.start(w.process, w.data, w.starter)
            [task] = engine.tasks.of_instance(instance.id, open_only=True)
            first.append((task.id, task.revision))
    eng.dispose()
    return first


def serve(url: str, workers: int, log) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-throughput-secret")
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{PORT}",
                               "web:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # a benchmark may wait for its server; tests never sleep
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/api/v1/copies", timeout=5).status_code in (200, 401):
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    server.wait(timeout=30)
    raise RuntimeError("gunicorn did not answer within 90 s")


def drive(first: list[tuple[int, int]], threads: int, token: str) -> tuple[float, list[float], int]:
    """(wall seconds, latencies in ms, errors) of completing every matter's tasks."""
    matters: queue.Queue = queue.Queue()
    for task in first:
        matters.put(task)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client():
        http = requests.Session()
        http.headers["Authorization"] = token
        while True:
            try:
                task_id, revision = matters.get_nowait()
            except queue.Empty:
                return
            while task_id is not None:
                started = time.perf_counter()
                answer = http.post(f"http://127.0.0.1:{PORT}/api/v1/tasks/{task_id}/complete",
                                   json={"revision": revision, "data": {"note": "ok"}})
                took = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(took)
                    errors[0] += answer.status_code != 200
                following = answer.json().get("next_tasks", []) if answer.status_code == 200 else []
                task_id, revision = (following[0]["id"], following[0]["revision"]) if following else (None, None)

    started = time.perf_counter()
    pool = [threading.Thread(target=client) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started, latencies, errors[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", default="2,3,4")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--matters", type=int, default=96)
    ap.add_argument("--steps", type=int, default=12)
    args = ap.parse_args()
    url = common.create_pg(f"liandong_bench_throughput_{os.getpid()}")
    if not url:
        return
    w, bpmn = linear_workload(args.steps)
    prepare(url, [bpmn])
    print(f"Throughput over the JSON API on PostgreSQL, {args.threads} client threads, {args.matters} matters × "
          f"{args.steps} steps per run; target ≥ {TARGET_RATE}/s, p95 ≤ {TARGET_P95:g} ms, 0 errors")
    print(f"{'workers':>7} {'done':>6} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'errors':>6}")
    try:
        with tempfile.TemporaryFile() as log:  # gunicorn's own output, kept out of the figures
            for workers in [int(x) for x in args.workers.split(",")]:
                first = start_matters(url, w, args.matters)
                server = serve(url, workers, log)
                try:  # the server goes whatever happens to the run
                    answer = requests.post(f"http://127.0.0.1:{PORT}/api/v1/token",
                                           json={"id": w.starter, "password": DEMO_PASSWORD}, timeout=10)
                    token = f"Bearer {answer.json()['token']}"
                    wall, latencies, errors = drive(first, args.threads, token)
                finally:
                    server.terminate()
                    server.wait(timeout=30)
                rate, p95 = len(latencies) / wall, common.pct(latencies, 95)
                ok = rate >= TARGET_RATE and p95 <= TARGET_P95 and errors == 0
                print(f"{workers:>7} {len(latencies):>6} {rate:>7.1f} {common.pct(latencies, 50):>7.1f} {p95:>7.1f} "
                      f"{max(latencies):>7.1f} {errors:>6}  {common.verdict(ok)}", flush=True)
    finally:
        common.drop_pg(url)


if __name__ == "__main__":
    main()
