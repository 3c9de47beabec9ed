"""Chinese office conventions on the real procedures (shared/office-conventions.md):
退回, 撤回, 撤销, 委派, 转办, 加签/减签, 催办, 抄送, warning lights, 补正 and 延期, timeout actions.

P3 (consultation request, 003 §2(3)): 孙丽 (approval section liaison) asks the market bureau; its
liaison 朱玲 answers within 3 working days; 徐明 is the bureau's responsible person.
"""
from datetime import datetime
from pathlib import Path

import pytest

from engine.clock import SHANGHAI
from engine.errors import InvalidState, NotCandidate

P3 = "p3_consultation_request"
ANSWER = {"answer_content": "该企业近一年无处罚记录。", "cooperation_done": True}


def request():
    return {
        "subject": "商请核实某公司食品经营许可现场核查情况", "enterprise_name": "鞍山市某餐饮管理有限公司",
        "credit_code": "91210300MA0UB7CP9W", "requesting_side": "approval_bureau.market",
        "answering_side": "market_bureau", "request_type": "information",
        "request_content": "请提供该企业近一年食品安全监督检查记录及处罚情况。",
    }


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


@pytest.fixture
def p3(scenario):
    scenario.at("2026-09-30 10:00")
    return scenario.start(P3, by="sunli", data=request())


def act(scenario, fn):
    return scenario.run(fn)


# --- 退回 -----------------------------------------------------------------------------------------

def test_send_back_reopens_the_earlier_step_for_who_did_it_and_resubmission_continues(scenario, p3):
    p3.complete("answer_request", by="zhuling", data=ANSWER)
    receive = p3.task("receive_answer")
    answer_row = [t for t in p3.done_tasks() if t.spec_id == "answer_request"][0]
    targets = act(scenario, lambda e: [t.spec_id for t in e.office.send_back_targets(e.tasks.get(receive.id))])
    assert targets == ["answer_request"]  # only steps already done on this path
    with pytest.raises(InvalidState):  # a reason is required
        act(scenario, lambda e: e.office.send_back(receive.id, "sunli", answer_row.id, " ", receive.revision))
    with pytest.raises(NotCandidate):  # only the holder sends back
        act(scenario, lambda e: e.office.send_back(receive.id, "zhuling", answer_row.id, "x", receive.revision))
    act(scenario, lambda e: e.office.send_back(receive.id, "sunli", answer_row.id, "请补充处罚文书编号", receive.revision))

    again = p3.task("answer_request")
    assert (again.id, again.assignee, again.state) == (answer_row.id, "zhuling", "ready")
    assert [t.state for t in p3.done_tasks() if t.spec_id == "receive_answer"] == ["sent_back"]
    [sent] = p3.events("sent_back")
    assert sent["data"]["reason"] == "请补充处罚文书编号" and sent["actor"] == "sunli"
    assert p3.events("task_completed")[0]["data"]["form"]["answer_content"] == ANSWER["answer_content"]
    p3.complete("answer_request", by="zhuling", data={**ANSWER, "answer_content": "无处罚记录，文书编号另附。"})
    p3.complete("receive_answer", by="sunli", data={"confirmed": True})
    assert p3.status == "completed"
    assert p3.data["answer_content"] == "无处罚记录，文书编号另附。"


def test_send_back_never_goes_forward(scenario, p3):
    answer = p3.task("answer_request")
    assert act(scenario, lambda e: e.office.send_back_targets(e.tasks.get(answer.id))) == []
    p3.complete("answer_request", by="zhuling", data=ANSWER)
    receive = p3.task("receive_answer")
    with pytest.raises(InvalidState):  # receive_answer is not behind answer_request... nor itself a target
        act(scenario, lambda e: e.office.send_back(receive.id, "sunli", receive.id, "x", receive.revision))


# --- 撤回 -----------------------------------------------------------------------------------------

