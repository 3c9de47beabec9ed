"""The double-random draw (engine/procedures/inspection.py, algorithm ld-sha256-rank/1) over many seeds and libraries.

001 §4(3)2: officers without an enforcement certificate may not enforce; 004 §4(5): certified officers
only; a declared conflict of interest keeps an officer away from that enterprise; at least two officers
per target; 004 §1(3)2: shared items at no less than one third; the draw is reproducible from its record.
"""
import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.procedures import inspection

DEPTS = ["emergency_bureau", "market_bureau", "housing_bureau"]
RATIOS = {f"{g}|{r}": {"sampling_ratio": ratio, "frequency_per_year": 1}
          for (g, r), ratio in zip([(g, r) for g in inspection.GRADES for r in inspection.RISKS],
                                   [0.03, 0.05, 0.1, 0.05, 0.1, 0.2, 0.1, 0.2, 0.3, 0.3, 0.5, 1.0], strict=True)}


@st.composite
def libraries(draw):
    departments = draw(st.lists(st.sampled_from(DEPTS), min_size=1, max_size=3, unique=True))
    officers = {}
    for d in departments:
        n = draw(st.integers(0, 6))
        officers[d] = [{"id": f"{d[:3]}{i}", "certificate": draw(st.sampled_from(["", "辽210300-2020-01"]))} for i in range(n)]
    codes = [f"T{i:03d}" for i in range(draw(st.integers(0, 25)))]
    targets = [{"credit_code": c, "enterprise_name": c, "departments": departments[:1], "sector": "",
                "credit_grade": draw(st.sampled_from(inspection.GRADES)),
                "risk_level": draw(st.sampled_from(inspection.RISKS))} for c in codes]
    people = [o["id"] for group in officers.values() for o in group]
    conflicts = sorted({(p, c) for p in people for c in codes if draw(st.integers(0, 9)) == 0})
    return {"departments": departments, "targets": targets, "officers": officers,
            "conflicts": [list(x) for x in conflicts], "ratios": RATIOS, "shared_item": draw(st.booleans()),
            "officers_per_target": 2}


@settings(max_examples=300, deadline=None)
@given(inputs=libraries(), seed=st.text(min_size=1, max_size=40))
def test_no_uncertified_or_conflicted_officer_is_ever_drawn(inputs, seed):
    result = inspection.draw(inputs, seed)
    certified = {o["id"]: d for d, group in inputs["officers"].items() for o in group if o["certificate"]}
    conflicts = {tuple(x) for x in inputs["conflicts"]}
    for target in result["selected"]:
        team = target["officers"]
        assert len(team) >= 2 and len(set(team)) == len(team)
        assert all(p in certified for p in team)
        assert not any((p, target["credit_code"]) in conflicts for p in team)
        assert {certified[p] for p in team} == set(inputs["departments"])  # joint draws: every department
        assert target["lead_officers"] and all(certified[p] == inputs["departments"][0] for p in target["lead_officers"])
    drawn = {t["credit_code"] for t in result["selected"]} | set(result["unstaffed"])
    assert len(drawn) == sum(s["drawn"] for s in result["strata"])
    for stratum in result["strata"]:
        if inputs["shared_item"]:
            assert stratum["drawn"] >= math.ceil(stratum["candidates"] / 3)


@settings(max_examples=100, deadline=None)
@given(inputs=libraries(), seed=st.text(min_size=1, max_size=40), shuffle_seed=st.integers())
def test_the_draw_depends_only_on_the_recorded_inputs_and_seed(inputs, seed, shuffle_seed):
    """Re-running gives the same result, whatever order the libraries come back from the database in."""
    shuffled = dict(inputs, targets=list(inputs["targets"]))
    random.Random(shuffle_seed).shuffle(shuffled["targets"])
    first = inspection.draw(inputs, seed)
    assert inspection.draw(shuffled, seed) == first
    assert inspection.digest(inputs, seed, first) == inspection.digest(inputs, seed, inspection.draw(inputs, seed))
