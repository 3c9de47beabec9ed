"""P2 监管信息推送与处理反馈 — 003 §2(3), 000 §2(4), 003 §2(5)3.

003 §2(3): "各行业监管部门应将行政处罚决定等监管信息，在1个工作日内通过审管互动平台通知市行政审批局。市行政审批局
在接到行业监管部门通报的行政处罚等监管决定后，应依法依规作出相关处理决定，并将处理意见及时向各行业监管部门进行反馈。
审管互动平台采取超时默认原则，信息推送1个工作日后，默认为对方已接收。"
000 §2(4): "如监管中发现上述企业不具备安全生产条件，要立即函告市行政审批局。"
003 §2(5) 议题3: "监管部门在监管过程中做出重大行政处罚以及建议撤销行政审批决定的审批事项，需要协商讨论的事宜。"
"""
from datetime import datetime

import pytest

from engine.clock import SHANGHAI
from engine.errors import NotCandidate
from tests.document_checks import assert_official_letter

PROCESS = "p2_supervision_info_push"


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


def start_data(**overrides) -> dict:
    data = {
        "subject": "鞍山市某化工有限公司违法储存危险化学品行政处罚",
        "enterprise_name": "鞍山市某化工有限公司",
        "credit_code": "91210300MA0Y8K3L7P",
        "supervision_department": "emergency_bureau",
        "info_kind": "penalty_decision",
        "occurred_on": "2026-09-30",
        "summary": "企业在未经许可的场所储存危险化学品，依法作出罚款并责令停产停业整顿的处罚决定。",
    }
    data.update(overrides)
    return data


def penalty(**overrides) -> dict:
    data = {
        "decision_no": "鞍应急罚〔2026〕37号",
        "penalty_content": "罚款二十万元，责令停产停业整顿。",
        "major_penalty": False,
        "proposes_revocation": False,
        "legal_basis": "《危险化学品安全管理条例》第八十条",
    }
    data.update(overrides)
    return data


HANDLING = {"handling": "suspend", "handling_opinion": "整顿期间暂停其危险化学品经营许可效力。",
            "handling_basis": "《危险化学品经营许可证管理办法》第二十二条"}


MEETING_STEPS = {
    "prepare_meeting": {"meeting_agenda": "研究重大行政处罚后审批事项的处理", "meeting_at": "2026-10-09T15:00:00+08:00",
                        "meeting_place": "市行政审批局三楼会议室"},
    "confirm_attendance": {"attendance_confirmed": True},
    "record_meeting": {"meeting_held_at": "2026-10-09T15:00:00+08:00", "meeting_attendees": "刘红、赵敏、马平、何斌",
                       "meeting_record": "双方就处罚事实及审批事项处理交换意见。"},
    "write_minutes": {"meeting_minutes": "同意撤销该企业危险化学品经营许可。",
                      "meeting_outcome": "settled"},
    # 003 §2(2): each side's responsible person reports the meeting to their leaders
    "report_to_leaders_calling": {"reported_on": "2026-10-09", "main_leader_reported": True, "deputy_leader_reported": True, "report_summary": "会商一致"},
    "report_to_leaders_other": {"reported_on": "2026-10-09", "main_leader_reported": True, "deputy_leader_reported": True, "report_summary": "会商一致"},
}


def hold_meeting(m) -> list[tuple[str, str]]:
    """Drive the called P5 consultation meeting to its minutes, each step by the person it is assigned to
    (P5's own scenarios are in test_p05). Returns (step, person) in the order done."""
    done = []
    for _ in range(20):
        steps = [t for t in m.open_tasks() if t.spec_id in MEETING_STEPS or t.spec_id.startswith("ack_notice")]
        if not steps:
            return done
        task = steps[0]
        m.complete(task.spec_id, by=task.assignee, data=MEETING_STEPS.get(task.spec_id, {}))
        done.append((task.spec_id, task.assignee))
    raise AssertionError(f"the consultation meeting did not finish: {m.open_tasks()}")