def test_take_back_while_the_next_holder_has_not_acted(scenario, p3):
    p3.complete("answer_request", by="zhuling", data=ANSWER)
    answer_row = [t for t in p3.done_tasks() if t.spec_id == "answer_request"][0]
    with pytest.raises(NotCandidate):  # only who completed it
        act(scenario, lambda e: e.office.take_back(answer_row.id, "sunli"))
    act(scenario, lambda e: e.office.take_back(answer_row.id, "zhuling"))
    assert p3.task("answer_request").assignee == "zhuling"
    assert [t.state for t in p3.done_tasks() if t.spec_id == "receive_answer"] == ["cancelled"]
    assert len(p3.events("taken_back")) == 1


def test_take_back_is_refused_once_the_next_holder_saved(scenario, p3):
    p3.complete("answer_request", by="zhuling", data=ANSWER)
    receive = p3.task("receive_answer")
    act(scenario, lambda e: e.office.save_draft(receive.id, "sunli", {"remarks": "已阅"}, receive.revision))
    answer_row = [t for t in p3.done_tasks() if t.spec_id == "answer_request"][0]
    with pytest.raises(InvalidState) as err:
        act(scenario, lambda e: e.office.take_back(answer_row.id, "zhuling"))
    assert "下一步的办理人已经处理" in err.value.message
    assert p3.task("receive_answer").state == "ready"


# --- 委派 and 转办 --------------------------------------------------------------------------------

def test_delegate_fills_the_form_and_returns_it_to_the_delegator_who_decides(scenario, p3):
    answer = p3.task("answer_request")
    act(scenario, lambda e: e.office.delegate(answer.id, "zhuling", "linna", "请核对执法记录", answer.revision))
    answer = p3.task("answer_request")
    assert answer.assignee == "linna"
    with pytest.raises(InvalidState):  # the delegate does not decide
        act(scenario, lambda e: e.tasks.complete(answer.id, "linna", ANSWER, answer.revision))
    act(scenario, lambda e: e.office.return_delegation(answer.id, "linna", ANSWER, answer.revision))
    answer = p3.task("answer_request")
    assert answer.assignee == "zhuling"
    assert act(scenario, lambda e: e.tasks.get(answer.id).draft) == ANSWER
    p3.complete("answer_request", by="zhuling", data=ANSWER)
    assert [e["kind"] for e in p3.events() if e["kind"].startswith("delegat")] == ["delegated", "delegation_returned"]


def test_delegate_only_within_the_department(scenario, p3):
    answer = p3.task("answer_request")
    with pytest.raises(NotCandidate):
        act(scenario, lambda e: e.office.delegate(answer.id, "zhuling", "gaoyan", "", answer.revision))


def test_transfer_across_roles_needs_the_starters_section_head(scenario, p3):
    answer = p3.task("answer_request")
    with pytest.raises(NotCandidate):
        act(scenario, lambda e: e.office.transfer(answer.id, "sunli", "xuming", "联络人出差"))
    act(scenario, lambda e: e.office.transfer(answer.id, "zhaomin", "xuming", "联络人出差"))
    assert p3.task("answer_request").assignee == "xuming"


# --- 加签 / 减签 ----------------------------------------------------------------------------------

def test_before_signers_must_give_their_opinion_first(scenario, p3):
    answer = p3.task("answer_request")
    act(scenario, lambda e: e.signers.add(answer.id, "zhuling", ["xuming"], "before", answer.revision))
    answer = p3.task("answer_request")
    with pytest.raises(InvalidState):
        act(scenario, lambda e: e.tasks.complete(answer.id, "zhuling", ANSWER, answer.revision))
    [(signer, _)] = act(scenario, lambda e: [(s.id, t.id) for s, t in e.signers.waiting_for("xuming")])
    with pytest.raises(NotCandidate):
        act(scenario, lambda e: e.signers.sign(signer, "zhuling", "同意"))
    act(scenario, lambda e: e.signers.sign(signer, "xuming", "同意答复"))
    with pytest.raises(InvalidState):  # 减签 only until they act
        act(scenario, lambda e: e.signers.remove(signer, "zhuling"))
    p3.complete("answer_request", by="zhuling", data=ANSWER)
    assert p3.task("receive_answer").assignee == "sunli"
    assert p3.events("signed")[0]["data"]["opinion"] == "同意答复"


