"""P4 审批与监管日常沟通 (escalation ladder) — 003 §2(4), with §2(3) answer limits, §2(5) and §3(2).

003 §2(4): "审批与监管部门的日常沟通主要以审管互动平台、电话、OA办公系统及部门之间公函往来沟通为主。
1.审管互动平台沟通……由审批与监管双方联络人具体负责……2.电话沟通。对于通过审管互动平台沟通无法表述清楚或双方需
进一步协商研究的问题，由审批与监管双方责任人或业务责任人通过电话方式进行磋商。3.OA办公系统沟通……经请示审批与
监管部门分管领导同意后，可通过OA办公系统进行书面沟通。4.公函沟通……经请示审批与监管部门主要领导同意后，通过公函
形式进行沟通。以上四种协调沟通机制无法解决的重大问题，由审批与监管双方提请审批与监管工作会商会议研究决定。"
003 §2(3): "……应自商请发出之日起3个工作日内完成信息反馈。" — each rung's answer is due in 3 working days;
an unanswered rung is overdue, recorded, and the matter climbs.
003 §3(2): what the meeting cannot settle goes to third-party arbitration (P6).
"""
from datetime import datetime

import pytest

from engine.clock import SHANGHAI
from engine.errors import FormInvalid, NotCandidate
from tests.document_checks import assert_official_letter

PROCESS = "p4_communication_ladder"


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


def start_data(**overrides) -> dict:
    data = {
        "subject": "某化工公司危化品经营许可变更后的监管衔接",
        "sending_department": "approval_bureau.market",
        "receiving_department": "market_bureau",
        "start_rung": "platform",
        "matter_description": "许可变更后经营场所迁址，需明确新址的日常监管责任和检查时间。",
    }
    data.update(overrides)
    return data


def results(m) -> list[tuple[str, str]]:
    return [(h["rung"], h["result"]) for h in m.data["rung_history"]]


# --- one step of each rung, asserting who holds it -------------------------------------------

def platform_round(m, settled=None, sender="sunli", receiver="zhuling"):
    send = m.task("send_platform_message")
    assert (send.assignee, send.role) == (sender, "liaison")
    m.complete("send_platform_message", by=sender, data={"platform_message": "请确认新址监管责任。"})
    answer = m.task("answer_platform")
    assert (answer.assignee, answer.role) == (receiver, "liaison")
    if settled is not None:
        m.complete("answer_platform", by=receiver, data={"platform_answer": "需进一步协商。", "settled": settled})
    return answer


def phone_round(m, settled=None, sender="zhaomin", receiver="xuming"):
    record = m.task("record_phone_call")
    assert (record.assignee, record.role) == (sender, "responsible_person")
    m.complete("record_phone_call", by=sender, data={
        "phone_called_at": "2026-10-09T10:30:00+08:00", "phone_callee": "徐明（登记注册科科长）",
        "phone_summary": "就新址监管责任交换意见。", "phone_result": "对方同意研究后书面答复。"})
    confirm = m.task("confirm_phone_call")
    assert (confirm.assignee, confirm.role) == (receiver, "responsible_person")
    if settled is not None:
        m.complete("confirm_phone_call", by=receiver, data={"phone_confirmation": "记录属实。", "settled": settled})
    return confirm


def oa_round(m, settled=None, sender="zhaomin", leader="liuhong", receiver="xuming"):
    m.complete("draft_oa_message", by=sender, data={"oa_title": "关于新址监管责任的函商", "oa_content": "正文"})
    approve = m.task("approve_oa_message")
    assert (approve.assignee, approve.role) == (leader, "deputy_leader")
    m.complete("approve_oa_message", by=leader, data={"oa_approved": True, "oa_approval_comment": "同意。"})
    answer = m.task("answer_oa_message")
    assert (answer.assignee, answer.role) == (receiver, "responsible_person")
    if settled is not None:
        m.complete("answer_oa_message", by=receiver, data={"oa_answer": "仍有不同意见。", "settled": settled})
    return answer


REPLY_APPROVED = {"reply_approved": True, "reply_approval_comment": "同意以局名义复函。"}


