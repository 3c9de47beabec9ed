"""P1 审批结果推送 — 003 §2(1), §2(3).

003 §2(3): "市行政审批局在行政审批事项办结后，应在1个工作日内将审批信息通过审管互动平台传至各行业监管部门，
各行业监管部门应及时查看并依法进行监管。……审管互动平台采取超时默认原则，信息推送1个工作日后，默认为对方已接收。"
003 §2(1): "审批与监管的责任分工原则上以审批结果的推送和接收为界。审批结果推送之前，审批部门履行审批职责；
监管部门接收审批结果后履行监管职责。"
"""
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.clock import SHANGHAI
from engine.errors import FormInvalid, NotCandidate
from engine.models import TargetEntry

PROCESS = "p1_approval_result_push"
CREDIT_CODE = "91210300MA0Y8K3L7P"


def end_of(day: str) -> datetime:
    """The end of a working day, Asia/Shanghai, as deadlines are given."""
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


def start_data(**overrides) -> dict:
    data = {
        "subject": "鞍山市某化工有限公司危险化学品经营许可",
        "enterprise_name": "鞍山市某化工有限公司",
        "credit_code": CREDIT_CODE,
        "sector": "hazardous_chemicals",
        "approval_section": "approval_bureau.market",
        "concluded_at": "2026-09-30T16:00:00+08:00",
        "departments": ["emergency_bureau", "market_bureau"],
    }
    data.update(overrides)
    return data


PUSH = {
    "approval_document_no": "鞍审批危化经字〔2026〕118号",
    "approval_result": "granted",
    "approval_documents": "营业执照、安全评价报告、从业人员资格证书",
}


def library(scenario, credit_code=CREDIT_CODE) -> dict[str, TargetEntry]:
    rows = scenario.run(lambda e: list(e.db.execute(
        select(TargetEntry).where(TargetEntry.credit_code == credit_code)).scalars()))
    return {row.department: (row.enterprise_name, row.source_instance) for row in rows}