def test_after_signers_hold_the_submission_and_the_last_one_releases_it(scenario, p3):
    answer = p3.task("answer_request")
    act(scenario, lambda e: e.signers.add(answer.id, "zhuling", ["xuming", "hujie"], "after", answer.revision))
    hujie = act(scenario, lambda e: [s.id for s in e.signers.of_task(answer.id) if s.person_id == "hujie"][0])
    act(scenario, lambda e: e.signers.remove(hujie, "zhuling"))  # 减签 before they act
    assert act(scenario, lambda e: e.signers.waiting_for("xuming")) == []  # nothing to sign before submission
    p3.complete("answer_request", by="zhuling", data=ANSWER)
    assert p3.task("answer_request").state == "ready"  # held for the after-signer
    [(signer, _)] = act(scenario, lambda e: [(s.id, t.id) for s, t in e.signers.waiting_for("xuming")])
    act(scenario, lambda e: e.signers.sign(signer, "xuming", "已阅，同意"))
    done = [t for t in p3.done_tasks() if t.spec_id == "answer_request"][0]
    assert (done.state, done.completed_by) == ("completed", "zhuling")
    assert p3.task("receive_answer").assignee == "sunli"


# --- 催办 and 抄送 ---------------------------------------------------------------------------------

def test_remind_by_starter_or_supervisor_but_not_by_others(scenario, p3):
    answer = p3.task("answer_request")
    act(scenario, lambda e: e.office.remind(answer.id, "sunli", "请于今日答复"))
    act(scenario, lambda e: e.office.remind(answer.id, "duxin", ""))
    with pytest.raises(NotCandidate):
        act(scenario, lambda e: e.office.remind(answer.id, "gaoyan", "x"))
    reminders = p3.events("reminded")
    assert [(r["actor"], r["data"]["to"]) for r in reminders] == [("sunli", ["zhuling"]), ("duxin", ["zhuling"])]
    [row] = act(scenario, lambda e: e.monitoring.compliance(P3))
    assert row["reminders"] == 2


def test_copy_gives_a_read_only_view_with_read_marks(scenario, p3):
    answer = p3.task("answer_request")
    act(scenario, lambda e: e.office.copy(p3.id, "zhuling", ["duxin", "duxin"], answer.id))
    [(copy, instance)] = act(scenario, lambda e: [(c.read_at, i.id) for c, i in e.office.copies_for("duxin")])
    assert copy is None and instance == p3.id
    act(scenario, lambda e: e.office.mark_read(p3.id, "duxin"))
    assert act(scenario, lambda e: e.office.copies_for("duxin")[0][0].read_at) is not None
    assert act(scenario, lambda e: e.tasks.may_act(e.tasks.get(answer.id), "duxin")) is False


# --- warning lights, 补正, 延期 -------------------------------------------------------------------

def test_lights_turn_yellow_and_red_once_counting_the_make_up_saturday(scenario, p3):
    """Sent Wed 30 Sep: due Sat 10 Oct, an official make-up working day. On Thu 8 Oct two working days
    are left (9 and 10 Oct): green; on Fri 9 Oct one: yellow; from 11 Oct: red."""
    assert p3.task("answer_request").due == end_of("2026-10-10")
    scenario.advance_to("2026-10-08 09:00")
    assert p3.events("light_yellow") == []
    scenario.advance_to("2026-10-09 09:00")
    scenario.advance_to("2026-10-09 15:00")
    [yellow] = p3.events("light_yellow")
    assert yellow["data"]["to"] == ["zhuling", "xuming"]  # the holder and their section head
    scenario.advance_to("2026-10-11 00:00")
    assert len(p3.events("light_red")) == 1