def letter_round(m, settled=None, sender="zhaomin", leader="wangjianguo", receiver="xuming", receiver_leader="huangtao"):
    m.complete("draft_official_letter", by=sender, data={"letter_title": "关于新址监管责任的函", "letter_content": "正文"})
    approve = m.task("approve_official_letter")
    assert (approve.assignee, approve.role) == (leader, "main_leader")
    m.complete("approve_official_letter", by=leader, data={
        "letter_approved": True, "letter_approval_comment": "同意以局名义发函。"})
    answer = m.task("answer_official_letter")
    assert (answer.assignee, answer.role) == (receiver, "responsible_person")
    if settled is not None:
        m.complete("answer_official_letter", by=receiver, data={
            "reply_title": "关于新址监管责任的复函", "letter_answer": "复函：不同意。", "settled": settled})
        approve = m.task("approve_reply_letter")
        assert (approve.assignee, approve.role) == (receiver_leader, "main_leader")
        m.complete("approve_reply_letter", by=receiver_leader, data=REPLY_APPROVED)
    return answer


def meeting(m, outcome, calling="zhaomin", other="xuming", calling_leader="liuhong", other_leader="yangfan"):
    m.complete("request_meeting", by=calling, data={"topic_category": 1, "topic": "新址监管责任划分"})
    prep = m.task("prepare_meeting")
    assert (prep.assignee, prep.role) == (calling, "responsible_person")
    m.complete("prepare_meeting", by=calling, data={
        "meeting_agenda": "议定新址监管责任。", "meeting_at": "2026-11-02T09:00:00+08:00", "meeting_place": "三楼会议室"})
    assert m.task("confirm_attendance").assignee == other
    m.complete("confirm_attendance", by=other, data={"attendance_confirmed": True})
    assert m.task("ack_notice_calling_leader").assignee == calling_leader
    assert m.task("ack_notice_other_leader").assignee == other_leader
    m.complete("ack_notice_calling_leader", by=calling_leader, data={})
    m.complete("ack_notice_other_leader", by=other_leader, data={})
    m.complete("record_meeting", by=calling, data={
        "meeting_held_at": "2026-11-02T09:00:00+08:00", "meeting_attendees": "双方分管领导及科室负责人",
        "meeting_record": "记录"})
    m.complete("write_minutes", by=calling, data={"meeting_minutes": "纪要", "meeting_outcome": outcome})
    report = {"reported_on": "2026-11-02", "main_leader_reported": True, "deputy_leader_reported": True,
              "report_summary": "会商情况"}  # 003 §2(2): each side's responsible person reports to their leaders
    m.complete("report_to_leaders_calling", by=calling, data=report)
    m.complete("report_to_leaders_other", by=other, data=report)


# --- scenarios ---------------------------------------------------------------------------------

def test_platform_answer_settles_the_matter_within_three_working_days(scenario):
    """The lowest rung: the two liaisons. Sent Mon 28 Sep 2026, the answer is due in 3 working days
    counted from the day after: 29 Sep, 30 Sep, then (1–7 Oct are National Day) 8 Oct."""
    s = scenario
    s.at("2026-09-28 09:00")
    m = s.start(PROCESS, by="sunli", data=start_data(
        credit_code="91210300MA0Y8K3L7P", enterprise_name="鞍山市某化工有限公司"))
    assert m.data["rung"] == "platform" and m.data["rung_history"] == []
    answer = platform_round(m)
    assert answer.department == "market_bureau"
    assert answer.due == end_of("2026-10-08")
    with pytest.raises(NotCandidate):
        m.complete("answer_platform", by="sunli", data={"platform_answer": "x", "settled": True})
    with pytest.raises(FormInvalid) as err:
        m.complete("answer_platform", by="zhuling", data={"platform_answer": "已确认。"})
    assert "settled" in err.value.errors
    s.at("2026-09-29 15:00")
    m.complete("answer_platform", by="zhuling", data={"platform_answer": "已确认，由我局负责。", "settled": True})

    assert m.status == "completed"
    assert m.data["outcome"] == "settled" and m.data["rung"] == "platform"
    assert m.data["rung_history"] == [{"rung": "platform", "result": "settled", "at": "2026-09-29T15:00:00+08:00"}]
    assert m.events("overdue_escalated") == []