@pytest.mark.across_processes
def test_push_within_one_working_day_then_each_department_receives_or_is_deemed_to(scenario):
    """An approval concluded on 30 September 2026 is pushed, and received, across National Day.

    - The push is due within 1 working day of the conclusion, the start day not counted: the next
      working day after Wed 30 Sep is Thu 8 Oct (1–7 Oct are the National Day holiday).
    - Each supervision department concerned gets its own receipt task, due 1 working day after the push.
    - 市市场监督管理局 acknowledges; 市应急管理局 does not open it and, once Fri 9 Oct has ended, it is
      deemed received by timeout — recorded as such, not as acknowledged.
    - Either way the receipt hands the enterprise to that department's supervision: it enters the
      department's enforcement-target library (003 §2(1): responsibility passes on receipt).
    """
    s = scenario
    s.at("2026-09-30 16:30")
    m = s.start(PROCESS, by="sunli", data=start_data())

    push = m.task("push_result")
    assert push.assignee == "sunli" and push.candidates == ["sunli"]
    assert (push.department, push.role) == ("approval_bureau.market", "liaison")
    assert push.due == end_of("2026-10-08")
    assert not push.due_provisional

    # The push is made on the first working day after the holiday, inside its limit.
    assert s.advance_to("2026-10-08 10:00") == 0
    m.complete("push_result", by="sunli", data=PUSH)

    emergency = m.task("receive_push", department="emergency_bureau")
    market = m.task("receive_push", department="market_bureau")
    assert (emergency.assignee, emergency.candidates, emergency.role) == ("gaoyan", ["gaoyan"], "liaison")
    assert (market.assignee, market.candidates, market.role) == ("zhuling", ["zhuling"], "liaison")
    assert emergency.due == market.due == end_of("2026-10-09")
    assert sorted(t.spec_id for t in m.open_tasks()) == ["receive_push", "receive_push"]
    assert library(s) == {}  # before receipt the approval bureau is responsible

    # Each department acts only on its own receipt.
    with pytest.raises(NotCandidate):
        m.complete("receive_push", by="zhuling", department="emergency_bureau",
                   data={"confirmed": True, "supervision_measure": "routine", "risk_level": "medium"})

    s.at("2026-10-09 11:00")
    m.complete("receive_push", by="zhuling", department="market_bureau",
               data={"confirmed": True, "supervision_measure": "random_check", "risk_level": "high",
                     "remarks": "纳入本年度双随机抽查"})
    assert library(s) == {"market_bureau": ("鞍山市某化工有限公司", m.id)}

    # Until the end of Friday 9 October the push is not yet deemed received.
    assert s.advance_to("2026-10-09 23:59") == 0
    assert m.task("receive_push", department="emergency_bureau").state == "ready"
    assert m.status == "running"

    # From 10 October 00:00 it is: the timer fires and the task is closed as deemed received.
    s.advance_to("2026-10-10 00:00")
    assert m.open_tasks() == []
    done = {(t.spec_id, t.department): t for t in m.done_tasks()}
    assert done[("receive_push", "emergency_bureau")].state == "deemed_received"
    assert done[("receive_push", "emergency_bureau")].completed_by is None
    assert done[("receive_push", "market_bureau")].state == "completed"
    assert done[("receive_push", "market_bureau")].completed_by == "zhuling"

    deemed = m.events("deemed_received")
    assert [(e["task_id"], e["data"]["department"]) for e in deemed] == [("receive_push", "emergency_bureau")]
    fired = m.events("timer_fired")
    assert [(e["task_id"], e["data"]["outcome"]) for e in fired] == [("deemed_received_timer", "deemed_received")]
    assert fired[0]["at"] == datetime(2026, 10, 10, 0, 0, tzinfo=SHANGHAI)

    assert m.status == "completed"
    receipts = m.data["receipts"]
    assert set(receipts) == {"emergency_bureau", "market_bureau"}
    assert receipts["market_bureau"]["receipt_status"] == "acknowledged"
    assert receipts["market_bureau"]["received_at"] == "2026-10-09T11:00:00+08:00"
    assert receipts["market_bureau"]["supervision_measure"] == "random_check"
    assert receipts["emergency_bureau"]["receipt_status"] == "deemed_received"
    assert receipts["emergency_bureau"]["received_at"] == "2026-10-09T23:59:59+08:00"
    assert receipts["emergency_bureau"]["supervision_measure"] is None
    assert all(r["target_entry"]["added"] for r in receipts.values())

    # Deemed receipt also starts supervision: both departments now hold the enterprise.
    assert library(s) == {"market_bureau": ("鞍山市某化工有限公司", m.id),
                          "emergency_bureau": ("鞍山市某化工有限公司", m.id)}

    kinds = [e["kind"] for e in m.events()]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    completed = [(e["task_id"], e["actor"]) for e in m.events("task_completed")]
    assert completed == [("push_result", "sunli"), ("receive_push", "zhuling")]


@pytest.mark.across_processes
def test_all_departments_acknowledge_and_no_timer_fires(scenario):
    """When every department acknowledges in time, nothing is deemed received; the timers are cancelled.

    Spring Festival 2026: concluded Fri 13 Feb; the next working day is the make-up Saturday 14 Feb,
    so the push is due then; pushed that day, receipts are due on Tue 24 Feb (15–23 Feb are off).
    """
    s = scenario
    s.at("2026-02-13 17:00")
    m = s.start(PROCESS, by="wufang", data=start_data(
        subject="某建筑公司建筑施工企业安全生产许可", enterprise_name="鞍山某建筑工程有限公司",
        credit_code="91210300MA10QW2E48", sector="construction", approval_section="approval_bureau.construction",
        concluded_at="2026-02-13T16:00:00+08:00", departments=["housing_bureau", "emergency_bureau", "ecology_bureau"]))
    push = m.task("push_result")
    assert push.assignee == "wufang" and push.department == "approval_bureau.construction"
    assert push.due == end_of("2026-02-14")

    s.at("2026-02-14 09:30")
    m.complete("push_result", by="wufang", data={**PUSH, "approval_result": "changed",
                                                  "standard_element_changes": "法定代表人变更"})
    tasks = {t.department: t for t in m.open_tasks()}
    assert {d: t.assignee for d, t in tasks.items()} == {
        "housing_bureau": "dengli", "emergency_bureau": "gaoyan", "ecology_bureau": "yuanyuan"}
    assert all(t.due == end_of("2026-02-24") for t in tasks.values())

    # A receipt must say how supervision proceeds.
    with pytest.raises(FormInvalid) as refused:
        m.complete("receive_push", by="dengli", department="housing_bureau", data={"confirmed": True})
    assert "supervision_measure" in refused.value.errors

    s.at("2026-02-24 10:00")
    for dept, person, measure in [("ecology_bureau", "yuanyuan", "routine"), ("housing_bureau", "dengli", "key_supervision"),
                                  ("emergency_bureau", "gaoyan", "routine")]:
        m.complete("receive_push", by=person, department=dept, data={"confirmed": True, "supervision_measure": measure,
                                                                           "risk_level": "medium"})

    assert m.status == "completed"
    assert s.advance_to("2026-03-02 00:00") == 0
    assert m.events("deemed_received") == [] and m.events("timer_fired") == []
    receipts = m.data["receipts"]
    assert {d: r["receipt_status"] for d, r in receipts.items()} == {
        "housing_bureau": "acknowledged", "emergency_bureau": "acknowledged", "ecology_bureau": "acknowledged"}
    assert receipts["housing_bureau"]["supervision_measure"] == "key_supervision"
    assert set(library(s, "91210300MA10QW2E48")) == {"housing_bureau", "emergency_bureau", "ecology_bureau"}


