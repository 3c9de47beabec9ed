"""The language of BPMN expressions and scripts: a restricted Python, compiled by RestrictedPython.

No imports, no underscore attributes or names, no `open`, no `while`, no `try`, no function or class
definitions; the functions a diagram may call are `ALLOWED_FUNCTIONS` (bound by the caller) and the
plain builtins of `PLAIN_BUILTINS`. Deployment refuses anything else, and nothing else is reachable
at run time. Refusals are in Chinese (RestrictedPython's own English messages are translated).

This module decides what may be written, not how long it may run: the budget of an evaluation is
enforced from outside the evaluated code (engine/script_worker.py), except for straight-line
expressions (`is_straight_line`), whose cost is bounded by their length and the size of the data.
The operators that make big values (`*`, `+`, `**`, `<<`, `%`) and the growing string methods still
refuse oversized results at once, so the common bombs get a precise message without waiting for a
limit. Imported by the worker process: keep it free of the database and the workflow engine.
"""
import ast
import re
from functools import lru_cache

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec

from .errors import ScriptError
from .restricted_guards import GUARDED_BINOPS, PLAIN_BUILTINS, check_spec_numbers

MAX_POWER = 64  # a constant exponent or shift written in a diagram
FILENAME = "<liandong>"  # the code objects of diagram code (the worker traces only these)

# What a diagram may call, with a word on each (shown to process owners in the modeler's help).
ALLOWED_FUNCTIONS = {
    "working_days_after": "第n个工作日结束时刻（起算日不计入）",
    "calendar_days_after": "第n个自然日结束时刻（起算日不计入；末日为法定休假日的顺延至其后第一个工作日）",
    "working_days_between": "两日之间的工作日数",
    "is_working_day": "是否法定工作日",
    "now": "当前时刻",
    "today": "今天（北京时间）",
}


# --- compiling ---
class _Transformer(RestrictingNodeTransformer):
    """RestrictedPython's rules, and the size-changing operators routed through `_binop_`."""

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        op = GUARDED_BINOPS.get(type(node.op))
        if op is None:
            return node
        func = ast.copy_location(ast.Name("_binop_", ast.Load()), node)
        call = ast.Call(func=func, args=[ast.copy_location(ast.Constant(op), node), node.left, node.right], keywords=[])
        return ast.copy_location(call, node)


class _Policy(ast.NodeVisitor):
    """Constructs RestrictedPython allows but a diagram has no business using. `try` and `with`
    are among them: an evaluation stopped by its budget must not be able to catch the stop."""

    def __init__(self, callable_names: set[str]):
        self.callable_names = callable_names
        self.problems: list[str] = []

    def _refuse(self, node, what: str) -> None:
        self.problems.append(f"第{getattr(node, 'lineno', 1)}行：{what}")

    def visit_While(self, node):
        self._refuse(node, "不允许使用 while 循环")

    def visit_Try(self, node):
        self._refuse(node, "不允许使用 try 语句")

    visit_TryStar = visit_Try

    def visit_With(self, node):
        self._refuse(node, "不允许使用 with 语句")

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id not in self.callable_names:
            self._refuse(node, f"不允许调用函数 {node.func.id}")
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        self._refuse(node, "不允许在脚本中定义函数")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._refuse(node, "不允许在脚本中定义类")

    def visit_Import(self, node):
        self._refuse(node, "不允许导入模块")

    visit_ImportFrom = visit_Import

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Pow | ast.LShift):
            right = node.right
            if isinstance(node.op, ast.Pow) and isinstance(right, ast.BinOp) and isinstance(right.op, ast.Pow):
                self._refuse(node, "不允许连续乘方（如 10**10**10）")
            elif isinstance(right, ast.Constant) and isinstance(right.value, int) and right.value > MAX_POWER:
                self._refuse(node, f"指数或移位过大（{right.value}，上限 {MAX_POWER}）")
        self.generic_visit(node)

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if any(not isinstance(p, ast.Constant) for p in parts):
                self._refuse(node, "f 字符串的格式说明不能含表达式")
            else:
                try:
                    check_spec_numbers("".join(str(p.value) for p in parts))
                except ScriptError as err:
                    self._refuse(node, err.message)
        self.generic_visit(node)


# RestrictedPython's messages, in Chinese (deployment messages are read by process owners).
_NODE_NAMES = {
    "Try": "try 语句", "TryStar": "try 语句", "Nonlocal": "nonlocal 语句", "Global": "global 语句",
    "Yield": "yield", "YieldFrom": "yield from", "Await": "await", "AsyncFor": "async for",
    "AsyncWith": "async with", "AsyncFunctionDef": "async def", "Match": "match 语句", "Interactive": "交互模式",
}
_RESTRICTED_MESSAGES = [
    (r'"(?P<n>.*)" is an invalid variable name because it starts with "_"', "不允许使用以下划线开头的名称 {n}"),
    (r'"(?P<n>.*)" is an invalid variable name because it ends with "__roles__"', "不允许使用名称 {n}"),
    (r'"(?P<n>.*)" is a reserved name', "名称 {n} 是保留字，不允许使用"),
    (r'"(?P<n>.*)" is an invalid attribute name because it starts with "_"', "不允许访问以下划线开头的属性 {n}"),
    (r'"(?P<n>.*)" is an invalid attribute name because it ends with "__roles__"', "不允许访问属性 {n}"),
    (r'"(?P<n>.*)" is a restricted name', "不允许访问属性 {n}"),
    (r"(?P<n>\w+) statements are not allowed", "不允许使用{node}"),
    (r"Exec calls are not allowed", "不允许调用 exec"),
    (r"Eval calls are not allowed", "不允许调用 eval"),
    (r"Unpacking in comprehensions is not allowed", "推导式中不允许解包"),
    (r"Augmented assignment of attributes is not allowed", "不允许对属性做增量赋值"),
    (r"Augmented assignment of object items and slices is not allowed", "不允许对下标或切片做增量赋值"),
    (r'The keyword argument "metaclass" is not allowed', "不允许使用 metaclass"),
    (r"Assignment expressions are only allowed for simple targets", "赋值表达式只能赋给简单名称"),
    (r"(Lazy|\"\*\") imports? (statements )?are not allowed", "不允许导入模块"),
]


