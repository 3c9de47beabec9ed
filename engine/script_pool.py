"""The server's side of the script workers (engine/script_worker.py): start, ask, wait, kill.

Each process (web worker, timer worker, CLI) keeps a few idle workers and hands each evaluation to
one of them; a worker serves one evaluation at a time. The answer is awaited with a deadline a
little past the kernel alarm the worker set itself; a worker that does not answer by then is killed.
A worker that was stopped by its limits is replaced, and after a fork the child process starts its
own (the parent's pipes are closed in it, never used).

What comes back is unpickled with only plain data types allowed (no classes, no functions): a
worker whose sandbox was somehow escaped still cannot make this process run anything.
"""
import atexit
import io
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

from .budget import MEMORY, TIME, Limits, SandboxRefusal
from .errors import LiandongError, ScriptError
from .script_worker import read_body, write_frame, grace
import contextlib

ROOT = str(Path(__file__).resolve().parent.parent)
START = f"import sys; sys.path.insert(0, {ROOT!r}); from engine.script_worker import main; main()"
KEEP_IDLE = 2
_ALLOWED_CLASSES = {("datetime", n) for n in ("datetime", "date", "time", "timedelta", "timezone")}
_ALLOWED_CLASSES |= {("decimal", "Decimal"), ("builtins", "set"), ("builtins", "frozenset")}


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_CLASSES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


def _load(body: bytes):
    try:
        return _DataUnpickler(io.BytesIO(body)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as err:
        raise SandboxRefusal(f"沙箱进程返回的内容无法识别（{err}）") from None


class _Gone(Exception):
    """The worker ended (or was killed) before it answered."""


class ScriptWorker:
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", START], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env={"PATH": os.defpath, "LC_ALL": "C.UTF-8"}, cwd="/", close_fds=True,
        )
        self.owner = os.getpid()
        self.timed_out = False
        self.wfd, self.rfd = self.process.stdin.fileno(), self.process.stdout.fileno()
        _ALL.add(self)

    def ask(self, request: dict, functions: dict, limits: Limits):
        """Send one evaluation and answer its calls of diagram functions until it ends. Returns the
        worker's final message; raises _Gone if the worker ended without one."""
        deadline = time.monotonic() + limits.seconds + grace(limits) + 1.0

        def wait(fd):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.timed_out = True
                self.kill()
                raise _Gone("no answer")

        try:
            write_frame(self.wfd, request)
            while True:
                body = read_body(self.rfd, wait)
                if body is None:
                    raise _Gone("ended")
                message = _load(body)
                if message[0] != "call":
                    return message
                write_frame(self.wfd, self._call(functions, *message[1:]))
        except (BrokenPipeError, OSError) as err:
            raise _Gone(str(err)) from None

    @staticmethod
    def _call(functions: dict, name: str, args, kwargs):
        function = functions.get(name)
        if function is None:
            return ("raise", f"不允许调用函数 {name}")
        try:
            return ("return", function(*args, **kwargs))
        except LiandongError as err:
            return ("raise", err.message)
        except (TypeError, ValueError, OverflowError) as err:
            return ("raise", f"函数 {name} 的参数有误：{err}")

    def exit_status(self) -> int | None:
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.wait()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def close(self) -> None:
        """End an idle worker: closing its stdin is its signal to exit."""
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()


_ALL: "weakref.WeakSet[ScriptWorker]" = weakref.WeakSet()  # every worker this process started
_idle: list[ScriptWorker] = []
_lock = threading.Lock()


def _take() -> ScriptWorker:
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.owner == os.getpid() and worker.process.poll() is None:
                return worker
    return ScriptWorker()


def _give_back(worker: ScriptWorker) -> None:
    with _lock:
        if len(_idle) < KEEP_IDLE:
            _idle.append(worker)
            return
    worker.close()


def run(request: dict, functions: dict, limits: Limits):
    """The worker's final message for one evaluation: ("done", value), ("refused", limit, detail),
    ("failed", message) or ("error", type name, message). Raises SandboxRefusal when the worker had
    to be stopped from outside (时间, or 内存 when the kernel ended it)."""
    worker = _take()
    try:
        message = worker.ask(request, functions, limits)
    except _Gone:
        status = worker.exit_status()
        _give_back(ScriptWorker())  # its successor starts now, while this step unwinds
        if worker.timed_out or status == -signal.SIGALRM:
            raise SandboxRefusal(limits.detail(TIME), TIME) from None
        if status == -signal.SIGKILL:
            raise SandboxRefusal(limits.detail(MEMORY), MEMORY) from None
        raise ScriptError(f"表达式的运行进程意外结束（退出码 {status}）") from None
    except BaseException:
        worker.kill()
        raise
    *message, retire = message
    if retire:
        worker.close()
        _give_back(ScriptWorker())
    else:
        _give_back(worker)
    return tuple(message)


def _forget_after_fork() -> None:
    """In a forked child the parent's workers stay the parent's: never used here (their pipe
    copies close when the objects go). The lock may have been held by another thread at the fork."""
    global _idle, _lock
    for worker in list(_ALL):
        worker.owner = -1
    _idle, _lock = [], threading.Lock()


def _close_idle() -> None:
    """At exit: tell this process's idle workers to end (closing their stdin)."""
    with _lock:
        workers = [w for w in _idle if w.owner == os.getpid()]
        _idle.clear()
    for worker in workers:
        worker.close()


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(_close_idle)
