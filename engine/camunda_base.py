"""What the Camunda mapping modules share: the Camunda namespaces, the mapping's result, and reading
and writing extension elements (Camunda's and Liandong's `spiffworkflow:properties`)."""
import re
from dataclasses import dataclass, field

from lxml import etree

from .bpmn_xml import NS, XmlProblem

NAMESPACES = ("http://camunda.org/schema/1.0/bpmn", "http://activiti.org/bpmn", "http://operaton.org/schema/1.0/bpmn")
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
MODELER = "http://camunda.org/schema/modeler/1.0"
BPMN = "{%s}" % NS["bpmn"]
SPIFF = "{%s}" % NS["spiffworkflow"]
SIMPLE_JUEL = re.compile(r"\s*\$\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\s*")
STARTER_JUEL = re.compile(r"\s*\$\{\s*(initiator|starter|startedBy|started_by)\s*\}\s*")


@dataclass
class Mapping:
    notes: list[dict] = field(default_factory=list)  # {element, line, camunda, liandong}
    problems: list[XmlProblem] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)  # generated form file name -> JSON text
    changed: bool = False

    def note(self, element, camunda: str, liandong: str) -> None:
        self.notes.append({"element": element.get("id"), "line": element.sourceline, "camunda": camunda,
                           "liandong": liandong})


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def is_camunda(tag_or_name: str) -> bool:
    return isinstance(tag_or_name, str) and tag_or_name.startswith("{") and tag_or_name[1:].split("}")[0] in NAMESPACES


def uses_camunda(root) -> bool:
    """Camunda attributes or elements anywhere, or a file Camunda Modeler wrote (its defaults apply:
    a task without an assignee is the starter's, a task without a form gets one)."""
    if "camunda modeler" in (root.get("exporter") or "").lower() or MODELER in root.nsmap.values():
        return True
    return any(is_camunda(e.tag) or any(is_camunda(a) for a in e.attrib) or
               (isinstance(e.tag, str) and e.tag.startswith("{%s}" % ZEEBE)) for e in root.iter())


def attr(element, name: str) -> str | None:
    for namespace in NAMESPACES:
        value = element.get("{%s}%s" % (namespace, name))
        if value is not None:
            return value.strip()
    return None


def children(element, name: str) -> list:
    """Camunda elements called `name` in the element's extensionElements (any Camunda namespace)."""
    found = []
    for ext in element.findall(BPMN + "extensionElements"):
        found += [c for c in ext.iter() if is_camunda(c.tag) and local(c.tag) == name and c is not ext]
    return found


def extension_elements(element):
    ext = element.find(BPMN + "extensionElements")
    if ext is None:
        ext = etree.Element(BPMN + "extensionElements")
        docs = element.findall(BPMN + "documentation")  # the schema wants documentation first
        element.insert(element.index(docs[-1]) + 1 if docs else 0, ext)
    return ext


def properties(element) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in element.iterfind(
        f"{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property")}


def set_property(element, name: str, value: str) -> None:
    ext = extension_elements(element)
    holder = ext.find(SPIFF + "properties")
    if holder is None:
        holder = etree.SubElement(ext, SPIFF + "properties")
    etree.SubElement(holder, SPIFF + "property", name=name, value=value)


def set_script(element, kind: str, lines: list[str]) -> None:
    ext = extension_elements(element)
    script = ext.find(SPIFF + kind)
    if script is None:
        script = etree.SubElement(ext, SPIFF + kind)
    script.text = "\n".join(filter(None, [script.text or "", *lines]))