def test_matter_climbs_every_rung_and_the_consultation_meeting_settles_it(scenario):
    """Each rung's receiving side answers "not settled", so the matter climbs one rung at a time:
    platform (liaisons) → phone (responsible persons) → OA (after the sending side's deputy leader
    approves) → official letter (after its main leader approves) → consultation meeting (P5, called),
    where the minutes record that the sides settled it."""
    s = scenario
    s.at("2026-10-08 09:00")
    m = s.start(PROCESS, by="sunli", data=start_data())

    platform_round(m, settled=False)
    assert m.data["rung"] == "phone"
    confirm = phone_round(m)
    # Recorded Thu 8 Oct: 9 Oct (Fri), 10 Oct (Sat, a National Day make-up working day), 12 Oct (Mon).
    assert confirm.due == end_of("2026-10-12")
    m.complete("confirm_phone_call", by="xuming", data={"phone_confirmation": "属实", "settled": False})
    assert m.data["rung"] == "oa"
    # The approval section's deputy leader is the bureau's deputy leader in charge.
    oa_round(m, settled=False)
    assert m.data["rung"] == "letter"
    letter_round(m, settled=False)
    assert [t.spec_id for t in m.open_tasks()] == ["request_meeting"]
    meeting(m, "settled")

    assert m.status == "completed"
    data = m.data
    assert data["outcome"] == "settled" and data["rung"] == "meeting"
    assert data["meeting_outcome"] == "settled"
    assert (data["calling_side"], data["other_side"]) == ("approval_bureau.market", "market_bureau")
    assert results(m) == [("platform", "unsettled"), ("phone", "unsettled"), ("oa", "unsettled"),
                          ("letter", "unsettled"), ("meeting", "settled")]
    completed = [e["task_id"] for e in m.events("task_completed")]
    assert completed[:12] == [
        "send_platform_message", "answer_platform", "record_phone_call", "confirm_phone_call",
        "draft_oa_message", "approve_oa_message", "answer_oa_message",
        "draft_official_letter", "approve_official_letter", "answer_official_letter", "approve_reply_letter",
        "request_meeting"]
    assert "apply_arbitration" not in completed
    # The letter went out under the bureau's number once its main leader approved, the reply under the
    # market bureau's once its main leader approved; the meeting (P5, called) issued its minutes under
    # the calling side's number; the log holds every file's hashes.
    docs = m.documents()
    assert [(d["kind"], d["number"], d["title"], d["issued_by"]) for d in docs] == [
        ("official_letter", "鞍审批函〔2026〕1号", "关于新址监管责任的函", "wangjianguo"),
        ("official_letter", "鞍市监函〔2026〕1号", "关于新址监管责任的复函", "huangtao"),
        ("meeting_minutes", "鞍审批会纪〔2026〕1号", "关于新址监管责任划分的会商纪要", "zhaomin")]
    assert all(d["intact"] for d in docs)
    assert [(e["data"]["number"], e["data"]["pdf_sha256"], e["data"]["docx_sha256"])
            for e in m.events("document_issued")] == [(d["number"], d["pdf_sha256"], d["docx_sha256"]) for d in docs]


@pytest.mark.parametrize("rung,draft,approve,revise,answer,leader,field", [
    ("oa", "draft_oa_message", "approve_oa_message", "revise_oa_message", "answer_oa_message", "maping", "oa"),
    ("letter", "draft_official_letter", "approve_official_letter", "revise_official_letter",
     "answer_official_letter", "lidong", "letter"),
])
def test_leader_refuses_sender_revises_and_resubmits(scenario, rung, draft, approve, revise, answer, leader, field):
    """A supervision department starts at the OA rung (deputy leader) or the letter rung (main leader)
    — "经请示……领导同意后" — the leader refuses; the sender revises and resubmits to the same leader,
    who approves; only then does the receiving side get it, and it settles."""
    s = scenario
    s.at("2026-11-02 09:00")
    m = s.start(PROCESS, by="gaoyan", data=start_data(
        sending_department="emergency_bureau", receiving_department="approval_bureau.construction",
        start_rung=rung))
    assert m.data["rung"] == rung
    assert [t.spec_id for t in m.open_tasks()] == [draft]
    title_key, content_key = f"{field}_title", f"{field}_content"
    m.complete(draft, by="hebin", data={title_key: "关于某项目安全设施审查的意见", content_key: "初稿"})
    task = m.task(approve)
    assert (task.assignee, task.department) == (leader, "emergency_bureau")
    with pytest.raises(NotCandidate):
        m.complete(approve, by="hebin", data={f"{field}_approved": True, f"{field}_approval_comment": "自批"})
    m.complete(approve, by=leader, data={f"{field}_approved": False, f"{field}_approval_comment": "依据不充分，请补充。"})

    assert [t.spec_id for t in m.open_tasks()] == [revise]  # nothing reached the other side
    assert m.task(revise).assignee == "hebin"
    m.complete(revise, by="hebin", data={"revision_action": "revise", content_key: "修改稿：补充了法规依据。",
                                         "revision_note": "已按领导意见补充依据。"})
    m.complete(approve, by=leader, data={f"{field}_approved": True, f"{field}_approval_comment": "同意。"})

    reply = m.task(answer)
    assert (reply.assignee, reply.department) == ("zhouqiang", "approval_bureau.construction")
    assert reply.due == end_of("2026-11-05")
    reply_data = {"oa": {"oa_answer": "同意贵局意见。", "settled": True},
                  "letter": {"reply_title": "关于某项目安全设施审查意见的复函", "letter_answer": "复函：同意。", "settled": True}}
    m.complete(answer, by="zhouqiang", data=reply_data[rung])
    if rung == "letter":  # the reply in the approval bureau's name: its main leader approves it (003 §2(4)4)
        m.complete("approve_reply_letter", by="wangjianguo", data=REPLY_APPROVED)
    assert m.status == "completed"
    assert m.data["outcome"] == "settled"
    assert m.data[content_key] == "修改稿：补充了法规依据。"
    assert results(m) == [(rung, "settled")]
    approvals = [e["actor"] for e in m.events("task_completed") if e["task_id"] == approve]
    assert approvals == [leader, leader]