def test_major_penalty_with_revocation_proposal_goes_to_a_consultation_meeting(scenario):
    """A major penalty decided on Wed 30 Sep 2026 must be pushed by the end of Thu 8 Oct (1–7 Oct off).

    The section liaison receives it; because the department proposes revoking the approval, the section
    calls a consultation meeting (P5, topic category 3) with the department, one to one; after the minutes
    the section's responsible person decides the handling, and the opinion is fed back to the department,
    whose liaison acknowledges it.
    """
    s = scenario
    s.at("2026-09-30 15:00")
    m = s.start(PROCESS, by="gaoyan", data=start_data())

    push = m.task("push_penalty_decision")
    assert (push.assignee, push.department, push.role) == ("gaoyan", "emergency_bureau", "liaison")
    assert push.due == end_of("2026-10-08")

    s.at("2026-10-08 09:00")
    m.complete("push_penalty_decision", by="gaoyan", data=penalty(major_penalty=True, proposes_revocation=True))
    receive = m.task("receive_supervision_info")
    assert (receive.assignee, receive.department, receive.role) == ("sunli", "approval_bureau.market", "liaison")
    assert receive.due == end_of("2026-10-09")

    s.at("2026-10-08 14:00")
    m.complete("receive_supervision_info", by="sunli", data={"confirmed": True})
    assert m.data["receipt_status"] == "acknowledged"
    assert m.data["received_at"] == "2026-10-08T14:00:00+08:00"

    # The consultation meeting is called by the approval section, with the department as the other side.
    prepare = m.task("prepare_meeting")
    assert (prepare.assignee, prepare.department) == ("zhaomin", "approval_bureau.market")
    assert m.data["topic_category"] == 3
    assert (m.data["calling_side"], m.data["other_side"]) == ("approval_bureau.market", "emergency_bureau")
    steps = dict(hold_meeting(m))
    assert steps["prepare_meeting"] == steps["write_minutes"] == "zhaomin"  # the calling side writes the minutes
    assert steps["confirm_attendance"] == "hebin"  # the department's responsible person attends
    assert m.data["meeting_outcome"] == "settled"

    decide = m.task("decide_handling")
    assert (decide.assignee, decide.department, decide.role) == ("zhaomin", "approval_bureau.market",
                                                                 "responsible_person")
    assert decide.due is None  # 003 §2(3) says "及时": no fixed number of days
    s.at("2026-10-12 10:00")
    m.complete("decide_handling", by="zhaomin", data={**HANDLING, "handling": "revoke",
                                                      "handling_opinion": "依会商纪要撤销其危险化学品经营许可。"})

    feedback = m.task("receive_feedback")
    assert (feedback.assignee, feedback.department) == ("gaoyan", "emergency_bureau")
    assert feedback.due == end_of("2026-10-13")
    s.at("2026-10-12 16:00")
    m.complete("receive_feedback", by="gaoyan", data={"confirmed": True, "feedback_remarks": "已知悉，将配合做好后续监管。"})

    assert m.status == "completed"
    assert m.data["handling"] == "revoke"
    assert m.data["legal_basis"] == "《危险化学品安全管理条例》第八十条"  # the penalty's, not overwritten
    assert m.data["handling_basis"] == HANDLING["handling_basis"]
    assert m.data["feedback_receipt_status"] == "acknowledged"
    assert m.data["feedback_pushed_at"] == "2026-10-12T10:00:00+08:00"
    steps = [e["task_id"] for e in m.events("task_completed")]
    assert steps[:2] == ["push_penalty_decision", "receive_supervision_info"]
    assert steps[-2:] == ["decide_handling", "receive_feedback"]
    assert "write_minutes" in steps and steps.index("write_minutes") < steps.index("decide_handling")
    assert m.events("deemed_received") == []


def test_ordinary_penalty_is_handled_without_meeting_and_feedback_is_deemed_received(scenario):
    """Spring Festival 2026: a penalty decided on Fri 13 Feb is due to be pushed on the make-up
    Saturday 14 Feb. Not major, no revocation proposed: the section decides the handling itself.
    The department never opens the feedback; 1 working day after it was pushed it is deemed received.
    """
    s = scenario
    s.at("2026-02-13 16:00")
    m = s.start(PROCESS, by="dengli", data=start_data(
        subject="某建筑公司违法分包行政处罚", enterprise_name="鞍山某建筑工程有限公司",
        credit_code="91210300MA10QW2E48", supervision_department="housing_bureau", occurred_on="2026-02-13",
        summary="企业违法分包，依法作出罚款处罚。"))
    push = m.task("push_penalty_decision")
    assert (push.assignee, push.due) == ("dengli", end_of("2026-02-14"))

    s.at("2026-02-14 10:00")
    m.complete("push_penalty_decision", by="dengli", data=penalty(decision_no="鞍住建罚〔2026〕9号"))
    receive = m.task("receive_supervision_info")
    assert (receive.assignee, receive.due) == ("wufang", end_of("2026-02-24"))

    s.at("2026-02-24 09:00")
    m.complete("receive_supervision_info", by="wufang", data={"confirmed": True})
    decide = m.task("decide_handling")  # straight to the decision: no consultation meeting
    assert (decide.assignee, decide.department) == ("zhouqiang", "approval_bureau.construction")
    assert [t.spec_id for t in m.open_tasks()] == ["decide_handling"]

    s.at("2026-02-25 10:00")
    m.complete("decide_handling", by="zhouqiang", data={**HANDLING, "handling": "no_action",
                                                        "handling_opinion": "处罚不影响许可条件，不作处理。"})
    feedback = m.task("receive_feedback")
    assert (feedback.assignee, feedback.department, feedback.due) == ("dengli", "housing_bureau", end_of("2026-02-26"))

    assert s.advance_to("2026-02-26 23:59") == 0
    s.advance_to("2026-02-27 00:00")
    assert m.status == "completed"
    done = {t.spec_id: t for t in m.done_tasks()}
    assert done["receive_feedback"].state == "deemed_received"
    assert [(e["task_id"], e["data"]["department"]) for e in m.events("deemed_received")] == [
        ("receive_feedback", "housing_bureau")]
    assert [(e["task_id"], e["data"]["outcome"]) for e in m.events("timer_fired")] == [
        ("feedback_deemed_timer", "deemed_received")]
    assert m.data["feedback_receipt_status"] == "deemed_received"
    assert m.data["feedback_received_at"] == "2026-02-26T23:59:59+08:00"
    assert m.data["receipt_status"] == "acknowledged"
    assert "prepare_meeting" not in [e["task_id"] for e in m.events("task_ready")]


