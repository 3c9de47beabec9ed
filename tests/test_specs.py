"""A process's own properties (lanes, user tasks) are typed once at deployment (engine/specs.py): the
engine, the start page and the trial run read the same spec, and one set of rules checks the values."""
import dataclasses
from pathlib import Path

import pytest

from engine import bpmn_xml, specs

PROCESSES = Path(__file__).resolve().parent.parent / "processes"


def spec_of(name: str) -> specs.ProcessSpec:
    return specs.from_meta(bpmn_xml.describe_bpmn(bpmn_xml.parse_safely((PROCESSES / f"{name}.bpmn").read_bytes())))


def test_a_processes_lanes_and_tasks_are_typed_and_frozen():
    p3 = spec_of("p03_consultation_request")
    answer = p3.user_tasks["answer_request"]
    # 003 §2(3): a 商请 is answered within 3 working days, a limit one department owes another
    assert (answer.due, answer.limit_kind, answer.form) == ("working_days_after(3, sent_at)", "statutory",
                                                            "p03_answer_request.json")
    assert p3.lane_of("answer_request").role == "liaison"
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.due = "working_days_after(30)"


def test_who_may_start_is_the_start_lanes_role():
    p3, p12 = spec_of("p03_consultation_request"), spec_of("p12_complaint_report")
    assert p3.starter_role == "liaison" and p3.may_start({"liaison"}) and not p3.may_start({"enforcement_officer"})
    # P12's start lane is the starter's own: anyone holding a role may register a report
    assert p12.starter_role == "starter" and p12.may_start({"enforcement_officer"}) and not p12.may_start(set())


def test_a_matters_own_deadline_and_the_limit_kind_default():
    p11 = spec_of("p11_penalty_case")
    assert p11.matter_deadline == "decision_due" and p11.matter_deadline_label
    assert p11.user_tasks["approve_filing"].kind_of_limit == "internal"  # no due: internal by default
    assert specs.UserTaskSpec("t").approver_role == "deputy_leader"


def test_the_spec_of_a_deployed_version_is_built_once_per_content(scenario):
    def check(e):
        row = e.repository.process("p3_consultation_request")
        assert specs.of(row) is specs.of(row)
        stored = specs.of(row).user_tasks["answer_request"]
        assert stored == dataclasses.replace(spec_of("p03_consultation_request").user_tasks["answer_request"], line=None)
    scenario.run(check)


def test_the_values_of_properties_are_checked_in_one_place():
    lane = specs.LaneSpec("lane_x", name="审核", role="liaison")
    assert [p[0] for p in specs.lane_problems(lane)] == [
        "泳道“审核”缺少 department 属性：设置部门表达式，如 'legal_office' 或 department"]
    task = specs.UserTaskSpec("t", due="working_days_after(3)", timeout_action="shout", sign_mode="share",
                              sign_share="2")
    assert specs.task_problems(task, lane) == [
        "设置了办理期限（due）的任务须声明期限类型 limit_kind：statutory（法定时限）、applicant（对申请人）、"
        "internal（内部时限）",
        "timeout_action 只能是 remind、escalate 或 complete_default",
        "票签须有 0 到 1 之间的 sign_share（通过所需票数比例）"]


def test_a_limit_unit_is_working_or_calendar_days_and_needs_a_limit():
    lane = specs.LaneSpec("lane_x", name="审核", role="liaison", department="'yingji'")
    weeks = specs.UserTaskSpec("t", due="decision_due", limit_kind="applicant", limit_unit="weeks")
    assert "期限单位 limit_unit 无效：'weeks'，只能是 working（工作日）或 calendar（自然日）" in specs.task_problems(weeks, lane)
    unlimited = specs.UserTaskSpec("t", limit_unit="calendar")
    assert "声明了期限单位 limit_unit 的任务须设置办理期限（due）" in specs.task_problems(unlimited, lane)
