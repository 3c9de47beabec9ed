"""Public pages (web/public/pages.py): results published without sign-in (001 §4(3)1, 001 §4(3)5, 000 §4(1)5),
website reports with the reporter's identity sealed (000 §3(5)), and the identity page for the handling
officer only."""
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import db
from engine.clock import FrozenClock
from engine.directory import DEMO_PASSWORD
from engine.models import Event, Instance
from tests.scenario import Scenario
from tests.supervision_helpers import add_targets, uscc
from web import create_app



class WebUser:
    """A browser session: signs in if given a person, posts forms with the CSRF token."""

    def __init__(self, app, person_id: str | None = None):
        self.client = app.test_client()
        if person_id:
            self.post("/login", {"person_id": person_id, "password": DEMO_PASSWORD})

    def get(self, url: str):
        return self.client.get(url)

    def post(self, url: str, data: dict):
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        return self.client.post(url, data={**data, "csrf_token": token})


@pytest.fixture
def site(tmp_path, processes_template):
    target = tmp_path / "public.sqlite3"
    shutil.copy(processes_template, target)
    url = f"sqlite:///{target}"
    clock = FrozenClock("2026-10-09 09:00")
    eng = db.make_engine(url)
    scenario = Scenario(db.session_factory(eng), clock)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "CLOCK": clock})
    yield scenario, app
    app.extensions["liandong_engine"].dispose()
    eng.dispose()


def publish_inspection(s, numbers, plan_no):
    """A P10 draw over these enterprises, every target found compliant, the results published."""
    add_targets(s, "emergency_bureau", [(n, f"鞍山市公示{n}号有限公司", "machinery", "D", "high") for n in numbers])
    m = s.start("p10_double_random_inspection", by="hebin", data={
        "subject": "2026年第四季度抽查", "plan_no": plan_no, "department": "emergency_bureau",
        "partner_departments": [], "items": ["licence_conditions"], "shared_item": False, "period_start": "2026-10-12",
        "period_end": "2026-11-30", "publish_within_days": 20, "seed_source": "system"})
    for task in [t for t in m.open_tasks() if t.spec_id == "inspect_target"]:
        s.run(lambda e, t=task: e.tasks.complete(t.id, t.candidates[0], {
            "result": "compliant", "inspected_on": "2026-10-15", "findings": "", "co_inspectors_present": True}, t.revision))
    m.complete("publish_results", by="hebin", data={"reviewed": True})
    return m


def test_inspection_results_are_public_without_sign_in(site):
    s, app = site
    publish_inspection(s, (1, 2), "鞍应急随机〔2026〕5号")

    visitor = WebUser(app)  # nobody signed in
    page = visitor.get("/public/results?kind=inspection")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for n in (1, 2):
        assert f"鞍山市公示{n}号有限公司" in html and uscc(n) in html
    assert "安全生产许可条件保持情况" in html and "未发现问题" in html and "2026-10-15" in html
    assert visitor.get("/public/results?kind=secret").status_code == 404
    assert "暂无公示信息" in visitor.get("/public/results?kind=blacklist").get_data(as_text=True)


def test_the_public_search_takes_words_as_typed_and_refuses_an_overlong_one(site):
    """Anyone may search the published results (001 §4(3)1): "%" is looked for as the letter it is, not as
    "anything" (no notice's name holds it); a search longer than an enterprise name is refused in Chinese
    without being run."""
    s, app = site
    publish_inspection(s, (1, 2), "鞍应急随机〔2026〕5号")
    visitor = WebUser(app)
    assert "鞍山市公示1号有限公司" in visitor.get("/public/results?kind=inspection&q=公示1号").get_data(as_text=True)
    wildcard = visitor.get("/public/results?kind=inspection&q=%25").get_data(as_text=True)
    assert "鞍山市公示" not in wildcard and "暂无公示信息" in wildcard
    overlong = visitor.get("/public/results?kind=inspection&q=" + "公示" * 2000)
    html = overlong.get_data(as_text=True)
    assert overlong.status_code == 400 and "查询内容不能超过100字" in html
    assert "鞍山市公示" not in html and "公示公示" not in html


def test_an_overlong_tracking_code_is_refused_and_not_shown_back(site):
    """The 查询码 page (000 §3(5)) is open to anyone: a code far longer than any it gives out is told to be
    wrong and is not written back into the page."""
    _s, app = site
    page = WebUser(app).post("/public/track", {"code": "12-" + "A" * 5000})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "查询码不正确" in html and "AAAAAAAAAA" not in html


def test_public_pages_cite_only_what_binds_anshan(site):
    """The public reads no internal codes ("000 §3(5)") and no source that does not bind Anshan: a draft
    for comment (000) or another city's documents (001, 002, 004)."""
    s, app = site
    visitor = WebUser(app)
    from engine import citations

    unbound = [src.title for code, src in citations.SOURCES.items() if not citations.binds(code)]
    for url in ("/public/results?kind=inspection", "/public/results?kind=penalty", "/public/report"):
        html = visitor.get(url).get_data(as_text=True)
        assert "§" not in html and not re.search(r"(?<![\d-])00[0-4](?![\d-])", html), url
        assert not [title for title in unbound if title in html], url