def test_policy_change_is_informative_and_deemed_received_by_timeout(scenario):
    """A policy change issued on Fri 9 Oct 2026 is pushed on the make-up Saturday 10 Oct, its due day.
    Nobody in the section opens it: after Monday 12 Oct (Sunday 11 Oct is off) it is deemed received.
    Informative information needs no handling decision: the matter ends there.
    """
    s = scenario
    s.at("2026-10-09 17:00")
    m = s.start(PROCESS, by="zhuling", data=start_data(
        subject="食品经营许可审查细则调整", enterprise_name="鞍山市某餐饮管理有限公司",
        credit_code="91210300MA0UB7CP9W", supervision_department="market_bureau", info_kind="policy_change",
        occurred_on="2026-10-09", summary="省局调整食品经营许可现场核查要求。"))
    push = m.task("push_supervision_info")
    assert (push.assignee, push.department, push.due) == ("zhuling", "market_bureau", end_of("2026-10-10"))

    s.at("2026-10-10 09:00")
    m.complete("push_supervision_info", by="zhuling", data={
        "document_title": "关于调整食品经营许可现场核查要求的通知", "document_no": "辽市监食〔2026〕21号",
        "content": "自2026年11月1日起，仅销售预包装食品的不再进行现场核查。"})
    receive = m.task("receive_supervision_info")
    assert (receive.assignee, receive.due) == ("sunli", end_of("2026-10-12"))

    assert s.advance_to("2026-10-12 23:59") == 0
    s.advance_to("2026-10-13 00:00")
    assert m.status == "completed"
    assert m.open_tasks() == []
    assert [t.state for t in m.done_tasks() if t.spec_id == "receive_supervision_info"] == ["deemed_received"]
    assert [(e["task_id"], e["data"]["department"]) for e in m.events("deemed_received")] == [
        ("receive_supervision_info", "approval_bureau.market")]
    assert [(e["task_id"], e["data"]["outcome"]) for e in m.events("timer_fired")] == [
        ("info_deemed_timer", "deemed_received")]
    assert m.data["receipt_status"] == "deemed_received"
    assert m.data["received_at"] == "2026-10-12T23:59:59+08:00"
    assert "decide_handling" not in [e["task_id"] for e in m.events("task_ready")]


SAFETY_LETTER = {"letter_title": "关于鞍山市某化工有限公司不具备安全生产条件的函",
                 "deficiencies": "储罐区防火间距不足；可燃气体报警装置失效。", "proposes_revocation": False}
LEADER_AGREES = {"safety_letter_approved": True, "safety_letter_approval_comment": "同意，立即函告。"}


