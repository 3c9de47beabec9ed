"""Camunda 7 extensions (also Operaton's and Activiti's) in an uploaded BPMN file, mapped at deploy
to what Liandong runs (processes/README.md, "从 Camunda Modeler 迁移").

The mapping writes Liandong's own properties into the file (`spiffworkflow:properties`, pre- and
post-scripts, `calledDecisionId`), so the stored version says in the modeler what it will do;
Camunda's attributes stay beside them. Each mapping is a note shown in the upload result; what has
no Liandong equivalent (JUEL, Java delegates, listeners, connectors, other script languages) is a
problem on its element that names the Liandong way to do it. One pass over the file.
"""
import json
import re
from dataclasses import dataclass, field

from lxml import etree

from .bpmn_xml import NS, XmlProblem
from .directory import ROLES, STARTER

NAMESPACES = ("http://camunda.org/schema/1.0/bpmn", "http://activiti.org/bpmn", "http://operaton.org/schema/1.0/bpmn")
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
MODELER = "http://camunda.org/schema/modeler/1.0"
BPMN = "{%s}" % NS["bpmn"]
SPIFF = "{%s}" % NS["spiffworkflow"]
_SIMPLE_JUEL = re.compile(r"\s*\$\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\s*")
_STARTER_JUEL = re.compile(r"\s*\$\{\s*(initiator|starter|startedBy|started_by)\s*\}\s*")
FIELD_TYPES = {"string": {"type": "string"}, "long": {"type": "integer"}, "integer": {"type": "integer"},
               "short": {"type": "integer"}, "double": {"type": "number"}, "boolean": {"type": "boolean"},
               "date": {"type": "string", "format": "date"}, "enum": {"type": "string"}}


@dataclass
class Mapping:
    notes: list[dict] = field(default_factory=list)  # {element, line, camunda, liandong}
    problems: list[XmlProblem] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)  # generated form file name -> JSON text
    changed: bool = False

    def note(self, element, camunda: str, liandong: str) -> None:
        self.notes.append({"element": element.get("id"), "line": element.sourceline, "camunda": camunda,
                           "liandong": liandong})


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _is_camunda(tag_or_name: str) -> bool:
    return isinstance(tag_or_name, str) and tag_or_name.startswith("{") and tag_or_name[1:].split("}")[0] in NAMESPACES


def uses_camunda(root) -> bool:
    """Camunda attributes or elements anywhere, or a file Camunda Modeler wrote (its defaults apply:
    a task without an assignee is the starter's, a task without a form gets one)."""
    if "camunda modeler" in (root.get("exporter") or "").lower() or MODELER in root.nsmap.values():
        return True
    return any(_is_camunda(e.tag) or any(_is_camunda(a) for a in e.attrib) or
               (isinstance(e.tag, str) and e.tag.startswith("{%s}" % ZEEBE)) for e in root.iter())


def _attr(element, name: str) -> str | None:
    for namespace in NAMESPACES:
        value = element.get("{%s}%s" % (namespace, name))
        if value is not None:
            return value.strip()
    return None


def _children(element, name: str) -> list:
    """Camunda elements called `name` in the element's extensionElements (any Camunda namespace)."""
    found = []
    for ext in element.findall(BPMN + "extensionElements"):
        found += [c for c in ext.iter() if _is_camunda(c.tag) and _local(c.tag) == name and c is not ext]
    return found


def _extension_elements(element):
    ext = element.find(BPMN + "extensionElements")
    if ext is None:
        ext = etree.Element(BPMN + "extensionElements")
        docs = element.findall(BPMN + "documentation")  # the schema wants documentation first
        element.insert(element.index(docs[-1]) + 1 if docs else 0, ext)
    return ext


def _properties(element) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in element.iterfind(
        f"{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property")}


def _set_property(element, name: str, value: str) -> None:
    ext = _extension_elements(element)
    holder = ext.find(SPIFF + "properties")
    if holder is None:
        holder = etree.SubElement(ext, SPIFF + "properties")
    etree.SubElement(holder, SPIFF + "property", name=name, value=value)


def _set_script(element, kind: str, lines: list[str]) -> None:
    ext = _extension_elements(element)
    script = ext.find(SPIFF + kind)
    if script is None:
        script = etree.SubElement(ext, SPIFF + kind)
    script.text = "\n".join(filter(None, [script.text or "", *lines]))


def _python_value(text: str) -> str | None:
    """A Camunda input/output value as a Python expression: a ${var} or a plain literal."""
    simple = _SIMPLE_JUEL.fullmatch(text or "")
    if simple:
        return simple.group(1)
    if "${" in (text or "") or "#{" in (text or ""):
        return None
    return json.dumps(text or "", ensure_ascii=False)


