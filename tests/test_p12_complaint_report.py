"""P12 投诉举报 — 000 §3(5), 001 §4(4)4.

000 §3(5): "充分利用8890民生问题诉求平台、“12350”举报电话和门户网站，鼓励通过互联网、投诉信箱等反映……
及时受理并依法处理社会公众的投诉。健全举报机制，依法为举报人保密，落实有奖举报制度。"
The reporter's identity is sealed outside the workflow: it must never appear in workflow data, the event
log, task rows or pages, and only the handling officer may read it.
"""
import json

import pytest
from sqlalchemy import select, text

from engine.procedures import complaints, report_tracking
from engine.errors import FormInvalid, NotCandidate, NotFound
from engine.models import Event, HumanTask, Instance, ReporterIdentity
from tests.supervision_helpers import rows, uscc

PROCESS = "p12_complaint_report"
NAME, PHONE, ID_NUMBER = "张秀英", "13904120417", "210302198805170022"


def report(**overrides):
    data = {"subject": "举报某化工企业夜间违规动火", "enterprise_name": "鞍山市丙化工有限公司", "credit_code": uscc(3),
            "department": "emergency_bureau", "channel": "hotline_12350", "received_at": "2026-10-12T20:15:00+08:00",
            "content": "该企业夜间在储罐区动火作业，无人监护", "anonymous": False}
    data.update(overrides)
    return data


def seal(s):
    return s.run(lambda e: complaints.seal_identity(e.db, e.clock.now(), NAME, PHONE, ID_NUMBER, "铁东区某小区"))


def everything_stored_for(s, instance_id) -> str:
    """Workflow state, data, task rows and events of a matter, as one text."""
    def dump(e):
        inst = e.runtime.instance(instance_id)
        parts = [inst.state, json.dumps(e.runtime.data(inst), ensure_ascii=False, default=str),
                 inst.subject, inst.enterprise_name]
        parts += [json.dumps(ev.data, ensure_ascii=False, default=str) + ev.name for ev in e.db.execute(
            select(Event).where(Event.instance_id == instance_id)).scalars()]
        parts += [f"{t.name}{t.lane}{t.assignee}" for t in e.db.execute(
            select(HumanTask).where(HumanTask.instance_id == instance_id)).scalars()]
        return "\n".join(parts)
    return s.run(dump)


def test_named_report_identity_sealed_verified_case_opened_replied_and_rewarded(scenario):
    s = scenario
    s.at("2026-10-13 08:30")
    ref = seal(s)
    m = s.start(PROCESS, by="fengxue", data=report(reporter_ref=ref))
    row = rows(s, ReporterIdentity, ref=ref)[0]
    assert row.instance_id == m.id
    # encrypted at rest: a copy of the database does not reveal who reported
    stored = s.run(lambda e: " ".join(str(v) for v in e.db.execute(text("SELECT * FROM reporter_identity")).one()))
    assert NAME not in stored and PHONE not in stored

    accept = m.task("accept_report")
    assert (accept.assignee, accept.role) == ("fengxue", "complaint_handler")
    with pytest.raises(NotCandidate):  # the intake staff never see who reported
        s.run(lambda e: complaints.reporter_identity(e, m.id, "fengxue"))
    m.complete("accept_report", by="fengxue", data={"decision": "accept", "decided_on": "2026-10-13",
                                                    "reason": "属本局职责", "handling_officer": "luoyi", "handling_days": 15})
    handle = m.task("handle_report")
    assert handle.assignee == "luoyi"
    assert s.run(lambda e: complaints.reporter_identity(e, m.id, "luoyi"))["phone"] == PHONE
    for other in ("xiehua", "hebin", "lidong", "fengxue", "", None):
        with pytest.raises(NotCandidate):
            s.run(lambda e, o=other: complaints.reporter_identity(e, m.id, o))

    m.complete("handle_report", by="luoyi", data={"verified": "verified", "findings": "现场查实储罐区违规动火",
                                                  "action": "penalty_case", "reward_proposed": True})
    case_id = m.data["opened_case"]["case_instance"]
    case = s.run(lambda e: e.runtime.instance(case_id))
    assert (case.process_key, case.started_by) == ("p11_penalty_case", "luoyi")
    m.complete("reply_reporter", by="luoyi", data={"reply_method": "phone", "replied_on": "2026-10-20",
                                                   "reply_summary": "举报属实，已立案查处"})
    reward = m.task("approve_reward")
    assert reward.assignee == "hebin"
    m.complete("approve_reward", by="hebin", data={"reward_decision": "grant", "reward_amount": 2000,
                                                   "reward_basis": "有奖举报办法第八条"})
    assert m.status == "completed"
    assert rows(s, ReporterIdentity, ref=ref)[0].reward_amount == 2000
    progress = s.run(lambda e: report_tracking.progress(e, e.runtime.instance(m.id)))
    assert progress["reward"] == {"granted": True, "amount": 2000}  # what the reporter reads with the 查询码

    # Nowhere in the matter, nor in the case it opened, nor in any event of the whole log.
    for instance_id in (m.id, case_id):
        stored = everything_stored_for(s, instance_id)
        for secret in (NAME, PHONE, ID_NUMBER, "铁东区某小区"):
            assert secret not in stored
    all_events = s.run(lambda e: [json.dumps(ev.data, ensure_ascii=False) for ev in e.db.execute(select(Event)).scalars()])
    assert not any(NAME in text or PHONE in text for text in all_events)
    assert ref in json.dumps(m.data)  # the process keeps only the reference