def chinese(error: str) -> str:
    """One RestrictedPython error ('Line 3: … is not allowed.') as a Chinese message."""
    match = re.match(r"Line (\d+|None): (.*)", error)
    line, text = (match.group(1), match.group(2)) if match else ("1", error)
    where = f"第{line if line != 'None' else 1}行："
    for pattern, message in _RESTRICTED_MESSAGES:
        found = re.search(pattern, text)
        if found:
            values = found.groupdict()
            node = _NODE_NAMES.get(values.get("n", ""), "该语法")
            return where + message.format(n=values.get("n", ""), node=node)
    return where + "不允许的写法"


_SYNTAX_MESSAGES = [
    ("unterminated string", "字符串缺少结束引号"), ("unterminated triple-quoted", "字符串缺少结束引号"),
    ("was never closed", "括号没有闭合"), ("does not match opening", "括号不匹配"), ("unmatched", "括号不匹配"),
    ("indent", "缩进有误"), ("expected ':'", "缺少冒号"), ("invalid character", "含有无效字符"),
    ("unexpected EOF", "表达式不完整"), ("Perhaps you forgot a comma", "可能缺少逗号"),
    ("cannot assign", "不能给该内容赋值"), ("invalid decimal literal", "数字写法有误"),
]


def _syntax_message(err: SyntaxError) -> str:
    for needle, message in _SYNTAX_MESSAGES:
        if needle in (err.msg or ""):
            return f"语法错误：第{err.lineno}行 {message}"
    return (f"语法错误：第{err.lineno}行第{err.offset or 1}列不是有效的 Python 写法：检查该处的运算符、括号和引号"
            "（如 amount > 1000 and status == 'approved'）")


@lru_cache(maxsize=4096)  # checking and compiling one expression both need it: transform once
def _restricted(source: str, mode: str):
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    return compiler(source, filename=FILENAME, policy=_Transformer)


def check_source(source: str, mode: str) -> list[str]:
    """Problems that make an expression (`eval`) or script (`exec`) unacceptable; empty if fine."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        return [_syntax_message(err)]
    except (ValueError, MemoryError, RecursionError) as err:  # NUL bytes, absurd nesting
        return ["无法解析：含有空字符或嵌套过深" if not isinstance(err, MemoryError) else "无法解析：表达式过大"]
    policy = _Policy(set(ALLOWED_FUNCTIONS) | PLAIN_BUILTINS)
    try:
        compiled = _restricted(source, mode)
        policy.visit(tree)
    except RecursionError:
        return ["表达式嵌套过深"]
    return [chinese(e) for e in compiled.errors] + policy.problems


@lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str):
    """(code object, straight-line?) of an acceptable expression or script; ScriptError otherwise."""
    problems = check_source(source, mode)
    if problems:
        raise ScriptError("表达式不被允许：" + "；".join(problems), source=source)
    return _restricted(source, mode).code, mode == "eval" and is_straight_line(ast.parse(source, mode=mode))


# --- expressions that need no budget ---
# Built-ins whose work is at most proportional to the size of their arguments.
_LINEAR_CALLS = {"len", "abs", "bool", "int", "float", "str", "min", "max", "any", "all", "isinstance", "sum"}
_LINEAR_METHODS = {"strip", "lstrip", "rstrip", "lower", "upper", "keys", "values", "items", "isdigit"}  # no args
_LOOKUP_METHODS = {"get", "startswith", "endswith"}  # one or two arguments
_LINEAR_BINOPS = (ast.Add, ast.Sub, ast.Div, ast.FloorDiv, ast.BitAnd, ast.BitOr, ast.BitXor, ast.RShift)
_PLAIN_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Invert,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
    ast.IfExp, ast.Constant, ast.Name, ast.Load, ast.Attribute, ast.Subscript, ast.Slice,
    ast.List, ast.Tuple, ast.Set, ast.Dict, ast.JoinedStr,
)


_PLAIN_OR_OPERATOR = (ast.operator, *_PLAIN_NODES)  # an operator is checked with its BinOp


def is_straight_line(tree: ast.AST) -> bool:
    """An expression with no loop, comprehension, lambda or call other than linear built-ins, the
    diagram's functions and lookups, and no operator that multiplies sizes. Each node runs once and
    makes a value at most as big as its operands together, so the whole costs at most its length
    times the size of the data it reads: it runs in the server's process with no budget. Anything
    else runs in the worker under the budget."""
    return all(_is_linear_node(node) for node in ast.walk(tree))


def _is_linear_node(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _LINEAR_BINOPS)
    if isinstance(node, ast.Call):
        return _is_linear_call(node)
    if isinstance(node, ast.FormattedValue):
        return node.format_spec is None
    return isinstance(node, _PLAIN_OR_OPERATOR)


def _is_linear_call(node: ast.Call) -> bool:
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in _LINEAR_CALLS or func.id in ALLOWED_FUNCTIONS
    if isinstance(func, ast.Attribute):
        return ((func.attr in _LINEAR_METHODS and not node.args)
                or (func.attr in _LOOKUP_METHODS and 1 <= len(node.args) <= 2))
    return False
