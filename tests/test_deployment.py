"""Deploying definitions: versions, all-or-nothing, and hostile or broken XML refused with a reason."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.errors import DeploymentError
from engine.models import Definition

DATA = Path(__file__).parent / "data"
GOOD = (DATA / "two_steps.bpmn").read_text(encoding="utf-8")


def count(engine):
    return engine.db.scalar(select(func.count()).select_from(Definition))


def deploy(engine, text, name="two_steps.bpmn"):
    return engine.repository.deploy([(name, text.encode("utf-8"))], user="owner")


def test_identical_redeploy_is_a_no_op_and_a_change_is_a_new_version(engine_scenario):
    [same] = engine_scenario.run(lambda e: deploy(e, GOOD))
    assert (same.version, same.changed) == (1, False)
    matter = engine_scenario.start("t_two_steps", by="zhuling", data={"department": "market_bureau"})
    [new] = engine_scenario.run(lambda e: deploy(e, GOOD.replace('name="确认"', 'name="确认收到"')))
    assert (new.version, new.changed) == (2, True)
    # The running matter keeps version 1; a new one starts on version 2 and shows the new name.
    matter.complete("draft", by="zhuling", data={"note": "x"})
    assert matter.task("confirm").name == "确认"
    second = engine_scenario.start("t_two_steps", by="zhuling", data={"department": "market_bureau"})
    second.complete("draft", by="zhuling", data={"note": "x"})
    assert second.task("confirm").name == "确认收到"


HOSTILE = {
    "xxe": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
    "parameter_entity": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><d/>',
    "billion_laughs": '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>',
    "deep": "<a>" * 500 + "</a>" * 500,
    "broken": "<bpmn:definitions",
    "huge": "<a>" + "x" * 3_000_000 + "</a>",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_xml_is_refused_and_nothing_is_stored(engine, case):
    before = count(engine)
    with pytest.raises(DeploymentError) as err:
        deploy(engine, HOSTILE[case])
    assert err.value.problems[0]["file"] == "two_steps.bpmn"
    assert "root:" not in err.value.message  # no file content leaked into the message
    assert count(engine) == before


@pytest.mark.parametrize("change, reason", [
    ('<spiffworkflow:property name="role" value="liaison" />', "不是目录中的角色"),
    ('<spiffworkflow:property name="form" value="t_note.json" />\n          <spiffworkflow:property name="due"', "找不到表单"),
    ('<bpmndi:BPMNShape id="draft_di" bpmnElement="draft">', "没有图形"),
    ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days_after(3)', "不允许"),
    ('<bpmn:sequenceFlow id="flow_1" sourceRef="start" targetRef="draft" />', "顺序流的终点“ghost”不存在"),
])
def test_project_rules_are_checked_with_the_element(engine, change, reason):
    replacements = {
        "不是目录中的角色": '<spiffworkflow:property name="role" value="king" />',
        "找不到表单": '<spiffworkflow:property name="form" value="missing.json" />\n          <spiffworkflow:property name="due"',
        "没有图形": '<bpmndi:BPMNShape id="draft_di" bpmnElement="nothing">',
        "不允许": '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">__import__("os").system("id")',
        "顺序流的终点“ghost”不存在": '<bpmn:sequenceFlow id="flow_1" sourceRef="start" targetRef="ghost" />',
    }
    bad = GOOD.replace(change, replacements[reason], 1)
    assert bad != GOOD
    before = count(engine)
    with pytest.raises(DeploymentError) as err:
        deploy(engine, bad.replace('name="确认"', 'name="确认2"'))
    assert any(reason in p["reason"] for p in err.value.problems), err.value.problems
    assert count(engine) == before


def test_one_bad_file_stops_the_whole_deployment(engine):
    before = count(engine)
    with pytest.raises(DeploymentError):
        engine.repository.deploy([
            ("two_steps.bpmn", GOOD.replace('name="确认"', 'name="新名"').encode()),
            ("bad.json", b"{not json"),
        ])
    assert count(engine) == before


KIND = '<spiffworkflow:property name="limit_kind" value="internal" />'
DEEMED_KIND = '<spiffworkflow:property name="limit_kind" value="statutory" />'


@pytest.mark.parametrize("old, new, reason", [
    (KIND, '<spiffworkflow:property name="limit_kind" value="urgent" />', "期限类型 limit_kind 无效：'urgent'"),
    (KIND, "", "设置了办理期限（due）的任务须声明期限类型 limit_kind"),
    (DEEMED_KIND, KIND, "超时默认接收（deemed_received）的任务是部门间法定时限：limit_kind 须为 statutory"),
    (KIND, KIND + '<spiffworkflow:property name="extension_approver" value="deputy_leader" />',
     "只有对申请人的时限（limit_kind=applicant）可以指定延期批准人"),
    (KIND, '<spiffworkflow:property name="limit_kind" value="applicant" />'
           '<spiffworkflow:property name="extension_approver" value="responsible_person" />',
     "延期批准人须在负有期限义务的科室以外"),
])
def test_a_time_limit_declares_its_kind_or_the_deployment_is_refused(engine, old, new, reason):
    """003 §2(3): the limits one department owes another (超时默认, the 3-working-day answer) have no
    补正 and no 延期, limits owed to an applicant have both. Which one a task's limit is must be declared
    in the diagram (limit_kind), checked at deployment with a Chinese reason, and nothing is stored."""
    assert old in GOOD
    before = count(engine)
    with pytest.raises(DeploymentError) as err:
        deploy(engine, GOOD.replace(old, new, 1).replace('name="确认"', 'name="确认3"'))
    assert any(reason in p["reason"] and p["element"] in ("draft", "confirm") for p in err.value.problems), \
        err.value.problems
    assert count(engine) == before


def test_the_command_line_names_a_folder_or_missing_file_among_several_instead_of_crashing(database_url, monkeypatch,
                                                                                            capsys):
    """`liandong deploy a.bpmn forms/ gone.json` used to end in a Python traceback (IsADirectoryError)."""
    from engine import cli

    monkeypatch.setenv("DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as ended:
        cli.main(["deploy", str(DATA / "two_steps.bpmn"), str(DATA / "forms"), str(DATA / "gone.json")])
    assert ended.value.code == 2
    printed, said = capsys.readouterr()
    assert "是目录：部署目录时只写这一个目录，否则逐个列出文件" in said and "找不到该文件" in said
    assert "Traceback" not in said and printed == ""  # nothing deployed, not even the good file
