"""P5 审批与监管工作会商会议 — 003 §2(5) (notice receipts: 003 §2(3)).

003 §2(5): "会商会议可由市行政审批局与各行业监管部门提请召开，会商会议一般采取“一对一”方式召开，参加人员为
市行政审批局和各行业监管部门分管领导及相关科室负责人。提请召开会商会议的部门负责提出会议议题，确定会议议程，
负责会议的筹备、通知和记录工作，会后形成会议纪要。"  Topics: 1 重大问题; 2 省、市重大审批项目;
3 重大行政处罚以及建议撤销行政审批决定; 4 其它需要当面研究协商的重要事项.
003 §2(3): "审管互动平台采取超时默认原则，信息推送1个工作日后，默认为对方已接收。" — the meeting notice goes
out through the platform, so a leader's receipt of it is deemed after 1 working day.

The process also runs as the top rung of P4 (call activity); here it runs standalone.
"""
from datetime import datetime

import pytest

from engine.clock import SHANGHAI
from engine.errors import FormInvalid, NotCandidate

PROCESS = "p5_consultation_meeting"


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


def prepare(m, by, when="2026-10-14T09:00:00+08:00"):
    m.complete("prepare_meeting", by=by, data={
        "meeting_agenda": "一、通报情况；二、双方发表意见；三、形成处理意见。",
        "meeting_at": when, "meeting_place": "市行政审批局三楼会议室"})


REPORT = {"reported_on": "2026-10-15", "main_leader_reported": True, "deputy_leader_reported": True,
          "report_summary": "会商一致：依法启动撤销程序"}


def report_to_leaders(m, calling: str, other: str) -> None:
    """003 §2(2): each side's responsible person reports the meeting to their main and deputy leaders."""
    m.complete("report_to_leaders_calling", by=calling, data=REPORT)
    m.complete("report_to_leaders_other", by=other, data=REPORT)