def _form_name(key: str) -> str:
    """camunda:formKey / formRef → the Liandong form file it names (embedded:app:forms/x.html → x.json)."""
    stem = re.split(r"[:/]", key.strip())[-1]
    stem = re.sub(r"\.(html?|form|json)$", "", stem) or "form"
    return f"{stem}.json"


def _generated_form(element, process_id: str) -> tuple[str, dict]:
    """A JSON Schema from camunda:formData (generated task forms), or one asking for 办理意见."""
    title = element.get("name") or element.get("id")
    schema = {"title": title, "type": "object", "properties": {}, "required": []}
    for item in _children(element, "formField"):
        rules = {c.get("name"): c.get("config") for c in item.iter() if _local(c.tag) == "constraint"}
        if "readonly" in rules:
            continue  # shown by Camunda, not asked for: Liandong shows the matter's data beside the form
        spec = dict(FIELD_TYPES.get(item.get("type") or "string", {"type": "string"}))
        spec["title"] = item.get("label") or item.get("id")
        values = [v for v in item.iter() if _local(v.tag) == "value"]
        if values:
            spec["enum"] = [v.get("id") for v in values]
            spec["x-enum-titles"] = [v.get("name") or v.get("id") for v in values]
        for camunda_rule, json_rule in (("maxlength", "maxLength"), ("minlength", "minLength"),
                                        ("max", "maximum"), ("min", "minimum")):
            if (rules.get(camunda_rule) or "").strip().lstrip("-").isdigit():
                spec[json_rule] = int(rules[camunda_rule])
        schema["properties"][item.get("id")] = spec
        if "required" in rules:
            schema["required"].append(item.get("id"))
    if not schema["properties"] and element.tag != BPMN + "startEvent":
        schema["properties"]["comment"] = {"type": "string", "title": "办理意见", "x-widget": "textarea"}
    return f"{process_id}_{element.get('id')}.json", schema


def _map_form(element, process_id: str, mapping: Mapping) -> None:
    if "form" in _properties(element):
        return
    key = _attr(element, "formKey") or _attr(element, "formRef")
    if key and not _children(element, "formData"):  # fields in the file beat a form kept elsewhere
        name = _form_name(key)
        mapping.note(element, f"camunda:formKey=“{key}”", f"表单 form={name}（请与流程一起部署 forms/{name}）")
    elif _children(element, "formData") or element.tag != BPMN + "startEvent":
        name, schema = _generated_form(element, process_id)
        mapping.forms[name] = json.dumps(schema, ensure_ascii=False, indent=1)
        source = "camunda:formData 的表单字段" if _children(element, "formData") else "未设置表单"
        mapping.note(element, source, f"生成表单 {name}（{len(schema['properties'])} 个字段）")
    else:
        return
    _set_property(element, "form", name)
    mapping.changed = True


def _map_lanes(process, mapping: Mapping) -> set[str]:
    """Lanes named `role@department` get those properties; returns the ids of nodes in lanes that say
    who works in them (the tasks there keep their lane)."""
    decided = set()
    for lane in process.iter(BPMN + "lane"):
        nodes = {(ref.text or "").strip() for ref in lane.iterfind(BPMN + "flowNodeRef")}
        role, _, department = (lane.get("name") or "").strip().partition("@")
        if "role" not in _properties(lane) and role in ROLES and department:
            _set_property(lane, "role", role)
            _set_property(lane, "department", repr(department))
            mapping.note(lane, f"泳道“{lane.get('name')}”", f"由 {department} 的{ROLES[role]}（{role}）办理")
            mapping.changed = True
        if "role" in _properties(lane):
            decided |= nodes
        elif nodes:
            mapping.note(lane, f"泳道“{lane.get('name') or lane.get('id')}”", "不是目录角色：其中的任务按任务自己的 "
                         "camunda:assignee/candidateGroups 分派，没有的由发起人办理；要按角色办理，把泳道命名为 角色@部门")
    return decided


