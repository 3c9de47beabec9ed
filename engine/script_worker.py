"""The worker process that runs diagram code under its budget (started by engine/script_pool.py).

Why a process: a loop in Python can be counted by a tracer, but C code called from a diagram
(`sorted` of a long list, `'a'.translate(…)`, `(0).to_bytes(10**9, 'big')`, `sum(range(10**12))`) runs
without a single bytecode, and only the operating system stops it. Each evaluation here runs:

- under a tracer that counts the lines, loop iterations and calls of diagram code (步数) and checks
  the clock at each (时间): Python loops, lambdas, comprehensions and recursion stop cleanly;
- under `ITIMER_REAL` with the default action of SIGALRM, which ends the process a little after the
  time limit whatever it is doing (the parent also kills it if no answer comes);
- under `RLIMIT_AS` set to what the process has now plus the memory budget (内存): an allocation past
  it fails with MemoryError;

and hands back only plain data of bounded size. The language itself (engine/restricted.py) has no
`try`, so diagram code cannot catch its own stop. The process starts with an empty environment (no
secrets) and reads requests on stdin, one pickled frame each, from the one process that started it.
"""
import os
import pickle
import resource
import signal
import struct
import sys
import time

from .budget import MEMORY, STEPS, TIME, Limits, SandboxRefusal, check_data
from .errors import ScriptError
from .restricted import FILENAME, compile_checked
from .restricted_guards import GUARDS, SizeRefused, builtins_table

HEADER = struct.Struct(">I")
MAX_FRAME = 128 * 1024 * 1024


def grace(limits: Limits) -> float:
    """How long past the time limit the kernel's alarm waits before ending the process."""
    return max(0.2, limits.seconds / 2)


# --- frames: a 4-byte length, then a pickle ---
def write_frame(fd: int, message) -> None:
    body = pickle.dumps(message, protocol=5)
    data = HEADER.pack(len(body)) + body
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exactly(fd: int, n: int, wait=None) -> bytes | None:
    """n bytes from fd, or None at end of file. `wait(fd)` is called before each read (a deadline)."""
    chunks, missing = [], n
    while missing:
        if wait is not None:
            wait(fd)
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_body(fd: int, wait=None) -> bytes | None:
    header = read_exactly(fd, HEADER.size, wait)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise SandboxRefusal(f"结果数据过大（{size} 字节）", MEMORY)
    return read_exactly(fd, size, wait)


# --- the budget inside this process ---
class BudgetStop(BaseException):
    """Raised by the tracer. A BaseException, so no `except Exception` in C code swallows it."""

    def __init__(self, limit: str):
        super().__init__(limit)
        self.limit = limit


class _Tracer:
    __slots__ = ("left", "deadline")

    def __init__(self, limits: Limits):
        self.left = limits.steps
        self.deadline = time.monotonic() + limits.seconds

    def __call__(self, frame, _event, _arg):
        if frame.f_code.co_filename != FILENAME:
            return None  # the guards and builtins' Python helpers are not diagram steps
        self.left -= 1
        if self.left < 0:
            raise BudgetStop(STEPS)
        if time.monotonic() > self.deadline:
            raise BudgetStop(TIME)
        return self


def _vm_bytes() -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


class _CallFailed(ScriptError):
    """A diagram function (run by the parent) refused its arguments."""


class Worker:
    def __init__(self, rfd: int = 0, wfd: int = 1):
        self.rfd, self.wfd = rfd, wfd
        self.baseline = self.vm = _vm_bytes()
        self.builtins = builtins_table()

    def serve(self) -> None:
        while True:
            body = read_body(self.rfd)
            if body is None:
                return  # the parent closed the pipe (or ended)
            reply = self.handle(pickle.loads(body))
            # grown since it started (as measured before this evaluation): a fresh process is cheaper
            # than a fragmented heap
            retire = self.vm - self.baseline > 64 * 1024 * 1024
            try:
                write_frame(self.wfd, (*reply, retire))
            except MemoryError:
                write_frame(self.wfd, ("refused", MEMORY, "结果数据过大", True))
            if retire:
                return

    def _function(self, name: str):
        def call(*args, **kwargs):
            try:
                check_data([args, kwargs])
            except SandboxRefusal:
                raise ScriptError(f"函数 {name} 的参数只能是文字、数字等数据") from None
            write_frame(self.wfd, ("call", name, args, kwargs))
            body = read_body(self.rfd)
            if body is None:
                sys.exit(0)
            outcome, value = pickle.loads(body)
            if outcome == "return":
                return value
            raise _CallFailed(value)
        call.__name__ = name
        return call

    def handle(self, request: dict) -> tuple:
        limits = Limits(*request["limits"])
        try:
            code, _ = compile_checked(request["source"], request["mode"])
        except ScriptError as err:
            return ("refused", None, err.message)
        functions = {name: self._function(name) for name in request["functions"]}
        external = request["external"]
        scope = self._scope(request, functions)
        outcome = self._execute(code, scope, request["mode"], limits)
        if outcome[0] != "done":
            return outcome
        value = outcome[1]
        if request["mode"] == "exec":
            value = {k: v for k, v in scope.items()
                     if k != "__builtins__" and k not in functions and k not in GUARDS and k not in external
                     and not callable(v)}
        del scope
        try:
            check_data(value)
        except SandboxRefusal as err:
            return ("refused", err.limit, err.detail)
        return ("done", value)

    def _scope(self, request: dict, functions: dict) -> dict:
        """An expression sees the data last; a script's own names cannot shadow the external ones."""
        table, external, context = self.builtins, request["external"], request["context"]
        if request["mode"] == "eval":
            return {**functions, **external, **context, **GUARDS, "__builtins__": table}
        return {**context, **functions, **GUARDS, "__builtins__": table, **external}

    def _execute(self, code, scope: dict, mode: str, limits: Limits) -> tuple:
        """Run the code under its memory, time and step budget: ("done", value) or what refused it."""
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        tracer = _Tracer(limits)
        try:
            self.vm = _vm_bytes()
            resource.setrlimit(resource.RLIMIT_AS, (self.vm + limits.memory_mb * 1024 * 1024, hard))
            signal.setitimer(signal.ITIMER_REAL, limits.seconds + grace(limits))
            sys.settrace(tracer)
            if mode == "eval":
                return ("done", eval(code, scope))
            exec(code, scope)
            return ("done", None)
        except BudgetStop as stop:
            return ("refused", stop.limit, limits.detail(stop.limit))
        except MemoryError:
            return ("refused", MEMORY, limits.detail(MEMORY))
        except RecursionError:
            return ("refused", STEPS, "调用嵌套过深")
        except SizeRefused as err:
            return ("refused", MEMORY, err.message)
        except _CallFailed as err:
            return ("failed", err.message)
        except ScriptError as err:
            return ("refused", None, err.message)
        except Exception as err:  # noqa: BLE001 — an ordinary error of the diagram's code, said as it is
            return ("error", type(err).__name__, str(err)[:500])
        finally:
            sys.settrace(None)
            signal.setitimer(signal.ITIMER_REAL, 0)
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for the server is the server's
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.setrecursionlimit(500)
    Worker().serve()