@pytest.mark.parametrize("rung,draft,approve,revise,leader,field", [
    ("oa", "draft_oa_message", "approve_oa_message", "revise_oa_message", "liuhong", "oa"),
    ("letter", "draft_official_letter", "approve_official_letter", "revise_official_letter", "wangjianguo", "letter"),
])
def test_refused_matter_withdrawn(scenario, rung, draft, approve, revise, leader, field):
    """After a leader's refusal the sender may withdraw instead of resubmitting: the matter ends as
    withdrawn, the receiving side never gets it, and the withdrawal is in the rung history."""
    s = scenario
    s.at("2026-11-02 09:00")
    m = s.start(PROCESS, by="sunli", data=start_data(start_rung=rung))
    m.complete(draft, by="zhaomin", data={f"{field}_title": "关于监管衔接的意见", f"{field}_content": "初稿"})
    m.complete(approve, by=leader, data={f"{field}_approved": False, f"{field}_approval_comment": "不宜以书面形式沟通。"})
    with pytest.raises(FormInvalid):
        m.complete(revise, by="zhaomin", data={"revision_action": "cancel", "revision_note": "x"})
    s.at("2026-11-02 15:00")
    m.complete(revise, by="zhaomin", data={"revision_action": "withdraw", "revision_note": "按领导意见撤回，改为当面沟通。"})

    assert m.status == "completed"
    assert m.open_tasks() == []
    assert m.data["outcome"] == "withdrawn"
    assert m.data["rung_history"] == [{"rung": rung, "result": "withdrawn", "at": "2026-11-02T15:00:00+08:00"}]
    done = [t.spec_id for t in m.done_tasks()]
    assert not [t for t in done if t.startswith("answer_")]


