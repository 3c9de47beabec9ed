"""What SpiffWorkflow says of a deployment, in Chinese with the line and the element.

The OMG BPMN 2.0 schema reports every violation (SpiffWorkflow's validator raised only the last
one, in libxml2's English); the parser stops at its first complaint, so the project's own checks
run before it and name most problems themselves. A parser complaint about an element that already
has a message is not repeated.
"""
import logging
import re
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import BpmnValidator, SpiffBpmnParser

from .bpmn_xml import NS

log = logging.getLogger(__name__)
MAX_SCHEMA_MESSAGES = 50
_VALIDATOR: BpmnValidator | None = None


def _validator() -> BpmnValidator:
    global _VALIDATOR
    if _VALIDATOR is None:  # reading the schema takes a while: once per process
        _VALIDATOR = BpmnValidator()
    return _VALIDATOR


_WELL_FORMED_ID = re.compile(r"[A-Za-z_][\w.-]*", re.ASCII)


def _short(name: str) -> str:
    return re.sub(r"\{([^}]*)\}", lambda m: {NS["bpmn"]: "bpmn:", NS["bpmndi"]: "bpmndi:"}.get(m.group(1), ""), name)


_SCHEMA_TEXTS = [
    (r"Element '([^']+)', attribute '([^']+)': The attribute '[^']+' is not allowed\.",
     lambda m: f"元素 {_short(m[1])} 不允许有属性 {m[2]}（BPMN 2.0 规范）：请删除该属性"),
    (r"Element '([^']+)', attribute '([^']+)': '([^']*)' is not a valid value of the atomic type 'xs:ID'\.",
     lambda m: f"{_short(m[1])} 的 {m[2]} “{m[3]}”" + (  # libxml2 says the same of a well-formed id used twice
         "已被另一个元素使用：每个元素的 id 须不同，请改用一个新的 id" if _WELL_FORMED_ID.fullmatch(m[3]) else
         "不是合法的 id：须以字母或下划线开头，只含字母、数字、_、-、.，不含空格")),
    (r"Element '([^']+)', attribute '([^']+)': '([^']*)' is not a valid value of the atomic type '([^']+)'\.",
     lambda m: f"{_short(m[1])} 的属性 {m[2]} 的值“{m[3]}”格式不对（应为 {m[4]}）"),
    (r"Element '([^']+)', attribute '([^']+)': \[facet 'enumeration'\] The value '([^']*)' is not an element of the set \{(.*)\}\.",
     lambda m: f"{_short(m[1])} 的属性 {m[2]} 只能取 {m[4]}，实际为“{m[3]}”"),
    (r"Element '([^']+)': The attribute '([^']+)' is required but missing\.",
     lambda m: f"元素 {_short(m[1])} 缺少必需的属性 {m[2]}"),
    (r"Element '([^']+)': This element is not expected\. Expected is (?:one of )?\( (.*) \)\.",
     lambda m: f"元素 {_short(m[1])} 不能出现在这里（BPMN 2.0 规范）：这里可以是 {_short(m[2])}"),
    (r"Element '([^']+)': This element is not expected\.",
     lambda m: f"元素 {_short(m[1])} 不能出现在这里（BPMN 2.0 规范）：请移到正确的位置或删除"),
    (r"Element '([^']+)': Missing child element\(s\)\. Expected is (?:one of )?\( (.*) \)\.",
     lambda m: f"元素 {_short(m[1])} 缺少子元素：需要 {_short(m[2])}"),
    (r"Element '([^']+)': Character content other than whitespace is not allowed.*",
     lambda m: f"元素 {_short(m[1])} 里不能直接写文字：请把文字放进相应的子元素或删除"),
    (r"Element '([^']+)': '([^']*)' is not a valid value of the atomic type '([^']+)'\.",
     lambda m: f"元素 {_short(m[1])} 的内容“{m[2]}”格式不对（应为 {m[3]}）"),
    (r"Element '([^']+)'(?:, attribute '([^']+)')?: \[facet '([^']+)'\] The value '([^']*)' .*",
     lambda m: f"{_short(m[1])}{' 的属性 ' + m[2] if m[2] else ''} 的值“{m[4]}”不符合规范的取值（{m[3]}）"),
    (r"Element '([^']+)', attribute '([^']+)': The QName value '([^']*)' has no corresponding namespace declaration in scope\.",
     lambda m: f"{_short(m[1])} 的属性 {m[2]} 的值“{m[3]}”用了未声明的前缀：在根元素上声明该前缀，或去掉前缀"),
    (r"Element '([^']+)': Duplicate key-sequence \[([^\]]*)\].*",
     lambda m: f"{_short(m[1])} 的 id {m[2]} 重复：每个元素的 id 须不同"),
    (r"Element '([^']+)': No match found for key-sequence \[([^\]]*)\].*",
     lambda m: f"{_short(m[1])} 引用的 {m[2]} 在文件中不存在：改正该引用"),
    (r"Element '([^']+)': The content is not valid\. Expected is (?:one of )?\( (.*) \)\.",
     lambda m: f"元素 {_short(m[1])} 的子元素不完整（BPMN 2.0 规范）：需要 {_short(m[2])}"),
    (r"Element '([^']+)': Element content is not allowed.*",
     lambda m: f"元素 {_short(m[1])} 里只能写文字，不能有子元素：删去其中的子元素"),
]