def test_start_form_requires_at_least_one_department(scenario):
    """003 §2(3) pushes to the departments concerned: a push to nobody is refused at the start."""
    scenario.at("2026-09-30 16:30")
    with pytest.raises(FormInvalid) as refused:
        scenario.start(PROCESS, by="sunli", data=start_data(departments=[]))
    assert "departments" in refused.value.errors


def test_the_receiving_liaison_cannot_stop_or_move_the_deemed_receipt(scenario):
    """003 §2(3) "审管互动平台采取超时默认原则，信息推送1个工作日后，默认为对方已接收" and §2(1) (supervision
    starts on receipt): the receipt limit is owed by one department to another, so nobody on the
    receiving side can pause it (补正) or extend it (延期). 市应急管理局's liaison 高燕 tries both and is
    refused in Chinese; neither is offered to her; after 1 working day the push is deemed received and
    the enterprise enters the bureau's enforcement-target library."""
    from engine.errors import InvalidState
    s = scenario
    s.at("2026-10-08 09:00")
    m = s.start(PROCESS, by="sunli", data=start_data(concluded_at="2026-10-08T08:30:00+08:00",
                                                     departments=["emergency_bureau"]))
    m.complete("push_result", by="sunli", data=PUSH)
    receipt = m.task("receive_push")
    assert receipt.assignee == "gaoyan" and receipt.due == end_of("2026-10-09")
    assert s.run(lambda e: e.deadlines.limit_kind(e.tasks.get(receipt.id))) == "statutory"

    with pytest.raises(InvalidState) as paused:
        s.run(lambda e: e.deadlines.pause(receipt.id, "gaoyan", "待审批科室补充审批要件"))
    assert "法定时限" in paused.value.message and "不能补正暂停计时" in paused.value.message
    with pytest.raises(InvalidState) as asked:
        s.run(lambda e: e.deadlines.request_extension(receipt.id, "gaoyan", 5, "近期检查任务多"))
    assert "不能延期" in asked.value.message
    with pytest.raises(InvalidState):  # nor can her section head, nor anyone else
        s.run(lambda e: e.deadlines.extend(receipt.id, "hebin", 5, "近期检查任务多"))
    assert s.run(lambda e: (e.deadlines.may_pause(e.tasks.get(receipt.id)),
                            e.deadlines.may_request_extension(e.tasks.get(receipt.id)),
                            e.deadlines.may_extend(e.tasks.get(receipt.id), "admin"))) == (False, False, False)
    assert m.events("clock_stopped") == m.events("extension_requested") == m.events("extended") == []

    s.advance_to("2026-10-10 00:00")
    [done] = [t for t in m.done_tasks() if t.spec_id == "receive_push"]
    assert done.state == "deemed_received"
    assert library(s) == {"emergency_bureau": ("鞍山市某化工有限公司", m.id)}