def test_website_report_seals_the_identity_and_only_the_handling_officer_sees_it(site):
    s, app = site
    visitor = WebUser(app)
    answer = visitor.post("/public/report", {"subject": "举报某企业违规储存危险化学品", "enterprise_name": "鞍山市丙化工有限公司",
                                             "department": "emergency_bureau", "content": "仓库内堆放大量油漆桶",
                                             "name": "王秀兰", "phone": "13804120099"})
    assert answer.status_code == 200 and "举报已提交" in answer.get_data(as_text=True)
    instance = s.run(lambda e: e.db.execute(select(Instance).where(
        Instance.process_key == "p12_complaint_report")).scalar_one())
    m = s.matter(instance.id)
    assert m.data["channel"] == "website" and m.data["reporter_ref"].startswith("RPT-")
    m.complete("accept_report", by="fengxue", data={"decision": "accept", "decided_on": "2026-10-09", "reason": "属本局职责",
                                                    "handling_officer": "tangjun", "handling_days": 10})

    url = f"/public/reporter/{instance.id}"
    assert WebUser(app).get(url).status_code == 302  # sign in first
    officer = WebUser(app, "tangjun")
    page = officer.get(url)
    assert page.status_code == 200 and "王秀兰" in page.get_data(as_text=True)
    for other in ("fengxue", "hebin", "luoyi"):
        refused = WebUser(app, other).get(url)
        assert refused.status_code == 403 and "王秀兰" not in refused.get_data(as_text=True)
    # each refused attempt is in the matter's event log, although the request itself was refused
    refusals = s.run(lambda e: [ev.actor for ev in e.history.events(instance.id, "identity_refused")])
    assert refusals == ["fengxue", "hebin", "luoyi"]

    # Not in the staff pages, the API, the event log or the workflow state.
    staff = WebUser(app, "fengxue")
    for path in ["/", f"/api/instances/{instance.id}", f"/instances/{instance.id}"]:
        body = staff.get(path).get_data(as_text=True)
        assert "王秀兰" not in body and "13804120099" not in body
    stored = s.run(lambda e: [e.runtime.instance(instance.id).state] + [
        json.dumps(ev.data, ensure_ascii=False) for ev in e.db.execute(select(Event)).scalars()])
    assert not any("王秀兰" in text or "13804120099" in text for text in stored)


def _file_report(app) -> tuple[WebUser, str]:
    """王秀兰 reports through the website and keeps the 查询码 she is given."""
    visitor = WebUser(app)
    answer = visitor.post("/public/report", {"subject": "举报某企业违规储存危险化学品", "enterprise_name": "鞍山市丙化工有限公司",
                                             "department": "emergency_bureau", "content": "仓库内堆放大量油漆桶",
                                             "name": "王秀兰", "phone": "13804120099"})
    return visitor, re.search(r'id="tracking-code">([^<]+)<', answer.get_data(as_text=True)).group(1)


def _report_matter(s):
    return s.matter(s.run(lambda e: e.db.execute(select(Instance.id).where(
        Instance.process_key == "p12_complaint_report")).scalar_one()))


def test_the_reporter_reads_a_refusal_to_accept_with_its_reason(site):
    """000 §3(5) "及时受理并依法处理社会公众的投诉": 冯雪 does not accept the report (不予受理); 王秀兰's 查询码
    shows 不予受理 and the reason, and no handling step."""
    s, app = site
    visitor, code = _file_report(app)
    _report_matter(s).complete("accept_report", by="fengxue", data={
        "decision": "not_accept", "decided_on": "2026-10-09", "reason": "属市场监管部门职责，请向市市场监督管理局反映"})
    page = visitor.post("/public/track", {"code": code}).get_data(as_text=True)
    assert "不予受理" in page and "不予受理的理由：属市场监管部门职责，请向市市场监督管理局反映" in page
    assert "核查处理" not in page


def test_the_reporter_reads_that_the_reward_was_refused_and_why(site):
    """000 §3(5) "落实有奖举报制度": the report is verified and a reward proposed; 何斌 refuses it (不予奖励)
    with a reason. 王秀兰's 查询码 shows the reply, then the refusal and its reason — never the findings."""
    s, app = site
    visitor, code = _file_report(app)
    m = _report_matter(s)
    m.complete("accept_report", by="fengxue", data={"decision": "accept", "decided_on": "2026-10-09", "reason": "属本局职责",
                                                    "handling_officer": "tangjun", "handling_days": 10})
    m.complete("handle_report", by="tangjun", data={"verified": "verified", "findings": "仓库内违规储存油漆约两吨",
                                                    "action": "rectification", "reward_proposed": True})
    m.complete("reply_reporter", by="tangjun", data={"reply_method": "phone", "replied_on": "2026-10-12",
                                                     "reply_summary": "经核查举报属实，已责令限期整改。"})
    assert "举报奖励正在审批" in visitor.post("/public/track", {"code": code}).get_data(as_text=True)
    m.complete("approve_reward", by="hebin", data={"reward_decision": "refuse",
                                                   "reward_refusal_reason": "举报事项已由我局先行查处，不符合奖励条件"})
    page = visitor.post("/public/track", {"code": code}).get_data(as_text=True)
    assert "经核查举报属实，已责令限期整改。" in page
    assert "不予奖励" in page and "举报事项已由我局先行查处，不符合奖励条件" in page
    assert "仓库内违规储存油漆约两吨" not in page and "tangjun" not in page


