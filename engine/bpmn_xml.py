"""Reading uploaded XML safely, and the project's rules for a BPMN file.

Parsing never loads a DTD, resolves an entity or touches the network; a document type declaration
is refused outright (XXE, billion laughs). Size and depth are capped before SpiffWorkflow sees it.
"""
import ast

from lxml import etree

from . import file_messages, specs, timers
from .foreign_syntax import cron_timer, foreign_expression
from .budget import MAX_INSTANCES
from .scripting import DeployTrials

MAX_BYTES = 2_000_000
MAX_DEPTH = 60

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
FLOW_NODES = ["startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway", "transaction", "adHocSubProcess"]

ACTIVITIES = ["task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
              "callActivity", "subProcess", "transaction", "adHocSubProcess"]


class XmlProblem(Exception):
    def __init__(self, reason: str, line: int | None = None, element: str | None = None):
        super().__init__(reason)
        self.reason, self.line, self.element = reason, line, element


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_pis=True,
    )


def parse_safely(content: bytes) -> etree._Element:
    if len(content) > MAX_BYTES:
        raise XmlProblem(f"文件过大（{len(content)} 字节，上限 {MAX_BYTES}）")
    head = content[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in content.lower():
        raise XmlProblem("不接受包含文档类型声明（DOCTYPE/ENTITY）的文件")
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as err:  # libxml2's English, said in Chinese with the nearest element
        raise XmlProblem(*file_messages.xml_syntax(err, content)) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise XmlProblem("不接受包含文档类型声明的文件")
    depth = _depth(root)
    if depth > MAX_DEPTH:
        raise XmlProblem(f"XML 嵌套层数过深（{depth} 层，上限 {MAX_DEPTH}）")
    return root


def _depth(root) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if d <= MAX_DEPTH:
            stack.extend((child, d + 1) for child in node)
    return deepest


def properties(element) -> dict[str, str]:
    return {
        p.get("name"): p.get("value", "")
        for p in element.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    }


def describe_bpmn(root) -> dict:
    """What the engine and the pages need to know about a BPMN file, read once at deployment."""
    processes = root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS)
    if len(processes) != 1:
        first = next(iter(root.iter("{%s}process" % NS["bpmn"])), root)
        raise XmlProblem(f"每个文件须恰好包含一个可执行流程（isExecutable=\"true\"），实际 {len(processes)} 个：在要运行的"
                         "流程上设置 isExecutable=\"true\"，其余流程放到别的文件", first.sourceline, first.get("id"))
    process = processes[0]
    if not (process.get("id") or "").strip():  # the id is the procedure's key: versions are stored under it
        raise XmlProblem("可执行流程没有 id：在 bpmn:process 上设置 id，用英文标识，如 p14_leave_request", process.sourceline)
    lanes_by_node, lanes = {}, {}
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        props = properties(lane)
        info = {"id": lane.get("id"), "name": lane.get("name", ""), **props, "line": lane.sourceline}
        lanes[lane.get("id")] = info
        for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS):
            lanes_by_node[(ref.text or "").strip()] = lane.get("id")  # an empty one: the schema check names it
    user_tasks = {}
    for task in process.iter("{%s}userTask" % NS["bpmn"], "{%s}manualTask" % NS["bpmn"]):
        props = properties(task)
        user_tasks[task.get("id")] = {"name": task.get("name", ""), **props, "line": task.sourceline}
        if props.get("role"):  # a task that says itself who does it (a diagram without lanes, e.g. from Camunda)
            lanes[task.get("id")] = {"id": task.get("id"), "name": task.get("name", ""), "line": task.sourceline,
                                     **{k: props[k] for k in ("role", "department", "assignee", "candidates") if k in props}}
            lanes_by_node[task.get("id")] = task.get("id")
    calls = sorted({c.get("calledElement").strip() for c in process.xpath(".//bpmn:callActivity", namespaces=NS)
                    if (c.get("calledElement") or "").strip()})
    decisions = sorted({  # an empty one is named by bpmn_checks.decision_problems
        (d.get("value") or d.text or "").strip()
        for d in process.xpath(".//bpmn:businessRuleTask/bpmn:extensionElements/spiffworkflow:calledDecisionId",
                               namespaces=NS)
    } - {""})
    doc = process.xpath("./bpmn:documentation/text()", namespaces=NS)
    starts = process.xpath("./bpmn:startEvent", namespaces=NS)
    start = starts[0] if len(starts) == 1 else None
    return {
        "start_event": start.get("id") if start is not None else None,
        "start_form": properties(start).get("form") if start is not None else None,
        "start_lane": lanes_by_node.get(start.get("id")) if start is not None else None,
        "process_id": process.get("id"),
        "name": process.get("name", process.get("id")),
        "documentation": doc[0].strip() if doc else "",
        "lanes": lanes,
        "lanes_by_node": lanes_by_node,
        "user_tasks": user_tasks,
        "calls": calls,
        "decisions": decisions,
        # a deadline of the whole matter (e.g. P11's 90 days from filing), shown on the matter's pages
        "matter_deadline": {k: v for k, v in properties(process).items()
                            if k in ("matter_deadline", "matter_deadline_label")},
    }


