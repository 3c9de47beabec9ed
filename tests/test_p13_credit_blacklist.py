"""P13 信用记录与黑名单 — 000 §3(4), 000 §4(1)5, 001 §4(4)2.

000 §3(4): "建立安全生产违法行为信息库，建立信用信息交换共享机制。建立健全黑名单制度……对严重违法失信主体实行
市场禁入制度，形成“一处失信，处处受制”的失信惩戒长效机制。" 000 §4(1)5: "向社会公告实施联合惩戒和“黑名单”企业情况"。
"""
import pytest
from engine.procedures import credit
from engine.models import BlacklistEntry, PublicNotice, ViolationRecord
from tests.supervision_helpers import end_of, rows, uscc

PROCESS = "p13_credit_blacklist"
SHARED = ["approval_bureau.construction", "approval_bureau.market", "approval_bureau.social", "ecology_bureau",
          "health_commission", "housing_bureau", "market_bureau"]


def violation(n=7, **overrides):
    data = {"subject": "重大事故隐患拒不整改", "enterprise_name": f"鞍山市第{n}号冶炼有限公司", "credit_code": uscc(n),
            "department": "emergency_bureau", "violation_kind": "hidden_danger", "severity": "serious",
            "description": "重大事故隐患经责令整改拒不整改", "decision_no": "鞍应急罚〔2026〕60号", "occurred_on": "2026-10-10"}
    data.update(overrides)
    return data


def list_enterprise(s, m, years=1):
    m.complete("propose_blacklist", by="hebin", data={"propose": True, "blacklist_reason": "拒不整改重大事故隐患"})
    m.complete("review_blacklist", by="fengxue", data={"review_passed": True, "review_opinion": "符合列入条件"})
    m.complete("decide_blacklist", by="lidong", data={"decision": "list", "blacklist_decision_no": "鞍应急信〔2026〕1号",
                                                      "effective_on": "2026-10-20", "period_years": years})
    tasks = [t for t in m.open_tasks() if t.spec_id == "acknowledge_sharing"]
    assert sorted(t.department for t in tasks) == SHARED
    for t in tasks:
        person = t.assignee
        s.run(lambda e, t=t, p=person: e.tasks.complete(t.id, p, {"confirmed": True, "joint_measures": "审批时依法限制"},
                                                        t.revision))


@pytest.mark.across_processes
def test_serious_violation_listed_published_shared_and_removed_when_the_period_ends(scenario):
    s = scenario
    s.at("2026-10-19 09:00")
    m = s.start(PROCESS, by="hebin", data=violation())
    assert rows(s, ViolationRecord, source_instance=m.id)[0].severity == "serious"
    list_enterprise(s, m)
    entry = rows(s, BlacklistEntry, source_instance=m.id)[0]
    assert entry.shared_with == SHARED and entry.expires_at == end_of("2027-10-20")
    assert s.run(lambda e: credit.blacklisted(e.db, uscc(7)))
    notice = rows(s, PublicNotice, kind="blacklist", instance_id=m.id)[0]
    assert notice.withdrawn_at is None and "2027-10-20" in notice.result
    assert m.task("review_credit_repair").assignee == "hebin"

    assert s.advance_to("2027-10-20 12:00") == 0
    assert s.advance_to("2027-10-21 00:30") == 1
    assert m.status == "completed" and m.data["removal_reason"] == "expired"
    assert not s.run(lambda e: credit.blacklisted(e.db, uscc(7)))
    assert rows(s, PublicNotice, kind="blacklist", instance_id=m.id)[0].withdrawn_at is not None


def test_credit_repair_refused_then_granted_removes_early(scenario):
    s = scenario
    s.at("2026-10-19 09:00")
    m = s.start(PROCESS, by="hebin", data=violation(8))
    list_enterprise(s, m, years=3)
    m.complete("review_credit_repair", by="hebin", data={"repair_approved": False, "repair_evidence": "整改报告",
                                                         "repair_opinion": "整改未验收"})
    s.at("2027-03-01 10:00")
    m.complete("review_credit_repair", by="hebin", data={"repair_approved": True, "repair_evidence": "整改验收合格报告",
                                                         "repair_opinion": "同意信用修复"})
    assert m.status == "completed" and m.data["removal_reason"] == "credit_repair"
    assert rows(s, BlacklistEntry, source_instance=m.id)[0].removal_reason == "credit_repair"


