"""The timer worker's round: fire due timers batch by batch, then record warning lights and apply
timeout actions batch by batch. Each batch is its own transaction, so several workers share the work,
no transaction holds many matters for long, and a failure loses at most one batch. `liandong timers`
runs it in a loop; tests run it after moving the clock."""
from .services import Liandong


def run_due(session_factory, clock=None, batch: int = 50) -> tuple[int, int]:
    """One round. Returns (matters whose timers fired, lights and timeout actions recorded)."""
    fired = 0
    while True:
        with session_factory() as session, session.begin():
            moved = Liandong(session, clock).management.fire_due_timers(batch)
        fired += moved
        if moved == 0:
            break
    with session_factory() as session, session.begin():
        attention = Liandong(session, clock).deadlines.needing_attention()
    swept = 0
    for start in range(0, len(attention), batch):
        with session_factory() as session, session.begin():
            swept += Liandong(session, clock).deadlines.sweep(attention[start:start + batch])
    return fired, swept
