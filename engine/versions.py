"""When a deployed file is a new version, and when it would become one by accident.

A new version only when what runs changed: two BPMN or DMN files are the same version when their
parsed content is equal, whatever the layout (BPMNDI/DMNDI), formatting, attribute order, namespace
prefixes, editor stamps (exporter, Camunda Modeler's `modeler:` attributes) or spelled-out schema
defaults (`cancelActivity="true"`, which bpmn-js leaves out on save). Names, documentation,
properties, expressions, scripts and multi-instance collection references (`loopDataInputRef`)
all count. Forms compare as parsed JSON; templates as text.

A file that would become a version of a key another file deployed (another file name and not the
same process name: two diagrams that both kept bpmn-js's `Process_1`) is not stored without asking:
`Repository.deploy(..., as_new_version=True)` says the owner confirmed it. A new version keeps the
file name of the procedure's first version.
"""
import hashlib
import json

from lxml import etree

from .bpmn_xml import NS, parse_safely
from .errors import DeploymentError

BPMN = NS["bpmn"]
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# drawing and editor metadata: never executable content
LAYOUT_NAMESPACES = {
    "http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI", "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/", "http://www.omg.org/spec/DMN/20180521/DC/",
    "http://www.omg.org/spec/DMN/20180521/DI/", "http://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://camunda.org/schema/modeler/1.0", "http://bpmn.io/schema/bpmn/biocolor/1.0",
    "http://www.omg.org/spec/BPMN/non-normative/color/1.0",
}
EDITOR_STAMPS = {"exporter", "exporterVersion"}
# attribute defaults of the OMG BPMN 2.0 schema (Semantic.xsd): written or left out, the same model
SCHEMA_DEFAULTS = {
    "isForCompensation": {"false"}, "startQuantity": {"1"}, "completionQuantity": {"1"},
    "cancelRemainingInstances": {"true"}, "associationDirection": {"None"}, "cancelActivity": {"true"},
    "implementation": {"##unspecified", "##WebService"}, "parallelMultiple": {"false"}, "loopType": {"None"},
    "isClosed": {"false"}, "isCollection": {"false"}, "isUnlimited": {"true"}, "textFormat": {"text/plain"},
    "instantiate": {"false"}, "eventGatewayType": {"Exclusive"}, "mustUnderstand": {"false"},
    "gatewayDirection": {"Unspecified"}, "itemKind": {"Information"}, "isSequential": {"false"},
    "behavior": {"All"}, "minimum": {"0"}, "maximum": {"1"}, "processType": {"None"}, "testBefore": {"false"},
    "isInterrupting": {"true"}, "triggeredByEvent": {"false"}, "method": {"##Compensate"},
}


def _namespace(name: str) -> str:
    return name[1:].split("}", 1)[0] if name.startswith("{") else ""


def _qname(element, value: str) -> str:
    """A prefixed name (xsi:type="bpmn:tFormalExpression") by namespace, not by prefix."""
    prefix, _, local = value.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return f"{{{namespace}}}{local}" if namespace else value.strip()


def _canonical(element) -> str:
    attributes = []
    for name, value in element.attrib.items():
        if _namespace(name) in LAYOUT_NAMESPACES:
            continue
        local = name.rsplit("}", 1)[-1]
        if element.tag == f"{{{BPMN}}}definitions" and local in EDITOR_STAMPS:
            continue
        if _namespace(element.tag) == BPMN and not _namespace(name) and value.strip() in SCHEMA_DEFAULTS.get(local, ()):
            continue
        attributes.append([name, _qname(element, value) if name == XSI_TYPE else value.strip()])
    # by tag, stably: an editor writing the schema's order (documentation, extensionElements, incoming…)
    # changes nothing, while the order among siblings of one kind (DMN rules and their entries, a
    # gateway's flows) still counts
    kept = [child for child in element if isinstance(child.tag, str) and _namespace(child.tag) not in LAYOUT_NAMESPACES]
    children = [_canonical(child) for child in sorted(kept, key=lambda child: child.tag)]
    return json.dumps([element.tag, sorted(attributes), (element.text or "").strip(), children], ensure_ascii=False)


def fingerprint(kind: str, text: str) -> str:
    """A digest of what runs: equal for two files that are the same version."""
    if kind in ("bpmn", "dmn"):
        canonical = _canonical(parse_safely(text.encode("utf-8")))
    elif kind == "form":
        canonical = json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False)
    else:
        canonical = text
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def same_version(kind: str, deployed_text: str, new_text: str) -> bool:
    if deployed_text == new_text:
        return True
    try:
        return fingerprint(kind, deployed_text) == fingerprint(kind, new_text)
    except (ValueError, etree.LxmlError):  # a stored text that no longer parses: compare as text
        return False


def unrelated_reason(kind: str, current, filename: str, name: str) -> str | None:
    """Why this file does not look like a new version of `current` (the key's latest version): it
    comes from another file and does not carry the same process (decision) name either. A name
    that is only the id again (bpmn-js leaves new processes unnamed) tells nothing."""
    if current is None or kind not in ("bpmn", "dmn") or current.filename == filename:
        return None
    named = bool(name) and name != current.key
    if named and name == current.name:
        return None
    what = "流程" if kind == "bpmn" else "决策表"
    this = f"名称为“{name}”" if named else "没有名称"
    return (f"{what} id “{current.key}”已由另一个文件 {current.filename} 部署（“{current.name}”，版本 {current.version}），"
            f"本文件 {filename} 的{what}{this}：部署后它将成为“{current.name}”的版本 {current.version + 1}，此后发起的"
            f"事项都按它办理。若确是同一{what}的新版本，请确认后再部署（网页上点“确认作为新版本部署”，命令行加 "
            f"--as-new-version）；若是另一个{what}，请把它的 id 改为新的英文标识（如 p14_leave_request）后再部署")


class VersionQuestion(DeploymentError):
    """The deployment would make a file a version of an unrelated one: nothing stored, ask first."""

    status = 409

    def __init__(self, problems: list[dict]):
        super().__init__(problems)
        self.message = "需要确认：" + problems[0]["reason"]
        self.args = (self.message,)