def test_the_three_working_day_answer_cannot_be_paused_or_extended_by_the_answering_side(scenario, p3):
    """003 §2(3) "各行业监管部门应自商请发出之日起3个工作日内完成信息反馈": a limit one department owes
    another. The answering liaison 朱玲 cannot stop its clock (补正) nor ask for more time, her section
    head 徐明 cannot extend it, and on 11 Oct the request is overdue and escalated as the diagram says."""
    scenario.advance_to("2026-10-08 09:00")
    answer = p3.task("answer_request")
    with pytest.raises(InvalidState) as paused:
        act(scenario, lambda e: e.deadlines.pause(answer.id, "zhuling", "待企业补充检查记录"))
    assert "法定时限" in paused.value.message
    with pytest.raises(InvalidState):
        act(scenario, lambda e: e.deadlines.request_extension(answer.id, "zhuling", 2, "需调取档案"))
    with pytest.raises(InvalidState):
        act(scenario, lambda e: e.deadlines.extend(answer.id, "xuming", 2, "需调取档案"))
    assert p3.task("answer_request").due == end_of("2026-10-10")
    scenario.advance_to("2026-10-11 00:00")
    assert len(p3.events("overdue_escalated")) == 1
    assert [e["kind"] for e in p3.events() if "exten" in e["kind"] or "clock" in e["kind"]] == []


# 补正 and 延期 on a limit owed to a reporter (P12 投诉举报, 000 §3(5) "及时受理并依法处理社会公众的投诉")
P12 = "p12_complaint_report"
REPORT = {"subject": "举报某化工企业夜间违规动火", "enterprise_name": "鞍山市丙化工有限公司",
          "credit_code": "91210300MA0UB7CP9W", "department": "emergency_bureau", "channel": "hotline_12350",
          "received_at": "2026-10-12T20:15:00+08:00", "content": "该企业夜间在储罐区动火作业，无人监护",
          "anonymous": True}


ACCEPT = {"decision": "accept", "decided_on": "2026-10-15", "reason": "属本局职责", "handling_officer": "luoyi",
          "handling_days": 15}


@pytest.fixture
def p12(scenario):
    scenario.at("2026-10-13 08:30")
    return scenario.start(P12, by="fengxue", data=REPORT)


def test_clock_stops_for_missing_materials_and_restarts_the_day_after_they_arrive(scenario, p12):
    """000 §3(5) / 001 §4(4)4: a report is accepted within 5 working days of its receipt (Mon 12 Oct:
    due Mon 19 Oct), a limit owed to the reporter. While the handler waits for the reporter's
    materials (补正) the clock stops; it restarts the day after they arrive with the days that were left."""
    accept = p12.task("accept_report")
    assert accept.due == end_of("2026-10-19")
    assert act(scenario, lambda e: e.deadlines.limit_kind(e.tasks.get(accept.id))) == "applicant"
    scenario.advance_to("2026-10-15 09:00")  # 2 working days left (16 and 19 Oct)
    act(scenario, lambda e: e.deadlines.pause(accept.id, "fengxue", "待举报人补充现场照片"))
    with pytest.raises(InvalidState):
        act(scenario, lambda e: e.tasks.complete(accept.id, "fengxue", ACCEPT, p12.task("accept_report").revision))
    scenario.advance_to("2026-10-21 10:00")  # the old deadline passes while paused: no red light
    assert p12.events("light_red") == []
    act(scenario, lambda e: e.deadlines.resume(accept.id, "fengxue", "2026-10-21"))
    assert p12.task("accept_report").due == end_of("2026-10-23")  # 22 and 23 Oct
    scenario.advance_to("2026-10-24 00:00")
    assert len(p12.events("light_red")) == 1


