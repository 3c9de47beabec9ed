"""经营异常名录 — 001 §4(4)2: "强化信用约束，建立健全经营异常名录制度和违法经营者黑名单制度，对守信主体予以支持和
激励，对失信主体……依法予以限制或禁止"。

The seed names the list only; how it works follows 企业信息公示暂行条例第十七条 and 企业经营异常名录管理暂行办法:
the market regulator lists for one of four reasons, the list is public, removal follows the remedy of the
reason, and three years on the list send the enterprise to the 严重违法失信 list (P13). The listing lowers
the enterprise's credit in the double random draw (004 §4(1): "将随机抽查的比例频次……与抽查对象的信用等级挂钩").
"""
from sqlalchemy import select

from engine.procedures import inspection
from engine.models import AbnormalListing, Event, Instance
from tests.supervision_helpers import add_targets, uscc
from tests.test_public_pages import WebUser, site  # noqa: F401  (the fixture)

LISTING = {"enterprise_name": "鞍山市异常商贸有限公司", "credit_code": uscc(71), "reason": "unreachable",
           "facts": "双随机抽查中按登记住所实地核查，查无下落", "decision_no": "鞍市监异列〔2026〕3号",
           "listed_on": "2026-10-09"}


def grade(s, n: int) -> str:
    snap = s.run(lambda e: inspection.library(e.db, ["emergency_bureau"], e.clock.now()))
    return next(t["credit_grade"] for t in snap["targets"] if t["credit_code"] == uscc(n))


def log(s, kind: str) -> list[dict]:
    return s.run(lambda e: [ev.data for ev in e.db.execute(select(Event).where(Event.kind == kind)).scalars()])


def test_the_market_regulator_lists_an_enterprise_it_is_public_and_its_credit_is_lowered(site):  # noqa: F811
    """市市场监督管理局's section head 徐明 lists an enterprise that cannot be reached at its registered address.
    The list shows it to every signed-in person and, without sign-in, to the public; the listing is in the
    event log; in the next double random draw its grade is C (较差) instead of the B it had."""
    s, app = site
    add_targets(s, "emergency_bureau", [(71, "鞍山市异常商贸有限公司", "trade", "B", "medium")])
    assert grade(s, 71) == "B"
    xuming = WebUser(app, "xuming")
    assert xuming.post("/credit/abnormal", LISTING).status_code == 302
    page = WebUser(app, "gaoyan").get("/credit/abnormal").get_data(as_text=True)
    for shown in ("鞍山市异常商贸有限公司", uscc(71), "通过登记的住所或者经营场所无法联系", "鞍市监异列〔2026〕3号", "在录"):
        assert shown in page, shown
    assert "列入并公示" not in page  # 高燕 of 市应急管理局 reads, does not list
    public = WebUser(app).get("/public/results?kind=abnormal").get_data(as_text=True)
    assert "鞍山市异常商贸有限公司" in public and "列入经营异常名录：通过登记的住所或者经营场所无法联系" in public
    assert "查无下落" not in public  # the facts stay inside
    assert [(d["credit_code"], d["reason"]) for d in log(s, "abnormal_listed")] == [(uscc(71), "unreachable")]
    assert grade(s, 71) == "C"


def test_removal_follows_the_remedy_and_withdraws_the_notice(site):  # noqa: F811
    """Removal needs the confirmation that the enterprise did what its reason asks and a note of the check;
    without either it is refused and the enterprise stays listed. Once removed it leaves the public list
    and its grade is B again."""
    s, app = site
    add_targets(s, "emergency_bureau", [(71, "鞍山市异常商贸有限公司", "trade", "B", "medium")])
    xuming = WebUser(app, "xuming")
    xuming.post("/credit/abnormal", LISTING)
    [row] = s.run(lambda e: [r.id for r in e.db.execute(select(AbnormalListing)).scalars()])
    xuming.post(f"/credit/abnormal/{row}/remove", {"note": "已恢复联系"})
    assert "移出须确认企业已依法办理住所变更登记或恢复联系" in xuming.get("/credit/abnormal").get_data(as_text=True)
    assert grade(s, 71) == "C"
    xuming.post(f"/credit/abnormal/{row}/remove", {"remedied": "on", "note": "已办理住所变更登记，实地核查可联系"})
    assert "鞍山市异常商贸有限公司" not in WebUser(app).get("/public/results?kind=abnormal").get_data(as_text=True)
    assert "暂无" in xuming.get("/credit/abnormal").get_data(as_text=True)
    assert "已移出" in xuming.get("/credit/abnormal?all=1").get_data(as_text=True)
    assert [d["removal_reason"] for d in log(s, "abnormal_removed")] == ["已依法办理住所变更登记或恢复联系"]
    assert grade(s, 71) == "B"