def _schema_text(message: str) -> str:
    for pattern, say in _SCHEMA_TEXTS:
        match = re.fullmatch(pattern, message.strip())
        if match:
            return say(match)
    element = re.match(r"Element '([^']+)'", message.strip())
    log.warning("BPMN schema complaint without a Chinese text: %s", message.strip())
    return (f"{'元素 ' + _short(element[1]) + ' ' if element else ''}不符合 BPMN 2.0 规范：请在 Camunda Modeler 或本系统的"
            "建模器中打开该文件、检查这个元素后重新保存（建模器写出的文件符合规范）")


def _at_line(root, line: int, tag: str | None):
    """The element an error at this line concerns (by tag when several start on it), else its owner."""
    candidates = [e for e in root.iter() if isinstance(e.tag, str) and e.sourceline == line]
    chosen = next((e for e in candidates if tag and e.tag == tag), candidates[0] if candidates else None)
    while chosen is not None and chosen.get("id") is None:
        chosen = chosen.getparent()
    return chosen.get("id") if chosen is not None else None


def schema_problems(root, filename: str) -> list[dict]:
    """Every violation of the OMG BPMN 2.0 schema (SpiffWorkflow's copy), each with line and element."""
    validator = _validator()
    validator.preprocess(root)  # bpmn-js writes message correlations the schema refuses; SpiffWorkflow fixes them
    schema = validator.validator
    if schema.validate(root):
        return []
    entries = list(schema.error_log)
    problems = []
    for entry in entries[:MAX_SCHEMA_MESSAGES]:
        tag = re.match(r"Element '([^']+)'", entry.message)
        problems.append({"file": filename, "line": entry.line,
                         "element": _at_line(root, entry.line, tag[1] if tag else None),
                         "reason": _schema_text(entry.message)})
    if len(entries) > MAX_SCHEMA_MESSAGES:
        problems[-1]["reason"] += f"（另有 {len(entries) - MAX_SCHEMA_MESSAGES} 处不符合规范，改正以上各处后再校验）"
    return problems


_PARSER_TEXTS = [
    (r"Process (.*) is not executable\.", "流程 {0} 未设为可执行：在 bpmn:process 上设置 isExecutable=\"true\""),
    (r"No start event found", "流程没有开始事件：加一个开始事件（startEvent）并连到第一步"),
    (r"There is no support implemented for this task type\.", "Liandong 不支持这种元素（{tag}）：请改用用户任务、脚本任务、"
                                                               "服务任务、调用活动、子流程或网关"),
    (r"A SubWorkflow Must contain an End event", "子流程里没有结束事件：在子流程内加一个结束事件"),
    (r"A SubWorkflow Must contain a Start event", "子流程里没有开始事件：在子流程内加一个开始事件"),
    (r"Duplicate process ID: (.*)", "流程 id {0} 重复：每个流程的 id 须不同"),
    (r"Cannot resolve dataInputAssociation (.*)", "数据输入关联（dataInputAssociation）引用的数据对象不存在：改正它的 "
                                                  "sourceRef，使之是流程中某个数据对象（dataObjectReference）的 id"),
    (r"Cannot resolve dataOutputAssociation (.*)", "数据输出关联（dataOutputAssociation）引用的数据对象不存在：改正它的 "
                                                   "targetRef，使之是流程中某个数据对象（dataObjectReference）的 id"),
    (r"Expected a Signal node", "信号事件引用的信号（bpmn:signal）不存在：在文件中定义该信号，或改正 signalRef"),
    (r"Expected a Message node", "消息事件引用的消息（bpmn:message）不存在：在文件中定义该消息，或改正 messageRef"),
    (r"Expected an Error node", "错误事件引用的错误（bpmn:error）不存在：在文件中定义该错误，或改正 errorRef"),
    (r"Expected an Escalation node", "升级事件引用的升级（bpmn:escalation）不存在：在文件中定义它，或改正 escalationRef"),
    (r"Conditional event definition with missing condition", "条件事件没有条件：在 bpmn:condition 中写 Python 条件"),
    (r"The process '(.*)' was not found\..*", "找不到流程 {0}：调用活动的 calledElement 须是已部署流程的 id"),
    (r"Sequential ordering for ad hoc subprocesses not supported", "不支持顺序执行的临时子流程：把 ordering 设为 Parallel"),
    (r"Ad hoc subprocesses may not contain start or end events", "临时子流程里不能有开始或结束事件"),
    (r"Cancel Events may only be used with transactions", "取消事件只能用在事务子流程（bpmn:transaction）里：把它所在的"
                                                          "子流程改为事务子流程，或改用错误事件、结束事件"),
    (r'No DMN Diagram available with id "(.*)", Available DMN ids are: ?(.*)',
     "业务规则任务调用的决策表 {0} 尚未部署：把定义 id 为 {0} 的 .dmn 文件和本文件一起部署，或改正 calledDecisionId"),
    (r"A multiinstance task must specify a cardinality or a loop input data reference",
     "多实例任务既没有要遍历的集合（loopDataInputRef）也没有实例个数（loopCardinality）：设置其中之一"),
    (r"A multiinstance task must specify exactly one of cardinality or loop input data reference",
     "多实例任务不能同时设置集合（loopDataInputRef）和实例个数（loopCardinality）：只保留其中之一"),
    (r"A loopMaximum or loopCondition must be specified for Loop Tasks",
     "循环任务须设置循环条件（loopCondition，Python 表达式）或最多次数（loopMaximum）"),
    (r'No "calledElement" attribute for Call Activity', "调用活动没有设置被调用的流程：在 calledElement 中填写已部署流程的 id"),
    (r"Multiple outgoing flows are not supported for tasks of type", "这种元素只能有一条连出的顺序流：多条分支请在它后面加网关"),
    (r"When looking for a task spec, we found two items, perhaps a form has the same ID\? \((.*)\)",
     "连出的顺序流指向的元素“{0}”不存在，或有两个元素用了这个 id：改正顺序流的 targetRef，或在建模器中重新连线"),
]