def test_extension_of_a_reporters_limit_is_approved_outside_the_obligated_section(scenario, p12):
    """000 §3(5): the handling limit is owed to the reporter. 延期 needs a leader's approval from outside
    the section that owes it (office conventions): the deputy leader 马平 of 市应急管理局, not the
    handler 冯雪 and not her section head 何斌. The request goes to 马平; the deadline moves by the
    approved working days."""
    accept = p12.task("accept_report")
    act(scenario, lambda e: e.deadlines.request_extension(accept.id, "fengxue", 2, "需核实举报线索来源"))
    [asked] = p12.events("extension_requested")
    assert asked["data"]["to"] == ["maping"]
    for someone in ("fengxue", "hebin"):
        with pytest.raises(NotCandidate) as refused:
            act(scenario, lambda e, who=someone: e.deadlines.extend(accept.id, who, 2, "需核实举报线索来源"))
        assert "分管领导" in refused.value.message
    act(scenario, lambda e: e.deadlines.extend(accept.id, "maping", 2, "需核实举报线索来源"))
    assert p12.task("accept_report").due == end_of("2026-10-21")
    assert [e["kind"] for e in p12.events() if "exten" in e["kind"]] == ["extension_requested", "extended"]


def test_the_deputy_leader_refuses_an_extension_and_the_limit_stays(scenario, p12):
    """000 §3(5) "及时受理": the limit owed to the reporter moves only with a leader's approval, and that
    leader may refuse it (不予延期, office conventions: an extension "needs a leader's approval and is
    recorded with its reason"). 冯雪 asks 马平 for 3 more working days; her section head 何斌 cannot
    answer for him, and a refusal without a reason is refused. 马平 refuses with his reason: the limit
    stays Mon 19 Oct, the refusal is in the event log addressed to 冯雪, the request is no longer
    pending, and 期限考核 shows it apart from approved extensions; the limit then runs out as before."""
    accept = p12.task("accept_report")
    act(scenario, lambda e: e.deadlines.request_extension(accept.id, "fengxue", 3, "举报人电话无法接通"))
    with pytest.raises(NotCandidate) as refused:
        act(scenario, lambda e: e.deadlines.refuse_extension(accept.id, "hebin", "无须延期"))
    assert "分管领导" in refused.value.message
    with pytest.raises(InvalidState) as refused:
        act(scenario, lambda e: e.deadlines.refuse_extension(accept.id, "maping", "  "))
    assert refused.value.message == "不予延期须填写理由"
    assert p12.events("extension_refused") == []

    act(scenario, lambda e: e.deadlines.refuse_extension(accept.id, "maping", "可通过12350平台回拨，按期受理"))
    assert p12.task("accept_report").due == end_of("2026-10-19")
    [answer] = p12.events("extension_refused")
    assert (answer["actor"], answer["data"]["to"], answer["data"]["reason"], answer["data"]["days"]) == (
        "maping", ["fengxue"], "可通过12350平台回拨，按期受理", 3)
    assert act(scenario, lambda e: e.deadlines.pending_extension(e.tasks.get(accept.id))) is None
    with pytest.raises(InvalidState):  # nothing is left to refuse
        act(scenario, lambda e: e.deadlines.refuse_extension(accept.id, "maping", "再次不予延期"))
    [row] = [r for r in act(scenario, lambda e: e.monitoring.compliance(P12)) if r["department"] == "emergency_bureau"]
    assert (row["extended"], row["extension_refused"]) == (0, 1)
    scenario.advance_to("2026-10-20 09:00")
    assert len(p12.events("light_red")) == 1


