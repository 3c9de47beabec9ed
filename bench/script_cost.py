"""Cost of one evaluation in the sandbox (engine/scripting.py): straight-line expressions in the
server's process, everything else in the worker process. Prints figures; asserts nothing.

    .venv/bin/python bench/script_cost.py
"""
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import script_pool  # noqa: E402
from engine.restricted import FILENAME  # noqa: E402
from engine.scripting import SandboxEnvironment  # noqa: E402

RECEIPTS = [{"department": f"d{i}", "receipt_status": "acknowledged", "received_at": "2026-10-12T09:00:00+08:00"}
            for i in range(30)]
CASES = [
    ("gateway condition (straight-line, in process)", "eval", "decision == 'approve' and amount > 10000", 20000),
    ("due (straight-line, calls a diagram function)", "eval", "now() if amount else None", 20000),
    ("expression with a comprehension (worker)", "eval", "len([r for r in receipts if r['receipt_status'] == 'acknowledged'])", 2000),
    ("expression calling a diagram function from the worker", "eval", "[now() for i in range(2)]", 2000),
    ("script task, 30 receipts (worker)", "exec", "receipts_by = {r['department']: r for r in receipts}", 2000),
]


def per_call(action, n: int) -> float:
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n // 5):
            action()
        rounds.append((time.perf_counter() - started) / (n // 5))
    return statistics.median(rounds) * 1e6


def main() -> None:
    sandbox = SandboxEnvironment({"now": lambda: "2026-10-12T09:00:00+08:00"}, None)
    data = {"decision": "approve", "amount": 12000, "receipts": RECEIPTS}
    plain = compile("decision == 'approve' and amount > 10000", FILENAME, "eval")
    print(f"{'plain eval of a compiled condition (no sandbox)':58} {per_call(lambda: eval(plain, dict(data)), 20000):8.1f} µs")
    for label, mode, source, n in CASES:
        if mode == "eval":
            cost = per_call(lambda s=source: sandbox.evaluate(s, data), n)
        else:
            cost = per_call(lambda s=source: sandbox.execute(s, dict(data)), n)
        print(f"{label:58} {cost:8.1f} µs")
    started = time.perf_counter()
    for _ in range(5):
        worker = script_pool.ScriptWorker()
        worker.ask({"mode": "eval", "source": "1", "context": {}, "external": {}, "functions": [],
                    "limits": (2.0, 1000, 256)}, {}, script_pool.Limits())
        worker.close()
    print(f"{'starting a worker process (once per process, after a kill)':58} {(time.perf_counter() - started) / 5 * 1e3:8.1f} ms")
    rss = subprocess.run(["ps", "-o", "rss=", "-p", str(script_pool._take().process.pid)], capture_output=True, text=True)
    print(f"{'worker resident memory':58} {int(rss.stdout or 0) / 1024:8.1f} MB")


if __name__ == "__main__":
    main()
