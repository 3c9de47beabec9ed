"""A Camunda Modeler diagram deploys after the mapping and runs to an end: candidateGroups and
assignee decide who does each task, formData becomes forms, dueDate the deadline, extension
properties the project's properties, call-activity in/out pre- and post-scripts; the upload result
says what was mapped, and what cannot be mapped is named per element (issue 21)."""
from pathlib import Path

import pytest
from lxml import etree

from engine import bpmn_xml, camunda
from engine.errors import DeploymentError
from tests.bpmn_runner import run_to_end

pytest_plugins = ["tests.web_fixtures"]

DATA = Path(__file__).parent / "data"
MAPPED = (DATA / "validation" / "camunda_mapped.bpmn").read_bytes()


def test_a_camunda_diagram_is_mapped_deployed_and_run_to_its_end(engine_scenario):
    results = engine_scenario.run(lambda e: e.repository.deploy([("leave_request.bpmn", MAPPED)], user="owner"))
    [process] = [r for r in results if r.kind == "bpmn"]
    assert sorted(r.key for r in results if r.kind == "form") == [
        "leave_request_StartEvent_1.json", "leave_request_archive.json", "leave_request_review.json"]
    said = {(n["element"], n["liandong"]) for n in process.notes}
    assert ("review", "由 market_bureau 的联络人（liaison）办理") in said
    assert ("archive", "由 zhuling 办理") in said
    assert ("review", "期限 due='2026-12-31T17:00:00+08:00'") in said
    assert ("review", "属性 timeout_action=remind") in said
    assert ("notify", "preScript：leave_days = days") in said and ("notify", "postScript：notified_days = leave_days") in said

    def stored(e):
        row = e.repository.process("leave_request")
        return row.meta["camunda"], row.content
    notes, content = engine_scenario.run(stored)
    assert notes == process.notes and 'name="role" value="liaison"' in content  # the version shows the mapping

    status = run_to_end(engine_scenario, "leave_request", "zhuling")
    assert status == "completed"


def test_what_cannot_be_mapped_is_named_per_element_with_the_liandong_way(engine):
    text = MAPPED.decode().replace('camunda:candidateGroups="liaison@market_bureau"', 'camunda:candidateGroups="management"')
    text = text.replace('camunda:assignee="zhuling"', 'camunda:assignee="${supervisor.getId()}"')
    text = text.replace('<camunda:in source="days" target="leave_days" />',
                        '<camunda:in sourceExpression="${days * 2}" target="leave_days" />'
                        '<camunda:executionListener class="org.example.Audit" event="start" />')
    with pytest.raises(DeploymentError) as err:
        engine.repository.deploy([("leave_request.bpmn", text.encode())], user="owner")
    found = {}
    for p in err.value.problems:
        found[p["element"]] = found.get(p["element"], "") + p["reason"]
    assert "candidateGroups=“management”" in found["review"] and "角色@部门代码" in found["review"]
    assert "JUEL" in found["archive"] and "requested_by" in found["archive"]
    assert "执行监听器" in found["notify"] and "serviceTaskOperator" in found["notify"]
    assert "sourceExpression 是 JUEL" in found["notify"]
    assert all(p["line"] for p in err.value.problems)


def test_a_decision_reference_and_bare_iso_timers_are_mapped():
    root = bpmn_xml.parse_safely(b'''<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
      xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d"><bpmn:process id="p" isExecutable="true">
      <bpmn:businessRuleTask id="rate" camunda:decisionRef="p10_sampling_ratio" /></bpmn:process></bpmn:definitions>''')
    mapping = camunda.translate(root, set())
    called = root.find(".//{%s}calledDecisionId" % bpmn_xml.NS["spiffworkflow"])
    assert called is not None and called.text == "p10_sampling_ratio"
    assert mapping.notes[0]["liandong"] == "调用决策表 p10_sampling_ratio（calledDecisionId）"
    assert etree.QName(called.getparent()).localname == "extensionElements"


def test_a_java_delegate_is_named_with_the_operations_liandong_has(engine):
    sample = (DATA / "third_party" / "cx_spring_boot_sample.bpmn").read_bytes()
    with pytest.raises(DeploymentError) as err:
        engine.repository.deploy([("sample.bpmn", sample)], user="owner")
    [problem] = [p for p in err.value.problems if p["element"] == "ServiceTask_1"]
    assert "委托表达式 camunda:delegateExpression=“${sayHelloDelegate}”" in problem["reason"]
    assert "target_library.add" in problem["reason"] and problem["line"] == 12


def test_the_upload_result_lists_the_mapping(web, backdoor):
    owner = web("owner")
    response = owner.post("/modeler/deploy", {"xml": (DATA / "third_party" / "cx_junit5_test_process.bpmn").read_text("utf-8"),
                                              "filename": "testProcess.bpmn"})
    body = response.get_json()
    assert response.status_code == 200 and body["ok"], body
    assert {"element": "UserTask_1", "line": 8, "camunda": "未设置办理人",
            "liandong": "由发起人办理（role=starter）；要交给他人，设置 camunda:candidateGroups=角色@部门"} in body["mapping"]
