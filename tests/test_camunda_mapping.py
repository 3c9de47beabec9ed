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


@pytest.mark.usefixtures("backdoor")
def test_the_upload_result_lists_the_mapping(web):
    owner = web("owner")
    response = owner.post("/modeler/deploy", {"xml": (DATA / "third_party" / "cx_junit5_test_process.bpmn").read_text("utf-8"),
                                              "filename": "testProcess.bpmn"})
    body = response.get_json()
    assert response.status_code == 200 and body["ok"], body
    assert {"element": "UserTask_1", "line": 8, "camunda": "未设置办理人",
            "liandong": "由发起人办理（role=starter）；要交给他人，设置 camunda:candidateGroups=角色@部门"} in body["mapping"]


# --- a group without @department, and camunda:candidateUsers (issue 21 item 5) ---
def mapped_with(engine, old: str, new: str):
    text = MAPPED.decode()
    assert old in text
    return engine.repository.deploy([("leave_request.bpmn", text.replace(old, new).encode())], user="owner")


def notes_of(results, element: str) -> list[str]:
    [process] = [r for r in results if r.kind == "bpmn"]
    return [n["liandong"] for n in process.notes if n["element"] == element]


REVIEW_GROUP = 'camunda:candidateGroups="liaison@market_bureau"'


def review_given_to(engine_scenario, who: str):
    """Deploy the leave request with its review task's candidateGroups written as `who`, start a
    matter of 朱玲's: the mapping's notes on the review, and the matter's open tasks."""
    results = engine_scenario.run(lambda e: mapped_with(e, REVIEW_GROUP, who))
    matter = engine_scenario.start("leave_request", by="zhuling", data={"days": 2, "department": "market_bureau"})
    return notes_of(results, "review"), matter.open_tasks()


def test_a_role_without_department_is_mapped_where_one_department_holds_it(engine_scenario):
    notes, tasks = review_given_to(engine_scenario, 'camunda:candidateGroups="supervisor"')
    assert "由 supervision_office 的督查人员（supervisor）办理（目录中只有这个部门有此角色）" in notes
    assert [(t.spec_id, t.assignee) for t in tasks] == [("review", "duxin")]


def test_a_role_many_departments_hold_is_refused_with_the_departments_to_choose_from(engine):
    with pytest.raises(DeploymentError) as err:
        mapped_with(engine, REVIEW_GROUP, 'camunda:candidateGroups="liaison"')
    [problem] = [p for p in err.value.problems if p["element"] == "review"]
    assert "只写了角色“liaison”，没有写部门" in problem["reason"] and "market_bureau" in problem["reason"]
    assert "写明部门，如 liaison@" in problem["reason"] and problem["line"] == 20


def test_candidate_users_who_share_a_role_become_a_group_task_of_those_people(engine_scenario):
    notes, [task] = review_given_to(engine_scenario, 'camunda:candidateUsers="hujie, linna"')
    assert "由 market_bureau 的执法人员 hujie、linna 认领办理" in notes
    assert task.spec_id == "review" and sorted(task.candidates) == ["hujie", "linna"] and task.assignee is None


def test_one_candidate_user_does_the_task_and_strangers_are_refused(engine_scenario):
    notes, tasks = review_given_to(engine_scenario, 'camunda:candidateUsers="gaoyan"')
    assert "由 gaoyan 办理" in notes
    assert [(t.spec_id, t.assignee) for t in tasks] == [("review", "gaoyan")]
    with pytest.raises(DeploymentError) as err:
        engine_scenario.run(lambda e: mapped_with(e, REVIEW_GROUP, 'camunda:candidateUsers="hujie, gaoyan"'))
    [problem] = [p for p in err.value.problems if p["element"] == "review"]
    assert "没有共同的角色和部门" in problem["reason"] and "gaoyan：liaison@emergency_bureau" in problem["reason"]
    with pytest.raises(DeploymentError) as err:
        engine_scenario.run(lambda e: mapped_with(e, REVIEW_GROUP, 'camunda:candidateUsers="demo, hujie"'))
    assert any("demo 不是目录中的人员 id" in p["reason"] for p in err.value.problems)


def test_a_lane_named_by_a_role_alone_follows_the_same_rule(engine):
    lane = ('<bpmn:laneSet id="ls"><bpmn:lane id="lane_sup" name="supervisor"><bpmn:flowNodeRef>review</bpmn:flowNodeRef>'
            '</bpmn:lane><bpmn:lane id="lane_liaison" name="liaison"><bpmn:flowNodeRef>archive</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>')
    text = MAPPED.decode().replace('<bpmn:startEvent id="StartEvent_1"', lane + '<bpmn:startEvent id="StartEvent_1"', 1)
    with pytest.raises(DeploymentError) as err:
        engine.repository.deploy([("leave_request.bpmn", text.encode())], user="owner")
    problems = {p["element"]: p["reason"] for p in err.value.problems}
    assert "泳道“liaison”只写了角色“liaison”，没有写部门" in problems["lane_liaison"]
    assert "lane_sup" not in problems and "review" not in problems


def test_a_camunda_collection_becomes_the_multi_instance_collection():
    root = bpmn_xml.parse_safely(b'''<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
      xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d"><bpmn:process id="p" isExecutable="true">
      <bpmn:userTask id="rate" camunda:assignee="zhuling"><bpmn:multiInstanceLoopCharacteristics
      camunda:collection="${creditScores}" camunda:elementVariable="score" /></bpmn:userTask>
      <bpmn:userTask id="sum"><bpmn:multiInstanceLoopCharacteristics camunda:collection="${a.b()}" /></bpmn:userTask>
      </bpmn:process></bpmn:definitions>''')
    mapping = camunda.translate(root, {"zhuling": set()})
    loop = root.find(".//{%s}multiInstanceLoopCharacteristics" % bpmn_xml.NS["bpmn"])
    assert [etree.QName(c).localname for c in loop] == ["loopDataInputRef", "inputDataItem"]
    assert loop[0].text == "creditScores" and loop[1].get("name") == "score"
    assert {"element": "rate", "line": 3, "camunda": "camunda:collection=“${creditScores}”",
            "liandong": "逐个处理 creditScores（loopDataInputRef）"} in mapping.notes
    [problem] = mapping.problems
    assert problem.element == "sum" and "camunda:collection=“${a.b()}”是 JUEL 表达式" in problem.reason


def test_a_group_naming_a_department_the_directory_lacks_is_refused_at_deploy(engine):
    with pytest.raises(DeploymentError) as err:
        mapped_with(engine, 'camunda:candidateGroups="liaison@market_bureau"', 'camunda:candidateGroups="liaison@hr_dept"')
    [problem] = [p for p in err.value.problems if p["element"] == "review"]
    assert "candidateGroups=“liaison@hr_dept”的部门代码“hr_dept”不在目录中" in problem["reason"] and problem["line"] == 20
