"""In Chromium: a P11 decision limit that runs into a year without an official holiday schedule reads 暂定
on the officer's inbox, the task page and the case details, and reads firm once the schedule is imported
(行政处罚法第六十条: 90 days from filing; 民法典第二百零三条: a last day that is a holiday moves to the next
working day)."""
import pytest
from playwright.sync_api import expect

from tests.browser_support import needs_chromium, serving, shot, sign_in
from tests.test_calendar import SCHEDULE_2027
from tests.test_p11_time_limits import filed_on_10_november, site, to_decision_in_november  # noqa: F401

pytestmark = needs_chromium


@pytest.fixture
def case_at_decision(site):  # noqa: F811 — the P11 tests' own site, imported above
    """A case filed on Tue 10 Nov 2026 at its decision step (李东), served live; yields (scenario, base URL,
    the decision task)."""
    s, app = site
    decide = to_decision_in_november(s, filed_on_10_november(s))
    with serving(app) as base:
        yield s, base, decide


def test_the_officer_sees_a_provisional_decision_limit_until_the_2027_schedule_is_imported(page, case_at_decision):
    s, base, decide = case_at_decision
    sign_in(page, base, "lidong")
    row = page.locator("tr", has_text="作出处罚决定")
    expect(row).to_contain_text("剩 84 日（暂定）")
    page.goto(f"{base}/tasks/{decide.id}")
    expect(page.get_by_text("截止 2027-02-08 23:59（暂定：所涉年度的法定节假日安排尚未公布）")).to_be_visible()
    limit = page.locator("dt", has_text="作出处罚决定期限（立案之日起90日）").locator("xpath=following-sibling::dd[1]")
    expect(limit).to_have_text("2027-02-08 23:59（暂定）")
    shot(page, "p11_provisional_decision_limit")

    s.run(lambda e: e.management.import_calendar(SCHEDULE_2027, "国务院办公厅2027年部分节假日安排", "admin"))
    page.reload()
    expect(limit).to_have_text("2027-02-12 23:59")  # Spring Festival 5–11 Feb: the next working day
    expect(page.locator("main")).not_to_contain_text("暂定")
    shot(page, "p11_decision_limit_after_import")
