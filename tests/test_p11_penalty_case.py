"""P11 行政处罚案件 — 002, 001 §4(3)2, 001 §4(3)5, 004 §3(5), 003 §2(3).

002: "对所有的执法案件，在立案审批、调查取证、处罚告知、作出处罚决定、送达、执行、公布等各个环节，都严格执行程序规定……
特别是对重大执法决定，严格落实了法制部门审核机制……要求行政执法检查人员在阶段执法结束返回机关后24小时内
（特殊情况不得超过3个工作日）将音像记录原始资料储存至行政执法监察信息专用服务器，并整理归档"。
001 §4(3)2: "将法制审核作为作出重大执法决定的必经程序……加强行政执法与刑事司法衔接配合工作"。
"""
import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from engine.clock import SHANGHAI
from engine.errors import FormInvalid, InvalidState
from engine.models import Document, PublicNotice, ViolationRecord
from tests.supervision_helpers import end_of, rows, uscc

PROCESS = "p11_penalty_case"


def start(s, **overrides):
    data = {"subject": "鞍山市丙化工有限公司未按规定进行危险作业审批", "enterprise_name": "鞍山市丙化工有限公司",
            "credit_code": uscc(3), "department": "emergency_bureau", "case_source": "daily_inspection",
            "facts": "日常检查发现动火作业未经审批"}
    data.update(overrides)
    return s.start(PROCESS, by="luoyi", data=data)


def investigation(**overrides):
    data = {"party_address": "鞍山市铁西区工业园8号", "legal_representative": "丙某某",
            "findings": "2026年10月9日未经审批实施动火作业", "evidence": "现场检查笔录、执法记录仪视频2段、照片12张",
            "returned_at": "2026-10-13T17:30:00+08:00", "archive_delayed": False, "penalty_kind": "fine",
            "proposed_penalty": "罚款人民币三万元", "suspected_crime": False}
    data.update(overrides)
    return data


def file_and_investigate(_s, m, **investigate):
    m.complete("approve_filing", by="hebin", data={"filing_decision": "file", "investigators": ["luoyi", "xiehua"],
                                                   "filing_opinion": "违法事实初步成立，同意立案"})
    inv = m.task("investigate")
    assert sorted(inv.candidates) == ["luoyi", "xiehua"] and inv.assignee is None
    m.complete("investigate", by="luoyi", data=investigation(**investigate))


DECISION = {"decision": "penalize", "penalty_content": "罚款人民币三万元", "decided_on": "2026-10-26",
            "approved_by_bureau": False}


def decision_document(s, m) -> tuple[dict, str]:
    """The one document the case issued, and its PDF's text (without the line breaks of the layout)."""
    [doc] = m.documents()
    pdf = s.run(lambda e: e.db.get(Document, doc["id"]).pdf)
    return doc, "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def serve(m):
    m.complete("serve_decision", by="xiehua", data={"served_on": "2026-10-27", "service_method": "direct"})


def finish_after_decision(_s, m):
    m.complete("execute_penalty", by="luoyi", data={"execution": "fulfilled", "executed_on": "2026-11-05"})
    publish = m.task("publish_decision")
    assert publish.assignee == "gaoyan" and publish.due == end_of("2026-11-04")
    m.complete("publish_decision", by="gaoyan", data={"reviewed": True})


def test_filing_refused_ends_the_case(scenario):
    s = scenario
    s.at("2026-10-12 09:00")
    m = start(s)
    approve = m.task("approve_filing")
    assert (approve.assignee, approve.role) == ("hebin", "responsible_person")
    m.complete("approve_filing", by="hebin", data={"filing_decision": "not_file", "filing_opinion": "不属于本部门管辖"})
    assert m.status == "completed"