def test_a_report_registered_from_the_hotline_gives_the_reporter_a_code_too(site):
    """000 §3(5) "充分利用8890民生问题诉求平台、“12350”举报电话……及时受理并依法处理": 冯雪 registers a report
    that came by the 8890 platform. The page after registering gives her the 查询码 to pass back through the
    platform; with it the reporter reads that the report was not accepted, and why."""
    s, app = site
    staff = WebUser(app, "fengxue")
    page = staff.post("/start/p12_complaint_report", {
        "subject": "反映某商场消防通道堵塞", "enterprise_name": "鞍山市某商贸有限公司", "department": "emergency_bureau",
        "channel": "hotline_8890", "received_at": "2026-10-09T08:40", "content": "商场东侧消防通道堆放货物。",
        "anonymous": "on"})
    assert page.status_code == 302
    page = staff.get(page.headers["Location"]).get_data(as_text=True)
    code = re.search(r'id="tracking-code">([^<]+)<', page).group(1)
    assert "请经原渠道" in page
    _report_matter(s).complete("accept_report", by="fengxue", data={
        "decision": "not_accept", "decided_on": "2026-10-09", "reason": "消防通道问题属消防救援部门职责，已由8890平台转办"})
    answer = WebUser(app).post("/public/track", {"code": code}).get_data(as_text=True)
    assert "不予受理的理由：消防通道问题属消防救援部门职责，已由8890平台转办" in answer


def test_a_named_website_report_needs_a_contact(site):
    _, app = site
    refused = WebUser(app).post("/public/report", {"subject": "举报", "enterprise_name": "某公司",
                                                   "department": "emergency_bureau", "content": "内容"})
    assert refused.status_code == 422 and "实名举报请填写姓名和联系电话" in refused.get_data(as_text=True)


def test_an_overlong_subject_or_enterprise_name_is_refused_and_kept_as_typed(site):
    """000 §3(5) "及时受理并依法处理": what the reporter wrote is what the department reads, so a subject or an
    enterprise name past the report's 100 characters (p12_start.json), or a phone past 50, is refused with
    its field named, the page keeps everything typed, nothing starts and nothing is sealed — never cut short."""
    from engine.models import ReporterIdentity

    s, app = site
    subject = "举报某企业在居民区违规储存危险化学品" * 6  # 108 characters
    enterprise = "鞍山" + "丙" * 99  # 101 characters
    typed = {"subject": subject, "enterprise_name": enterprise, "department": "emergency_bureau",
             "content": "仓库内堆放大量油漆桶", "name": "王秀兰", "phone": "1380412" * 8}
    refused = WebUser(app).post("/public/report", typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "“举报事项”不能超过100个字" in page and "“被举报企业名称”不能超过100个字" in page
    assert "“联系电话”不能超过50个字" in page
    assert f'value="{subject}"' in page and f'value="{enterprise}"' in page and "仓库内堆放大量油漆桶" in page
    assert s.run(lambda e: e.db.execute(select(Instance)).first()) is None
    assert s.run(lambda e: e.db.execute(select(ReporterIdentity)).first()) is None

    done = WebUser(app).post("/public/report", {**typed, "subject": subject[:100], "enterprise_name": enterprise[:100],
                                                "phone": "13804120099"})
    assert "举报已提交" in done.get_data(as_text=True)
    instance = s.run(lambda e: e.db.execute(select(Instance)).scalar_one())
    data = s.matter(instance.id).data
    assert (data["subject"], data["enterprise_name"]) == (subject[:100], enterprise[:100])


def test_a_sealed_identity_is_never_cut_short(site):
    """000 §3(5) 为举报人保密: the sealed name and contact are the reporter's own; a phone longer than the
    sealed record holds is refused with its field named, not stored cut (engine/procedures/complaints.py)."""
    from engine.errors import FormInvalid
    from engine.procedures import complaints

    s, _ = site
    with pytest.raises(FormInvalid) as refused:
        s.run(lambda e: complaints.seal_identity(e.db, e.clock.now(), "王秀兰", "1" * 51))
    assert refused.value.errors == {"phone": "“联系电话”不能超过50个字"}


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_public_results_page_in_a_browser(site, page):
    """A citizen opens the published results in a browser, without signing in (双随机、一公开)."""
    from tests.browser_support import serving, shot
    s, app = site
    publish_inspection(s, (3,), "鞍应急随机〔2026〕6号")
    with serving(app) as base:
        page.goto(f"{base}/public/results?kind=inspection")
        assert "鞍山市公示3号有限公司" in page.content() and uscc(3) in page.content()
        assert "/login" not in page.url
        shot(page, "public_results")
