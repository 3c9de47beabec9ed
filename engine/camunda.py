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

from lxml import etree

from .bpmn_xml import XmlProblem
from .camunda_base import (BPMN, SIMPLE_JUEL, SPIFF, ZEEBE, Mapping, attr, children, extension_elements, local,
                           properties, set_property, set_script, uses_camunda)
from .camunda_people import map_assignment, map_lanes

__all__ = ["Mapping", "translate", "uses_camunda"]

FIELD_TYPES = {"string": {"type": "string"}, "long": {"type": "integer"}, "integer": {"type": "integer"},
               "short": {"type": "integer"}, "double": {"type": "number"}, "boolean": {"type": "boolean"},
               "date": {"type": "string", "format": "date"}, "enum": {"type": "string"}}




def _python_value(text: str) -> str | None:
    """A Camunda input/output value as a Python expression: a ${var} or a plain literal."""
    simple = SIMPLE_JUEL.fullmatch(text or "")
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
    for item in children(element, "formField"):
        rules = {c.get("name"): c.get("config") for c in item.iter() if local(c.tag) == "constraint"}
        if "readonly" in rules:
            continue  # shown by Camunda, not asked for: Liandong shows the matter's data beside the form
        spec: dict = dict(FIELD_TYPES.get(item.get("type") or "string", {"type": "string"}))
        spec["title"] = item.get("label") or item.get("id")
        values = [v for v in item.iter() if local(v.tag) == "value"]
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
    if "form" in properties(element):
        return
    key = attr(element, "formKey") or attr(element, "formRef")
    if key and not children(element, "formData"):  # fields in the file beat a form kept elsewhere
        name = _form_name(key)
        mapping.note(element, f"camunda:formKey=“{key}”", f"表单 form={name}（请与流程一起部署 forms/{name}）")
    elif children(element, "formData") or element.tag != BPMN + "startEvent":
        name, schema = _generated_form(element, process_id)
        mapping.forms[name] = json.dumps(schema, ensure_ascii=False, indent=1)
        source = "camunda:formData 的表单字段" if children(element, "formData") else "未设置表单"
        mapping.note(element, source, f"生成表单 {name}（{len(schema['properties'])} 个字段）")
    else:
        return
    set_property(element, "form", name)
    mapping.changed = True


def _map_due(task, mapping: Mapping) -> None:
    due = attr(task, "dueDate")
    if not due or "due" in properties(task):
        return
    simple = SIMPLE_JUEL.fullmatch(due)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?", due):
        value = repr(due)
    elif simple:
        value = simple.group(1)
    else:
        mapping.problems.append(XmlProblem(f"camunda:dueDate=“{due}”是 JUEL 表达式：Liandong 的期限 due 是 Python 表达式，"
                                           "如 working_days_after(3)（3 个工作日后）", task.sourceline, task.get("id")))
        return
    set_property(task, "due", value)
    mapping.note(task, f"camunda:dueDate=“{due}”", f"期限 due={value}")
    if "limit_kind" not in properties(task):  # Camunda's due date is the organisation's own deadline
        set_property(task, "limit_kind", "internal")
        mapping.note(task, "camunda:dueDate 的期限类型", "limit_kind=internal（内部时限；法定时限请改为 statutory）")
    mapping.changed = True


def _map_properties(element, mapping: Mapping) -> None:
    own = properties(element)
    for prop in children(element, "property"):
        name, value = prop.get("name"), prop.get("value", "")
        if name and name not in own:
            set_property(element, name, value)
            mapping.note(element, f"camunda:property {name}", f"属性 {name}={value}")
            mapping.changed = True


def _map_io(element, mapping: Mapping) -> None:
    """camunda:inputOutput and call-activity camunda:in/out → pre- and post-scripts that copy values."""
    before: list[str] = []
    after: list[str] = []
    _map_parameters(element, mapping, before, after)
    _map_call_data(element, mapping, before, after)
    if before:
        set_script(element, "preScript", before)
        mapping.note(element, "camunda 输入映射", "preScript：" + "；".join(before))
    if after:
        set_script(element, "postScript", after)
        mapping.note(element, "camunda 输出映射", "postScript：" + "；".join(after))
    mapping.changed |= bool(before or after)


