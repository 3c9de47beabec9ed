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
from engine.clock import FrozenClock, parse_local
from engine.directory import DEMO_PASSWORD
from tests.scenario import CliScenario, Scenario
from tests.supervision_helpers import end_of, uscc
from tests.web_fixtures import WebUser
from tests.test_p11_legal_review_catalogue import at_decision_filed_on_10_july
from tests.test_calendar import SCHEDULE_2027
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


def filed_on_10_november(s):
    """A case filed on Tue 10 Nov 2026: the 90 days of 行政处罚法第六十条 end on Mon 8 Feb 2027, a year without
    an official schedule yet, so whether 8 Feb is a holiday (民法典第二百零三条) is not known."""
    s.at("2026-11-10 10:00")
    m = start(s)
    file_and_investigate(s, m, returned_at="2026-11-10T09:30:00+08:00")
    return m


def to_decision_in_november(s, m):
    s.at("2026-11-16 09:00")
    m.complete("notify_proposed_penalty", by="luoyi", data={"notice_no": "鞍应急告〔2026〕80号", "served_on": "2026-11-16",
                                                           "defence_days": 5})
    m.complete("receive_statement", by="luoyi", data={"statement": "无异议", "hearing_requested": False,
                                                      "defence_status": "stated"})
    return m.task("decide_penalty")


def moved(m, name: str) -> list[tuple]:
    """(old, new, still provisional) of each deadline_recomputed event of `name`."""
    return [(parse_local(e["data"]["old"]), parse_local(e["data"]["new"]), e["data"]["provisional"])
            for e in m.events("deadline_recomputed") if e["name"] == name]


def import_2027(s, tmp_path) -> None:
    """The administrator imports the 2027 schedule: in this process, or as its own `liandong` process."""
    if isinstance(s, CliScenario):
        schedule = tmp_path / "2027.txt"
        schedule.write_text(SCHEDULE_2027, encoding="utf-8")
        s.cli("import-calendar", str(schedule), "--user", "admin")
    else:
        s.run(lambda e: e.management.import_calendar(SCHEDULE_2027, "测试", "admin"))


@pytest.mark.across_processes
def test_a_decision_limit_ending_in_a_year_without_a_schedule_is_provisional_and_recomputed(scenario, tmp_path):
    """Filed on Tue 10 Nov 2026, the 90 days (行政处罚法第六十条) end on Mon 8 Feb 2027 if that is a working day:
    the decision step carries that limit as provisional. The 2027 schedule then puts 5–11 Feb in the Spring
    Festival, so the last day moves to Fri 12 Feb (民法典第二百零三条), and the log says what moved. Filing, the
    decision step and the import may each be a process of their own."""
    s = scenario
    m = filed_on_10_november(s)
    assert m.data["decision_due"] == "2027-02-08T23:59:59+08:00"
    decide = to_decision_in_november(s, m)
    assert decide.due == end_of("2027-02-08") and decide.due_provisional

    import_2027(s, tmp_path)
    decide = m.task("decide_penalty")
    assert decide.due == end_of("2027-02-12") and not decide.due_provisional
    assert moved(m, "作出处罚决定") == [(end_of("2027-02-08"), end_of("2027-02-12"), False)]


def test_a_provisional_decision_limit_is_recomputed_before_the_step_that_carries_it_exists(scenario):
    """The 90 days (行政处罚法第六十条) of a case filed on 10 Nov 2026 are held in the case's data until the
    decision step: the 2027 schedule imported while the case is at its notice moves them from Mon 8 Feb to
    Fri 12 Feb (Spring Festival 5–11 Feb, 民法典第二百零三条), in the data and then on the decision step."""
    s = scenario
    m = filed_on_10_november(s)
    s.run(lambda e: e.management.import_calendar(SCHEDULE_2027, "测试", "admin"))
    assert m.data["decision_due"] == "2027-02-12T23:59:59+08:00"
    assert moved(m, "作出处罚决定期限（立案之日起90日）") == [(end_of("2027-02-08"), end_of("2027-02-12"), False)]
    decide = to_decision_in_november(s, m)
    assert decide.due == end_of("2027-02-12") and not decide.due_provisional
    s.run(lambda e: e.management.import_calendar(SCHEDULE_2027, "再次导入", "admin"))
    assert len(m.events("deadline_recomputed")) == 1  # nothing provisional is left to move


def decision_limit(page) -> str:
    """What the case page shows as 作出处罚决定期限（立案之日起90日）."""
    found = re.search(r"作出处罚决定期限（立案之日起90日）</dt><dd[^>]*>([^<]+)<", page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_the_case_page_shows_a_provisional_decision_limit_until_the_schedule_arrives(site):
    """Filed on Tue 10 Nov 2026, the 90 days (行政处罚法第六十条) end on Mon 8 Feb 2027 only if that day is not
    a holiday (民法典第二百零三条), which nobody knows before 2027's schedule: the case page says 暂定. Importing
    the schedule while the case is still at the notice moves the limit to Fri 12 Feb, logs the move, and the
    decision step made later carries the new limit, no longer provisional."""
    s, app = site
    m = filed_on_10_november(s)
    luoyi = WebUser(app, "luoyi")
    notify = m.task("notify_proposed_penalty")
    assert decision_limit(luoyi.get(f"/tasks/{notify.id}")) == "2027-02-08 23:59（暂定）"

    s.run(lambda e: e.management.import_calendar(SCHEDULE_2027, "测试", "admin"))
    assert decision_limit(luoyi.get(f"/tasks/{notify.id}")) == "2027-02-12 23:59"
    assert moved(m, "作出处罚决定期限（立案之日起90日）") == [(end_of("2027-02-08"), end_of("2027-02-12"), False)]
    decide = to_decision_in_november(s, m)
    assert decide.due == end_of("2027-02-12") and not decide.due_provisional


def test_a_provisional_decision_limit_reads_as_such_on_the_inbox_the_task_page_and_the_api(site):
    """The decision step of a case filed on 10 Nov 2026 (行政处罚法第六十条: 90 days, to Mon 8 Feb 2027 unless
    that is a holiday, 民法典第二百零三条) tells 李东 its limit is 暂定 — on his inbox light, the task page and
    the API — until the 2027 schedule is imported."""
    s, app = site
    m = filed_on_10_november(s)
    decide = to_decision_in_november(s, m)
    lidong = WebUser(app, "lidong")
    assert "剩 84 日（暂定）" in lidong.get("/inbox/mine").get_data(as_text=True)
    page = lidong.get(f"/tasks/{decide.id}")
    assert "截止 2027-02-08 23:59（暂定：所涉年度的法定节假日安排尚未公布）" in page.get_data(as_text=True)
    assert decision_limit(page) == "2027-02-08 23:59（暂定）"
    client = app.test_client()
    token = client.post("/api/v1/token", json={"id": "lidong", "password": DEMO_PASSWORD}).get_json()["token"]
    api = lambda: client.get(f"/api/v1/tasks/{decide.id}", headers={"Authorization": f"Bearer {token}"}).get_json()  # noqa: E731
    assert (api()["due_at"], api()["due_provisional"]) == ("2027-02-08T15:59:59+00:00", True)

    s.run(lambda e: e.management.import_calendar(SCHEDULE_2027, "测试", "admin"))
    assert (api()["due_at"], api()["due_provisional"]) == ("2027-02-12T15:59:59+00:00", False)
    assert "（暂定" not in lidong.get(f"/tasks/{decide.id}").get_data(as_text=True)
