"""P10 draws from the data the procedures collect — 004 §4(1), 004 §1(2)3, 003 §2(1), 000 §3(4).

004 §4(1): "除危险化学品、非煤矿山、金属冶炼等重点领域外，其他一般行业领域的涉企检查原则上应采取“双随机、一公开”
方式进行。……将随机抽查的比例频次、被抽查概率与抽查对象的信用等级、风险程度挂钩，对信用较好、风险较低的企业可合理
降低抽查比例和频次，对违法失信、风险较高的企业适当提高抽查比例和频次。"
004 §1(2)3: "两库"（执法对象库和执法人员信息库）. 003 §2(1): the department takes over supervision on receipt (P1).
000 §3(4): "建立安全生产违法行为信息库" — the violation database (P13) lowers the credit grade.

Nothing here inserts library rows: every enterprise enters the target library through P1's receipt, with the
sector the approval section registered and the risk level and supervision measure the receiving liaison chose.
"""
from engine.procedures import inspection
from engine.models import TargetEntry
from tests.supervision_helpers import rows, uscc

P1 = "p1_approval_result_push"
P10 = "p10_double_random_inspection"


def approve_and_push(s, n: int, name: str, sector: str, receipt: dict | None, concluded: str = "2026-03-02") -> None:
    """An approval concluded and pushed to 市应急管理局, whose liaison receives it with `receipt`
    (measure and risk level), or never opens it (None: deemed received one working day later)."""
    s.at(f"{concluded} 09:00")
    m = s.start(P1, by="sunli", data={
        "subject": f"{name}许可", "enterprise_name": name, "credit_code": uscc(n), "sector": sector,
        "approval_section": "approval_bureau.market", "concluded_at": f"{concluded}T08:30:00+08:00",
        "departments": ["emergency_bureau"]})
    m.complete("push_result", by="sunli", data={"approval_document_no": f"鞍审批字〔2026〕{n}号",
                                                "approval_result": "granted", "approval_documents": "营业执照"})
    if receipt is None:
        s.advance_to(f"{concluded} 23:59")
        s.advance_to("2026-03-04 00:00")  # the day after the receipt's one working day
    else:
        m.complete("receive_push", by="gaoyan", data={"confirmed": True, **receipt})
    assert m.status == "completed"


def plan(plan_no: str, seed: str, period=("2026-03-16", "2026-04-30")) -> dict:
    return {"subject": "安全生产“双随机”抽查", "plan_no": plan_no, "department": "emergency_bureau",
            "partner_departments": [], "items": ["safety_responsibility"], "shared_item": False,
            "period_start": period[0], "period_end": period[1], "publish_within_days": 20,
            "seed_source": "public", "draw_seed": seed}