def _map_parameters(element, mapping: Mapping, before: list[str], after: list[str]) -> None:
    """camunda:inputParameter / outputParameter with a constant value → assignments."""
    where = (element.sourceline, element.get("id"))
    for kind, target in (("inputParameter", before), ("outputParameter", after)):
        for param in children(element, kind):
            if not (param.get("name") or "").isidentifier():
                mapping.problems.append(XmlProblem(f"camunda:{kind} 的名称“{(param.get('name') or '')[:40]}”不是变量名：Liandong "
                                                   "把它作为流程数据的字段名，须为字母开头的英文标识，如 leave_days", *where))
                continue
            value = _python_value(param.text) if len(param) == 0 else None
            if value is None:
                mapping.problems.append(XmlProblem(f"camunda:{kind} {param.get('name')} 用了 JUEL、脚本或列表："
                                                   "Liandong 在 spiffworkflow:preScript/postScript 中用 Python 赋值，"
                                                   f"如 {param.get('name')} = amount * 2", *where))
                continue
            target.append(f"{param.get('name')} = {value}")


def _map_call_data(element, mapping: Mapping, before: list[str], after: list[str]) -> None:
    """A call activity's camunda:in / camunda:out → assignments."""
    where = (element.sourceline, element.get("id"))
    for kind, target in (("in", before), ("out", after)):
        for item in children(element, kind):
            if item.get("variables") == "all":
                mapping.note(element, f"camunda:{kind} variables=all", "调用活动默认传递全部数据")
            elif item.get("source") and item.get("target"):
                target.append(f"{item.get('target')} = {item.get('source')}")
            elif item.get("businessKey") is not None:
                mapping.note(element, f"camunda:{kind} businessKey", "没有对应，已忽略（事项编号由 Liandong 生成）")
            else:
                mapping.problems.append(XmlProblem(f"camunda:{kind} 的 sourceExpression 是 JUEL：在调用活动的 "
                                                   "spiffworkflow:preScript/postScript 中用 Python 赋值", *where))


LOOP_ORDER = ["loopCardinality", "loopDataInputRef", "loopDataOutputRef", "inputDataItem", "outputDataItem"]


def _loop_child(loop, tag: str, **attributes):
    """A child of multiInstanceLoopCharacteristics, inserted where the BPMN schema wants it."""
    before = LOOP_ORDER[:LOOP_ORDER.index(tag)]
    position = max([i + 1 for i, child in enumerate(loop) if local(child.tag) in before], default=0)
    child = etree.Element(BPMN + tag, **attributes)
    loop.insert(position, child)
    return child


def _map_loop(element, mapping: Mapping) -> None:
    """camunda:collection / camunda:elementVariable → loopDataInputRef / inputDataItem."""
    loop = element.find(BPMN + "multiInstanceLoopCharacteristics")
    if loop is None:
        return
    collection, variable = attr(loop, "collection"), attr(loop, "elementVariable")
    if collection and loop.find(BPMN + "loopDataInputRef") is None:
        simple = SIMPLE_JUEL.fullmatch(collection)
        name = simple.group(1) if simple else (collection if collection.isidentifier() else None)
        if name is None:
            mapping.problems.append(XmlProblem(f"camunda:collection=“{collection}”是 JUEL 表达式：Liandong 遍历流程数据中的一个"
                                               "列表变量，在 bpmn:loopDataInputRef 中写它的名字（如 departments），需要计算的列表先在"
                                               "前一步的脚本任务里算好", loop.sourceline, element.get("id")))
        else:
            _loop_child(loop, "loopDataInputRef").text = name
            mapping.note(element, f"camunda:collection=“{collection}”", f"逐个处理 {name}（loopDataInputRef）")
            mapping.changed = True
    if variable and loop.find(BPMN + "inputDataItem") is None and variable.isidentifier():
        _loop_child(loop, "inputDataItem", id=variable, name=variable)
        mapping.note(element, f"camunda:elementVariable=“{variable}”", f"每个实例的元素为 {variable}（inputDataItem）")
        mapping.changed = True


def _unmappable(element, mapping: Mapping) -> None:
    where = element.sourceline, element.get("id")
    _listener_problems(element, mapping, where)
    _connector_problems(element, mapping, where)
    if element.tag == BPMN + "scriptTask":
        _script_problems(element, mapping, where)
    if element.tag == BPMN + "businessRuleTask":
        _map_decision_ref(element, mapping)
    _zeebe_problems(element, mapping, where)


