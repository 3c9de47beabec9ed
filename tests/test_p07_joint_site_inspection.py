"""P7 联合勘验 — 鞍政办发〔2018〕66号 (seed 003) §2(6).

"市行政审批局根据工作需要，提前1个工作日通过审管互动平台或电话方式，邀请各行业监管部门工作人员参与联合勘验工作，
各行业监管部门应及时派人参与。如遇到特殊情况，需要立即组织联合勘验的，市行政审批局应向行业监管部门说明情况。"
"各行业监管部门参与联合勘验工作人员职责：1.……代表本部门提出勘验意见。2.……了解和掌握申请人的基本情况……
3.在现场勘验结束后，将收集的信息及时报本部门。"

Who is who (processes/directory.yaml): 孙丽 sunli is the liaison of 市场准入审批科 (approval_bureau.market);
liaisons 高燕 gaoyan (应急局), 朱玲 zhuling (市场监管局), 邓莉 dengli (住建局), 袁媛 yuanyuan (生态环境局);
responsible persons 何斌 hebin, 徐明 xuming, 曹磊 caolei, 董青 dongqing; registered joint-inspection staff
罗毅 luoyi / 谢华 xiehua (应急局), 胡杰 hujie / 林娜 linna (市场监管局), 彭宇 pengyu / 曾浩 zenghao (住建局),
潘雷 panlei (生态环境局).

Calendar used (2026 official): 10-01..10-07 National Day holiday, 10-08 Thu and 10-09 Fri working days,
10-10 Sat a make-up working day (调休), 10-11 Sun off.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from engine import citations
from engine.errors import FormInvalid, NotCandidate
from engine.forms import uscc_with_check

PROCESS = "p7_joint_site_inspection"
SHANGHAI = ZoneInfo("Asia/Shanghai")

START = {
    "subject": "鞍山某化工有限公司危险化学品经营许可联合勘验",
    "enterprise_name": "鞍山市华润化工有限公司",
    "credit_code": uscc_with_check("91210300MA0Y7K3P2"),
    "approval_section": "approval_bureau.market",
    "approval_item": "危险化学品经营许可证核发",
    "inspection_reason": "储存场所涉及甲类危险化学品，现场情况复杂，需应急、市场监管等部门共同勘验",
}


def invitation(departments, date, urgency="normal", **extra):
    return {"departments": departments, "inspection_date": date, "site_address": "鞍山市铁西区工业园区8号",
            "channel": "platform", "urgency": urgency, **extra}


def opinion(text="储存场所防火间距符合要求", conclusion="agree"):
    return {"conclusion": conclusion, "opinion": text, "applicant_info": "企业负责人张某，从业人员32人，设甲类仓库1座"}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(SHANGHAI)


@pytest.mark.across_processes
def test_invitation_one_working_day_ahead_across_national_day_several_departments(scenario):
    """003 §2(6): inviting on 09-29 for 10-08 is "提前1个工作日" — 09-30 is the one full working day of notice;
    the seven holiday days in between do not count, nor does the inspection day itself. Each of three departments names staff from its registered
    list, the named leader gives the department's opinion, reports back to the department (its responsible
    person acknowledges), and the approval section consolidates all opinions, keyed by department."""
    s = scenario
    s.at("2026-09-29 10:00")
    m = s.start(PROCESS, by="sunli", data=START)

    inviting = m.task("send_invitation")
    assert inviting.assignee == "sunli" and inviting.candidates == ["sunli"]
    m.complete("send_invitation", by="sunli",
               data=invitation(["emergency_bureau", "market_bureau", "housing_bureau"], "2026-10-08"))

    assert m.data["invitation_error"] is None
    assert m.data["invited_at"] == "2026-09-29T10:00:00+08:00"
    # each invited department's liaison names its staff (parallel, one task per department)
    naming = {t.department: t for t in m.open_tasks() if t.spec_id == "name_staff"}
    assert {d: (t.assignee, t.role) for d, t in naming.items()} == {
        "emergency_bureau": ("gaoyan", "liaison"),
        "market_bureau": ("zhuling", "liaison"),
        "housing_bureau": ("dengli", "liaison"),
    }
    # only registered joint-inspection staff can be named (the form offers the registered list only)
    with pytest.raises(FormInvalid) as refused:
        m.complete("name_staff", by="zhuling", department="market_bureau",
                   data={"staff": ["guohui"], "contact_phone": "0412-5553188"})
    assert "staff" in refused.value.errors

    s.at("2026-09-30 15:00")
    m.complete("name_staff", by="gaoyan", department="emergency_bureau",
               data={"staff": ["luoyi", "xiehua"], "contact_phone": "0412-5552188"})
    m.complete("name_staff", by="zhuling", department="market_bureau",
               data={"staff": ["hujie"], "contact_phone": "0412-5553188"})
    assert not [t for t in m.open_tasks() if t.spec_id == "give_opinion"], "opinions wait for every department"
    m.complete("name_staff", by="dengli", department="housing_bureau",
               data={"staff": ["pengyu", "zenghao"], "contact_phone": "0412-5554188"})
    assert m.data["staff_by_department"] == {
        "emergency_bureau": ["luoyi", "xiehua"], "market_bureau": ["hujie"], "housing_bureau": ["pengyu", "zenghao"],
    }

    # on site, each department's leading staff member gives the opinion on behalf of the department,
    # by the end of the inspection day
    giving = {t.department: t for t in m.open_tasks() if t.spec_id == "give_opinion"}
    assert {d: (t.assignee, t.role) for d, t in giving.items()} == {
        "emergency_bureau": ("luoyi", "inspection_staff"),
        "market_bureau": ("hujie", "inspection_staff"),
        "housing_bureau": ("pengyu", "inspection_staff"),
    }
    assert all(t.due == local("2026-10-08T23:59:59+08:00") for t in giving.values())
    with pytest.raises(NotCandidate):  # another department's staff cannot speak for this one
        m.complete("give_opinion", by="hujie", department="emergency_bureau", data=opinion())

    s.at("2026-10-08 11:00")
    m.complete("give_opinion", by="luoyi", department="emergency_bureau",
               data=opinion("甲类仓库防火间距不足，需整改后复查", "agree_with_conditions"))
    m.complete("give_opinion", by="hujie", department="market_bureau", data=opinion("经营场所与登记一致"))
    m.complete("give_opinion", by="pengyu", department="housing_bureau", data=opinion("建筑结构符合要求"))

    # after the inspection: reports to each department and the section's consolidation run side by side
    acks = {t.department: t.assignee for t in m.open_tasks() if t.spec_id == "acknowledge_report"}
    assert acks == {"emergency_bureau": "hebin", "market_bureau": "xuming", "housing_bureau": "caolei"}
    assert m.task("consolidate_opinions").assignee == "sunli"

    opinions = m.data["opinions"]
    assert set(opinions) == {"emergency_bureau", "market_bureau", "housing_bureau"}
    assert opinions["emergency_bureau"]["conclusion"] == "agree_with_conditions"
    assert opinions["emergency_bureau"]["opinion"] == "甲类仓库防火间距不足，需整改后复查"
    assert opinions["emergency_bureau"]["staff"] == ["luoyi", "xiehua"]
    assert opinions["housing_bureau"]["applicant_info"].startswith("企业负责人")

    m.complete("consolidate_opinions", by="sunli", data={
        "opinions_summary": "采纳应急局整改意见，整改复查合格后发证", "approval_decision": "approve_after_rectification"})
    assert m.status == "running", "the departments' reports are still open"
    # Consolidation issues the joint-inspection record under the approval bureau's number.
    [doc] = m.documents()
    assert (doc["kind"], doc["number"], doc["department"], doc["issued_by"]) == (
        "inspection_record", "鞍审批勘〔2026〕1号", "approval_bureau", "sunli")
    m.complete("acknowledge_report", by="hebin", department="emergency_bureau",
               data={"report_acknowledged": True, "supervision_note": "纳入重点监管"})
    m.complete("acknowledge_report", by="xuming", department="market_bureau", data={"report_acknowledged": True})
    m.complete("acknowledge_report", by="caolei", department="housing_bureau", data={"report_acknowledged": True})

    assert m.status == "completed"
    data = m.data
    assert data["approval_decision"] == "approve_after_rectification"
    assert data["reports_acknowledged"] == {"emergency_bureau": True, "market_bureau": True, "housing_bureau": True}
    # the record: who gave which department's opinion
    said = {(e["data"]["department"], e["actor"]) for e in m.events("task_completed") if e["task_id"] == "give_opinion"}
    assert said == {("emergency_bureau", "luoyi"), ("market_bureau", "hujie"), ("housing_bureau", "pengyu")}
    assert [e["kind"] for e in m.events()][-1] == "completed"


def test_date_too_near_is_refused_with_a_message_then_corrected_to_make_up_saturday(scenario):
    """003 §2(6) "提前1个工作日": on Friday 10-09 an inspection the same day is refused — the invitation
    goes back to the inviter with a Chinese explanation — and nobody is invited; so is one on Saturday 10-10
    (the next working day: no full working day of notice). Moved to Monday 10-12 it goes out: Saturday 10-10,
    an official make-up working day, is the one working day of notice."""
    s = scenario
    s.at("2026-10-09 09:00")
    m = s.start(PROCESS, by="sunli", data=START)
    m.complete("send_invitation", by="sunli", data=invitation(["ecology_bureau"], "2026-10-09"))

    back = m.task("send_invitation")
    assert back.assignee == "sunli"
    error = m.data["invitation_error"]
    assert "不足1个工作日" in error and "紧急勘验" in error and "2026-10-09" in error
    # The rule is cited by the document's name and part: a 实施意见 has parts and items, not 条.
    assert citations.cite("003 §2(6)") in error and "条" not in error
    assert [t.spec_id for t in m.open_tasks()] == ["send_invitation"]
    assert len([e for e in m.events("task_ready") if e["task_id"] == "send_invitation"]) == 2

    m.complete("send_invitation", by="sunli", data=invitation(["ecology_bureau"], "2026-10-10"))
    assert "不足1个工作日" in m.data["invitation_error"]
    m.complete("send_invitation", by="sunli", data=invitation(["ecology_bureau"], "2026-10-12"))
    assert m.data["invitation_error"] is None
    naming = m.task("name_staff", department="ecology_bureau")
    assert naming.assignee == "yuanyuan"


def test_holidays_do_not_count_as_notice(scenario):
    """On 09-30 an inspection on 10-07 is seven calendar days away but zero working days (National Day):
    refused; so is 10-08, the first working day after the holiday, which would be the inspection day itself.
    Corrected to 10-09 it is accepted: 10-08 is the full working day of notice."""
    s = scenario
    s.at("2026-09-30 16:00")
    m = s.start(PROCESS, by="sunli", data=START)
    m.complete("send_invitation", by="sunli", data=invitation(["market_bureau"], "2026-10-07"))
    assert "不足1个工作日" in m.data["invitation_error"]
    assert m.task("send_invitation").assignee == "sunli"

    m.complete("send_invitation", by="sunli", data=invitation(["market_bureau"], "2026-10-08"))
    assert "不足1个工作日" in m.data["invitation_error"]
    m.complete("send_invitation", by="sunli", data=invitation(["market_bureau"], "2026-10-09"))
    assert m.task("name_staff", department="market_bureau").assignee == "zhuling"


def test_urgent_inspection_needs_a_written_explanation_and_may_be_the_same_day(scenario):
    """003 §2(6) "如遇到特殊情况，需要立即组织联合勘验的，市行政审批局应向行业监管部门说明情况": an urgent
    inspection today is allowed only with the explanation written into the invitation."""
    s = scenario
    s.at("2026-10-09 08:30")
    m = s.start(PROCESS, by="sunli", data=START)

    with pytest.raises(FormInvalid) as missing:
        m.complete("send_invitation", by="sunli", data=invitation(["ecology_bureau"], "2026-10-09", "urgent"))
    assert missing.value.errors["urgent_reason"] == "请填写“紧急情况说明”"
    with pytest.raises(FormInvalid) as short:
        m.complete("send_invitation", by="sunli",
                   data=invitation(["ecology_bureau"], "2026-10-09", "urgent", urgent_reason="情况紧急"))
    assert "urgent_reason" in short.value.errors

    reason = "企业储罐区出现泄漏隐患，须在今日复产审批前由环保部门现场核查"
    m.complete("send_invitation", by="sunli",
               data=invitation(["ecology_bureau"], "2026-10-09", "urgent", urgent_reason=reason))
    assert m.data["invitation_error"] is None and m.data["urgent_reason"] == reason
    m.complete("name_staff", by="yuanyuan", department="ecology_bureau",
               data={"staff": ["panlei"], "contact_phone": "0412-5555188"})
    giving = m.task("give_opinion", department="ecology_bureau")
    assert giving.assignee == "panlei"
    assert giving.due == local("2026-10-09T23:59:59+08:00")

    s.at("2026-10-09 14:00")
    m.complete("give_opinion", by="panlei", department="ecology_bureau", data=opinion("储罐区防渗措施到位"))
    m.complete("acknowledge_report", by="dongqing", department="ecology_bureau", data={"report_acknowledged": True})
    m.complete("consolidate_opinions", by="sunli",
               data={"opinions_summary": "采纳生态环境局意见", "approval_decision": "approve"})
    assert m.status == "completed"
    assert m.data["opinions"]["ecology_bureau"]["opinion"] == "储罐区防渗措施到位"


def test_urgent_cannot_backdate(scenario):
    """Even urgent, an inspection date already past is refused with its own message."""
    s = scenario
    s.at("2026-10-09 09:00")
    m = s.start(PROCESS, by="sunli", data=START)
    m.complete("send_invitation", by="sunli", data=invitation(
        ["market_bureau"], "2026-10-08", "urgent", urgent_reason="补录昨日已进行的现场勘验情况说明材料"))
    assert "早于今日" in m.data["invitation_error"]
    assert m.task("send_invitation").assignee == "sunli"


def test_only_the_departments_registered_staff_may_lead(scenario):
    """003 §2(6): staff come from the department's own list registered with the approval bureau. Naming
    another department's staff member as leader is refused by the engine when the opinion task is made
    (the lane's assignee must hold inspection_staff in that department), and nothing changes."""
    s = scenario
    s.at("2026-09-28 09:00")
    m = s.start(PROCESS, by="sunli", data=START)
    m.complete("send_invitation", by="sunli", data=invitation(["market_bureau"], "2026-09-30"))
    with pytest.raises(Exception) as refused:
        m.complete("name_staff", by="zhuling", department="market_bureau",
                   data={"staff": ["luoyi"], "contact_phone": "0412-5553188"})
    assert "luoyi" in str(refused.value)
    assert m.task("name_staff", department="market_bureau").state == "ready"


def test_an_invitation_on_the_last_holiday_for_the_next_working_day_is_refused(scenario):
    """003 §2(6) "提前1个工作日通过审管互动平台或电话方式，邀请": sent on 10-07, the last day of the National Day
    holiday, for Thursday 10-08, the departments get no working day at all to arrange staff: refused."""
    s = scenario
    s.at("2026-10-07 16:00")
    m = s.start(PROCESS, by="sunli", data=START)
    m.complete("send_invitation", by="sunli", data=invitation(["market_bureau"], "2026-10-08"))
    assert "不足1个工作日" in m.data["invitation_error"]
    assert [t.spec_id for t in m.open_tasks()] == ["send_invitation"]


def test_only_the_approval_bureau_organises_a_joint_inspection(scenario):
    """003 §2(6) "市行政审批局根据工作需要……邀请各行业监管部门": a supervision department's liaison (朱玲) cannot
    organise a joint inspection, not even naming an approval section; 市场准入审批科's responsible person can."""
    s = scenario
    s.at("2026-09-28 09:00")
    with pytest.raises(NotCandidate) as refused:
        s.start(PROCESS, by="zhuling", data=START)
    assert "市场准入审批科的组织人员" in refused.value.message
    m = s.start(PROCESS, by="zhaomin", data=START)
    assert m.task("send_invitation").assignee == "zhaomin"


def test_every_named_inspector_must_be_the_departments_registered_staff(scenario):
    """003 §2(6) "各行业监管部门应根据工作需要指派若干名工作人员参与联合勘验工作，人员名单……送市行政审批局备案":
    a department naming its own registered leader but another department's staff member second is refused,
    and nothing changes; with its own two registered staff it goes through, led by the first."""
    s = scenario
    s.at("2026-09-28 09:00")
    m = s.start(PROCESS, by="sunli", data=START)
    m.complete("send_invitation", by="sunli", data=invitation(["market_bureau"], "2026-09-30"))
    with pytest.raises(Exception) as refused:
        m.complete("name_staff", by="zhuling", department="market_bureau",
                   data={"staff": ["hujie", "luoyi"], "contact_phone": "0412-5553188"})
    assert "luoyi" in str(refused.value)
    assert m.task("name_staff", department="market_bureau").state == "ready"
    m.complete("name_staff", by="zhuling", department="market_bureau",
               data={"staff": ["hujie", "linna"], "contact_phone": "0412-5553188"})
    assert m.task("give_opinion", department="market_bureau").assignee == "hujie"
    assert m.data["staff_by_department"] == {"market_bureau": ["hujie", "linna"]}
