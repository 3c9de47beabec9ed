"""P3 商请 — 003 §2(3).

003 §2(3): "市行政审批局在审批过程中，需要各行业监管部门配合时，可通过审管互动平台发出商请，各行业监管部门应自商请
发出之日起3个工作日内完成信息反馈。各行业监管部门在监管过程中，需要市行政审批局配合时，可通过审管互动平台发出商请，
市行政审批局应自商请发出之日起3个工作日内完成信息反馈。"
Procedures (time rules): the day the request is sent is not counted (Civil Code art. 201); a task past its deadline
is overdue and stays visible as overdue; 003 §3(3) reports departments that fail the rules.
"""
from datetime import datetime

import pytest

from engine.clock import SHANGHAI
from engine.errors import FormInvalid, NotCandidate

PROCESS = "p3_consultation_request"


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


def request(**overrides) -> dict:
    data = {
        "subject": "商请核实某公司食品经营许可现场核查情况",
        "enterprise_name": "鞍山市某餐饮管理有限公司",
        "credit_code": "91210300MA0UB7CP9W",
        "requesting_side": "approval_bureau.market",
        "answering_side": "market_bureau",
        "request_type": "information",
        "request_content": "请提供该企业近一年食品安全监督检查记录及处罚情况，供审批参考。",
    }
    data.update(overrides)
    return data


def test_request_sent_before_national_day_goes_overdue_and_is_escalated(scenario):
    """A request sent on Wed 30 September 2026 must be answered by the end of Sat 10 October.

    Counting 3 working days from the day it was sent, that day not counted: 1–7 October are the National
    Day holiday, so the days are Thu 8 Oct, Fri 9 Oct and the make-up working Saturday 10 Oct
    (Sun 11 Oct is off). Nobody answers: from 11 October 00:00 the request is overdue and is escalated to
    the answering department's responsible person, while the liaison's answer task stays open — still
    answerable and visibly overdue. The late answer then reaches the requester.
    """
    s = scenario
    s.at("2026-09-30 10:00")
    m = s.start(PROCESS, by="sunli", data=request())

    answer = m.task("answer_request")
    assert (answer.assignee, answer.candidates) == ("zhuling", ["zhuling"])
    assert (answer.department, answer.role) == ("market_bureau", "liaison")
    assert answer.due == end_of("2026-10-10")  # the make-up working Saturday
    assert not answer.due_provisional
    assert [t.spec_id for t in m.open_tasks()] == ["answer_request"]

    # The requester cannot answer their own request.
    with pytest.raises(NotCandidate):
        m.complete("answer_request", by="sunli", data={"answer_content": "x", "cooperation_done": True})

    # Saturday 10 October is a working day: still within the limit at its end.
    assert s.advance_to("2026-10-10 23:59") == 0
    assert [t.spec_id for t in m.open_tasks()] == ["answer_request"]

    # From Sunday 11 October 00:00 the request is overdue and escalated.
    s.advance_to("2026-10-11 00:00")
    supervise = m.task("supervise_overdue_request")
    assert (supervise.assignee, supervise.candidates) == ("xuming", ["xuming"])
    assert (supervise.department, supervise.role) == ("market_bureau", "responsible_person")
    still_open = m.task("answer_request")
    assert still_open.state == "ready" and still_open.assignee == "zhuling"
    assert still_open.due == end_of("2026-10-10")  # the deadline is kept: the task shows as overdue
    fired = m.events("timer_fired")
    assert [(e["task_id"], e["data"]["outcome"]) for e in fired] == [("overdue_timer", "overdue_escalated")]
    assert fired[0]["at"] == datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI)
    assert m.status == "running"

    # The responsible person records the supervision; the liaison answers on Monday 12 October.
    s.at("2026-10-11 10:00")
    m.complete("supervise_overdue_request", by="xuming",
               data={"action_taken": "已电话督促联络人朱玲，要求次日上午答复", "promised_date": "2026-10-12"})
    s.at("2026-10-12 09:00")
    m.complete("answer_request", by="zhuling",
               data={"answer_content": "该企业近一年检查3次，未发现违法行为，无行政处罚记录。", "cooperation_done": True})

    receive = m.task("receive_answer")
    assert (receive.assignee, receive.department, receive.role) == ("sunli", "approval_bureau.market", "liaison")
    assert receive.due == end_of("2026-10-13")
    assert m.data["answered_late"] is True
    assert m.data["sent_at"] == "2026-09-30T10:00:00+08:00"
    assert m.data["answered_at"] == "2026-10-12T09:00:00+08:00"

    s.at("2026-10-12 14:00")
    m.complete("receive_answer", by="sunli", data={"confirmed": True})
    assert m.status == "completed"
    assert m.data["answer_receipt_status"] == "acknowledged"
    assert [(e["task_id"], e["actor"]) for e in m.events("task_completed")] == [
        ("supervise_overdue_request", "xuming"), ("answer_request", "zhuling"), ("receive_answer", "sunli")]
    assert m.events("deemed_received") == []

    # The escalation is in the event log, against the answering department (003 §3(3) accountability).
    escalated = m.events("overdue_escalated")
    assert [(e["task_id"], e["data"]["department"]) for e in escalated] == [("answer_request", "market_bureau")]


