"""The budget of one evaluation of a diagram's expression or script, and its refusals.

Three limits, each enforced from outside the evaluated code by the worker process
(engine/script_worker.py): wall time (时间), interpreter steps — lines, loop iterations and calls of
diagram code — (步数) and memory (内存). Defaults suit a step of a matter; `LIANDONG_SCRIPT_SECONDS`,
`LIANDONG_SCRIPT_STEPS` and `LIANDONG_SCRIPT_MEMORY_MB` change them (tests set small ones).
Imported by the worker process: keep it free of the database and the workflow engine.
"""
import datetime
import decimal
import os
from dataclasses import dataclass

from .errors import ScriptError

TIME, STEPS, MEMORY = "时间", "步数", "内存"
MAX_DATA_ITEMS = 200_000  # values (strings, numbers, list items…) an evaluation may hand back, counted as written out
MAX_DATA_CHARS = 10_000_000  # characters of the strings and bytes among them
MAX_DATA_DEPTH = 50
MAX_INSTANCES = 1000  # instances of a multi-instance task, passes of a loop task (loopMaximum)
DATA_TYPES = (type(None), bool, int, float, str, bytes, list, tuple, dict, set, frozenset,
              datetime.date, datetime.time, datetime.timedelta, decimal.Decimal)


@dataclass(frozen=True)
class Limits:
    seconds: float = 2.0
    steps: int = 1_000_000
    memory_mb: int = 256

    @classmethod
    def current(cls) -> "Limits":
        """The limits in force, read from the environment each time (cheap; tests change it)."""
        env = os.environ
        key = (env.get("LIANDONG_SCRIPT_SECONDS"), env.get("LIANDONG_SCRIPT_STEPS"), env.get("LIANDONG_SCRIPT_MEMORY_MB"))
        cached = _CURRENT.get(key)
        if cached is None:
            default = cls()
            cached = _CURRENT[key] = cls(
                seconds=float(key[0]) if key[0] else default.seconds,
                steps=int(key[1]) if key[1] else default.steps,
                memory_mb=int(key[2]) if key[2] else default.memory_mb,
            )
        return cached

    def detail(self, limit: str) -> str:
        return {TIME: f"运行超过 {self.seconds:g} 秒", STEPS: f"运算超过 {self.steps} 步",
                MEMORY: f"占用内存超过 {self.memory_mb} MB"}[limit]


_CURRENT: dict[tuple, Limits] = {}


class SandboxRefusal(ScriptError):
    """The sandbox stopped or refused an evaluation. `limit` is 时间, 步数 or 内存 when a budget was
    exhausted (None for a construct refused at run time); `where` names the element once known."""

    def __init__(self, detail: str, limit: str | None = None, where: str = "", instance_id: int | None = None):
        self.detail, self.limit, self.where = detail, limit, where
        super().__init__(self._compose(), limit=limit, where=where, instance_id=instance_id)

    def _compose(self) -> str:
        head = f"{self.where}：" if self.where else ""
        if self.limit:
            return f"{head}表达式超出{self.limit}限制（{self.detail}），已中止"
        return f"{head}{self.detail}"

    def located(self, where: str, instance_id: int | None) -> "SandboxRefusal":
        """The same refusal, naming the element (and the matter) it happened in."""
        if self.where:
            return self
        return SandboxRefusal(self.detail, self.limit, where, instance_id)

    @property
    def instance_id(self) -> int | None:
        return self.details.get("instance_id")


_SCALARS = {type(None), bool, int, float, datetime.date, datetime.datetime, datetime.time, datetime.timedelta,
            decimal.Decimal}
_CONTAINERS = {list, tuple, set, frozenset}


def check_data(value) -> None:
    """Refuse a value handed back by an evaluation unless it is plain data of bounded size. Counts
    every reference, so a list holding one big string a million times is as big as it prints.
    Walks one level at a time (no per-item bookkeeping: this runs after every script)."""
    items = chars = depth = 0
    level = [value]
    while level:
        depth += 1
        items += len(level)
        if items > MAX_DATA_ITEMS:
            raise _too_many()
        if depth > MAX_DATA_DEPTH:
            raise SandboxRefusal(f"结果数据嵌套过深（超过 {MAX_DATA_DEPTH} 层）", MEMORY)
        below: list = []
        chars += _walk_level(level, below)
        if len(below) > MAX_DATA_ITEMS:
            raise _too_many()
        if chars > MAX_DATA_CHARS:
            raise SandboxRefusal(f"结果数据过大（超过 {MAX_DATA_CHARS} 个字符）", MEMORY)
        level = below


def _too_many() -> SandboxRefusal:
    return SandboxRefusal(f"结果数据过多（超过 {MAX_DATA_ITEMS} 项）", MEMORY)


def _walk_level(level: list, below: list) -> int:
    """Put the items one level down into `below`; return the characters of this level's strings.
    Exact built-in types first: they are nearly all there is, and a type test is cheapest."""
    chars = 0
    for item in level:
        kind = type(item)
        if kind is str or kind is bytes:
            chars += len(item)
        elif kind is dict or kind in _CONTAINERS:
            if kind is dict:
                below += item.keys()
                below += item.values()
            else:
                below += item
            if len(below) > MAX_DATA_ITEMS:
                raise _too_many()
        elif kind not in _SCALARS:
            chars += _walk_subclass(item, below)
    return chars


def _walk_subclass(item, below: list) -> int:
    """An instance of a subclass of a data type (or not data at all, refused)."""
    if not isinstance(item, DATA_TYPES):
        raise SandboxRefusal(f"结果不是数据（{type(item).__name__}），只能是文字、数字、列表、字典等")
    if isinstance(item, str | bytes):
        return len(item)
    if isinstance(item, dict):
        below += item.keys()
        below += item.values()
    elif isinstance(item, list | tuple | set | frozenset):
        below += item
    return 0