def test_investigation_needs_two_certified_officers_of_the_department(scenario):
    """001 §4(3)2: no enforcement without a certificate; at least two officers investigate."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = start(s)
    with pytest.raises(FormInvalid) as one:
        m.complete("approve_filing", by="hebin", data={"filing_decision": "file", "investigators": ["luoyi"],
                                                       "filing_opinion": "同意立案"})
    assert "investigators" in one.value.errors
    with pytest.raises(FormInvalid) as none:
        m.complete("approve_filing", by="hebin", data={"filing_decision": "file", "filing_opinion": "同意立案"})
    assert "investigators" in none.value.errors
    # 郭辉 holds no certificate: the filing is refused with the reason, nothing changes.
    with pytest.raises(InvalidState) as refused:
        m.complete("approve_filing", by="hebin", data={"filing_decision": "file", "investigators": ["luoyi", "guohui"],
                                                       "filing_opinion": "同意立案"})
    assert "guohui" in refused.value.message
    assert m.task("approve_filing").state == "ready"


def test_ordinary_case_archived_within_24_hours_defence_waived_decided_served_executed_published(scenario):
    """An ordinary fine: records archived within 24 hours of returning; the party lets the statement period
    (5 working days) pass, which counts as waiving it; no legal review needed; the enterprise holds no
    approval from the approval bureau, so nothing is pushed; the decision is published and recorded."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = start(s)
    s.at("2026-10-13 18:00")
    file_and_investigate(s, m)
    archive = m.task("archive_records")
    assert archive.due == datetime(2026, 10, 14, 17, 30, tzinfo=SHANGHAI)
    assert m.data["archive"]["rule"] == "24_hours"
    s.at("2026-10-14 10:00")
    m.complete("archive_records", by="xiehua", data={"archive_no": "GD-2026-1013-01", "stored_on_server": True})

    s.at("2026-10-15 09:00")
    m.complete("notify_proposed_penalty", by="luoyi", data={"notice_no": "鞍应急告〔2026〕57号", "served_on": "2026-10-15",
                                                           "defence_days": 5})
    statement = m.task("receive_statement")
    assert statement.due == end_of("2026-10-22")
    assert s.advance_to("2026-10-23 09:00") == 1
    assert m.data["defence_status"] == "waived" and m.data["hearing_right"] is False

    decide = m.task("decide_penalty")
    assert (decide.assignee, decide.role) == ("lidong", "main_leader")
    s.at("2026-10-26 10:00")
    m.complete("decide_penalty", by="lidong", data=DECISION)
    # 002 "作出处罚决定""送达": the decision is issued under the bureau's number before it is served; that
    # number is the decision's number everywhere after (publication, violation database).
    doc, text = decision_document(s, m)
    assert (doc["kind"], doc["number"], doc["title"], doc["department"], doc["issued_by"], doc["intact"]) == (
        "penalty_decision", "鞍应急罚决〔2026〕1号", "行政处罚决定书", "emergency_bureau", "lidong", True)
    assert m.data["decision_no"] == "鞍应急罚决〔2026〕1号"
    assert [t.spec_id for t in m.open_tasks()] == ["serve_decision"]
    # 行政处罚法第五十九条: the party's name and address, as verified during the investigation
    for phrase in ("鞍山市应急管理局", "当事人：鞍山市丙化工有限公司", f"统一社会信用代码：{uscc(3)}",
                   "住所：鞍山市铁西区工业园8号", "法定代表人（负责人）：丙某某",
                   "经查：2026年10月9日未经审批实施动火作业", "现场检查笔录、执法记录仪视频2段、照片12张",
                   "《行政处罚告知书》（鞍应急告〔2026〕57号）", "未提出陈述、申辩意见", "本机关决定：罚款人民币三万元",
                   "十五日内", "六十日内向鞍山市人民政府申请行政复议", "六个月内", "2026年10月26日"):
        assert phrase in text, phrase
    assert "听证" not in text and "集体讨论" not in text  # nothing the case did not do
    serve(m)
    finish_after_decision(s, m)
    assert m.status == "completed"
    steps = [e["task_id"] for e in m.events("task_completed")]
    assert "legal_review" not in steps and "hold_hearing" not in steps
    notice = rows(s, PublicNotice, kind="penalty", instance_id=m.id)[0]
    assert (notice.item, notice.result, str(notice.on_date)) == ("鞍应急罚决〔2026〕1号", "罚款人民币三万元", "2026-10-26")
    violation = rows(s, ViolationRecord, source_instance=m.id)[0]
    assert (violation.credit_code, violation.severity, violation.kind, violation.decision_no) == (
        uscc(3), "general", "fine", "鞍应急罚决〔2026〕1号")