def _listener_problems(element, mapping: Mapping, where: tuple) -> None:
    for listener in children(element, "executionListener") + children(element, "taskListener"):
        how = listener.get("class") or listener.get("delegateExpression") or listener.get("expression") or "脚本"
        mapping.problems.append(XmlProblem(
            f"Camunda 的{'任务' if local(listener.tag) == 'taskListener' else '执行'}监听器（{listener.get('event')}："
            f"{how}）不能运行：Liandong 的做法是在前后加一个服务任务（spiffworkflow:serviceTaskOperator）或脚本任务，"
            "或用 spiffworkflow:preScript/postScript", *where))


def _connector_problems(element, mapping: Mapping, where: tuple) -> None:
    for connector in children(element, "connector"):
        connector_id = next((c.text for c in connector.iter() if local(c.tag) == "connectorId"), "") or ""
        mapping.problems.append(XmlProblem(f"Camunda 连接器（{connector_id.strip()}）不能运行：Liandong 调用外部系统用服务任务"
                                           "的 spiffworkflow:serviceTaskOperator（engine/effects.py 中的操作）", *where))


def _script_problems(element, mapping: Mapping, where: tuple) -> None:
    language = (element.get("scriptFormat") or "python").lower()
    if language not in ("python", "text/x-python"):
        mapping.problems.append(XmlProblem(f"脚本语言 {language} 不支持：Liandong 的脚本任务是 Python（受限），"
                                           "请改写脚本并把 scriptFormat 设为 python", *where))
    if attr(element, "resource"):
        mapping.problems.append(XmlProblem(f"外部脚本 camunda:resource=“{attr(element, 'resource')}”不支持："
                                           "把脚本写在 bpmn:script 中", *where))


def _map_decision_ref(element, mapping: Mapping) -> None:
    decision = attr(element, "decisionRef")
    if decision and element.find(f"{BPMN}extensionElements/{SPIFF}calledDecisionId") is None:
        called = etree.SubElement(extension_elements(element), SPIFF + "calledDecisionId")
        called.text = decision
        mapping.note(element, f"camunda:decisionRef=“{decision}”", f"调用决策表 {decision}（calledDecisionId）")
        mapping.changed = True


def _zeebe_problems(element, mapping: Mapping, where: tuple) -> None:
    for zeebe in (e for e in element if local(e.tag) == "extensionElements"):
        for item in zeebe:
            if isinstance(item.tag, str) and item.tag.startswith("{%s}" % ZEEBE):
                mapping.problems.append(XmlProblem(f"Camunda 8（Zeebe）的 {local(item.tag)} 不能运行：Liandong 读取 "
                                                   "Camunda 7 的写法和自己的 spiffworkflow 属性，见 processes/README.md"
                                                   "“从 Camunda Modeler 迁移”", *where))


def translate(root, people: dict[str, set[tuple[str, str]]], departments: set[str] | None = None) -> Mapping:
    """Map the Camunda extensions of this file in place; `people`: the directory's person ids, each
    with the (role, department) pairs they hold; `departments`: its department codes."""
    mapping = Mapping()
    if not uses_camunda(root):
        return mapping
    for process in root.iter(BPMN + "process"):
        process_id = process.get("id")
        decided = map_lanes(process, people, mapping, departments)
        for element in process.iter():
            if not isinstance(element.tag, str) or not element.tag.startswith(BPMN):
                continue
            kind = local(element.tag)
            _unmappable(element, mapping)
            _map_loop(element, mapping)
            if kind in ("userTask", "manualTask", "startEvent") and (
                    kind != "startEvent" or element.getparent() is process):
                _map_form(element, process_id, mapping)
            if kind in ("userTask", "manualTask"):
                map_assignment(element, people, mapping, decided, departments)
                _map_due(element, mapping)
            if kind not in ("process", "extensionElements"):
                _map_properties(element, mapping)
            if kind in ("callActivity", "serviceTask", "userTask", "scriptTask", "subProcess", "sendTask",
                         "businessRuleTask", "task"):
                _map_io(element, mapping)
        starters = attr(process, "candidateStarterGroups")
        if starters:
            mapping.note(process, f"camunda:candidateStarterGroups=“{starters}”",
                         "没有对应：谁可以发起由开始事件所在泳道的 role 决定")
    return mapping