# Parser complaints the project's own checks already make, with the element (bpmn_checks.py): once
# those have spoken, the parser's version adds nothing.
COVERED = [r"Data Store with name .* has no implementation\.?", r"The process '.*' was not found\..*",
           r"A Service Task must have an operator\.?", r"Unknown Time Specification", r"Time Specification Error\..*",
           r'No DMN Diagram available with id ".*", Available DMN ids are: ?.*',
           r'No "calledElement" attribute for Call Activity\.?',
           r"When looking for a task spec, we found two items, perhaps a form has the same ID\? \(.*\)\.?"]


def covered(err: Exception) -> bool:
    message = str(err).split("\n")[0].strip()
    return any(re.fullmatch(pattern, message) for pattern in COVERED)


def parser_text(err: ValidationException) -> str:
    message = str(err).split("\n")[0].strip().rstrip(".")
    for pattern, say in _PARSER_TEXTS:
        match = re.fullmatch(pattern, message) or re.fullmatch(pattern, message + ".")
        if match:
            return "流程无法解析：" + say.format(*match.groups(), tag=getattr(err, "tag", "") or "")
    log.warning("SpiffWorkflow complaint without a Chinese text: %s", message)
    return ("流程无法解析：这个元素的写法 SpiffWorkflow 引擎不能运行。请对照 processes/README.md 检查它的类型和设置"
            "（支持的元素：用户任务、脚本任务、服务任务、业务规则任务、调用活动、子流程、网关、定时器/消息/信号事件）")


def parser_problem(err: Exception, filename: str, roots: dict[str, Any]) -> dict:
    """One problem for the parser's complaint; its line is looked up by element id (SpiffWorkflow
    reads a line attribute lxml does not have)."""
    if not isinstance(err, ValidationException):  # a parser crash: its Python text means nothing to an owner
        log.warning("SpiffWorkflow parser failed on %s: %r", filename, err)
        root = roots.get(filename)
        process = next(iter(root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS)), None) if root is not None else None
        return {"file": filename, "line": process.sourceline if process is not None else None,
                "element": process.get("id") if process is not None else None,
                "reason": "流程无法解析：SpiffWorkflow 引擎读取这个流程时出错。请检查流程中各元素的引用（顺序流的起点和终点、"
                          "附着的任务、消息和信号的引用）是否都指向文件中存在的元素，或在建模器中打开后重新保存"}
    file_name = getattr(err, "file_name", None) or filename
    element = getattr(err, "id", None) or None
    line = getattr(err, "line_number", None) or None
    root = roots.get(file_name)
    if element and not line and root is not None:
        found = next((e for e in root.iter() if isinstance(e.tag, str) and e.get("id") == element), None)
        line = found.sourceline if found is not None else None
    return {"file": file_name, "line": line, "element": element, "reason": parser_text(err)}


def new_parser() -> SpiffBpmnParser:
    return SpiffBpmnParser()  # the schema was checked already, with every error (schema_problems)