def test_the_ways_a_violation_stays_off_the_blacklist(scenario):
    """A general violation is only recorded; a serious one may not be proposed, may fail legal review,
    or the leader may decide not to list it. A third violation counts as serious by accumulation."""
    s = scenario
    s.at("2026-10-19 09:00")
    general = s.start(PROCESS, by="hebin", data=violation(9, severity="general"))
    assert general.status == "completed"
    not_proposed = s.start(PROCESS, by="hebin", data=violation(10))
    not_proposed.complete("propose_blacklist", by="hebin", data={"propose": False, "blacklist_reason": "首次违法且已整改"})
    rejected = s.start(PROCESS, by="hebin", data=violation(11))
    rejected.complete("propose_blacklist", by="hebin", data={"propose": True, "blacklist_reason": "拒不整改"})
    rejected.complete("review_blacklist", by="fengxue", data={"review_passed": False, "review_opinion": "证据不足"})
    not_listed = s.start(PROCESS, by="hebin", data=violation(12))
    not_listed.complete("propose_blacklist", by="hebin", data={"propose": True, "blacklist_reason": "拒不整改"})
    not_listed.complete("review_blacklist", by="fengxue", data={"review_passed": True, "review_opinion": "符合条件"})
    not_listed.complete("decide_blacklist", by="lidong", data={"decision": "not_list"})
    for m in (not_proposed, rejected, not_listed):
        assert m.status == "completed"
    assert rows(s, BlacklistEntry) == []
    third = None
    for _ in range(3):
        third = s.start(PROCESS, by="hebin", data=violation(9, severity="general"))
    assert third.task("propose_blacklist").assignee == "hebin"


def test_a_department_that_never_acknowledges_does_not_keep_the_enterprise_listed(scenario):
    """000 §3(4) shares the blacklist through the platform, where 003 §2(3) "信息推送1个工作日后，默认为对方
    已接收" holds: listed Tue 20 Oct 2026, six departments acknowledge, 市卫生健康委员会 never does. From Thu 22 Oct
    its receipt is deemed received; the one-year term still ends with Wed 20 Oct 2027: delisted and the
    public notice withdrawn that night, not whenever the silent department gets round to it."""
    s = scenario
    s.at("2026-10-19 09:00")
    m = s.start(PROCESS, by="hebin", data=violation(13))
    m.complete("propose_blacklist", by="hebin", data={"propose": True, "blacklist_reason": "拒不整改重大事故隐患"})
    m.complete("review_blacklist", by="fengxue", data={"review_passed": True, "review_opinion": "符合列入条件"})
    s.at("2026-10-20 09:00")
    m.complete("decide_blacklist", by="lidong", data={"decision": "list", "blacklist_decision_no": "鞍应急信〔2026〕2号",
                                                      "effective_on": "2026-10-20", "period_years": 1})
    for t in [t for t in m.open_tasks() if t.spec_id == "acknowledge_sharing" and t.department != "health_commission"]:
        s.run(lambda e, t=t: e.tasks.complete(t.id, t.assignee, {"confirmed": True, "joint_measures": "依法限制"},
                                              t.revision))
    silent = m.task("acknowledge_sharing", department="health_commission")
    assert silent.due == end_of("2026-10-21")
    assert s.advance_to("2026-10-22 00:00") == 1
    assert [e["data"]["department"] for e in m.events("deemed_received")] == ["health_commission"]
    assert m.task("review_credit_repair").assignee == "hebin"

    assert s.advance_to("2027-10-20 23:00") == 0
    assert s.run(lambda e: credit.blacklisted(e.db, uscc(13)))
    assert s.advance_to("2027-10-21 00:00") == 1
    assert m.status == "completed" and m.data["removal_reason"] == "expired"
    assert not s.run(lambda e: credit.blacklisted(e.db, uscc(13)))
    assert rows(s, PublicNotice, kind="blacklist", instance_id=m.id)[0].withdrawn_at is not None
