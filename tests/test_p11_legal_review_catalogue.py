"""P11: the 重大执法决定法制审核目录 decides which cases need 法制审核 (004 §3(5)), and the decision
limit is owed to the party of the case.

004 §3(5): "全面推行行政执法“三项制度”，结合我局权责清单和行政执法工作实际，形成重大执法决定法制审核目录清单"。
001 §4(3)2: "将法制审核作为作出重大执法决定的必经程序"。
行政处罚法第六十条: "行政机关应当自行政处罚案件立案之日起九十日内作出行政处罚决定。法律、法规、规章另有规定的，从其规定。"
"""
from pathlib import Path

import pytest

from engine.errors import FormInvalid, NotCandidate
from tests.supervision_helpers import end_of
from tests.test_p11_penalty_case import file_and_investigate, start

CATALOGUE = Path(__file__).resolve().parent.parent / "processes" / "p11_legal_review_catalogue.dmn"


def to_decision(_s, m, hearing: bool = False):
    m.complete("notify_proposed_penalty", by="luoyi", data={"notice_no": "鞍应急告〔2026〕70号", "served_on": "2026-10-13",
                                                           "defence_days": 5})
    m.complete("receive_statement", by="luoyi", data={"statement": "要求听证" if hearing else "无异议",
                                                      "hearing_requested": hearing, "defence_status": "stated"})


def at_decision_filed_on_10_july(s):
    """A case filed on Fri 10 Jul 2026, statement received, at its decision step; the 90 days of
    行政处罚法第六十条 end on Thu 8 Oct. Returns the matter and its decide_penalty task."""
    s.at("2026-07-10 10:00")
    m = start(s)
    file_and_investigate(s, m, returned_at="2026-07-10T09:30:00+08:00")
    to_decision(s, m)
    decide = m.task("decide_penalty")
    assert decide.due == end_of("2026-10-08")
    return m, decide


def test_the_catalogue_not_the_investigator_decides_that_a_case_needs_legal_review(scenario):
    """004 §3(5): an ordinary fine the investigator finds to touch a major public interest — one of the
    catalogue's listed circumstances — goes to 法制审核, and the case records which item of the catalogue
    applied; the reviewer sees it. The old self-declared "重大执法决定" checkbox is no longer a field."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = start(s)
    with pytest.raises(FormInvalid) as refused:
        file_and_investigate(s, m, major_decision=True)
    assert refused.value.errors == {"_form": "表单包含未定义的字段"}
    assert m.task("investigate").state == "ready"  # nothing was lost: the same task waits

    m.complete("investigate", by="luoyi", data={
        "party_address": "鞍山市铁西区工业园8号", "legal_representative": "丙某某",
        "findings": "向居民区排放有毒气体", "evidence": "检测报告", "returned_at": "2026-10-12T17:30:00+08:00",
        "archive_delayed": False, "penalty_kind": "fine", "proposed_penalty": "罚款人民币三万元",
        "major_circumstances": ["public_interest"], "suspected_crime": False})
    to_decision(s, m)
    assert m.data["legal_review_items"] == ["涉及重大公共利益的"] and m.data["major_decision"] is True
    review = m.task("legal_review")
    assert review.assignee == "fengxue"


def test_a_heavy_penalty_is_in_the_catalogue_whatever_the_investigator_ticks(scenario):
    """004 §3(5): 较大数额罚款 is an item of the catalogue by its kind; the investigator ticks nothing and
    the case still goes to 法制审核. A warning with nothing ticked is not in the catalogue: it is decided
    without review."""
    s = scenario
    s.at("2026-10-12 09:00")
    heavy = start(s)
    file_and_investigate(s, heavy, penalty_kind="large_fine", proposed_penalty="罚款人民币二十万元")
    to_decision(s, heavy)
    assert heavy.data["legal_review_items"] == ["较大数额罚款"]
    assert heavy.task("legal_review")

    light = start(s, credit_code="91210300MA0Y8K3L7P")
    file_and_investigate(s, light, penalty_kind="warning", proposed_penalty="警告")
    to_decision(s, light)
    assert light.data["legal_review_items"] == [] and light.data["major_decision"] is False
    assert [t.spec_id for t in light.open_tasks() if t.spec_id != "archive_records"] == ["decide_penalty"]


def test_the_catalogue_is_maintained_as_data_and_new_cases_follow_the_new_version(scenario):
    """004 §3(5): the catalogue is the department's list, revised by its legal office, not code. An
    administrator adds 没收违法所得 to it and deploys the table; the next case of that kind is reviewed."""
    s = scenario
    s.at("2026-10-12 09:00")
    revised = CATALOGUE.read_text(encoding="utf-8").replace("    </decisionTable>", """      <rule id="rule_confiscate">
        <description>没收违法所得、非法财物</description>
        <inputEntry id="rule_confiscate_penalty_kind"><text>"confiscate"</text></inputEntry>
        <inputEntry id="rule_confiscate_hearing_requested"><text></text></inputEntry>
        <inputEntry id="rule_confiscate_circumstances"><text></text></inputEntry>
        <outputEntry id="rule_confiscate_item"><text>"没收违法所得、非法财物"</text></outputEntry>
      </rule>
    </decisionTable>""")
    s.run(lambda e: e.repository.deploy([(CATALOGUE.name, revised.encode("utf-8"))], "admin"))
    m = start(s)
    file_and_investigate(s, m, penalty_kind="confiscate", proposed_penalty="没收违法所得八千元")
    to_decision(s, m)
    assert m.data["legal_review_items"] == ["没收违法所得、非法财物"]
    assert m.task("legal_review")


def test_the_decision_limit_is_owed_to_the_party_and_extended_by_the_deputy_leader(scenario):
    """行政处罚法第六十条: the 90 days are owed to the party, and the law lets them move where sector rules
    say so — with the approval of the bureau's leadership. The deciding main leader 李东 asks; he cannot
    approve his own request; the deputy leader in charge 马平 approves 10 days — calendar days, as the limit
    itself counts (tests/test_p11_time_limits.py)."""
    s = scenario
    m, decide = at_decision_filed_on_10_july(s)
    s.run(lambda e: e.deadlines.request_extension(decide.id, "lidong", 10, "需委托技术鉴定"))
    assert m.events("extension_requested")[0]["data"]["to"] == ["maping"]
    with pytest.raises(NotCandidate):
        s.run(lambda e: e.deadlines.extend(decide.id, "lidong", 10, "需委托技术鉴定"))
    s.run(lambda e: e.deadlines.extend(decide.id, "maping", 10, "需委托技术鉴定"))
    assert m.task("decide_penalty").due == end_of("2026-10-19")  # 8 Oct + 10 days is Sun 18 Oct: moved
