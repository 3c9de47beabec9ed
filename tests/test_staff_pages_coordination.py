"""Coordination procedures on the staff pages: what each holder reads of the values the diagram sets
(form `x-context`, web/matter_context.py) — P3 商请, P4 日常沟通, P6 第三方评判裁决, P7 联合勘验,
P8 审批观察员."""
import html as markup
import re

from tests.staff_pages import facts, task_page
from tests.test_p03_consultation_request import request
from tests.test_p04_communication_ladder import phone_round as p4_phone, platform_round as p4_platform
from tests.test_p04_communication_ladder import start_data as p4_start
from tests.test_p04_communication_ladder import oa_round as p4_oa
from tests.test_p06_third_party_arbitration import countersigned as p6_countersigned, opinion_drafted as p6_opinion
from tests.test_p06_third_party_arbitration import start_data as p6_start
from tests.test_p07_joint_site_inspection import START as P7_START, invitation, opinion
from tests.test_p08_approval_observers import START as P8_START
from tests.test_public_pages import site  # noqa: F401  (the fixture)


def test_p3_the_answerer_reads_when_the_request_was_sent_and_the_requester_when_it_was_answered(site):  # noqa: F811
    """003 §2(3) "自商请发出之日起3个工作日内完成信息反馈": the answering liaison reads when the request was
    sent; the requester reads when it was answered and whether that was late."""
    s, app = site
    s.at("2026-09-30 10:00")
    m = s.start("p3_consultation_request", by="sunli", data=request())
    assert facts(app, "zhuling", m.task("answer_request"))["商请发出时间"] == "2026-09-30 10:00"
    s.at("2026-10-09 16:20")
    m.complete("answer_request", by="zhuling", data={"answer_content": "近一年检查2次，无处罚记录", "cooperation_done": True})
    seen = facts(app, "sunli", m.task("receive_answer"))
    assert (seen["答复时间"], seen["逾期答复"]) == ("2026-10-09 16:20", "否")


def test_p7_the_section_reads_every_departments_opinion_before_deciding(site):  # noqa: F811
    """003 §2(6) "代表本部门提出勘验意见": the approval section consolidating the joint inspection reads each
    invited department's opinion — department, its staff by name, conclusion in words, the opinion and
    what they learnt of the applicant."""
    s, app = site
    s.at("2026-09-29 10:00")
    m = s.start("p7_joint_site_inspection", by="sunli", data=P7_START)
    m.complete("send_invitation", by="sunli", data=invitation(["emergency_bureau", "market_bureau"], "2026-10-08"))
    assert facts(app, "gaoyan", m.task("name_staff", "emergency_bureau"))["邀请发出时间"] == "2026-09-29 10:00"
    m.complete("name_staff", by="gaoyan", department="emergency_bureau",
               data={"staff": ["luoyi", "xiehua"], "contact_phone": "0412-5552188"})
    m.complete("name_staff", by="zhuling", department="market_bureau",
               data={"staff": ["hujie"], "contact_phone": "0412-5553188"})
    s.at("2026-10-08 11:00")
    m.complete("give_opinion", by="luoyi", department="emergency_bureau",
               data=opinion("甲类仓库防火间距不足，需整改后复查", "agree_with_conditions"))
    m.complete("give_opinion", by="hujie", department="market_bureau", data=opinion("经营场所与登记一致"))
    lines = sorted(facts(app, "sunli", m.task("consolidate_opinions"))["各部门勘验意见"].splitlines())
    assert lines == [
        "部门：市市场监督管理局；勘验人员：胡杰；勘验结论：符合要求；勘验意见：经营场所与登记一致；"
        "掌握的申请人基本情况：企业负责人张某，从业人员32人，设甲类仓库1座",
        "部门：市应急管理局；勘验人员：罗毅、谢华；勘验结论：整改后符合要求；勘验意见：甲类仓库防火间距不足，需整改后复查；"
        "掌握的申请人基本情况：企业负责人张某，从业人员32人，设甲类仓库1座"]


def test_p7_a_refused_invitation_says_why_on_the_next_try(site):  # noqa: F811
    """003 §2(6) "提前1个工作日……邀请": an invitation for the next day is not sent; the liaison's renewed
    invitation task says why."""
    s, app = site
    s.at("2026-10-09 09:00")
    m = s.start("p7_joint_site_inspection", by="sunli", data=P7_START)
    m.complete("send_invitation", by="sunli", data=invitation(["emergency_bureau"], "2026-10-09"))
    reason = facts(app, "sunli", m.task("send_invitation"))["邀请未能发出的原因"]
    assert reason.startswith("勘验日期2026-10-09距邀请发出不足1个工作日") and "紧急勘验" in reason


