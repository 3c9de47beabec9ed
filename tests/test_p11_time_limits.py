"""P11 行政处罚案件's own periods — 002 ("处罚告知"), 行政处罚法第四十四条、第六十条, 民法典第二百零一条、第二百零三条.

002: "在立案审批、调查取证、处罚告知、作出处罚决定、送达……各个环节，都严格执行程序规定". The statement period runs
from the service of the notice (送达), not from when an officer types it in. 行政处罚法第六十条: "行政机关应当自行政
处罚案件立案之日起九十日内作出行政处罚决定。" 民法典第二百零一条: the first day is not counted; 第二百零三条:
"期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。"
"""
import re
import shutil

import pytest

from engine import db
from engine.clock import FrozenClock
from engine.directory import DEMO_PASSWORD
from tests.scenario import Scenario
from tests.supervision_helpers import end_of, uscc
from tests.web_fixtures import WebUser
from tests.test_p11_legal_review_catalogue import at_decision_filed_on_10_july
from tests.test_p11_penalty_case import file_and_investigate, start
from web import create_app


def test_statement_period_runs_from_service_not_from_recording(scenario):
    """A notice served on Mon 12 Oct 2026 and recorded only on Mon 19 Oct: the 5 working days run from the
    service (13–16 and 19 Oct), so the period ends with 19 Oct — not 26 Oct — and the next morning the
    party is taken to have waived the statement."""
    s = scenario
    s.at("2026-10-09 09:00")
    m = start(s)
    file_and_investigate(s, m, returned_at="2026-10-09T17:30:00+08:00")
    s.at("2026-10-19 09:00")
    m.complete("notify_proposed_penalty", by="luoyi", data={"notice_no": "鞍应急告〔2026〕61号", "served_on": "2026-10-12",
                                                           "defence_days": 5})
    assert m.task("receive_statement").due == end_of("2026-10-19")
    assert s.advance_to("2026-10-19 23:59") == 0
    assert s.advance_to("2026-10-20 00:00") == 1
    assert m.data["defence_status"] == "waived"
    assert m.task("decide_penalty")


def test_decision_within_90_days_of_filing_moves_past_national_day(scenario):
    """Filed on Fri 3 Jul 2026: the 90th day after is Thu 1 Oct, the National Day holiday (1–7 Oct), so the
    last day is Thu 8 Oct, the day after the holiday ends. The decision step carries that limit."""
    s = scenario
    s.at("2026-07-02 09:00")
    m = start(s)
    s.at("2026-07-03 10:00")
    file_and_investigate(s, m, returned_at="2026-07-03T09:30:00+08:00")
    assert (m.data["filed_on"], m.data["decision_due"]) == ("2026-07-03", "2026-10-08T23:59:59+08:00")
    s.at("2026-07-06 09:00")
    m.complete("notify_proposed_penalty", by="luoyi", data={"notice_no": "鞍应急告〔2026〕62号", "served_on": "2026-07-06",
                                                           "defence_days": 5})
    m.complete("receive_statement", by="luoyi", data={"statement": "无异议", "hearing_requested": False,
                                                      "defence_status": "stated"})
    assert m.task("decide_penalty").due == end_of("2026-10-08")


def test_a_calendar_day_period_ending_on_a_working_day_is_not_moved(scenario):
    """Filed on Fri 10 Jul 2026: the 90th day after is Thu 8 Oct, a working day: it stays."""
    s = scenario
    s.at("2026-07-10 10:00")
    m = start(s)
    file_and_investigate(s, m, returned_at="2026-07-10T09:30:00+08:00")
    assert m.data["decision_due"] == "2026-10-08T23:59:59+08:00"
    s.at("2026-08-07 10:00")
    m2 = start(s, credit_code=uscc(4), enterprise_name="鞍山市丁化工有限公司")
    file_and_investigate(s, m2, returned_at="2026-08-07T09:30:00+08:00")
    assert m2.data["decision_due"] == "2026-11-05T23:59:59+08:00"  # 7 Aug + 90 days: Thu 5 Nov


@pytest.fixture
def site(tmp_path, processes_template):
    target = tmp_path / "p11.sqlite3"
    shutil.copy(processes_template, target)
    url = f"sqlite:///{target}"
    clock = FrozenClock("2026-07-03 10:00")
    eng = db.make_engine(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "CLOCK": clock})
    yield Scenario(db.session_factory(eng), clock), app
    app.extensions["liandong_engine"].dispose()
    eng.dispose()


def test_the_case_page_shows_the_decision_limit(site):
    s, app = site
    m = start(s)
    file_and_investigate(s, m, returned_at="2026-07-03T09:30:00+08:00")
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"person_id": "luoyi", "password": DEMO_PASSWORD, "csrf_token": token})
    task = m.task("notify_proposed_penalty")
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "作出处罚决定期限（立案之日起90日）" in html and "2026-10-08 23:59" in html


