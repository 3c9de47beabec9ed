"""A time budget for one matter's step in the timer worker.

A step that never ends (a hang inside the engine or a library) would hold its matter's row lock, and
with it the rest of the worker's batch, for ever; after the worker is killed the next one would take
the same matter and hang too. The worker gives each matter a budget and sets aside (出错) a matter
that exceeds it. The alarm interrupts Python code between bytecodes, which is where the engine runs;
it needs the main thread (the worker's), and elsewhere the step runs unbudgeted.
"""
import signal
import threading
from contextlib import contextmanager

from .errors import LiandongError


class StepTooLong(LiandongError):
    status = 500


@contextmanager
def limit(seconds: float | None):
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum, _frame):
        raise StepTooLong(f"事项办理超过 {seconds:g} 秒仍未结束，定时器进程已将其搁置（出错），请管理员检查")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