def test_only_the_market_regulator_lists_and_bad_input_changes_nothing(site):  # noqa: F811
    s, app = site
    hebin = WebUser(app, "hebin")  # 市应急管理局
    hebin.post("/credit/abnormal", LISTING)
    xuming = WebUser(app, "xuming")
    xuming.post("/credit/abnormal", {**LISTING, "credit_code": "91210300MA0Y8K3L7X"})
    xuming.post("/credit/abnormal", {**LISTING, "reason": ""})
    assert s.run(lambda e: e.db.execute(select(AbnormalListing)).first()) is None
    xuming.post("/credit/abnormal", LISTING)
    page = xuming.get("/credit/abnormal").get_data(as_text=True)
    xuming.post("/credit/abnormal", LISTING)
    assert "该企业已在经营异常名录中" in xuming.get("/credit/abnormal").get_data(as_text=True)
    assert page.count("鞍市监异列〔2026〕3号") == 1
    assert len(log(s, "abnormal_listed")) == 1


def test_three_years_on_the_list_send_the_enterprise_to_the_serious_violation_list(site):  # noqa: F811
    """企业信息公示暂行条例第十七条第二款: listed on 9 Oct 2026 and still listed after 9 Oct 2029, the enterprise
    is referred to P13 (信用记录与黑名单) as a serious case; not a day before."""
    s, app = site
    xuming = WebUser(app, "xuming")
    xuming.post("/credit/abnormal", LISTING)
    [row] = s.run(lambda e: [r.id for r in e.db.execute(select(AbnormalListing)).scalars()])
    s.at("2029-10-09 12:00")
    xuming = WebUser(app, "xuming")  # three years later: a new sign-in
    page = xuming.get("/credit/abnormal").get_data(as_text=True)
    assert "鞍山市异常商贸有限公司" in page and "满三年未移出：移送" not in page
    xuming.post(f"/credit/abnormal/{row}/refer", {})
    assert s.run(lambda e: e.db.execute(select(Instance).where(Instance.process_key == "p13_credit_blacklist")).first()) is None
    s.at("2029-10-10 09:00")
    xuming = WebUser(app, "xuming")
    assert "满三年未移出：移送列入严重违法失信名单" in xuming.get("/credit/abnormal").get_data(as_text=True)
    xuming.post(f"/credit/abnormal/{row}/refer", {})
    [case] = s.run(lambda e: [(i.id, i.credit_code) for i in e.db.execute(
        select(Instance).where(Instance.process_key == "p13_credit_blacklist")).scalars()])
    assert case[1] == uscc(71)
    data = s.matter(case[0]).data
    assert (data["violation_kind"], data["severity"], data["department"]) == (
        "abnormal_list_three_years", "serious", "market_bureau")
    assert f"已移送严重违法失信名单（事项 {case[0]}）" in xuming.get("/credit/abnormal").get_data(as_text=True)


def test_an_enterprise_not_found_in_a_double_random_inspection_is_offered_for_listing(site):  # noqa: F811
    """P10 found the enterprise 查无下落 at its registered address; the 经营异常名录 page offers it to 徐明 for
    listing as unreachable, with the facts filled in; once listed it is no longer offered."""
    s, app = site
    add_targets(s, "emergency_bureau", [(72, "鞍山市无踪贸易有限公司", "trade", "D", "high")])
    m = s.start("p10_double_random_inspection", by="hebin", data={
        "subject": "2026年第四季度抽查", "plan_no": "鞍应急随机〔2026〕9号", "department": "emergency_bureau",
        "partner_departments": [], "items": ["licence_conditions"], "shared_item": False, "period_start": "2026-10-12",
        "period_end": "2026-11-30", "publish_within_days": 20, "seed_source": "system"})
    [task] = [t for t in m.open_tasks() if t.spec_id == "inspect_target"]
    s.run(lambda e: e.tasks.complete(task.id, task.candidates[0], {
        "result": "not_found", "inspected_on": "2026-10-15", "findings": "登记住所已拆迁", "co_inspectors_present": True},
        task.revision))
    m.complete("publish_results", by="hebin", data={"reviewed": True})
    xuming = WebUser(app, "xuming")
    page = xuming.get("/credit/abnormal").get_data(as_text=True)
    assert "查无下落的企业" in page and "鞍山市无踪贸易有限公司" in page
    assert "2026-10-15“双随机”抽查按登记的住所或者经营场所实地核查，查无下落" in page
    xuming.post("/credit/abnormal", {"enterprise_name": "鞍山市无踪贸易有限公司", "credit_code": uscc(72),
                                     "reason": "unreachable", "facts": "抽查查无下落", "decision_no": "鞍市监异列〔2026〕4号",
                                     "listed_on": "2026-10-20"})
    page = xuming.get("/credit/abnormal").get_data(as_text=True)
    assert "查无下落的企业" not in page and "鞍市监异列〔2026〕4号" in page


