"""A worker process for tests/test_reliability.py: `python -m tests.reliability_worker '<json>'`.

Each command runs against DATABASE_URL-like `url` with a frozen clock, one transaction per action,
as a web request or the timer worker would, and prints one JSON line per result. `hold_at`: stop
inside the open transaction of that action (after the engine step, before the commit), print
{"inside": ...} and sleep, so the test can SIGKILL the process mid-transaction."""
import json
import sys
import time

from engine import Liandong, db
from engine.clock import FrozenClock
from engine.errors import LiandongError


def say(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def main(spec: dict) -> None:
    eng = db.make_engine(spec["url"])
    factory = db.session_factory(eng)
    clock = FrozenClock(spec.get("clock", "2026-09-28 09:00"))
    hold_at = spec.get("hold_at")

    def run(action, index=None):
        with factory() as session, session.begin():
            result = action(Liandong(session, clock))
            if index is not None and index == hold_at:
                say(inside=index)
                time.sleep(60)  # killed here by the test
            return result

    if spec.get("start_at"):  # line up with the other worker
        time.sleep(max(0.0, spec["start_at"] - time.time()))
    if spec["command"] == "complete":
        for index, task_id in enumerate(spec["tasks"]):
            try:
                run(lambda e, t=task_id: e.tasks.complete(t, spec["user"], {"note": f"进程办理 {t}"},
                                                           e.tasks.get(t).revision if spec.get("fresh") else
                                                           spec["revision"]), index)
                say(task=task_id, ok=True)
            except LiandongError as err:
                say(task=task_id, ok=False, error=type(err).__name__, message=err.message)
    elif spec["command"] == "timers":
        batches = 0
        deadline = time.monotonic() + spec.get("seconds", 20)
        while time.monotonic() < deadline:
            moved = run(lambda e: e.management.fire_due_timers(limit=spec.get("limit", 2)), batches)
            batches += 1
            say(moved=moved)
            if moved == 0:
                break
    eng.dispose()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