def test_an_internal_limit_is_extended_by_the_section_head_and_never_paused(engine_scenario):
    """An internal limit (the department's own, e.g. a draft due in 1 working day) has no applicant
    whose materials could be awaited: no 补正; 延期 is approved by the section head 徐明."""
    m = engine_scenario.start("t_two_steps", by="zhuling", data={"department": "market_bureau"})
    draft = m.task("draft")
    with pytest.raises(InvalidState):
        engine_scenario.run(lambda e: e.deadlines.pause(draft.id, "zhuling", "待补充"))
    engine_scenario.run(lambda e: e.deadlines.request_extension(draft.id, "zhuling", 2, "需调取档案"))
    assert m.events("extension_requested")[0]["data"]["to"] == ["xuming"]
    engine_scenario.run(lambda e: e.deadlines.extend(draft.id, "xuming", 2, "需调取档案"))
    assert m.task("draft").due == end_of("2026-10-08")  # 30 Sep, then 8 Oct after National Day


# --- 撤销, 挂起, 终止 by those allowed -------------------------------------------------------------

def test_cancel_by_the_starter_and_suspend_by_the_section_head(scenario, p3):
    with pytest.raises(NotCandidate):
        act(scenario, lambda e: e.office.suspend(p3.id, "zhuling", "x"))
    act(scenario, lambda e: e.office.suspend(p3.id, "zhaomin", "等待上级意见"))
    act(scenario, lambda e: e.office.resume(p3.id, "zhaomin"))
    with pytest.raises(NotCandidate):
        act(scenario, lambda e: e.office.cancel(p3.id, "zhuling", "x"))
    act(scenario, lambda e: e.office.cancel(p3.id, "sunli", "企业撤回申请"))
    assert p3.status == "cancelled" and p3.open_tasks() == []
    assert p3.events("cancelled")[0]["data"]["reason"] == "企业撤回申请"


# --- a timeout action set in the diagram ----------------------------------------------------------

def test_overdue_draft_escalates_to_the_responsible_person(engine_scenario):
    s = engine_scenario
    m = s.start("t_two_steps", by="zhuling", data={"department": "market_bureau"})
    assert m.task("draft").due == end_of("2026-09-29")
    s.advance_to("2026-09-30 00:00:01")
    assert m.task("draft").assignee == "xuming"
    assert len(m.events("overdue_escalated")) == 1
    s.advance_to("2026-10-09 00:00:01")
    assert len(m.events("overdue_escalated")) == 1  # once


# --- 退回 on a parallel branch (P7, 003 §2(6)) --------------------------------------------------------

def test_send_back_from_a_parallel_branch_leaves_the_other_branches_consistent(scenario):
    """After the joint inspection the section consolidates while each department's responsible person
    acknowledges its staff's report, in parallel. The section sends the matter back to its invitation:
    the acknowledgement already given on the sibling branch is no target, the open one is withdrawn,
    and the whole inspection runs again from the corrected invitation."""
    from tests.test_p07_joint_site_inspection import PROCESS, START, invitation, opinion
    s = scenario
    s.at("2026-09-28 09:00")
    m = s.start(PROCESS, by="sunli", data=START)
    m.complete("send_invitation", by="sunli", data=invitation(["ecology_bureau", "market_bureau"], "2026-09-30"))
    m.complete("name_staff", by="yuanyuan", department="ecology_bureau", data={"staff": ["panlei"],
                                                                               "contact_phone": "0412-5555188"})
    m.complete("name_staff", by="zhuling", department="market_bureau", data={"staff": ["hujie"],
                                                                             "contact_phone": "0412-5553188"})
    m.complete("give_opinion", by="panlei", department="ecology_bureau", data=opinion("储罐区防渗措施到位"))
    m.complete("give_opinion", by="hujie", department="market_bureau", data=opinion("经营场所与登记一致"))
    m.complete("acknowledge_report", by="dongqing", department="ecology_bureau", data={"report_acknowledged": True})
    consolidate = m.task("consolidate_opinions")
    acknowledged = [t for t in m.done_tasks() if t.spec_id == "acknowledge_report"][0]
    targets = act(s, lambda e: [t.spec_id for t in e.office.send_back_targets(e.tasks.get(consolidate.id))])
    assert targets == ["send_invitation"]  # never the sibling branch's acknowledgement
    with pytest.raises(InvalidState):
        act(s, lambda e: e.office.send_back(consolidate.id, "sunli", acknowledged.id, "x", consolidate.revision))
    invitation_row = [t for t in m.done_tasks() if t.spec_id == "send_invitation"][0]
    act(s, lambda e: e.office.send_back(consolidate.id, "sunli", invitation_row.id, "勘验地址有误，重新邀请",
                                        consolidate.revision))
    assert [t.spec_id for t in m.open_tasks()] == ["send_invitation"]
    withdrawn = [t for t in m.done_tasks() if t.spec_id == "acknowledge_report" and t.department == "market_bureau"]
    assert [t.state for t in withdrawn] == ["cancelled"]
    m.complete("send_invitation", by="sunli", data=invitation(["ecology_bureau"], "2026-09-30"))
    m.complete("name_staff", by="yuanyuan", department="ecology_bureau", data={"staff": ["panlei"],
                                                                               "contact_phone": "0412-5555188"})
    m.complete("give_opinion", by="panlei", department="ecology_bureau", data=opinion("复核后无异议"))
    m.complete("acknowledge_report", by="dongqing", department="ecology_bureau", data={"report_acknowledged": True})
    m.complete("consolidate_opinions", by="sunli", data={"opinions_summary": "采纳生态环境局意见", "approval_decision": "approve"})
    assert m.status == "completed"
    assert m.data["opinions"] == {"ecology_bureau": m.data["opinions"]["ecology_bureau"]}