def _map_assignment(task, people: set[str], mapping: Mapping, decided: set[str]) -> None:
    """candidateGroups / assignee → who does the task (role and department, or a named person)."""
    if "role" in _properties(task) or task.get("id") in decided:
        return
    groups = [g.strip() for g in (_attr(task, "candidateGroups") or "").split(",") if g.strip()]
    assignee, users = _attr(task, "assignee"), _attr(task, "candidateUsers")
    where = task.sourceline, task.get("id")
    if groups:
        group = groups[0]
        role, _, department = group.partition("@")
        if role in ROLES and department:
            _set_property(task, "role", role)
            _set_property(task, "department", repr(department))
            mapping.note(task, f"camunda:candidateGroups=“{group}”", f"由 {department} 的{ROLES[role]}（{role}）办理")
        else:
            hint = (f"“{role}”是目录角色，还须写明部门：{role}@部门代码" if role in ROLES else
                    f"写成 角色@部门代码，如 liaison@market_bureau（角色：{'、'.join(ROLES)}）")
            mapping.problems.append(XmlProblem(f"候选组 camunda:candidateGroups=“{group}”不是 Liandong 目录中的角色和部门：{hint}"
                                               "；或把任务放进设置了 role 和 department 的泳道", *where))
            return
        if len(groups) > 1:
            mapping.note(task, f"camunda:candidateGroups 的其余 {len(groups) - 1} 个组", "只取第一个组（一个任务由一个角色办理）")
    elif assignee:
        if _STARTER_JUEL.fullmatch(assignee):
            _set_property(task, "role", STARTER)
            mapping.note(task, f"camunda:assignee=“{assignee}”", "由发起人办理（role=starter）")
        elif _SIMPLE_JUEL.fullmatch(assignee):
            variable = _SIMPLE_JUEL.fullmatch(assignee).group(1)
            _set_property(task, "role", STARTER)
            _set_property(task, "assignee", variable)
            mapping.note(task, f"camunda:assignee=“{assignee}”", f"由数据 {variable} 指定的人员办理（assignee={variable}）")
        elif "${" in assignee or "#{" in assignee:
            mapping.problems.append(XmlProblem(f"camunda:assignee=“{assignee}”是 JUEL 表达式：Liandong 的 assignee 是"
                                               "给出人员 id 的 Python 表达式，如 requested_by", *where))
            return
        elif assignee not in people:
            mapping.problems.append(XmlProblem(f"办理人 camunda:assignee=“{assignee}”不在 Liandong 的目录中：改为目录中的"
                                               "人员 id，或删去 camunda:assignee 由发起人办理", *where))
            return
        else:
            _set_property(task, "role", STARTER)
            _set_property(task, "assignee", repr(assignee))
            mapping.note(task, f"camunda:assignee=“{assignee}”", f"由 {assignee} 办理")
    elif users:
        mapping.problems.append(XmlProblem(f"camunda:candidateUsers=“{users}”没有对应：Liandong 由角色决定候选人，"
                                           "设置 camunda:candidateGroups=角色@部门（再用泳道的 candidates 缩小到具体人员）", *where))
        return
    else:
        _set_property(task, "role", STARTER)
        mapping.note(task, "未设置办理人", "由发起人办理（role=starter）；要交给他人，设置 camunda:candidateGroups=角色@部门")
    mapping.changed = True


def _map_due(task, mapping: Mapping) -> None:
    due = _attr(task, "dueDate")
    if not due or "due" in _properties(task):
        return
    simple = _SIMPLE_JUEL.fullmatch(due)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?", due):
        value = repr(due)
    elif simple:
        value = simple.group(1)
    else:
        mapping.problems.append(XmlProblem(f"camunda:dueDate=“{due}”是 JUEL 表达式：Liandong 的期限 due 是 Python 表达式，"
                                           "如 working_days_after(3)（3 个工作日后）", task.sourceline, task.get("id")))
        return
    _set_property(task, "due", value)
    mapping.note(task, f"camunda:dueDate=“{due}”", f"期限 due={value}")
    if "limit_kind" not in _properties(task):  # Camunda's due date is the organisation's own deadline
        _set_property(task, "limit_kind", "internal")
        mapping.note(task, "camunda:dueDate 的期限类型", "limit_kind=internal（内部时限；法定时限请改为 statutory）")
    mapping.changed = True


def _map_properties(element, mapping: Mapping) -> None:
    own = _properties(element)
    for prop in _children(element, "property"):
        name, value = prop.get("name"), prop.get("value", "")
        if name and name not in own:
            _set_property(element, name, value)
            mapping.note(element, f"camunda:property {name}", f"属性 {name}={value}")
            mapping.changed = True


def _map_io(element, mapping: Mapping) -> None:
    """camunda:inputOutput and call-activity camunda:in/out → pre- and post-scripts that copy values."""
    before, after, where = [], [], (element.sourceline, element.get("id"))
    for kind, target in (("inputParameter", before), ("outputParameter", after)):
        for param in _children(element, kind):
            value = _python_value(param.text) if len(param) == 0 else None
            if value is None:
                mapping.problems.append(XmlProblem(f"camunda:{kind} {param.get('name')} 用了 JUEL、脚本或列表："
                                                   "Liandong 在 spiffworkflow:preScript/postScript 中用 Python 赋值，"
                                                   f"如 {param.get('name')} = amount * 2", *where))
                continue
            target.append(f"{param.get('name')} = {value}")
    for kind, target in (("in", before), ("out", after)):
        for item in _children(element, kind):
            if item.get("variables") == "all":
                mapping.note(element, f"camunda:{kind} variables=all", "调用活动默认传递全部数据")
            elif item.get("source") and item.get("target"):
                target.append(f"{item.get('target')} = {item.get('source')}")
            elif item.get("businessKey") is not None:
                mapping.note(element, f"camunda:{kind} businessKey", "没有对应，已忽略（事项编号由 Liandong 生成）")
            else:
                mapping.problems.append(XmlProblem(f"camunda:{kind} 的 sourceExpression 是 JUEL：在调用活动的 "
                                                   "spiffworkflow:preScript/postScript 中用 Python 赋值", *where))
    if before:
        _set_script(element, "preScript", before)
        mapping.note(element, "camunda 输入映射", "preScript：" + "；".join(before))
    if after:
        _set_script(element, "postScript", after)
        mapping.note(element, "camunda 输出映射", "postScript：" + "；".join(after))
    mapping.changed |= bool(before or after)