def test_department_asks_approval_bureau_over_spring_festival_answer_deemed_received(scenario):
    """Either side may ask: here 市市场监督管理局 asks 市场准入审批科 on Fri 13 February 2026.

    3 working days from that day: the make-up working Saturday 14 Feb, then (15–23 Feb are the Spring
    Festival holiday) Tue 24 Feb and Wed 25 Feb. The section answers on 24 Feb, in time, so nothing is
    escalated; the requester never opens the answer, and 1 working day after it was pushed it is deemed
    received by timeout (003 §2(3) 超时默认原则).
    """
    s = scenario
    s.at("2026-02-13 15:00")
    m = s.start(PROCESS, by="zhuling", data=request(
        subject="商请提供某企业食品经营许可审批材料", requesting_side="market_bureau",
        answering_side="approval_bureau.market", request_type="cooperation",
        request_content="监管中需核对该企业许可申请时提交的场所平面图，请予提供。"))

    answer = m.task("answer_request")
    assert (answer.assignee, answer.department, answer.role) == ("sunli", "approval_bureau.market", "liaison")
    assert answer.due == end_of("2026-02-25")

    assert s.advance_to("2026-02-24 10:00") == 0
    m.complete("answer_request", by="sunli",
               data={"answer_content": "已通过平台上传场所平面图及现场核查记录。", "cooperation_done": True})
    receive = m.task("receive_answer")
    assert (receive.assignee, receive.department) == ("zhuling", "market_bureau")
    assert receive.due == end_of("2026-02-25")
    assert m.data["answered_late"] is False

    # The overdue timer was cancelled with the answer: passing the 3-day limit escalates nothing.
    s.advance_to("2026-02-26 00:00")
    assert m.open_tasks() == []
    done = {t.spec_id: t for t in m.done_tasks()}
    assert done["receive_answer"].state == "deemed_received"
    assert done["answer_request"].state == "completed"
    assert "supervise_overdue_request" not in done
    assert [(e["task_id"], e["data"]["outcome"]) for e in m.events("timer_fired")] == [
        ("answer_deemed_timer", "deemed_received")]
    assert [(e["task_id"], e["data"]["department"]) for e in m.events("deemed_received")] == [
        ("receive_answer", "market_bureau")]
    assert m.events("overdue_escalated") == []
    assert m.status == "completed"
    assert m.data["answer_receipt_status"] == "deemed_received"
    assert m.data["answer_received_at"] == "2026-02-25T23:59:59+08:00"


def test_a_request_goes_between_the_approval_bureau_and_a_supervision_department(scenario):
    """003 §2(3) provides for requests from the approval bureau to a supervision department and back;
    a request from one supervision department to another is not this procedure and is refused."""
    scenario.at("2026-10-12 09:00")
    with pytest.raises(FormInvalid) as refused:
        scenario.start(PROCESS, by="zhuling", data=request(requesting_side="market_bureau",
                                                            answering_side="emergency_bureau"))
    assert refused.value.errors == {"answering_side": "“被商请方”的选项无效"}