def test_key_supervision_sector_risk_and_grade_come_from_p1_and_the_credit_records(scenario):
    """004 §4(1): a 危险化学品经营许可 holder is under key supervision whatever its receiver chose; an enterprise
    of a general sector whose receiving liaison chose 重点监管 is under key supervision too; the risk level the
    liaison gave sets the stratum; a deemed receipt (nobody chose) is medium risk; a serious violation recorded
    in P13 (违法失信) puts the enterprise in grade D."""
    s = scenario
    approve_and_push(s, 31, "鞍山市甲化工有限公司", "hazardous_chemicals",
                     {"supervision_measure": "random_check", "risk_level": "high"})
    approve_and_push(s, 32, "鞍山市乙食品有限公司", "food",
                     {"supervision_measure": "key_supervision", "risk_level": "medium"})
    approve_and_push(s, 33, "鞍山市丙机械有限公司", "manufacturing",
                     {"supervision_measure": "random_check", "risk_level": "high"})
    approve_and_push(s, 34, "鞍山市丁商贸有限公司", "trade", None)
    approve_and_push(s, 35, "鞍山市戊仓储有限公司", "other",
                     {"supervision_measure": "routine", "risk_level": "low"})
    entries = {r.credit_code: r for r in rows(s, TargetEntry, department="emergency_bureau")}
    assert (entries[uscc(31)].sector, entries[uscc(31)].risk_level) == ("hazardous_chemicals", "high")
    assert entries[uscc(32)].supervision_measure == "key_supervision"
    assert (entries[uscc(34)].risk_level, entries[uscc(34)].supervision_measure) == ("medium", "routine")

    # P13: a serious violation by 戊 goes into the violation database.
    s.at("2026-03-09 10:00")
    s.start("p13_credit_blacklist", by="hebin", data={
        "subject": "重大事故隐患拒不整改", "enterprise_name": "鞍山市戊仓储有限公司", "credit_code": uscc(35),
        "department": "emergency_bureau", "violation_kind": "hidden_danger", "severity": "serious",
        "description": "重大事故隐患经责令整改拒不整改", "decision_no": "鞍应急罚〔2026〕8号", "occurred_on": "2026-03-05"})

    s.at("2026-03-10 09:00")
    m = s.start(P10, by="hebin", data=plan("鞍应急随机〔2026〕1号", "摇号-2026-03-10"))
    key = m.data["libraries"]["key_supervision"]
    assert [(k["credit_code"], k["reason"]) for k in key] == [
        (uscc(31), "重点领域（危险化学品）"), (uscc(32), "接收部门确定为重点监管（市应急管理局）")]
    m.complete("arrange_key_supervision", by="hebin", data={"key_supervision_plan": "每季度检查一次", "confirmed": True})

    strata = {st["stratum"]: st["candidates"] for st in m.data["draw"]["strata"]}
    assert strata == {"B|high": 1, "B|medium": 1, "D|low": 1}
    assert set(m.data["draw"]["inspections"]) == {uscc(33), uscc(34), uscc(35)}


def test_the_tables_frequency_caps_how_often_one_enterprise_is_drawn_in_a_year(scenario):
    """004 §4(1) "比例频次……与信用等级、风险程度挂钩": the table gives B|low one check a year and D|low two.
    A second plan in the same year does not draw the B|low enterprise again; the D|low one is drawn again;
    in the next year the B|low enterprise is drawn once more."""
    s = scenario
    approve_and_push(s, 41, "鞍山市己物流有限公司", "trade", {"supervision_measure": "random_check", "risk_level": "low"})
    approve_and_push(s, 42, "鞍山市庚建材有限公司", "manufacturing",
                     {"supervision_measure": "random_check", "risk_level": "low"})
    s.at("2026-03-09 10:00")
    s.start("p13_credit_blacklist", by="hebin", data={
        "subject": "未按规定进行安全评价", "enterprise_name": "鞍山市庚建材有限公司", "credit_code": uscc(42),
        "department": "emergency_bureau", "violation_kind": "hidden_danger", "severity": "serious",
        "description": "未按规定进行安全评价", "decision_no": "鞍应急罚〔2026〕9号", "occurred_on": "2026-03-05"})

    s.at("2026-03-10 09:00")
    first = s.start(P10, by="hebin", data=plan("鞍应急随机〔2026〕1号", "第一季度"))
    assert set(first.data["draw"]["inspections"]) == {uscc(41), uscc(42)}

    s.at("2026-07-06 09:00")
    second = s.start(P10, by="hebin", data=plan("鞍应急随机〔2026〕3号", "第三季度", ("2026-07-13", "2026-08-31")))
    draw = second.data["draw"]
    assert {st["stratum"]: (st["frequency_per_year"], st["at_frequency"], st["drawn"]) for st in draw["strata"]} == {
        "B|low": (1, 1, 0), "D|low": (2, 0, 1)}
    assert set(draw["inspections"]) == {uscc(42)}
    assert s.run(lambda e: inspection.replay(e.db, draw["draw_id"]))["same"]

    s.at("2027-03-08 09:00")
    next_year = s.start(P10, by="hebin", data=plan("鞍应急随机〔2027〕1号", "次年第一季度", ("2027-03-15", "2027-04-30")))
    assert uscc(41) in next_year.data["draw"]["inspections"]