# --- timeout actions and 抄送 set in the diagram (t_two_steps variants) ----------------------------

TWO_STEPS = (Path(__file__).parent / "data" / "two_steps.bpmn").read_text(encoding="utf-8")


def two_steps_with(engine_scenario, old: str, new: str):
    assert old in TWO_STEPS
    engine_scenario.run(lambda e: e.repository.deploy([("two_steps.bpmn", TWO_STEPS.replace(old, new).encode())]))
    return engine_scenario.start("t_two_steps", by="zhuling", data={"department": "market_bureau"})


def test_timeout_action_remind(engine_scenario):
    m = two_steps_with(engine_scenario, 'value="escalate"', 'value="remind"')
    engine_scenario.advance_to("2026-09-30 00:00:01")
    [reminder] = m.events("reminded")
    assert (reminder["actor"], reminder["data"]["to"]) == ("system", ["zhuling"])
    assert m.task("draft").assignee == "zhuling"


def test_timeout_action_complete_default_where_the_diagram_says_so(engine_scenario):
    m = two_steps_with(engine_scenario, '<spiffworkflow:property name="timeout_action" value="escalate" />',
                       '<spiffworkflow:property name="timeout_action" value="complete_default" />'
                       '<spiffworkflow:property name="timeout_default" value=\'{"note": "超时未起草，按默认意见办理"}\' />')
    engine_scenario.advance_to("2026-09-30 00:00:01")
    [done] = [t for t in m.done_tasks() if t.spec_id == "draft"]
    assert (done.state, done.completed_by) == ("completed", "system")
    assert m.data["note"] == "超时未起草，按默认意见办理"
    assert m.task("confirm").assignee == "zhuling"
    assert len(m.events("completed_by_default")) == 1


def test_copy_to_set_in_the_diagram(engine_scenario):
    m = two_steps_with(engine_scenario, '<spiffworkflow:property name="due" value="working_days_after(3)" />',
                       '<spiffworkflow:property name="due" value="working_days_after(3)" />'
                       '<spiffworkflow:property name="copy_to" value="[\'supervisor@supervision_office\', \'gaoyan\']" />')
    m.complete("draft", by="zhuling", data={"note": "起草"})
    m.complete("confirm", by="zhuling", data={"note": "确认"})
    [copied] = m.events("copied")
    assert copied["data"]["to"] == ["duxin", "gaoyan"]
    assert [i.id for _, i in engine_scenario.run(lambda e: e.office.copies_for("gaoyan"))] == [m.id]