def test_materials_awaited_during_the_decision_period_keep_it_in_calendar_days(scenario):
    """The 90 days of 行政处罚法第六十条 are calendar days (decide_penalty's limit_unit). While 李东 waits for the
    party's materials (补正) the clock stops with the calendar days left; it restarts with those calendar days,
    not working days, and a last day on a rest day moves to the next working day (民法典第二百零三条)."""
    s = scenario
    m, decide = at_decision_filed_on_10_july(s)
    s.at("2026-09-01 10:00")
    s.run(lambda e: e.deadlines.pause(decide.id, "lidong", "待当事人补充鉴定材料"))
    assert m.events("clock_stopped")[-1]["data"]["days_left"] == 37  # 1 Sep → 8 Oct
    s.at("2026-09-11 10:00")
    s.run(lambda e: e.deadlines.resume(decide.id, "lidong", "2026-09-11"))
    # 11 Sep + 37 days is Sun 18 Oct, a rest day: the period ends on Mon 19 Oct
    assert m.task("decide_penalty").due == end_of("2026-10-19")


def test_the_case_page_shows_the_decision_limit_moved_by_materials_awaited(site):
    """The case page's 作出处罚决定期限 is the limit as it stands: after 补正 from 1 to 11 Sep it reads 19 Oct,
    not the 8 Oct computed at filing (行政处罚法第六十条, 民法典第二百零三条)."""
    s, app = site
    _m, decide = at_decision_filed_on_10_july(s)
    s.at("2026-09-01 10:00")
    s.run(lambda e: e.deadlines.pause(decide.id, "lidong", "待当事人补充鉴定材料"))
    s.at("2026-09-11 10:00")
    s.run(lambda e: e.deadlines.resume(decide.id, "lidong", "2026-09-11"))
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"person_id": "lidong", "password": DEMO_PASSWORD, "csrf_token": token})
    html = client.get(f"/tasks/{decide.id}").get_data(as_text=True)
    limit = re.search(r"作出处罚决定期限（立案之日起90日）</dt><dd[^>]*>([^<]+)<", html)
    assert limit is not None and limit.group(1) == "2026-10-19 23:59"


def test_an_extension_of_the_decision_period_counts_calendar_days_and_moves_past_holidays(scenario):
    """The 90 days of 行政处罚法第六十条 are calendar days, so a 延期 of them is too: 8 Oct + 10 days is Sun
    18 Oct, a rest day, and the period ends on Mon 19 Oct (民法典第二百零三条) — 10 working days would have run
    to 21 Oct. A second extension of 12 days from 19 Oct ends on Sat 31 Oct and moves to Mon 2 Nov."""
    s = scenario
    m, decide = at_decision_filed_on_10_july(s)
    s.run(lambda e: e.deadlines.request_extension(decide.id, "lidong", 10, "需委托技术鉴定"))
    assert m.events("extension_requested")[0]["data"]["unit"] == "calendar"
    s.run(lambda e: e.deadlines.extend(decide.id, "maping", 10, "需委托技术鉴定"))
    assert m.task("decide_penalty").due == end_of("2026-10-19")
    extended = m.events("extended")[0]["data"]
    assert (extended["days"], extended["unit"], extended["new"]) == (10, "calendar", "2026-10-19T23:59:59+08:00")
    s.run(lambda e: e.deadlines.extend(decide.id, "maping", 12, "鉴定机构延期出具报告"))
    assert m.task("decide_penalty").due == end_of("2026-11-02")


def test_the_decision_period_reads_in_calendar_days_on_the_pages_and_the_api(site):
    """The decision step's light and its 延期 forms say 日, not 工作日 (行政处罚法第六十条 counts calendar days):
    李东 reads "剩 90 日" on his inbox and the task page and asks for 延长日数（自然日）; 马平 approves 10 days
    and the limit becomes Mon 19 Oct (民法典第二百零三条); past it the API says "已超期 6 日" on Sun 25 Oct
    (4 working days)."""
    s, app = site
    _m, decide = at_decision_filed_on_10_july(s)
    lidong = WebUser(app, "lidong")
    assert "剩 90 日" in lidong.get("/inbox/mine").get_data(as_text=True)
    page = lidong.get(f"/tasks/{decide.id}").get_data(as_text=True)
    assert "剩 90 日" in page and "延长日数（自然日）" in page
    assert "延长工作日数" not in page and "剩 63 个工作日" not in page  # the working days left that day
    assert lidong.post(f"/tasks/{decide.id}/ops/request_extension", {"days": "10", "reason": "需委托技术鉴定"}).status_code == 302
    maping = WebUser(app, "maping")
    approval = maping.get(f"/tasks/{decide.id}").get_data(as_text=True)
    assert "延长日数（自然日）" in approval and "延长工作日数" not in approval
    done = maping.post(f"/tasks/{decide.id}/ops/extend", {"days": "10", "reason": "需委托技术鉴定"}, follow_redirects=True)
    assert "已延期" in done.get_data(as_text=True)
    assert "截止 2026-10-19 23:59" in lidong.get(f"/tasks/{decide.id}").get_data(as_text=True)

    s.at("2026-10-25 10:00")
    client = app.test_client()
    token = client.post("/api/v1/token", json={"id": "lidong", "password": DEMO_PASSWORD}).get_json()["token"]
    shown = client.get(f"/api/v1/tasks/{decide.id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (shown["deadline_text"], shown["limit_unit"], shown["light"]) == ("已超期 6 日", "calendar", "red")
