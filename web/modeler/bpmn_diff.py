"""Compare two versions of a BPMN file element by element (by id): which elements were added, removed
or changed, comparing type, name, lane, the spiffworkflow properties and the few expressions and
references that decide behaviour (timers, conditions, called process, attached task, flow ends)."""
from dataclasses import dataclass, field

from engine import bpmn_xml
from engine.bpmn_xml import NS

BPMN = NS["bpmn"]
COMPARED = bpmn_xml.FLOW_NODES + ["process", "sequenceFlow", "lane", "participant", "messageFlow",
                                  "dataObjectReference", "dataStoreReference", "textAnnotation"]
TYPE_NAMES = {
    "process": "流程", "lane": "泳道", "participant": "参与者", "sequenceFlow": "顺序流", "messageFlow": "消息流",
    "startEvent": "开始事件", "endEvent": "结束事件", "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件", "boundaryEvent": "边界事件", "task": "任务", "userTask": "用户任务",
    "manualTask": "人工任务", "scriptTask": "脚本任务", "serviceTask": "服务任务", "sendTask": "发送任务",
    "receiveTask": "接收任务", "businessRuleTask": "业务规则任务", "callActivity": "调用活动", "subProcess": "子流程",
    "exclusiveGateway": "排他网关", "parallelGateway": "并行网关", "inclusiveGateway": "包容网关",
    "eventBasedGateway": "事件网关", "dataObjectReference": "数据对象", "dataStoreReference": "数据存储",
    "textAnnotation": "文本注释",
}
FIELD_NAMES = {"type": "类型", "name": "名称", "lane": "泳道", "documentation": "说明"}


@dataclass
class Change:
    id: str
    type: str
    name: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.type, self.type)


@dataclass
class Diff:
    added: list[Change]
    removed: list[Change]
    changed: list[Change]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _local(tag) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


def _text(node, xpath: str) -> str:
    found = node.xpath(xpath, namespaces=NS)
    return " | ".join((n if isinstance(n, str) else (n.text or "")).strip() for n in found)


REFERENCES = (("sourceRef", "起点"), ("targetRef", "终点"), ("attachedToRef", "附着于"),
              ("calledElement", "调用流程"), ("default", "默认流"), ("processRef", "流程"))
EXPRESSIONS = (("./bpmn:conditionExpression", "条件"),
               ("./bpmn:timerEventDefinition/*", "定时"),
               ("./bpmn:script", "脚本"),
               ("./bpmn:extensionElements/spiffworkflow:serviceTaskOperator/@id", "服务操作"),
               ("./bpmn:extensionElements/spiffworkflow:calledDecisionId", "决策表"))
PARAMETERS = ("./bpmn:extensionElements/spiffworkflow:serviceTaskOperator/spiffworkflow:parameters/"
              "spiffworkflow:parameter")


def _lanes(root) -> dict[str, str]:
    """Flow node id -> id of the lane that holds it."""
    lane_of = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS):
            lane_of[(ref.text or "").strip()] = lane.get("id")
    return lane_of


def _compared_nodes(root):
    """(kind, node) for every BPMN element with an id whose kind is compared."""
    for node in root.iter():
        kind = _local(node.tag)
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN}}}") or kind not in COMPARED:
            continue
        if node.get("id"):
            yield kind, node


def _details(node, kind: str) -> dict[str, str]:
    details = {f"属性 {k}": v for k, v in sorted(bpmn_xml.properties(node).items())}
    for attr, label in REFERENCES:
        if node.get(attr) is not None:
            details[label] = node.get(attr)
    if kind == "boundaryEvent":  # bpmn-js leaves out the default cancelActivity="true"
        details["中断任务"] = "否" if node.get("cancelActivity", "true").strip() == "false" else "是"
    for xpath, label in EXPRESSIONS:
        value = _text(node, xpath)
        if value:
            details[label] = value
    for p in node.xpath(PARAMETERS, namespaces=NS):
        details[f"参数 {p.get('id')}"] = p.get("value", "")
    return details


def elements(content: bytes | str) -> dict[str, dict]:
    """Element id -> what is compared about it."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    root = bpmn_xml.parse_safely(content)
    lane_of = _lanes(root)
    found = {}
    for kind, node in _compared_nodes(root):
        element_id = node.get("id")
        found[element_id] = {
            "id": element_id, "type": kind, "name": node.get("name", ""),
            "lane": lane_of.get(element_id, ""), "documentation": _text(node, "./bpmn:documentation"),
            "details": _details(node, kind),
        }
    return found


def compare(old: bytes | str, new: bytes | str) -> Diff:
    before, after = elements(old), elements(new)

    def change(info):
        return Change(info["id"], info["type"], info["name"])

    added = [change(after[i]) for i in after if i not in before]
    removed = [change(before[i]) for i in before if i not in after]
    changed = []
    for element_id in (i for i in after if i in before):
        a, b = before[element_id], after[element_id]
        fields = [(FIELD_NAMES[k], a[k], b[k]) for k in ("type", "name", "lane", "documentation") if a[k] != b[k]]
        for key in sorted(set(a["details"]) | set(b["details"])):
            if a["details"].get(key, "") != b["details"].get(key, ""):
                fields.append((key, a["details"].get(key, ""), b["details"].get(key, "")))
        if fields:
            item = change(b)
            item.fields = fields
            changed.append(item)
    return Diff(added, removed, changed)