def test_p8_the_section_reads_each_observers_opinion_when_recording_the_conclusion(site):  # noqa: F811
    """003 §2(7) "审批观察员代表各行业监管部门提出意见建议": the section recording the meeting's conclusion
    reads, per department, how its observer took part, the position in words and the opinion."""
    s, app = site
    s.at("2026-10-09 10:00")
    m = s.start("p8_approval_observers", by="wufang", data={**P8_START, "departments": ["emergency_bureau", "market_bureau"]})
    m.complete("submit_observer_opinion", by="gaoyan", department="emergency_bureau", data={
        "attendance": "in_person", "position": "agree_with_conditions", "opinion": "储罐防火间距须复核"})
    m.complete("submit_observer_opinion", by="zhuling", department="market_bureau", data={
        "attendance": "written", "position": "agree", "opinion": "登记信息与申报材料一致"})
    lines = sorted(facts(app, "wufang", m.task("record_conclusion"))["各部门观察员意见"].splitlines())
    assert lines == ["部门：市市场监督管理局；参会方式：未到会，书面提出意见；意见倾向：同意；意见建议：登记信息与申报材料一致",
                     "部门：市应急管理局；参会方式：到会；意见倾向：有条件同意；意见建议：储罐防火间距须复核"]


def test_p4_each_rung_shows_how_the_earlier_rungs_ended(site):  # noqa: F811
    """003 §2(4): platform → phone → OA → official letter, each rung taken when the one before did not settle
    the matter; whoever takes the next rung reads each earlier rung, how it ended and when."""
    s, app = site
    s.at("2026-10-08 09:00")
    m = s.start("p4_communication_ladder", by="sunli", data=p4_start())
    p4_platform(m, settled=False)
    assert facts(app, "zhaomin", m.task("record_phone_call"))["此前各级沟通"] == "方式：平台信息；结果：未解决；时间：2026-10-08 09:00"
    s.at("2026-10-09 11:00")
    p4_phone(m)
    m.complete("confirm_phone_call", by="xuming", data={"phone_confirmation": "属实", "settled": False})
    assert facts(app, "zhaomin", m.task("draft_oa_message"))["此前各级沟通"].splitlines() == [
        "方式：平台信息；结果：未解决；时间：2026-10-08 09:00", "方式：电话磋商；结果：未解决；时间：2026-10-09 11:00"]


def test_p4_the_receiver_answers_the_approved_oa_draft_not_the_leaders_approval(site):  # noqa: F811
    """003 §2(4)3 "经请示……分管领导同意后，可通过OA办公系统进行书面沟通": the receiving department answers
    the OA message itself; above its form it reads the approved draft, not the sending leader's 是
    (whose comment is internal to the sending side)."""
    s, app = site
    s.at("2026-10-08 09:00")
    m = s.start("p4_communication_ladder", by="sunli", data=p4_start(start_rung="oa"))
    answer = p4_oa(m)
    review = re.search(r'<section class="card review" id="review">(.*?)</section>',
                       task_page(app, "xuming", answer), re.S)
    assert review, "the receiver's task page shows no 送审内容"
    text = markup.unescape(review.group(1))
    assert "起草OA书面沟通" in text and "关于新址监管责任的函商" in text and "正文" in text
    assert "是否同意发出" not in text and "同意。" not in text


def test_p6_both_sides_read_the_ruling_they_carry_out(site):  # noqa: F811
    """003 §3(2) 第三方评判裁决: each side's responsible person carries out the ruling and reads which body
    ruled, how, what and on what grounds."""
    s, app = site
    s.at("2026-10-12 09:00")
    m = s.start("p6_third_party_arbitration", by="xuming", data=p6_start())
    p6_opinion(m, "许可现场核查由市场准入审批科负责，核查中发现的违法线索移交市市场监督管理局。")
    p6_countersigned(m, True, "同意。")
    m.complete("consider_opinion_applicant", by="xuming", data={"applicant_agrees": True, "applicant_comment": "同意"})
    m.complete("consider_opinion_other", by="zhaomin", data={"other_agrees": True, "other_comment": "同意"})
    for person, spec_id in (("xuming", "implement_applicant"), ("zhaomin", "implement_other")):
        seen = facts(app, person, m.task(spec_id))
        assert seen["裁决方式"] == "市委编办评判裁决意见（双方同意）" and seen["裁决机关"] == "市委编办"
        assert seen["裁决结论"] == "许可现场核查由市场准入审批科负责，核查中发现的违法线索移交市市场监督管理局。"
