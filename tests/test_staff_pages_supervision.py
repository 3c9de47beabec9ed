"""Push and supervision procedures on the staff pages: what each holder reads of the values the diagram
sets (form `x-context`, web/matter_context.py) — P1, P2, P11, P12, P13."""
from tests.staff_pages import facts
from tests.test_p01_approval_result_push import start_data as p1_start, PUSH as P1_PUSH
from tests.test_p02_supervision_info_push import penalty as p2_penalty, start_data as p2_start
from tests.test_p11_penalty_case import investigation, start as p11_start
from tests.test_p12_complaint_report import report, seal
from tests.test_p13_credit_blacklist import violation
from tests.test_public_pages import site  # noqa: F401  (the fixture)


def test_p1_the_receiving_liaison_reads_when_the_result_was_pushed(site):  # noqa: F811
    """003 §2(3) "推送1个工作日后……视为已接收": the receiving liaison reads when the result was pushed."""
    s, app = site
    s.at("2026-10-08 09:00")
    m = s.start("p1_approval_result_push", by="sunli", data=p1_start())
    s.at("2026-10-08 10:00")
    m.complete("push_result", by="sunli", data=P1_PUSH)
    assert facts(app, "gaoyan", m.task("receive_push", "emergency_bureau"))["推送时间"] == "2026-10-08 10:00"


def test_p2_the_pushing_department_reads_which_section_it_pushes_to(site):  # noqa: F811
    """003 §2(2) "按照科室与部门间的对应关系开展工作", 003 §2(3): the department pushing a penalty reads the
    approval section paired with it; that section's liaison reads when it was pushed."""
    s, app = site
    s.at("2026-10-08 09:00")
    m = s.start("p2_supervision_info_push", by="gaoyan", data=p2_start())
    assert facts(app, "gaoyan", m.task("push_penalty_decision"))["推送至"] == "对应审批科室：市场准入审批科"
    m.complete("push_penalty_decision", by="gaoyan", data=p2_penalty())
    receive = m.task("receive_supervision_info")
    assert facts(app, receive.assignee or receive.candidates[0], receive)["推送时间"] == "2026-10-08 09:00"


def test_p11_the_investigators_and_the_statement_taker_read_the_case_facts(site):  # noqa: F811
    """004 §3(5), 行政处罚法第四十二条、第四十四条: the investigators read when the case was filed and who the
    team is (once: the filing form's field, not the diagram's copy); whoever receives the party's statement reads when the party was notified and whether the
    party may ask for a hearing."""
    s, app = site
    s.at("2026-10-12 09:00")
    m = p11_start(s)
    m.complete("approve_filing", by="hebin", data={"filing_decision": "file", "investigators": ["luoyi", "xiehua"],
                                                   "filing_opinion": "违法事实初步成立，同意立案"})
    seen = facts(app, "luoyi", m.task("investigate"))
    assert seen["立案日期"] == "2026-10-12"
    assert seen["调查人员（不少于两名持证执法人员）"] == "罗毅（市应急管理局）、谢华（市应急管理局）"
    assert "调查组" not in seen  # the diagram's copy of the team (investigation_team) would say it twice
    s.at("2026-10-13 18:00")
    m.complete("investigate", by="luoyi", data=investigation())
    s.at("2026-10-15 09:00")
    m.complete("notify_proposed_penalty", by="luoyi", data={"notice_no": "鞍应急告〔2026〕57号", "served_on": "2026-10-15",
                                                           "defence_days": 5})
    statement = m.task("receive_statement")
    seen = facts(app, statement.assignee or statement.candidates[0], statement)
    assert (seen["处罚告知时间"], seen["当事人有权要求听证"]) == ("2026-10-15 09:00", "否")


def test_p12_the_reward_approver_reads_that_a_case_was_opened(site):  # noqa: F811
    """000 §3(5) 有奖举报: the leader approving a reward reads which penalty case the verified report opened."""
    s, app = site
    s.at("2026-10-13 08:30")
    m = s.start("p12_complaint_report", by="fengxue", data=report(reporter_ref=seal(s)))
    m.complete("accept_report", by="fengxue", data={"decision": "accept", "decided_on": "2026-10-13",
                                                    "reason": "属本局职责", "handling_officer": "luoyi", "handling_days": 15})
    m.complete("handle_report", by="luoyi", data={"verified": "verified", "findings": "现场查实储罐区违规动火",
                                                  "action": "penalty_case", "reward_proposed": True})
    m.complete("reply_reporter", by="luoyi", data={"reply_method": "phone", "replied_on": "2026-10-20",
                                                   "reply_summary": "举报属实，已立案查处"})
    case = m.data["opened_case"]["case_instance"]
    assert facts(app, "hebin", m.task("approve_reward"))["已移交立案查处"] == f"行政处罚事项编号：{case}"


def test_p13_proposer_sharer_and_repair_reviewer_read_the_blacklist_facts(site):  # noqa: F811
    """000 §3(4) 失信联合惩戒: the proposer reads the enterprise's violation record; each department the
    listing is shared with reads until when and with whom; the credit-repair reviewer reads the measures
    the departments took."""
    s, app = site
    s.at("2026-10-19 09:00")
    m = s.start("p13_credit_blacklist", by="hebin", data=violation())
    assert facts(app, "hebin", m.task("propose_blacklist"))["该企业违法记录"] == "违法行为（次）：1；其中严重违法行为（次）：1"
    m.complete("propose_blacklist", by="hebin", data={"propose": True, "blacklist_reason": "拒不整改重大事故隐患"})
    m.complete("review_blacklist", by="fengxue", data={"review_passed": True, "review_opinion": "符合列入条件"})
    m.complete("decide_blacklist", by="lidong", data={"decision": "list", "blacklist_decision_no": "鞍应急信〔2026〕1号",
                                                      "effective_on": "2026-10-20", "period_years": 1})
    sharing = [t for t in m.open_tasks() if t.spec_id == "acknowledge_sharing"]
    seen = facts(app, sharing[0].assignee, sharing[0])
    assert seen["共享时间"] == "2026-10-19 09:00"
    assert seen["黑名单"].startswith("列入期限至：2027-10-20 23:59；共享部门：") and "市市场监督管理局" in seen["黑名单"]
    for t in sharing:
        s.run(lambda e, t=t: e.tasks.complete(t.id, t.assignee, {"confirmed": True, "joint_measures": "审批时依法限制"},
                                              t.revision))
    assert facts(app, "hebin", m.task("review_credit_repair"))["各部门已实施的联合惩戒措施"].startswith("审批时依法限制、")
