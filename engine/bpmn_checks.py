"""Checks of a BPMN file that SpiffWorkflow's parser either stops at (one per round) or lets through
to fail later, each said in Chinese with the element and what to set:

- expressions written for another engine (engine/foreign_syntax.py): Camunda's JUEL `${…}`, Camunda 8's
  FEEL `=…`, cron timers;
- elements no path from a start event reaches (a matter never gets there, or a join waits for ever);
- service tasks without an operation, with an unknown one, or with parameters it does not take;
- call activities without `calledElement`, or calling a process that is not deployed;
- data stores, which Liandong does not implement;
- multi-instance tasks whose collection an editor removed (bpmn-js drops `loopDataInputRef` and
  `loopDataOutputRef` on save, since they name a process variable, not a BPMN data element).

Every check is one pass over the file (validation stays linear in its size).
"""
import inspect

from .bpmn_xml import FLOW_NODES, NS, XmlProblem

BPMN = "{%s}" % NS["bpmn"]
SPIFF = "{%s}" % NS["spiffworkflow"]
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"

def _local(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def reachability_problems(process) -> list[XmlProblem]:
    """Flow nodes no path from a start event reaches. Roots: start events, boundary events, link catch
    events, compensation handlers, event sub-processes and the children of ad hoc sub-processes."""
    nodes: dict = {}
    targets: dict = {}
    node_tags = {BPMN + tag for tag in FLOW_NODES}
    roots = []
    for element in process.iter(*node_tags, BPMN + "sequenceFlow"):
        local = _local(element)
        if local == "sequenceFlow":
            targets.setdefault(element.get("sourceRef"), []).append(element.get("targetRef"))
            continue
        nodes[element.get("id")] = element
        parent = _local(element.getparent())
        if (local in ("startEvent", "boundaryEvent") or element.get("isForCompensation") == "true"
                or element.get("triggeredByEvent") == "true" or parent == "adHocSubProcess"
                or (local == "intermediateCatchEvent" and element.find(BPMN + "linkEventDefinition") is not None)):
            roots.append(element.get("id"))
    if process.find(BPMN + "startEvent") is None:
        return [XmlProblem("流程没有开始事件：加一个开始事件（startEvent），用顺序流连到第一步", process.sourceline,
                           process.get("id"))]
    reached, stack = set(roots), list(roots)
    while stack:
        for target in targets.get(stack.pop(), ()):
            if target not in reached:
                reached.add(target)
                stack.append(target)
    dead_ends = [XmlProblem(f"{'开始事件' if _local(e) == 'startEvent' else '网关'}没有连出的顺序流：事项发起后停在这里，"
                            "既无任务也不会办结。请用顺序流连到下一步或结束事件", e.sourceline, node_id)
                 for node_id, e in nodes.items() if _local(e) in ("startEvent", "exclusiveGateway", "parallelGateway",
                                                                   "inclusiveGateway", "eventBasedGateway")
                 and node_id not in targets]
    return dead_ends + [XmlProblem("从开始事件走不到这个元素（没有连入的顺序流，或连入它的元素本身走不到）：事项永远不会到达这里，"
                       "汇聚到它之后的并行网关会一直等待。请用顺序流把它连进流程，或删除它", element.sourceline, node_id)
            for node_id, element in nodes.items() if node_id not in reached]


_CAMUNDA_SERVICE = {"class": "Java 委托类", "delegateExpression": "委托表达式", "expression": "JUEL 表达式",
                    "type": "外部任务（external task）", "topic": "外部任务主题"}


def _operation_choices() -> str:
    from .effects import OPERATIONS
    return "、".join(sorted(OPERATIONS))


def _parameter_problem(name: str, given: set[str]) -> str | None:
    from .effects import OPERATIONS
    signature = inspect.signature(OPERATIONS[name])
    params = list(signature.parameters.values())[1:]  # the first is the context the engine passes
    accepts_more = any(p.kind is p.VAR_KEYWORD for p in params)
    named = {p.name for p in params if p.kind is not p.VAR_KEYWORD}
    required = {p.name for p in params if p.default is p.empty and p.kind is not p.VAR_KEYWORD}
    missing, unknown = sorted(required - given), sorted(given - named) if not accepts_more else []
    if not (missing or unknown):
        return None
    parts = ([f"缺少参数 {'、'.join(missing)}"] if missing else []) + ([f"不认识参数 {'、'.join(unknown)}"] if unknown else [])
    return f"服务操作 {name} 的参数不符：{'；'.join(parts)}（它的参数：{'、'.join(p.name for p in params)}）"


def service_problems(process) -> list[XmlProblem]:
    """Every service task names one of engine/effects.py's operations with parameters it takes."""
    from .effects import OPERATIONS
    problems = []
    for task in process.iter(BPMN + "serviceTask"):
        operator = task.find(f"{BPMN}extensionElements/{SPIFF}serviceTaskOperator")
        if operator is None:
            camunda = [f"{label} camunda:{attr}=“{task.get(CAMUNDA + attr)}”" for attr, label in _CAMUNDA_SERVICE.items()
                       if task.get(CAMUNDA + attr)]
            found = (f"文件里的 {'、'.join(camunda)} 是 Camunda 在 Java 中执行的实现，Liandong 不能运行；" if camunda else "")
            problems.append(XmlProblem(
                f"服务任务没有设置要调用的操作：{found}请在扩展元素 spiffworkflow:serviceTaskOperator 的 id 中填写"
                f"以下之一：{_operation_choices()}（参数用 spiffworkflow:parameter）；只是记录一步工作的，改为用户任务",
                task.sourceline, task.get("id")))
            continue
        name = (operator.get("id") or "").strip()
        if name not in OPERATIONS:
            problems.append(XmlProblem(f"未知的服务操作“{name}”：可用的操作有 {_operation_choices()}",
                                       operator.sourceline, task.get("id")))
            continue
        given = {p.get("id") for p in operator.iter(SPIFF + "parameter")}
        reason = _parameter_problem(name, given)
        if reason:
            problems.append(XmlProblem(reason, operator.sourceline, task.get("id")))
    return problems


def call_problems(process, known_processes: set[str]) -> list[XmlProblem]:
    problems = []
    for call in process.iter(BPMN + "callActivity"):
        called = (call.get("calledElement") or "").strip()
        if not called:
            problems.append(XmlProblem("调用活动没有设置被调用的流程：在 calledElement 中填写已部署流程的 id"
                                       "（或与本文件一起部署的流程）", call.sourceline, call.get("id")))
        elif called not in known_processes:
            problems.append(XmlProblem(f"调用的子流程“{called}”尚未部署：先部署 id 为 {called} 的流程，"
                                       "或把它和本文件一起部署，或改正 calledElement", call.sourceline, call.get("id")))
    return problems


def decision_problems(process, known_decisions: set[str]) -> list[XmlProblem]:
    """Every business rule task names a decision table that is deployed or deployed with it."""
    problems = []
    for task in process.iter(BPMN + "businessRuleTask"):
        called = task.find(f"{BPMN}extensionElements/{SPIFF}calledDecisionId")
        decision = (called.text or "").strip() if called is not None else ""
        if not decision:
            problems.append(XmlProblem("业务规则任务没有设置要调用的决策表：在扩展元素 spiffworkflow:calledDecisionId 中填写"
                                       "决策（decision）的 id（Camunda 的 camunda:decisionRef 会自动转换）",
                                       task.sourceline, task.get("id")))
        elif decision not in known_decisions:
            problems.append(XmlProblem(f"业务规则任务调用的决策表 {decision} 尚未部署：把定义 decision id 为 {decision} 的 "
                                       ".dmn 文件和本文件一起部署，或改正 calledDecisionId", task.sourceline, task.get("id")))
    return problems


def data_store_problems(root) -> list[XmlProblem]:
    """Liandong has no data stores (SpiffWorkflow refuses those it has no class for)."""
    stores = {s.get("id"): s for s in root.iter(BPMN + "dataStore")}
    referenced = set()
    problems = []
    for ref in root.iter(BPMN + "dataStoreReference"):
        referenced.add(ref.get("dataStoreRef"))
        store = stores.get(ref.get("dataStoreRef"))
        name = ref.get("name") or (store.get("name") if store is not None else "") or ref.get("id")
        problems.append(XmlProblem(f"数据存储“{name}”在 Liandong 中没有实现：请删除它；事项的数据保存在表单字段和流程"
                                   "数据中，外部系统的数据经服务任务读写", ref.sourceline, ref.get("id")))
    for store_id, store in stores.items():
        if store_id not in referenced:
            problems.append(XmlProblem(f"数据存储“{store.get('name') or store_id}”在 Liandong 中没有实现：请删除它",
                                       store.sourceline, store_id))
    return problems


def loop_refs(root) -> dict[str, dict[str, str]]:
    """Element id -> its multi-instance collection references ({"loopDataInputRef": "departments", …})."""
    found = {}
    for loop in root.iter(BPMN + "multiInstanceLoopCharacteristics"):
        owner = loop.getparent()
        found[owner.get("id")] = {_local(ref): (ref.text or "").strip() for ref in loop
                                  if _local(ref) in ("loopDataInputRef", "loopDataOutputRef") and (ref.text or "").strip()}
    return found


def loop_problems(process, deployed: dict[str, dict[str, str]]) -> list[XmlProblem]:
    """A multi-instance task without its collection: say the editor removed it and what to write
    back (the deployed version's value when there is one). `deployed`: loop_refs of that version."""
    problems = []
    for loop in process.iter(BPMN + "multiInstanceLoopCharacteristics"):
        owner = loop.getparent()
        have = {_local(c) for c in loop if (c.text or "").strip() or _local(c) in ("inputDataItem", "outputDataItem")}
        before = deployed.get(owner.get("id"), {})
        for ref, item, what, example in (("loopDataInputRef", "inputDataItem", "要逐个处理的集合", "departments"),
                                         ("loopDataOutputRef", "outputDataItem", "收集各实例结果的集合", "receipt_list")):
            if ref in have or (ref == "loopDataInputRef" and "loopCardinality" in have) or (
                    ref == "loopDataOutputRef" and item not in have):
                continue
            value = before.get(ref) or example
            said = (f"已部署的版本中是 {before[ref]}" if before.get(ref) else f"如 {example}")
            problems.append(XmlProblem(
                f"多实例任务缺少{what} {ref}：它多半是被编辑器删除的——bpmn-js、Camunda Modeler 保存时会删掉它，"
                "因为它写的是流程数据中的变量名，而不是文件里的 BPMN 数据元素。请在 bpmn:multiInstanceLoopCharacteristics 中"
                f"写回 <bpmn:{ref}>{value}</bpmn:{ref}>（{said}）"
                + ("，或改设实例个数 loopCardinality" if ref == "loopDataInputRef" else "")
                + "；在 Liandong 的 /modeler 中编辑会保留它", loop.sourceline, owner.get("id")))
    return problems
