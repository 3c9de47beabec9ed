"""What kind of definition a deployed file is: read from its content, checked against its name.

The kind decides who may deploy a file and how it runs (a document template is code that renders on
the server), so it never follows the file name alone: a BPMN file is XML whose root is BPMN
`definitions`, a DMN file likewise with the DMN namespace, a form is a JSON object (a JSON Schema),
a template is HTML starting with the `{#- liandong` header. A name that says one kind over content
of another is refused.
"""
import io
import json

from lxml import etree

from .bpmn_xml import NS, XmlProblem

ALL_KINDS = frozenset({"bpmn", "dmn", "form", "template"})
OWNER_KINDS = frozenset({"bpmn", "dmn", "form"})  # what a process owner deploys; templates: administrators
NAMES = {"bpmn": "BPMN 流程图", "dmn": "DMN 决策表", "form": "表单（JSON Schema）", "template": "公文模板（HTML）"}
SUFFIXES = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form", ".html": "template"}
DMN_NAMESPACE = "omg.org/spec/DMN/"  # every DMN version's model namespace contains it


def claimed(filename: str) -> str:
    """The kind the file name says (its suffix)."""
    for suffix, kind in SUFFIXES.items():
        if filename.lower().endswith(suffix):
            return kind
    raise XmlProblem("只能部署 .bpmn、.dmn、表单 .json 和公文模板 .html 文件")


def detect(content: bytes) -> str | None:
    """The kind the content is, or None when it is none of them (then the named kind's own checks
    say what is wrong with it)."""
    try:
        text = content.decode("utf-8").lstrip("\ufeff \t\r\n")
    except UnicodeDecodeError:
        return None
    if text.startswith("{#"):
        return "template"
    if text.startswith("{"):
        try:
            return "form" if isinstance(json.loads(text), dict) else None
        except ValueError:
            return None
    if not text.startswith("<"):
        return None
    tag = _root_tag(content)
    if tag is None:
        return "template" if _looks_like_html(text) else None
    namespace, _, local = tag.rpartition("}")
    if local == "definitions" and namespace.lstrip("{") == NS["bpmn"]:
        return "bpmn"
    if local == "definitions" and DMN_NAMESPACE in namespace:
        return "dmn"
    return "template" if local.lower() == "html" else None


def kind_of(filename: str, content: bytes) -> str:
    """The file's kind; raises XmlProblem when its name and its content disagree."""
    named = claimed(filename)
    found = detect(content)
    if found is not None and found != named:
        raise XmlProblem(f"文件内容是{NAMES[found]}，与文件名“{filename}”表示的{NAMES[named]}不符：请按内容使用"
                         f"扩展名 {next(s for s, k in SUFFIXES.items() if k == found)}")
    return named


def _root_tag(content: bytes) -> str | None:
    """The root element's tag, read from the first start tag only (no DTD, no entities)."""
    if b"<!doctype" in content[:4096].lower() or b"<!entity" in content.lower():
        return None  # never BPMN or DMN (parse_safely refuses both); an HTML doctype is looked at as text
    try:
        for _event, element in etree.iterparse(io.BytesIO(content), events=("start",), resolve_entities=False,
                                                no_network=True, load_dtd=False, huge_tree=False):
            return element.tag if isinstance(element.tag, str) else None
    except etree.XMLSyntaxError:
        return None
    return None


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return head.startswith("<!doctype html") or any(f"<{t}" in head for t in ("html", "head", "body", "style"))