def test_major_case_hearing_legal_review_collective_discussion_and_push_to_approval_bureau(scenario):
    """A heavy penalty (suspension of business): the party asks for a hearing; legal review is compulsory
    and first sends the proposal back; collective discussion; the decision goes to the approval bureau
    through P2. Records were archived late with a reason: 3 working days, then reported overdue."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = start(s)
    s.at("2026-10-16 18:30")
    file_and_investigate(s, m, returned_at="2026-10-16T18:00:00+08:00", archive_delayed=True,
                         archive_delay_reason="执法记录仪故障，需技术人员恢复视频", penalty_kind="suspend_business",
                         proposed_penalty="责令停产停业整顿一个月")
    assert m.data["archive"]["rule"] == "3_working_days"
    assert m.task("archive_records").due == end_of("2026-10-21")
    m.complete("notify_proposed_penalty", by="luoyi", data={"notice_no": "鞍应急告〔2026〕58号", "served_on": "2026-10-16",
                                                           "defence_days": 5})
    assert m.data["hearing_right"] is True
    s.at("2026-10-19 09:00")
    m.complete("receive_statement", by="luoyi", data={"statement": "要求听证", "hearing_requested": True,
                                                      "defence_status": "stated"})
    hearing = m.task("hold_hearing")
    assert (hearing.assignee, hearing.role) == ("fengxue", "legal_reviewer")
    m.complete("hold_hearing", by="fengxue", data={"hearing_held": True, "hearing_on": "2026-10-20",
                                                   "hearing_record": "当事人对事实无异议，请求从轻"})
    # The archive deadline passes: reported overdue, the task stays open.
    assert s.advance_to("2026-10-22 09:00") == 1
    assert [e["name"] for e in m.events("overdue_escalated")] == ["执法记录归档"]
    m.complete("archive_records", by="luoyi", data={"archive_no": "GD-2026-1016-02", "stored_on_server": True})

    m.complete("legal_review", by="fengxue", data={"review_passed": False, "review_opinion": "证据不足，补充整改前后照片"})
    m.complete("revise_proposal", by="xiehua", data={"revision": "已补充照片", "proposed_penalty": "责令停产停业整顿一个月"})
    m.complete("legal_review", by="fengxue", data={"review_passed": True, "review_opinion": "事实清楚，程序合法"})
    m.complete("collective_discussion", by="lidong", data={"discussed_on": "2026-10-23", "participants": "李东、马平、何斌",
                                                           "conclusion": "同意责令停产停业整顿一个月"})
    s.at("2026-10-26 10:00")
    m.complete("decide_penalty", by="lidong", data={**DECISION, "penalty_content": "责令停产停业整顿一个月",
                                                    "approved_by_bureau": True})
    doc, text = decision_document(s, m)
    assert (doc["number"], doc["title"], doc["issued_by"]) == ("鞍应急罚决〔2026〕1号", "行政处罚决定书", "lidong")
    for phrase in ("你单位提出了陈述、申辩意见：要求听证", "于2026年10月20日依法举行了听证", "法制审核",
                   "于2026年10月23日经本机关负责人集体讨论", "本机关决定：责令停产停业整顿一个月",
                   "自收到本决定书之日起履行本决定", "申请人民法院强制执行"):
        assert phrase in text, phrase
    serve(m)
    # P2: the department's liaison pushes the decision to the approval section, which decides and feeds back.
    push = m.task("push_penalty_decision")
    assert push.assignee == "gaoyan"
    m.complete("push_penalty_decision", by="gaoyan", data={
        "decision_no": m.data["decision_no"], "penalty_content": "责令停产停业整顿一个月", "major_penalty": False,
        "proposes_revocation": False, "legal_basis": "《安全生产法》第九十九条"})
    m.complete("receive_supervision_info", by="sunli", data={"confirmed": True})
    m.complete("decide_handling", by="zhaomin", data={"handling": "suspend", "handling_opinion": "暂停其许可证使用",
                                                      "handling_basis": "《行政许可法》"})
    m.complete("receive_feedback", by="gaoyan", data={"confirmed": True})
    finish_after_decision(s, m)
    assert m.status == "completed"
    assert m.data["handling"] == "suspend"  # P2's feedback came back into the case
    assert rows(s, ViolationRecord, source_instance=m.id)[0].severity == "serious"


def test_suspected_crime_is_transferred_to_judicial_organs(scenario):
    s = scenario
    s.at("2026-10-12 09:00")
    m = start(s)
    s.at("2026-10-13 18:00")
    file_and_investigate(s, m, suspected_crime=True)
    transfer = m.task("transfer_to_judicial")
    assert transfer.assignee == "hebin"
    m.complete("transfer_to_judicial", by="hebin", data={"receiving_organ": "public_security", "transfer_no": "鞍应急移〔2026〕3号",
                                                         "transferred_on": "2026-10-14", "transfer_reason": "涉嫌重大责任事故罪"})
    assert m.status == "running"  # the enforcement records still have to be archived
    m.complete("archive_records", by="luoyi", data={"archive_no": "GD-2026-1013-03", "stored_on_server": True})
    assert m.status == "completed"


def test_decision_not_to_penalize_ends_the_case(scenario):
    s = scenario
    s.at("2026-10-12 09:00")
    m = start(s)
    s.at("2026-10-13 18:00")
    file_and_investigate(s, m)
    m.complete("archive_records", by="luoyi", data={"archive_no": "GD-2026-1013-04", "stored_on_server": True})
    m.complete("notify_proposed_penalty", by="luoyi", data={"notice_no": "鞍应急告〔2026〕59号", "served_on": "2026-10-14",
                                                           "defence_days": 5})
    m.complete("receive_statement", by="luoyi", data={"statement": "已当场改正，违法行为轻微", "hearing_requested": False,
                                                      "defence_status": "stated"})
    m.complete("decide_penalty", by="lidong", data={"decision": "no_penalty", "decided_on": "2026-10-20"})
    assert m.status == "completed"
    assert m.documents() == []  # no decision is issued when there is no penalty
    assert rows(s, PublicNotice, kind="penalty", instance_id=m.id) == []