def test_supervision_department_calls_a_meeting_on_a_revocation_proposal_and_settles_it(scenario):
    """市市场监督管理局 calls a one-to-one meeting with 市场准入审批科 on a proposal to revoke a
    licence (topic category 3). The calling side sets the agenda and sends the notice; the deputy
    leaders of both sides and the other side's section head are the participants; the other side
    confirms attendance; the calling side records the meeting and writes the minutes, which say the
    two sides settled the matter."""
    s = scenario
    s.at("2026-09-28 09:00")
    with pytest.raises(FormInvalid) as err:
        s.start(PROCESS, by="xuming", data={"topic_category": 5, "topic": "x议题", "calling_side": "market_bureau",
                                            "other_side": "approval_bureau.market"})
    assert "topic_category" in err.value.errors

    m = s.start(PROCESS, by="xuming", data={
        "topic_category": 3, "topic": "建议撤销某食品公司食品经营许可",
        "calling_side": "market_bureau", "other_side": "approval_bureau.market"})

    prep = m.task("prepare_meeting")
    assert (prep.assignee, prep.department, prep.role) == ("xuming", "market_bureau", "responsible_person")
    s.at("2026-09-28 10:00")
    prepare(m, "xuming")

    confirm = m.task("confirm_attendance")
    assert (confirm.assignee, confirm.department, confirm.role) == (
        "zhaomin", "approval_bureau.market", "responsible_person")
    assert confirm.due is None
    assert [t.spec_id for t in m.open_tasks()] == ["confirm_attendance"]  # no notice before the time is agreed
    with pytest.raises(NotCandidate):
        m.complete("confirm_attendance", by="liuhong", data={"attendance_confirmed": True})
    s.at("2026-10-09 10:00")
    m.complete("confirm_attendance", by="zhaomin",
               data={"attendance_confirmed": True, "other_attendees": "刘红（副局长）、赵敏（市场准入审批科科长）"})

    # The notice goes to both deputy leaders; receipts are due 1 working day later: Sat 10 Oct 2026
    # is a make-up working day (National Day 调休).
    calling_leader = m.task("ack_notice_calling_leader")
    other_leader = m.task("ack_notice_other_leader")
    assert (calling_leader.assignee, calling_leader.department, calling_leader.role) == (
        "yangfan", "market_bureau", "deputy_leader")
    # A section's deputy leader is the bureau's deputy leader in charge.
    assert (other_leader.assignee, other_leader.department, other_leader.role) == (
        "liuhong", "approval_bureau.market", "deputy_leader")
    assert calling_leader.due == other_leader.due == end_of("2026-10-10")
    m.complete("ack_notice_calling_leader", by="yangfan", data={})
    m.complete("ack_notice_other_leader", by="liuhong", data={"other_leader_note": "准时参加"})

    assert [t.spec_id for t in m.open_tasks()] == ["record_meeting"]
    assert m.task("record_meeting").assignee == "xuming"
    s.advance_to("2026-10-14 11:00")
    m.complete("record_meeting", by="xuming", data={
        "meeting_held_at": "2026-10-14T09:00:00+08:00",
        "meeting_attendees": "杨帆、徐明；刘红、赵敏", "meeting_record": "双方就撤销许可的事实和依据逐项核对。"})
    minutes = m.task("write_minutes")
    assert minutes.assignee == "xuming"
    with pytest.raises(FormInvalid):
        m.complete("write_minutes", by="xuming", data={"meeting_minutes": "纪要", "meeting_outcome": "maybe"})
    m.complete("write_minutes", by="xuming", data={
        "meeting_minutes": "双方同意由市场准入审批科依法启动撤销程序。", "meeting_outcome": "settled"})

    # 003 §2(2): "责任人主要负责参加审批和监管部门工作会商会议，并向本部门主要领导和分管领导汇报有关会议精神":
    # the responsible person of each side reports to their own main and deputy leaders; both leaders get
    # the minutes and the report (抄送). The meeting is over only when both have reported.
    reports = {t.spec_id: (t.assignee, t.department) for t in m.open_tasks()}
    assert reports == {"report_to_leaders_calling": ("xuming", "market_bureau"),
                       "report_to_leaders_other": ("zhaomin", "approval_bureau.market")}
    with pytest.raises(FormInvalid) as half:
        m.complete("report_to_leaders_calling", by="xuming", data={**REPORT, "main_leader_reported": False})
    assert half.value.errors == {"main_leader_reported": "须向本部门主要领导汇报"}
    s.at("2026-10-15 10:00")
    m.complete("report_to_leaders_calling", by="xuming", data={**REPORT, "leader_instructions": "黄涛：抓紧办理"})
    assert m.status == "running"
    m.complete("report_to_leaders_other", by="zhaomin", data=REPORT)
    assert [sorted(e["data"]["to"]) for e in m.events("copied")] == [["huangtao", "yangfan"],
                                                                     ["liuhong", "wangjianguo"]]
    assert (m.data["calling_side_report"]["department"], m.data["other_side_report"]["reported_on"]) == (
        "market_bureau", "2026-10-15")

    assert m.status == "completed"
    data = m.data
    assert data["meeting_outcome"] == "settled"
    assert data["topic_category"] == 3
    assert data["meeting_minutes"] == "双方同意由市场准入审批科依法启动撤销程序。"
    assert m.events("deemed_received") == [] and m.events("timer_fired") == []
    assert [(e["task_id"], e["actor"]) for e in m.events("task_completed")] == [
        ("prepare_meeting", "xuming"), ("confirm_attendance", "zhaomin"),
        ("ack_notice_calling_leader", "yangfan"), ("ack_notice_other_leader", "liuhong"),
        ("record_meeting", "xuming"), ("write_minutes", "xuming"), ("report_to_leaders_calling", "xuming"),
        ("report_to_leaders_other", "zhaomin")]
    # 003 §2(5) "会后形成会议纪要": issued under the calling side's number, in its name.
    [doc] = m.documents()
    assert (doc["kind"], doc["number"], doc["department"], doc["issued_by"]) == (
        "meeting_minutes", "鞍市监会纪〔2026〕1号", "market_bureau", "xuming")
    assert doc["title"] == "关于建议撤销某食品公司食品经营许可的会商纪要"


