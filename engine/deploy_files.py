"""One uploaded file read into what deployment stores, for the kinds that need no directory:
forms, document templates and decision tables. Each reader returns the parsed entry
(kind, key, name, text, filename, root, meta) or raises XmlProblem / DeploymentError in Chinese."""
import json

import jsonschema

from . import bpmn_xml, dmn_checks, document_resources, document_templates, file_kinds, file_messages, forms
from .errors import DeploymentError


def checked_kind(filename: str, content: bytes, kinds: frozenset[str]) -> str:
    kind = file_kinds.kind_of(filename, content)  # by content: a name alone never makes a template
    if kind not in kinds:
        raise bpmn_xml.XmlProblem("只有系统管理员可以部署公文模板" if kind == "template"
                                  else f"您无权部署{file_kinds.NAMES[kind]}")
    return kind


def decoded(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise bpmn_xml.XmlProblem("文件不是 UTF-8 编码") from None


def read_form(filename: str, text: str) -> tuple:
    try:
        schema = json.loads(text)
        forms.check_schema(schema)
    except json.JSONDecodeError as err:
        raise bpmn_xml.XmlProblem(*file_messages.json_syntax(err)) from None
    except jsonschema.SchemaError as err:  # the English of jsonschema, said in Chinese
        reason, where = file_messages.schema_error(err)
        raise bpmn_xml.XmlProblem(reason, element=where) from None
    except ValueError as err:  # the project's own rules, already in Chinese
        raise bpmn_xml.XmlProblem(f"表单无效：{err}") from None
    return "form", filename, schema.get("title", filename), text, filename, None, {}


def read_template(filename: str, text: str) -> tuple:
    try:
        meta = document_templates.check_template(text)
        document_resources.check_template(text)  # names no file or host (rendering checks again)
    except ValueError as err:
        raise bpmn_xml.XmlProblem(f"公文模板无效：{err}") from None
    return "template", filename, meta.get("name", filename), text, filename, None, meta


def read_dmn(filename: str, text: str, root) -> tuple:
    ids = [d.get("id") for d in root.iter("{*}decision")]
    if len(ids) != 1:
        raise bpmn_xml.XmlProblem("每个 DMN 文件须恰好包含一个决策表")
    found = dmn_checks.problems(root)  # the table's shape and every expression in it, now
    if found:
        raise DeploymentError([{"file": filename, "line": p.line, "element": p.element, "reason": p.reason}
                               for p in found])
    name = next(root.iter("{*}decision")).get("name", ids[0])
    return "dmn", ids[0], name, text, filename, root, {}