def test_unanswered_rungs_are_overdue_and_climb_and_the_disputed_meeting_goes_to_arbitration(scenario):
    """No rung is answered within its 3 working days: each answer task is closed as overdue
    (recorded as `overdue_escalated`) and the matter climbs. At the top, the meeting minutes record
    a dispute, so the sending side applies for third-party arbitration (P6, called) and the matter
    ends as arbitrated. The sender here is a supervision department, the receiver an approval section.

    Deadlines (3 working days, start day not counted, official calendar):
    - platform sent Tue 29 Sep → 30 Sep, 8 Oct, 9 Oct: due end of Fri 9 Oct;
    - phone recorded Sat 10 Oct (make-up working day) → 12, 13, 14 Oct: due end of Wed 14 Oct;
    - OA approved Thu 15 Oct → 16, 19, 20 Oct: due end of Tue 20 Oct;
    - letter approved Wed 21 Oct → 22, 23, 26 Oct: due end of Mon 26 Oct."""
    s = scenario
    s.at("2026-09-29 09:00")
    m = s.start(PROCESS, by="dengli", data=start_data(
        sending_department="housing_bureau", receiving_department="approval_bureau.construction"))

    answer = platform_round(m, sender="dengli", receiver="wufang")
    assert answer.due == end_of("2026-10-09")
    assert s.advance_to("2026-10-09 23:59") == 0
    s.advance_to("2026-10-10 00:00")
    assert m.data["rung"] == "phone"
    [overdue] = m.events("overdue_escalated")
    assert overdue["task_id"] == "answer_platform"

    s.at("2026-10-10 09:00")
    confirm = phone_round(m, sender="caolei", receiver="zhouqiang")
    assert confirm.due == end_of("2026-10-14")
    s.advance_to("2026-10-15 00:00")
    assert m.data["rung"] == "oa"

    s.at("2026-10-15 09:00")
    answer = oa_round(m, sender="caolei", leader="hanmei", receiver="zhouqiang")
    assert answer.due == end_of("2026-10-20")
    s.advance_to("2026-10-21 00:00")
    assert m.data["rung"] == "letter"

    s.at("2026-10-21 09:00")
    answer = letter_round(m, sender="caolei", leader="songkai", receiver="zhouqiang")
    assert answer.due == end_of("2026-10-26")
    s.advance_to("2026-10-27 00:00")
    assert [t.spec_id for t in m.open_tasks()] == ["request_meeting"]

    assert [e["task_id"] for e in m.events("overdue_escalated")] == [
        "answer_platform", "confirm_phone_call", "answer_oa_message", "answer_official_letter"]
    assert [e["task_id"] for e in m.events("timer_fired")] == [
        "platform_answer_overdue", "phone_answer_overdue", "oa_answer_overdue", "letter_answer_overdue"]
    states = {t.spec_id: t.state for t in m.done_tasks()}
    assert states["answer_platform"] == states["answer_official_letter"] == "cancelled"

    s.at("2026-10-27 09:00")
    meeting(m, "disputed", calling="caolei", other="zhouqiang", calling_leader="hanmei", other_leader="liuhong")

    apply = m.task("apply_arbitration")
    assert (apply.assignee, apply.department) == ("caolei", "housing_bureau")
    m.complete("apply_arbitration", by="caolei", data={
        "matter_type": "non_technical", "dispute_description": "新址监管责任归属，双方意见不一。"})
    m.complete("draft_arbitration_opinion", by="yaozhi",
               data={"arbitration_opinion": "由市住房和城乡建设局负责。", "arbitration_basis": "三定规定"})
    m.complete("countersign_opinion", by="qinlu", data={"opinion_countersigned": True, "countersign_comment": "同意"})
    assert m.task("consider_opinion_applicant").assignee == "caolei"
    assert m.task("consider_opinion_other").assignee == "zhouqiang"
    m.complete("consider_opinion_applicant", by="caolei", data={"applicant_agrees": True, "applicant_comment": "同意"})
    m.complete("consider_opinion_other", by="zhouqiang", data={"other_agrees": True, "other_comment": "同意"})
    m.complete("implement_applicant", by="caolei", data={"applicant_implementation": "已执行"})
    m.complete("implement_other", by="zhouqiang", data={"other_implementation": "已执行"})

    assert m.status == "completed"
    data = m.data
    assert data["outcome"] == "arbitrated"
    assert data["meeting_outcome"] == "disputed"
    assert data["arbitration_route"] == "opinion_agreed"
    assert (data["applicant_department"], data["other_department"]) == ("housing_bureau", "approval_bureau.construction")
    assert results(m) == [("platform", "overdue"), ("phone", "overdue"), ("oa", "overdue"),
                          ("letter", "overdue"), ("meeting", "unsettled")]


def test_weighty_matter_starts_at_the_meeting_rung_and_disputed_meeting_goes_to_technical_arbitration(scenario):
    """A matter whose weight calls for it starts directly at the consultation meeting; when the meeting
    ends disputed and the question is technical, the arbitration is by a jointly chosen institution."""
    s = scenario
    s.at("2026-11-02 09:00")
    m = s.start(PROCESS, by="sunli", data=start_data(start_rung="meeting"))
    assert [t.spec_id for t in m.open_tasks()] == ["request_meeting"]
    meeting(m, "disputed")
    m.complete("apply_arbitration", by="zhaomin", data={
        "matter_type": "technical", "dispute_description": "储存设施是否满足安全间距，技术意见不一。"})
    assert m.task("propose_institution").assignee == "zhaomin"
    m.complete("propose_institution", by="zhaomin",
               data={"tech_institution": "tech_safety_center", "institution_reason": "安全技术问题"})
    assert m.task("respond_institution").assignee == "xuming"
    m.complete("respond_institution", by="xuming", data={"institution_accepted": True, "institution_response": "同意"})
    assert m.task("technical_ruling").assignee == "renhao"
    m.complete("technical_ruling", by="renhao", data={"technical_decision": "满足要求。", "technical_basis": "GB 50016"})
    m.complete("implement_applicant", by="zhaomin", data={"applicant_implementation": "已执行"})
    m.complete("implement_other", by="xuming", data={"other_implementation": "已执行"})
    assert m.status == "completed"
    assert m.data["outcome"] == "arbitrated"
    assert m.data["arbitration_route"] == "technical_ruling"
    assert results(m) == [("meeting", "unsettled")]