def rule_problems(root, meta: dict, known_forms: set[str]) -> list[XmlProblem]:
    """The project's rules: lanes map to roles, user tasks have forms, everything is drawn,
    every expression stays inside the sandbox (and those that need no data finish within its budget)."""
    trials = DeployTrials()
    process = root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS)[0]
    spec = specs.from_meta(meta)
    problems = _user_task_problems(spec, trials, known_forms)
    problems += _start_form_problems(spec, process, known_forms)
    problems += _lane_expression_problems(spec, trials)
    problems += _untyped_task_problems(process)
    problems += _expression_problems(process, trials)
    problems += _reference_problems(process)
    problems += _diagram_problems(root, process)
    return problems


def _user_task_problems(spec, trials: DeployTrials, known_forms: set[str]) -> list[XmlProblem]:
    problems = []
    lanes_checked: set[str] = set()
    for task in spec.user_tasks.values():
        lane = spec.lane_of(task.id)
        problems += _task_lane_problems(task, lane, lanes_checked)
        problems += _task_form_problems(task, known_forms)
        for key, source in (("due", task.due), ("copy_to", task.copy_to)):
            if source:
                problems += [XmlProblem(f"{key} 表达式：{p}", task.line, task.id) for p in _checked(trials, source)]
        problems += [XmlProblem(reason, task.line, task.id) for reason in specs.task_problems(task, lane)]
    return problems


def _task_lane_problems(task, lane, lanes_checked: set[str]) -> list[XmlProblem]:
    if lane is None:
        return [XmlProblem("用户任务不在任何泳道中（泳道决定由谁办理）：把它放进一条设置了 role 和 department 的泳道",
                           task.line, task.id)]
    if lane.id in lanes_checked:  # one message per lane, not one per task in it
        return []
    lanes_checked.add(lane.id)
    return [XmlProblem(*p) for p in specs.lane_problems(lane)]


def _task_form_problems(task, known_forms: set[str]) -> list[XmlProblem]:
    if not task.form:
        return [XmlProblem("用户任务缺少 form 属性：在任务的扩展属性中设置 form 为 forms/ 下的表单文件名"
                           "（如 review.json），表单与流程一起部署", task.line, task.id)]
    if task.form not in known_forms:
        return [XmlProblem(f"找不到表单文件 forms/{task.form}：与流程一起部署该表单（JSON Schema），"
                           "或改正任务的 form", task.line, task.id)]
    return []


def _start_form_problems(spec, process, known_forms: set[str]) -> list[XmlProblem]:
    if not spec.start_form or spec.start_form in known_forms:
        return []
    start = process.find("{%s}startEvent" % NS["bpmn"])
    return [XmlProblem(f"找不到发起表单 forms/{spec.start_form}：与流程一起部署该表单，或改正开始事件的 form",
                       start.sourceline if start is not None else None, spec.start_event)]