def test_lack_of_safety_conditions_is_written_the_same_day_even_on_a_holiday(scenario):
    """000 §2(4) says "立即函告": found on Sunday 11 Oct 2026, the letter is due the same day — not on the
    next working day — and so is its main leader's approval. The section decides the handling and feeds
    it back."""
    s = scenario
    s.at("2026-10-11 15:00")
    m = s.start(PROCESS, by="gaoyan", data=start_data(
        subject="某化工公司不具备安全生产条件", info_kind="lacks_safety_conditions", occurred_on="2026-10-11",
        summary="检查发现储罐区防火间距不足、可燃气体报警装置失效。"))
    letter = m.task("send_safety_letter")
    assert (letter.assignee, letter.department) == ("gaoyan", "emergency_bureau")
    assert letter.due == end_of("2026-10-11")

    s.at("2026-10-11 17:00")
    m.complete("send_safety_letter", by="gaoyan", data=SAFETY_LETTER)
    approve = m.task("approve_safety_letter")
    assert (approve.assignee, approve.due) == ("lidong", end_of("2026-10-11"))
    m.complete("approve_safety_letter", by="lidong", data=LEADER_AGREES)
    receive = m.task("receive_supervision_info")
    assert (receive.assignee, receive.due) == ("sunli", end_of("2026-10-12"))

    s.at("2026-10-12 08:30")
    m.complete("receive_supervision_info", by="sunli", data={"confirmed": True})
    assert m.task("decide_handling").assignee == "zhaomin"
    m.complete("decide_handling", by="zhaomin", data=HANDLING)
    m.complete("receive_feedback", by="gaoyan", data={"confirmed": True})
    assert m.status == "completed"
    assert (m.data["handling"], m.data["feedback_receipt_status"]) == ("suspend", "acknowledged")


def test_safety_letter_proposing_revocation_calls_a_consultation_meeting(scenario):
    """A proposal to revoke the approval (003 §2(5) topic 3) goes to a consultation meeting, whatever
    the kind of information that carried it."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = s.start(PROCESS, by="gaoyan", data=start_data(
        info_kind="lacks_safety_conditions", occurred_on="2026-10-12", summary="重大事故隐患拒不整改。"))
    m.complete("send_safety_letter", by="gaoyan", data=dict(
        SAFETY_LETTER, deficiencies="重大事故隐患拒不整改。", proposes_revocation=True))
    m.complete("approve_safety_letter", by="lidong", data=LEADER_AGREES)
    m.complete("receive_supervision_info", by="sunli", data={"confirmed": True})
    assert m.task("prepare_meeting").assignee == "zhaomin"
    assert [t.spec_id for t in m.open_tasks()] == ["prepare_meeting"]
    assert m.data["topic_category"] == 3


def test_the_safety_letter_is_issued_in_the_departments_name_once_its_main_leader_approves(scenario):
    """000 §2(4) "立即函告市行政审批局" is a letter in the department's name, and 003 §2(4)4 says such a
    letter goes out "经请示……主要领导同意后": 高燕 drafts it; her colleague cannot approve it, only 李东, the
    main leader of 市应急管理局. He sends it back once; she revises it the same day; he approves. Only then
    is it issued — numbered 鞍应急函〔2026〕1号, addressed to 市行政审批局, with the revised text — and only
    then does it reach 市行政审批局's liaison. Before the approval nothing reached the approval bureau."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = s.start(PROCESS, by="gaoyan", data=start_data(
        info_kind="lacks_safety_conditions", occurred_on="2026-10-12", summary="储罐区防火间距不足。"))
    m.complete("send_safety_letter", by="gaoyan", data=SAFETY_LETTER)
    approve = m.task("approve_safety_letter")
    assert (approve.assignee, approve.role, approve.department) == ("lidong", "main_leader", "emergency_bureau")
    with pytest.raises(NotCandidate):
        m.complete("approve_safety_letter", by="hebin", data=LEADER_AGREES)
    m.complete("approve_safety_letter", by="lidong", data={
        "safety_letter_approved": False, "safety_letter_approval_comment": "请写明检查时间和隐患位置。"})
    revise = m.task("revise_safety_letter")
    assert (revise.assignee, revise.due) == ("gaoyan", end_of("2026-10-12"))
    assert [t.spec_id for t in m.open_tasks()] == ["revise_safety_letter"] and m.documents() == []
    revised = "10月12日检查发现：甲类储罐区防火间距不足；二号罐区可燃气体报警装置失效。"
    m.complete("revise_safety_letter", by="gaoyan", data={"deficiencies": revised, "revision_note": "已补充时间和位置。"})
    m.complete("approve_safety_letter", by="lidong", data=LEADER_AGREES)

    [letter] = m.documents()
    assert_official_letter(s, m, letter, "safety_letter_document", "鞍应急函〔2026〕1号",
                           "关于鞍山市某化工有限公司不具备安全生产条件的函", "emergency_bureau", "lidong",
                           "市行政审批局：", "二号罐区可燃气体报警装置失效", "鞍山市应急管理局")
    receive = m.task("receive_supervision_info")
    assert receive.assignee == "sunli"
    approvals = [e["actor"] for e in m.events("task_completed") if e["task_id"] == "approve_safety_letter"]
    assert approvals == ["lidong", "lidong"]
