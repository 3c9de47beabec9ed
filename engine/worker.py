"""The timer worker's round: fire due timers batch by batch, then record warning lights and apply
timeout actions batch by batch. Each batch is its own transaction, so several workers share the work,
no transaction holds many matters for long, and a failure loses at most one batch. `liandong timers`
runs it in a loop; tests run it after moving the clock."""
import os

from .services import Liandong

# Seconds one matter's step may take in the timer worker before it is set aside (出错).
STEP_BUDGET = float(os.environ.get("LIANDONG_STEP_BUDGET", "60"))


def run_due(session_factory, clock=None, batch: int = 50, budget: float | None = STEP_BUDGET) -> tuple[int, int]:
    """One round. Returns (matters whose timers fired, lights and timeout actions recorded)."""
    fired = 0
    while True:
        with session_factory() as session, session.begin():
            moved = Liandong(session, clock).management.fire_due_timers(batch, budget)
        fired += moved
        if moved == 0:
            break
    unstall_all(session_factory, clock, batch)
    with session_factory() as session, session.begin():
        attention = Liandong(session, clock).deadlines.needing_attention()
    swept = 0
    for start in range(0, len(attention), batch):
        with session_factory() as session, session.begin():
            swept += Liandong(session, clock).deadlines.sweep(attention[start:start + batch])
    return fired, swept


def unstall_all(session_factory, clock=None, batch: int = 50) -> None:
    """Matters with nothing to wait on: moved on (what an earlier version left stuck), or marked 停滞 for
    an administrator. Each round of the timer worker and every `liandong init` (an upgrade) runs it."""
    after: int | None = 0
    while after is not None:
        with session_factory() as session, session.begin():
            after = Liandong(session, clock).management.sweep_stalled(after, batch)