def test_anonymous_report_handled_late_without_reply_or_reward(scenario):
    s = scenario
    s.at("2026-10-13 08:30")
    m = s.start(PROCESS, by="fengxue", data=report(anonymous=True, channel="website"))
    m.complete("accept_report", by="fengxue", data={"decision": "accept", "decided_on": "2026-10-13",
                                                    "reason": "属本局职责", "handling_officer": "xiehua", "handling_days": 3})
    assert s.advance_to("2026-10-17 09:00") == 1  # 3 working days after Tue 13 Oct ended on Fri 16 Oct
    assert [e["name"] for e in m.events("overdue_escalated")] == ["核查处理"]
    with pytest.raises(NotFound):
        s.run(lambda e: complaints.reporter_identity(e, m.id, "xiehua"))
    m.complete("handle_report", by="xiehua", data={"verified": "not_verified", "findings": "未发现举报问题",
                                                   "action": "none", "reward_proposed": False})
    assert m.status == "completed" and m.data["reply_status"] == "anonymous"


def test_report_outside_the_department_is_not_accepted(scenario):
    s = scenario
    s.at("2026-10-13 08:30")
    ref = seal(s)
    m = s.start(PROCESS, by="fengxue", data=report(reporter_ref=ref, channel="hotline_8890"))
    m.complete("accept_report", by="fengxue", data={"decision": "not_accept", "decided_on": "2026-10-14",
                                                    "reason": "属市场监管部门职责，已告知8890平台转办"})
    assert m.status == "completed" and [t.spec_id for t in m.done_tasks()] == ["accept_report"]
    progress = s.run(lambda e: report_tracking.progress(e, e.runtime.instance(m.id)))
    assert (progress["stage"], progress["reason"]) == ("不予受理", "属市场监管部门职责，已告知8890平台转办")
    assert NAME not in everything_stored_for(s, m.id)
    assert rows(s, Instance, process_key="p11_penalty_case") == []


def test_a_reward_can_be_refused_with_a_reason_the_reporter_reads(scenario):
    """000 §3(5) "落实有奖举报制度": a verified report proposed for a reward is decided by the department's
    responsible person, who may refuse it (不予奖励). A refusal needs its reason; it is kept in the
    matter and its event log, nothing is recorded against the sealed reporter, and the reporter reads
    the refusal and its reason with the 查询码 — while the decision is pending, that it is pending."""
    s = scenario
    s.at("2026-10-13 08:30")
    ref = seal(s)
    m = s.start(PROCESS, by="fengxue", data=report(reporter_ref=ref))
    m.complete("accept_report", by="fengxue", data={"decision": "accept", "decided_on": "2026-10-13",
                                                    "reason": "属本局职责", "handling_officer": "luoyi", "handling_days": 15})
    m.complete("handle_report", by="luoyi", data={"verified": "verified", "findings": "现场查实储罐区违规动火",
                                                  "action": "rectification", "reward_proposed": True})
    m.complete("reply_reporter", by="luoyi", data={"reply_method": "phone", "replied_on": "2026-10-20",
                                                   "reply_summary": "举报属实，已责令整改"})
    progress = s.run(lambda e: report_tracking.progress(e, e.runtime.instance(m.id)))
    assert progress["stage"] == "已答复" and progress["reward"] == {"pending": True}

    with pytest.raises(FormInvalid) as refused:
        m.complete("approve_reward", by="hebin", data={"reward_decision": "refuse"})
    assert "reward_refusal_reason" in refused.value.errors
    with pytest.raises(FormInvalid) as refused:  # a reward needs its amount and basis
        m.complete("approve_reward", by="hebin", data={"reward_decision": "grant"})
    assert {"reward_amount", "reward_basis"} <= set(refused.value.errors)
    m.complete("approve_reward", by="hebin", data={
        "reward_decision": "refuse", "reward_refusal_reason": "该隐患已由我局日常检查发现并立案，举报线索不属首次提供"})

    assert m.status == "completed" and "reward" not in m.data  # nothing was registered on the sealed record
    assert rows(s, ReporterIdentity, ref=ref)[0].reward_amount is None
    [decided] = [e for e in m.events("task_completed") if e["task_id"] == "approve_reward"]
    assert decided["actor"] == "hebin"
    progress = s.run(lambda e: report_tracking.progress(e, e.runtime.instance(m.id)))
    assert progress["reward"] == {"granted": False, "reason": "该隐患已由我局日常检查发现并立案，举报线索不属首次提供"}