def _lane_expression_problems(spec, trials: DeployTrials) -> list[XmlProblem]:
    problems = []
    for lane in spec.lanes.values():
        for key in ("department", "assignee", "candidates"):
            if getattr(lane, key):
                problems += [XmlProblem(f"泳道 {key} 表达式：{p}", lane.line, lane.id)
                             for p in _checked(trials, getattr(lane, key))]
    return problems


def _untyped_task_problems(process) -> list[XmlProblem]:
    return [XmlProblem("未设置类型的任务（bpmn:task）没有办理人和表单，会无人办理：请把任务类型设为用户任务"
                       "（userTask，放入泳道并设置 form），或脚本任务、服务任务", task.sourceline, task.get("id"))
            for task in process.xpath(".//bpmn:task", namespaces=NS)]


def _reference_problems(process) -> list[XmlProblem]:
    """References SpiffWorkflow's parser lets through: a boundary event attached to nothing, a lane
    naming a missing element, a gateway default that is not one of its outgoing flows."""
    ids = {e.get("id") for e in process.iter() if e.get("id")}
    return (_boundary_problems(process) + _flow_end_problems(process, ids) + _lane_reference_problems(process, ids)
            + _default_flow_problems(process))


def _boundary_problems(process) -> list[XmlProblem]:
    activities = {e.get("id") for e in process.iter(*("{%s}%s" % (NS["bpmn"], tag) for tag in ACTIVITIES))}
    return [XmlProblem(f"边界事件附着的活动“{event.get('attachedToRef')}”不存在", event.sourceline, event.get("id"))
            for event in process.xpath(".//bpmn:boundaryEvent", namespaces=NS)
            if event.get("attachedToRef") not in activities]


def _flow_end_problems(process, ids: set) -> list[XmlProblem]:
    # the parser's word for a missing target names neither the flow nor its line (spec_check.COVERED)
    return [XmlProblem(f"顺序流的{end}“{flow.get(ref)}”不存在：把 {ref} 改为流程中某个元素的 id，"
                       "或在建模器中重新连线", flow.sourceline, flow.get("id"))
            for flow in process.xpath(".//bpmn:sequenceFlow", namespaces=NS)
            for end, ref in (("起点", "sourceRef"), ("终点", "targetRef"))
            if flow.get(ref) not in ids]


def _lane_reference_problems(process, ids: set) -> list[XmlProblem]:
    return [XmlProblem(f"泳道引用的元素“{(ref.text or '').strip()}”不存在", ref.sourceline, ref.getparent().get("id"))
            for ref in process.xpath(".//bpmn:lane/bpmn:flowNodeRef", namespaces=NS)
            if (ref.text or "").strip() not in ids]


def _default_flow_problems(process) -> list[XmlProblem]:
    outgoing: dict[str, set] = {}  # one pass over the flows: a lookup per gateway made validation quadratic
    for flow in process.iter("{%s}sequenceFlow" % NS["bpmn"]):
        outgoing.setdefault(flow.get("sourceRef"), set()).add(flow.get("id"))
    return [XmlProblem(f"默认流“{gateway.get('default')}”不是该元素的出口", gateway.sourceline, gateway.get("id"))
            for gateway in process.xpath(".//*[@default]", namespaces=NS)
            if gateway.get("default") not in outgoing.get(gateway.get("id"), ())]


