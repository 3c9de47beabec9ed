"""In a real browser: 期限考核 counts one 催办 once (issue 19 item 9; 003 §3(3) "对落实制度不力、工作敷衍的部门
提请市政府予以问责": the figures held against a department must be exact).

市市场监督管理局 holds two steps: 答复商请 of a P3 商请 and 平台答复 of a P4 日常沟通. 督查室's 杜鑫 opens the 商请
step and 催办 it once. In 期限考核 the department's 商请 row counts one 催办, its 日常沟通 row none, and the whole
table one."""
import pytest

from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in
from tests.test_p03_consultation_request import request
from tests.test_p04_communication_ladder import start_data as p4_data

pytestmark = needs_chromium


@pytest.fixture
def two_steps_at_the_market_bureau(tmp_path, processes_template):
    def prepare(engine):
        consultation = engine.runtime.start("p3_consultation_request", request(), "sunli")
        ladder = engine.runtime.start("p4_communication_ladder", p4_data(), "sunli")
        send = engine.tasks.of_instance(ladder.id, open_only=True)[0]
        engine.tasks.complete(send.id, "sunli", {"platform_message": "请确认新址监管责任。"}, send.revision)
        return engine.tasks.of_instance(consultation.id, open_only=True)[0].id
    with serving_prepared(tmp_path, processes_template, prepare) as (base, answer):
        yield base, answer


def reminders(page) -> dict[tuple[str, str], str]:
    """(department, procedure) -> the 催办 figure of each row of the report's table."""
    headers = page.locator("table.table").first.locator("thead th").all_inner_texts()
    column = headers.index("催办")
    found = {}
    for row in page.locator("table.table").first.locator("tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        found[(cells[1], cells[2])] = cells[column]
    return found


def test_one_reminder_counts_once_on_the_row_of_its_step(page, two_steps_at_the_market_bureau):
    base, answer_id = two_steps_at_the_market_bureau
    sign_in(page, base, "duxin")
    page.goto(f"{base}/tasks/{answer_id}")
    page.click("#op-remind summary")
    page.fill("#op-remind textarea[name=message]", "请于今日内答复商请")
    page.click("#op-remind button[type=submit]")
    page.wait_for_selector(".flash-success")

    page.goto(f"{base}/admin/compliance")
    figures = reminders(page)
    assert figures[("市市场监督管理局", "商请")] == "1"
    assert figures[("市市场监督管理局", "审批与监管日常沟通")] == "0"
    assert sum(int(n) for n in figures.values()) == 1
    # each row says its state in words, and a step still in hand shows on the chart, not an empty bar
    states = page.locator("table.table").first.locator("tbody tr td:first-child").all_inner_texts()
    assert states and all(state.strip() in {"正常", "临期", "有超期"} for state in states), states
    market = page.locator(".bar-row", has_text="市市场监督管理局").first
    assert market.locator(".seg-open").inner_text() == "1" and "办理中（未超期）" in page.inner_text(".legend")
    shot(page, "compliance_one_reminder")
