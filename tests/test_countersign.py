"""会签 / 或签 / 票签 set on a multi-instance user task in the diagram: four departments' liaisons vote
(market: 朱玲, emergency: 高燕, housing: 邓莉, ecology: 袁媛); the gateway after the step reads the count."""
from pathlib import Path

import pytest

DEPARTMENTS = ["market_bureau", "emergency_bureau", "housing_bureau", "ecology_bureau"]
LIAISONS = {"market_bureau": "zhuling", "emergency_bureau": "gaoyan", "housing_bureau": "dengli",
            "ecology_bureau": "yuanyuan"}
DIAGRAM = (Path(__file__).parent / "data" / "countersign.bpmn").read_text(encoding="utf-8")


def with_mode(engine_scenario, mode: str, share: str = "0.5"):
    text = DIAGRAM.replace('value="share" />', f'value="{mode}" />').replace('value="0.5" />', f'value="{share}" />')
    if text != DIAGRAM:
        engine_scenario.run(lambda e: e.repository.deploy([("countersign.bpmn", text.encode())]))
    return engine_scenario.start("t_countersign", by="zhuling", data={"departments": DEPARTMENTS})


def vote(matter, department: str, approve: bool):
    matter.complete("vote", by=LIAISONS[department], department=department, data={"approve": approve})


def test_share_passes_once_half_the_voters_agree_and_withdraws_the_rest(engine_scenario):
    matter = with_mode(engine_scenario, "share")
    assert sorted(t.assignee for t in matter.open_tasks()) == sorted(LIAISONS.values())
    vote(matter, "market_bureau", True)
    vote(matter, "emergency_bureau", False)
    assert matter.status == "running"
    vote(matter, "housing_bureau", True)  # 2 of 4 = the share of 0.5: decided
    assert matter.status == "completed"
    assert len(matter.events("completed")) == 1
    assert [t.state for t in matter.done_tasks() if t.department == "ecology_bureau"] == ["cancelled"]
    assert matter.data["vote_result"] == {"mode": "share", "voters": 4, "yes": 2, "no": 1, "decided": True,
                                          "passed": True}
    counts = matter.events("votes_counted")
    assert [(c["data"]["yes"], c["data"]["no"], c["data"]["decided"]) for c in counts] == [
        (1, 0, False), (1, 1, False), (2, 1, True)]


def test_share_fails_as_soon_as_it_can_no_longer_pass(engine_scenario):
    matter = with_mode(engine_scenario, "share", "0.75")  # 3 of 4 needed
    vote(matter, "market_bureau", False)
    vote(matter, "emergency_bureau", False)  # at most 2 yes remain possible
    assert matter.status == "completed"
    assert matter.data["vote_result"] == {"mode": "share", "voters": 4, "yes": 0, "no": 2, "decided": True,
                                          "passed": False}
    assert [t.state for t in matter.done_tasks()].count("cancelled") == 2


def test_any_one_settles_the_step(engine_scenario):
    matter = with_mode(engine_scenario, "any")
    vote(matter, "ecology_bureau", True)
    assert matter.status == "completed"
    assert matter.data["vote_result"]["passed"] is True
    assert len([t for t in matter.done_tasks() if t.state == "cancelled"]) == 3


def test_all_must_act_and_one_no_rejects(engine_scenario):
    matter = with_mode(engine_scenario, "all")
    for department in DEPARTMENTS[:3]:
        vote(matter, department, True)
    assert matter.status == "running"
    vote(matter, "ecology_bureau", False)
    assert matter.status == "completed"
    assert matter.data["vote_result"] == {"mode": "all", "voters": 4, "yes": 3, "no": 1, "decided": True,
                                          "passed": False}


@pytest.mark.parametrize("props, reason", [
    ('value="share" />', "sign_mode 只能是"),
    ('value="0.5" />', "sign_share"),
])
def test_bad_countersign_properties_are_refused_at_deployment(engine, props, reason):
    from engine.errors import DeploymentError
    bad = DIAGRAM.replace(props, 'value="most" />' if "share" in props else 'value="2" />', 1)
    with pytest.raises(DeploymentError) as err:
        engine.repository.deploy([("countersign.bpmn", bad.encode())])
    assert any(reason in p["reason"] for p in err.value.problems)