def test_the_longest_listed_is_due_however_many_were_listed_after_it(site):  # noqa: F811
    """企业信息公示暂行条例第十七条第二款 holds for every enterprise listed three years, not only for those among
    the newest listings: listed on 9 Oct 2026, with 500 enterprises listed in the two years after, it is
    due on 10 Oct 2029 and 徐明 refers it to P13."""
    from datetime import date, timedelta

    from engine.procedures import abnormal_list

    s, app = site
    WebUser(app, "xuming").post("/credit/abnormal", LISTING)
    [row] = s.run(lambda e: [r.id for r in e.db.execute(select(AbnormalListing)).scalars()])
    s.run(lambda e: e.db.add_all([AbnormalListing(
        credit_code=uscc(1000 + n), enterprise_name=f"鞍山市后列{n}号有限公司", department="market_bureau",
        reason="annual_report", decision_no=f"鞍市监异列〔2027〕{n}号", listed_on=date(2027, 1, 1) + timedelta(days=n),
        listed_by="xuming") for n in range(500)]))
    s.at("2029-10-10 09:00")
    due = s.run(lambda e: [r.id for r in abnormal_list.due_for_serious_list(e.db, e.clock.now())])
    assert due == [row]
    WebUser(app, "xuming").post(f"/credit/abnormal/{row}/refer", {})
    assert s.run(lambda e: e.db.get(AbnormalListing, row).referred_instance) is not None


def test_an_overlong_decision_number_or_blank_facts_are_refused_in_chinese_and_nothing_is_kept(site):  # noqa: F811
    """A listing's 决定书文号 holds 100 characters; a longer one is refused with a Chinese message rather than
    failing in the database, and facts made only of invisible characters are no facts."""
    s, app = site
    xuming = WebUser(app, "xuming")
    xuming.post("/credit/abnormal", {**LISTING, "decision_no": "鞍" * 101})
    assert "“列入决定书文号”不能超过100个字" in xuming.get("/credit/abnormal").get_data(as_text=True)
    xuming.post("/credit/abnormal", {**LISTING, "facts": "\u200b\u200b"})
    assert "请填写“事实”" in xuming.get("/credit/abnormal").get_data(as_text=True)
    assert s.run(lambda e: e.db.execute(select(AbnormalListing)).first()) is None
    assert log(s, "abnormal_listed") == []


def test_the_staff_list_pages_and_finds_an_enterprise_by_name_or_credit_code(site):  # noqa: F811
    """001 §4(4)2: the list is kept for every listed enterprise, so the staff page shows all of them — 50 a
    page, newest first, with 上一页/下一页 — and finds one by part of its name or the start of its credit code.
    The oldest listing, due for the 严重违法失信 list (条例第十七条第二款), is offered on the first page."""
    from datetime import date, timedelta

    s, app = site
    xuming = WebUser(app, "xuming")
    xuming.post("/credit/abnormal", LISTING)  # 9 Oct 2026, the oldest
    s.run(lambda e: e.db.add_all([AbnormalListing(
        credit_code=uscc(2000 + n), enterprise_name=f"鞍山市后列{n}号有限公司", department="market_bureau",
        reason="annual_report", decision_no=f"鞍市监异列〔2027〕{n}号", listed_on=date(2027, 1, 1) + timedelta(days=n),
        listed_by="xuming") for n in range(120)]))
    s.at("2029-10-10 09:00")
    xuming = WebUser(app, "xuming")
    first = xuming.get("/credit/abnormal").get_data(as_text=True)
    assert "共 121 家，第 1/3 页" in first and "鞍山市后列119号有限公司" in first and "鞍山市后列69号有限公司" not in first
    assert "page=2" in first and "上一页" not in first
    assert "满三年未移出：移送列入严重违法失信名单" in first  # the oldest, though it is on page 3
    last = xuming.get("/credit/abnormal?page=3").get_data(as_text=True)
    assert "第 3/3 页" in last and "鞍山市异常商贸有限公司" in last and "下一页" not in last
    assert "鞍山市后列19号有限公司" in last and "鞍山市后列20号有限公司" not in last

    by_name = xuming.get("/credit/abnormal?q=后列7号").get_data(as_text=True)
    assert "共 1 家" in by_name and "鞍山市后列7号有限公司" in by_name
    by_code = xuming.get(f"/credit/abnormal?q={uscc(71)[:17].lower()}").get_data(as_text=True)
    assert "共 1 家" in by_code and "鞍山市异常商贸有限公司" in by_code
    wildcard = xuming.get("/credit/abnormal?q=%25").get_data(as_text=True)  # a % is a character, not "anything"
    assert "共 0 家" in wildcard and "没有名称含“%”或信用代码以其开头的企业" in wildcard