def test_the_per_rung_limit_is_the_products_own_setting(scenario):
    """003 §2(4) names the four channels and the climb but sets no limit per rung: the 3 working days
    (borrowed from §2(3)'s 商请 answer) are the product's rule, kept as the diagram's setting
    `rung_answer_days`, and labelled so; the receiver's answer task is an internal limit."""
    from pathlib import Path
    xml = (Path(__file__).parent.parent / "processes" / "p04_communication_ladder.bpmn").read_text(encoding="utf-8")
    assert "rung_answer_days = 3" in xml and "本产品规则" in xml and "working_days_after(3)" not in xml
    s = scenario
    s.at("2026-10-09 09:00")
    m = s.start(PROCESS, by="sunli", data=start_data())
    answer = platform_round(m)
    assert m.data["rung_answer_days"] == 3
    assert answer.due == end_of("2026-10-13")  # Sat 10 Oct is a make-up working day, then 12 and 13
    assert s.run(lambda e: e.deadlines.limit_kind(e.tasks.get(answer.id))) == "internal"

def test_a_department_cannot_communicate_with_itself(scenario):
    """003 §2(4) "审批与监管部门的日常沟通": the ladder runs between two sides; a matter sent by 市场监督管理局 to
    市场监督管理局 is refused at the start with a Chinese message, and nothing is started."""
    scenario.at("2026-10-12 09:00")
    with pytest.raises(FormInvalid) as refused:
        scenario.start(PROCESS, by="zhuling", data=start_data(sending_department="market_bureau"))
    assert "同一部门" in refused.value.errors["receiving_department"]
    from sqlalchemy import func, select

    from engine.models import Instance
    assert scenario.run(lambda e: e.db.execute(select(func.count()).select_from(Instance)).scalar()) == 0


def test_the_reply_letter_goes_out_in_the_receiving_departments_name_after_its_main_leader_approves(scenario):
    """003 §2(4)4 "需要以部门名义出具重大审批与监管意见的，经请示审批与监管部门主要领导同意后，通过公函形式进行沟通":
    the receiving side's 复函 is also a letter in its department's name. 徐明 drafts the reply of 市市场监督管理局;
    he cannot approve it himself, only 黄涛, the bureau's main leader. 黄涛 sends it back; 徐明 revises it;
    黄涛 approves. Only then is it issued — 鞍市监函〔2026〕1号, addressed to 市行政审批局, with the revised
    text — and the rung is settled by it."""
    s = scenario
    s.at("2026-11-02 09:00")
    m = s.start(PROCESS, by="sunli", data=start_data(start_rung="letter"))
    m.complete("draft_official_letter", by="zhaomin", data={"letter_title": "关于新址监管责任的函", "letter_content": "请明确新址监管责任。"})
    m.complete("approve_official_letter", by="wangjianguo", data={"letter_approved": True, "letter_approval_comment": "同意。"})
    m.complete("answer_official_letter", by="xuming", data={
        "reply_title": "关于新址监管责任的复函", "letter_answer": "新址由我局负责日常监管。", "settled": True})
    approve = m.task("approve_reply_letter")
    assert (approve.assignee, approve.department) == ("huangtao", "market_bureau")
    with pytest.raises(NotCandidate):
        m.complete("approve_reply_letter", by="xuming", data=REPLY_APPROVED)
    m.complete("approve_reply_letter", by="huangtao", data={
        "reply_approved": False, "reply_approval_comment": "请写明首次检查的时间。"})
    assert m.task("revise_reply_letter").assignee == "xuming"
    assert [d["number"] for d in m.documents()] == ["鞍审批函〔2026〕1号"]  # no reply has gone out
    m.complete("revise_reply_letter", by="xuming", data={
        "letter_answer": "新址由我局负责日常监管，首次检查于11月9日前完成。", "revision_note": "已补充检查时间。"})
    m.complete("approve_reply_letter", by="huangtao", data=REPLY_APPROVED)

    assert m.status == "completed" and results(m) == [("letter", "settled")]
    letter, reply = m.documents()
    assert_official_letter(s, m, reply, "reply_document", "鞍市监函〔2026〕1号", "关于新址监管责任的复函",
                           "market_bureau", "huangtao", "市行政审批局：", "首次检查于11月9日前完成", "鞍山市市场监督管理局")
