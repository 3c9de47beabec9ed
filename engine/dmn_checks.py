"""A DMN decision table checked at deployment as SpiffWorkflow will run it (issue 16 item 6).

SpiffWorkflow's DMN engine evaluates each input expression, each input entry combined with it
(`(input) == (entry)`, or `input entry` for an entry such as `> 5`, or the entry with `?` standing
for the input) and each output entry, through the project's script engine. Each of those is checked
here with the sandbox's rules (and tried under its budget when it needs no data), and the table's
shape is checked too, so a malformed table is refused with its element and line, not at run time.
"""
import re

from .bpmn_xml import XmlProblem
from .scripting import DeployTrials

SUPPORTED_HIT_POLICIES = {"UNIQUE", "COLLECT"}


def _local(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _child(element, name: str):
    return next((c for c in element if _local(c) == name), None)


def _text(element) -> str:
    node = _child(element, "text") if element is not None else None
    return (node.text or "").strip() if node is not None else ""


def _feel(entry: str) -> str | None:
    """Why an entry is FEEL (the DMN default language) and how to write it in Python."""
    if re.fullmatch(r"[\[(\]]\s*[^\]\[]+\.\.[^\]\[]+\s*[\])\[]", entry):
        return f"“{entry}”是 FEEL 的区间写法：单元格是 Python 表达式，写成 1 <= ? <= 5 这样（? 代表输入值）"
    if re.fullmatch(r"not\s*\(.*\)", entry):
        return f"“{entry}”是 FEEL 的否定写法：写成 ? not in (…) 或 ? != …（? 代表输入值）"
    if re.fullmatch(r"""("[^"]*"|'[^']*'|[\w.]+)(\s*,\s*("[^"]*"|'[^']*'|[\w.]+))+""", entry):
        return f"“{entry}”是 FEEL 的多值写法：写成 ? in ({entry})（? 代表输入值）"
    return None


def _entry_expression(input_expression: str, entry: str) -> str | None:
    """The expression SpiffWorkflow evaluates for an input entry (engine/DMNEngine.py), or None for
    an entry that matches anything."""
    if not entry or entry == "-":
        return None
    if "?" in entry:
        return entry.replace("?", "(0)")  # the input's value stands there; its own check is separate
    try:
        compile(entry, "<dmn>", "eval")
        return f"({input_expression}) == ({entry})"
    except SyntaxError:
        return f"{input_expression} {entry}"


def problems(root) -> list[XmlProblem]:
    """Every problem of a DMN file's decision table, each with its element and line."""
    checks = _Checks()
    for decision in (d for d in root.iter() if _local(d) == "decision"):
        _decision_problems(decision, checks)
    return checks.found


class _Checks:
    """The problems found so far, and the sandbox's trials of expressions."""

    def __init__(self) -> None:
        self.found: list[XmlProblem] = []
        self.trials = DeployTrials()

    def add(self, message: str, element, element_id: str | None = None) -> None:
        self.found.append(XmlProblem(message, element.sourceline, element_id or element.get("id")))

    def check(self, source: str, element, what: str) -> bool:
        """Whether `source` passes the sandbox's rules (an entry also must not be FEEL)."""
        feel = _feel(source) if what.startswith("条目") else None
        reasons = [feel] if feel else self.trials.problems(source, "eval")
        for reason in reasons:
            self.add(f"{what}：{reason}", element)
        return not reasons


def _decision_problems(decision, checks: _Checks) -> None:
    table = _child(decision, "decisionTable")
    if table is None:
        checks.add(f"决策“{decision.get('name') or decision.get('id')}”没有决策表（decisionTable）："
                   "Liandong 只执行决策表", decision)
        return
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in SUPPORTED_HIT_POLICIES:
        checks.add(f"命中策略 {policy} 不支持：hitPolicy 设为 UNIQUE（唯一命中）或 COLLECT（收集全部）", table)
    inputs, outputs, rules = _table_parts(table, checks)
    expressions = _input_expressions(inputs, checks)
    for element in outputs:
        if not (element.get("name") or "").strip():
            checks.add(f"输出“{element.get('label') or element.get('id')}”没有 name：name 是结果写入的"
                       "变量名，如 rule.sampling_ratio", element)
    for number, rule in enumerate(rules, 1):
        _rule_problems(number, rule, expressions, len(outputs), checks)


def _table_parts(table, checks: _Checks) -> tuple[list, list, list]:
    """The table's inputs, outputs and rules; anything else in it is a problem."""
    parts: dict[str, list] = {"input": [], "output": [], "rule": []}
    for element in table:
        kind = _local(element)
        if kind in parts:
            parts[kind].append(element)
        elif isinstance(element.tag, str):
            checks.add(f"决策表里的 {kind} 不支持：删除它（说明写在规则的 description 中）", element,
                       element.get("id") or table.get("id"))
    return parts["input"], parts["output"], parts["rule"]


def _input_expressions(inputs: list, checks: _Checks) -> list[str]:
    """Each input's expression as the entries of its column are combined with ("None" if it has a problem)."""
    expressions = []
    for element in inputs:
        expression_node = _child(element, "inputExpression")
        source = _text(expression_node)
        label = element.get("label") or element.get("id")
        if not source:
            checks.add(f"输入“{label}”没有输入表达式：在 inputExpression 的 text 中写 Python 表达式，"
                       "如 credit_grade", element)
        elif not checks.check(source, expression_node, f"输入“{label}”的表达式"):
            source = ""  # said once, not again with every entry of the column
        expressions.append(source or "None")
    return expressions


def _rule_problems(number: int, rule, expressions: list[str], outputs: int, checks: _Checks) -> None:
    entries = [c for c in rule if _local(c) == "inputEntry"]
    results = [c for c in rule if _local(c) == "outputEntry"]
    if len(entries) != len(expressions) or len(results) != outputs:
        checks.add(f"第 {number} 条规则有 {len(entries)} 个输入条目、{len(results)} 个输出条目，"
                   f"决策表有 {len(expressions)} 个输入、{outputs} 个输出：每条规则每列一个条目", rule)
        return
    for entry, source in zip(entries, expressions, strict=True):
        expression = _entry_expression(source, _text(entry))
        if expression is not None:
            checks.check(expression if not _feel(_text(entry)) else _text(entry), entry,
                         f"条目“{_text(entry)[:40]}”（第 {number} 条规则）")
    for result in results:
        if _text(result):
            checks.check(_text(result), result, f"输出条目（第 {number} 条规则）")
