"""Every bundled BPMN file opens in a modeler, cites its seed, and follows the project's rules."""
import json
import re
from pathlib import Path

import pytest

from engine import bpmn_xml, forms
from engine.bootstrap import PROCESSES

FILES = sorted(PROCESSES.glob("*.bpmn"))
FORMS = {p.name for p in (PROCESSES / "forms").glob("*.json")}


@pytest.fixture(params=FILES, ids=lambda p: p.stem)
def bpmn(request):
    path: Path = request.param
    root = bpmn_xml.parse_safely(path.read_bytes())
    return path, root, bpmn_xml.describe_bpmn(root)


def test_all_nine_coordination_procedures_are_bundled():
    ids = {bpmn_xml.describe_bpmn(bpmn_xml.parse_safely(p.read_bytes()))["process_id"] for p in FILES}
    assert {f"p{n}_" for n in range(1, 10)} <= {i[:3] for i in ids}


def test_file_follows_the_project_rules(bpmn):
    path, root, meta = bpmn
    assert bpmn_xml.rule_problems(root, meta, FORMS) == []
    assert re.fullmatch(r"p\d+_[a-z0-9_]+", meta["process_id"])
    assert path.name.startswith(f"p{int(meta['process_id'][1:].split('_')[0]):02d}_")


def test_every_flow_element_has_a_shape_and_user_task_a_form(bpmn):
    path, root, meta = bpmn
    drawn = {s.get("bpmnElement") for s in root.xpath(".//bpmndi:BPMNShape|.//bpmndi:BPMNEdge", namespaces=bpmn_xml.NS)}
    nodes = root.xpath("|".join(f".//bpmn:{t}" for t in bpmn_xml.FLOW_NODES + ["sequenceFlow", "lane"]),
                       namespaces=bpmn_xml.NS)
    assert nodes and all(n.get("id") in drawn for n in nodes)
    for task_id, task in meta["user_tasks"].items():
        schema = json.loads((PROCESSES / "forms" / task["form"]).read_text(encoding="utf-8"))
        forms.check_schema(schema)
        assert schema["properties"], f"{task_id}: empty form"


def test_process_cites_the_seed_paragraph_it_models(bpmn):
    _, _, meta = bpmn
    assert re.search(r"00[0-4] §\d", meta["documentation"]), meta["documentation"][:80]


def test_names_are_chinese_and_ids_english(bpmn):
    _, root, _ = bpmn
    for node in root.xpath("|".join(f".//bpmn:{t}" for t in ["userTask", "serviceTask", "callActivity", "subProcess"]),
                           namespaces=bpmn_xml.NS):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", node.get("id")), node.get("id")
        assert re.search(r"[\u4e00-\u9fff]", node.get("name", "")), node.get("id")