def _constant_timer_problem(node) -> str | None:
    """A timer given as a constant (e.g. 'P3D') is checked now, not when a matter first waits on it."""
    value = timers.literal(node.text)  # bare ISO text, as Camunda Modeler writes it
    if value is None and timers.near_literal(node.text):
        value = node.text.strip()
    if value is None:
        try:
            value = ast.literal_eval((node.text or "").strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None  # an expression: evaluated, and checked, when the timer starts
    kind = etree.QName(node).localname
    try:
        if kind == "timeDate":
            timers.date_value(value)
        elif kind == "timeDuration":
            timers.duration(value, timers.parse_local("2026-01-01T00:00:00+08:00"))
        else:
            timers.cycle(value, timers.parse_local("2026-01-01T00:00:00+08:00"))
    except timers.TimerValueError as err:
        return err.message
    return None


def _checked(trials: DeployTrials, source: str, mode: str = "eval") -> list[str]:
    foreign = foreign_expression(source)
    return [foreign] if foreign else trials.problems(source, mode)


def _timer_problems(process) -> tuple[list[XmlProblem], set]:
    """Constant timer values checked now; returns the problems and the timer nodes already judged
    (bare ISO values and cron or JUEL text are not Python expressions to check again)."""
    problems, judged = [], set()
    for definition in process.iter("{%s}timerEventDefinition" % NS["bpmn"]):
        values = [c for c in definition if etree.QName(c).localname in ("timeDate", "timeDuration", "timeCycle")]
        owner = definition.getparent()
        if not values:
            problems.append(XmlProblem("定时器没有设置时间：设置 timeDate（日期时间，如 working_days_after(3)）、"
                                       "timeDuration（时长，如 P3D、PT2H）或 timeCycle（循环，如 R3/PT10M）之一",
                                       definition.sourceline, owner.get("id")))
        for node in values:
            reason = foreign_expression(node.text) or cron_timer(node.text) or _constant_timer_problem(node)
            if reason or timers.literal(node.text) is not None or timers.near_literal(node.text):
                judged.add(node)
            if reason:
                problems.append(XmlProblem(reason, node.sourceline, owner.get("id")))
    return problems, judged


def _expression_problems(process, trials: DeployTrials) -> list[XmlProblem]:
    problems, judged = _timer_problems(process)
    checks = [
        (".//bpmn:conditionExpression|.//bpmn:conditionalEventDefinition/bpmn:condition", "eval"),
        (".//bpmn:timeDate|.//bpmn:timeDuration|.//bpmn:timeCycle", "eval"),
        (".//bpmn:scriptTask/bpmn:script", "exec"),
        (".//spiffworkflow:preScript|.//spiffworkflow:postScript", "exec"),
        (".//bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition"
         "|.//bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality"
         "|.//bpmn:standardLoopCharacteristics/bpmn:loopCondition", "eval"),
    ]
    for xpath, mode in checks:
        for node in process.xpath(xpath, namespaces=NS):
            if node in judged:
                continue
            owner = node.getparent()
            while owner is not None and owner.get("id") is None:
                owner = owner.getparent()
            foreign = foreign_expression(node.text)
            for p in [foreign] if foreign else trials.problems((node.text or "").strip() or "None", mode):
                problems.append(XmlProblem(p, node.sourceline, owner.get("id") if owner is not None else None))
    for loop in process.xpath(".//bpmn:standardLoopCharacteristics[@loopMaximum]", namespaces=NS):
        maximum = loop.get("loopMaximum").strip()
        if not maximum.isdigit() or int(maximum) > MAX_INSTANCES:
            owner = loop.getparent()
            problems.append(XmlProblem(f"loopMaximum 须为 0 到 {MAX_INSTANCES} 之间的整数", loop.sourceline, owner.get("id")))
    for param in process.xpath(".//spiffworkflow:parameter", namespaces=NS):
        task = next((a for a in param.iterancestors() if a.tag.startswith("{%s}" % NS["bpmn"]) and a.get("id")), None)
        for p in _checked(trials, param.get("value") or "None"):
            problems.append(XmlProblem(f"服务任务参数 {param.get('id')}：{p}", param.sourceline,
                                       task.get("id") if task is not None else param.get("id")))
    return problems


def _diagram_problems(root, process) -> list[XmlProblem]:
    # iter, not an XPath union: libxml2 merges a union's node sets in quadratic time
    drawn = {s.get("bpmnElement") for s in root.iter("{%s}BPMNShape" % NS["bpmndi"], "{%s}BPMNEdge" % NS["bpmndi"])}
    problems = []
    tags = {"{%s}%s" % (NS["bpmn"], tag) for tag in FLOW_NODES + ["sequenceFlow"]}
    for element in process.iter(*tags):  # document order in one pass (an XPath union sorts)
        if element.get("id") not in drawn:
            problems.append(XmlProblem("元素在流程图中没有图形（BPMNDI），建模器无法显示：在建模器里画出它",
                                       element.sourceline, element.get("id")))
    return problems