def test_a_report_not_accepted_tells_the_reporter_why_through_the_query_code(scenario):
    """000 §3(5) "及时受理并依法处理社会公众的投诉": a report outside the department's duties is not accepted
    (不予受理); the reporter reads that, with the reason, with the 查询码, and no step after 受理审查."""
    s = scenario
    s.at("2026-10-13 08:30")
    m = s.start(PROCESS, by="fengxue", data=report(anonymous=True, channel="website"))
    m.complete("accept_report", by="fengxue", data={"decision": "not_accept", "decided_on": "2026-10-14",
                                                    "reason": "属市场监管部门职责，请向市市场监督管理局反映"})
    progress = s.run(lambda e: report_tracking.progress(e, e.runtime.instance(m.id)))
    assert (progress["stage"], progress["reason"]) == ("不予受理", "属市场监管部门职责，请向市市场监督管理局反映")
    assert [step["name"] for step in progress["steps"]] == ["受理审查"] and progress["ended"]


# --- the identity follows the handling role, not the task row (issue 16, item 4) ------------------
def _attempt(s, instance_id, user):
    """A read of the identity as the web page makes it: a refusal is committed with its log entry."""
    def read(e):
        try:
            return complaints.reporter_identity(e, instance_id, user)
        except complaints.IdentityRefused:
            return None
    return s.run(read)


def _refusals(s, instance_id):
    return s.run(lambda e: [ev.actor for ev in e.history.events(instance_id, "identity_refused")])


def _handling(s):
    s.at("2026-10-13 08:30")
    m = s.start(PROCESS, by="fengxue", data=report(reporter_ref=seal(s)))
    m.complete("accept_report", by="fengxue", data={"decision": "accept", "decided_on": "2026-10-13",
                                                    "reason": "属本局职责", "handling_officer": "luoyi", "handling_days": 15})
    return m, m.task("handle_report")


def test_a_delegate_does_not_see_the_identity_and_the_attempt_is_logged(scenario):
    s = scenario
    m, handle = _handling(s)
    s.run(lambda e: e.office.delegate(handle.id, "luoyi", "gaoyan", "请协助核实现场", handle.revision))
    assert m.task("handle_report").assignee == "gaoyan"  # the liaison now has the task on her desk
    assert _attempt(s, m.id, "gaoyan") is None
    assert _refusals(s, m.id) == ["gaoyan"]
    assert _attempt(s, m.id, "luoyi")["name"] == NAME  # the officer who delegated still handles the report


def test_an_administrator_who_reassigns_the_task_to_themselves_does_not_see_the_identity(scenario):
    s = scenario
    m, handle = _handling(s)
    s.run(lambda e: e.management.reassign(handle.id, "admin", "admin", "承办人休假"))
    assert m.task("handle_report").assignee == "admin"
    assert _attempt(s, m.id, "admin") is None
    assert _attempt(s, m.id, "luoyi") is None  # no longer the holder either
    assert _refusals(s, m.id) == ["admin", "luoyi"]


def test_a_reassignment_to_a_person_without_the_role_does_not_reveal_the_identity(scenario):
    s = scenario
    m, handle = _handling(s)
    s.run(lambda e: e.management.reassign(handle.id, "fengxue", "admin", "临时改派"))
    assert _attempt(s, m.id, "fengxue") is None  # a complaint handler, not an enforcement officer
    assert _refusals(s, m.id) == ["fengxue"]
    # to another enforcement officer of the department: they hold the role, so they may read it
    s.run(lambda e: e.management.reassign(m.task("handle_report").id, "xiehua", "admin", "改由谢华承办"))
    assert _attempt(s, m.id, "xiehua")["phone"] == PHONE


def test_nobody_reads_the_identity_once_handling_is_over(scenario):
    s = scenario
    m, _ = _handling(s)
    m.complete("handle_report", by="luoyi", data={"verified": "not_verified", "findings": "未发现举报问题",
                                                  "action": "none", "reward_proposed": False})
    m.complete("reply_reporter", by="luoyi", data={"reply_method": "phone", "replied_on": "2026-10-20",
                                                   "reply_summary": "经核查未发现问题"})
    assert _attempt(s, m.id, "luoyi") is None
    assert _refusals(s, m.id) == ["luoyi"]