def test_other_side_cannot_attend_meeting_rescheduled_notice_deemed_received_still_disputed(scenario):
    """工程建设审批科 calls a meeting with 市住房和城乡建设局 on a major municipal project (category 2).

    - The other side cannot attend at the first proposed time: the calling side arranges it again.
    - Second arrangement confirmed Wed 30 Sep 2026: the notice goes to both deputy leaders, receipts due
      at the end of the next working day, Thu 8 Oct (1–7 Oct are the National Day holiday). 刘红 reads it;
      韩梅 does not, and from 9 Oct 00:00 it is deemed received by timeout — recorded as such.
    - The meeting is held; the minutes record that the sides still disagree: `disputed` goes back to
      the caller (P4 then applies for third-party arbitration)."""
    s = scenario
    s.at("2026-09-29 09:00")
    m = s.start(PROCESS, by="zhouqiang", data={
        "topic_category": 2, "topic": "市重点供热管网改造项目施工许可协调",
        "calling_side": "approval_bureau.construction", "other_side": "housing_bureau"})
    prepare(m, "zhouqiang", "2026-09-30T14:00:00+08:00")
    assert m.task("confirm_attendance").assignee == "caolei"
    m.complete("confirm_attendance", by="caolei", data={
        "attendance_confirmed": False, "attendance_note": "分管领导30日在省厅开会，建议节后召开。"})

    # Rearranged: the calling side prepares again; no notice has gone to the leaders yet.
    assert [t.spec_id for t in m.open_tasks()] == ["prepare_meeting"]
    s.at("2026-09-30 10:00")
    prepare(m, "zhouqiang", "2026-10-09T14:00:00+08:00")
    s.at("2026-09-30 15:00")
    m.complete("confirm_attendance", by="caolei", data={
        "attendance_confirmed": True, "other_attendees": "韩梅（副局长）、曹磊（建筑市场监管科科长）"})

    assert m.task("ack_notice_calling_leader").assignee == "liuhong"
    assert m.task("ack_notice_other_leader").assignee == "hanmei"
    assert m.task("ack_notice_other_leader").due == end_of("2026-10-08")
    s.advance_to("2026-10-08 10:00")
    m.complete("ack_notice_calling_leader", by="liuhong", data={})
    assert s.advance_to("2026-10-08 23:59") == 0
    assert [t.spec_id for t in m.open_tasks()] == ["ack_notice_other_leader"]

    s.advance_to("2026-10-09 00:00")
    done = {t.spec_id: t for t in m.done_tasks()}
    assert done["ack_notice_other_leader"].state == "deemed_received"
    assert done["ack_notice_other_leader"].completed_by is None
    assert done["ack_notice_calling_leader"].state == "completed"
    assert [(e["task_id"], e["data"]["outcome"]) for e in m.events("timer_fired")] == [
        ("other_leader_notice_deemed", "deemed_received")]
    assert [e["task_id"] for e in m.events("deemed_received")] == ["ack_notice_other_leader"]
    assert [t.spec_id for t in m.open_tasks()] == ["record_meeting"]

    s.advance_to("2026-10-09 16:00")
    m.complete("record_meeting", by="zhouqiang", data={
        "meeting_held_at": "2026-10-09T14:00:00+08:00", "meeting_attendees": "刘红、周强；韩梅、曹磊",
        "meeting_record": "双方就管网穿越文物保护范围是否须先行审批各执己见。"})
    m.complete("write_minutes", by="zhouqiang", data={
        "meeting_minutes": "双方未能达成一致，由工程建设审批科申请第三方评判裁决。", "meeting_outcome": "disputed"})
    report_to_leaders(m, "zhouqiang", "caolei")
    assert m.status == "completed"
    assert m.data["meeting_outcome"] == "disputed"
    assert m.data["attendance_confirmed"] is True
    completed = [e["task_id"] for e in m.events("task_completed")]
    assert completed.count("prepare_meeting") == 2 and completed.count("confirm_attendance") == 2
    # A section calls the meeting; the minutes go out in its bureau's name and number series.
    assert [(d["number"], d["department"]) for d in m.documents()] == [("鞍审批会纪〔2026〕1号", "approval_bureau")]


def test_calling_leader_notice_deemed_received(scenario):
    """The calling side's own deputy leader is notified too, and the same 1-working-day rule applies:
    notice sent Fri 9 Oct 2026, due Sat 10 Oct (make-up working day); unread, it is deemed received
    from Sun 11 Oct 00:00, and the meeting can be recorded."""
    s = scenario
    s.at("2026-10-09 09:00")
    m = s.start(PROCESS, by="shiyu", data={
        "topic_category": 1, "topic": "医疗机构执业许可与监管衔接问题",
        "calling_side": "health_commission", "other_side": "approval_bureau.social"})
    prepare(m, "shiyu", "2026-10-13T09:00:00+08:00")
    m.complete("confirm_attendance", by="zhengwei", data={"attendance_confirmed": True})
    assert m.task("ack_notice_calling_leader").assignee == "lvxin"
    assert m.task("ack_notice_calling_leader").due == end_of("2026-10-10")
    m.complete("ack_notice_other_leader", by="liuhong", data={})
    assert s.advance_to("2026-10-10 23:59") == 0
    s.advance_to("2026-10-11 00:00")
    assert [e["task_id"] for e in m.events("deemed_received")] == ["ack_notice_calling_leader"]
    assert [(e["task_id"], e["data"]["outcome"]) for e in m.events("timer_fired")] == [
        ("calling_leader_notice_deemed", "deemed_received")]
    assert [t.spec_id for t in m.open_tasks()] == ["record_meeting"]
    assert m.task("record_meeting").assignee == "shiyu"