def _unmappable(element, mapping: Mapping) -> None:
    where = element.sourceline, element.get("id")
    for listener in _children(element, "executionListener") + _children(element, "taskListener"):
        how = listener.get("class") or listener.get("delegateExpression") or listener.get("expression") or "脚本"
        mapping.problems.append(XmlProblem(
            f"Camunda 的{'任务' if _local(listener.tag) == 'taskListener' else '执行'}监听器（{listener.get('event')}："
            f"{how}）不能运行：Liandong 的做法是在前后加一个服务任务（spiffworkflow:serviceTaskOperator）或脚本任务，"
            "或用 spiffworkflow:preScript/postScript", *where))
    for connector in _children(element, "connector"):
        connector_id = next((c.text for c in connector.iter() if _local(c.tag) == "connectorId"), "") or ""
        mapping.problems.append(XmlProblem(f"Camunda 连接器（{connector_id.strip()}）不能运行：Liandong 调用外部系统用服务任务"
                                           "的 spiffworkflow:serviceTaskOperator（engine/effects.py 中的操作）", *where))
    if element.tag == BPMN + "scriptTask":
        language = (element.get("scriptFormat") or "python").lower()
        if language not in ("python", "text/x-python"):
            mapping.problems.append(XmlProblem(f"脚本语言 {language} 不支持：Liandong 的脚本任务是 Python（受限），"
                                               "请改写脚本并把 scriptFormat 设为 python", *where))
        if _attr(element, "resource"):
            mapping.problems.append(XmlProblem(f"外部脚本 camunda:resource=“{_attr(element, 'resource')}”不支持："
                                               "把脚本写在 bpmn:script 中", *where))
    if element.tag == BPMN + "businessRuleTask":
        decision = _attr(element, "decisionRef")
        if decision and element.find(f"{BPMN}extensionElements/{SPIFF}calledDecisionId") is None:
            called = etree.SubElement(_extension_elements(element), SPIFF + "calledDecisionId")
            called.text = decision
            mapping.note(element, f"camunda:decisionRef=“{decision}”", f"调用决策表 {decision}（calledDecisionId）")
            mapping.changed = True
    for zeebe in (e for e in element if _local(e.tag) == "extensionElements"):
        for item in zeebe:
            if isinstance(item.tag, str) and item.tag.startswith("{%s}" % ZEEBE):
                mapping.problems.append(XmlProblem(f"Camunda 8（Zeebe）的 {_local(item.tag)} 不能运行：Liandong 读取 "
                                                   "Camunda 7 的写法和自己的 spiffworkflow 属性，见 processes/README.md"
                                                   "“从 Camunda Modeler 迁移”", *where))


def translate(root, people: set[str]) -> Mapping:
    """Map the Camunda extensions of this file in place; `people`: the directory's person ids."""
    mapping = Mapping()
    if not uses_camunda(root):
        return mapping
    for process in root.iter(BPMN + "process"):
        process_id = process.get("id")
        decided = _map_lanes(process, mapping)
        for element in process.iter():
            if not isinstance(element.tag, str) or not element.tag.startswith(BPMN):
                continue
            local = _local(element.tag)
            _unmappable(element, mapping)
            if local in ("userTask", "manualTask", "startEvent") and (
                    local != "startEvent" or element.getparent() is process):
                _map_form(element, process_id, mapping)
            if local in ("userTask", "manualTask"):
                _map_assignment(element, people, mapping, decided)
                _map_due(element, mapping)
            if local not in ("process", "extensionElements"):
                _map_properties(element, mapping)
            if local in ("callActivity", "serviceTask", "userTask", "scriptTask", "subProcess", "sendTask",
                         "businessRuleTask", "task"):
                _map_io(element, mapping)
        starters = _attr(process, "candidateStarterGroups")
        if starters:
            mapping.note(process, f"camunda:candidateStarterGroups=“{starters}”",
                         "没有对应：谁可以发起由开始事件所在泳道的 role 决定")
    return mapping
