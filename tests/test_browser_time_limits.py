"""In a real browser: a 延期 reaches the person who may approve it, and they approve it (issue 19 item 1).

P12 投诉举报 (000 §3(5) "及时受理并依法处理社会公众的投诉"): accepting a report is a limit owed to the reporter,
5 working days from its receipt on Mon 12 Oct (due Mon 19 Oct). 冯雪, who handles it, asks for 2 more
working days. The request goes to 马平, the deputy leader of 市应急管理局 (outside the section that owes
the limit); he finds it under 消息通知, opens the task from the link, sees what was asked and approves it; 冯雪's
deadline moves to Wed 21 Oct.
Her section head 何斌 is not offered the approval. Screenshots go to test-artifacts/."""
import pytest

from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in
from tests.test_office import P12, REPORT

pytestmark = needs_chromium


@pytest.fixture
def report_to_accept(tmp_path, processes_template):
    def prepare(engine):
        matter = engine.runtime.start(P12, dict(REPORT), "fengxue")
        return engine.tasks.of_instance(matter.id, open_only=True)[0].id
    with serving_prepared(tmp_path, processes_template, prepare, at="2026-10-13 08:30") as (base, task_id):
        yield base, task_id


def test_the_deputy_leader_approves_the_extension_from_the_notification(page, report_to_accept):
    base, task_id = report_to_accept
    sign_in(page, base, "fengxue")
    page.goto(f"{base}/tasks/{task_id}")
    assert "截止 2026-10-19" in page.inner_text(".task-deadline")
    page.click("#op-request_extension summary")
    page.fill("#op-request_extension input[name=days]", "2")
    page.fill("#op-request_extension textarea[name=reason]", "需向举报人核实线索来源")
    page.click("#op-request_extension button[type=submit]")
    assert "已提交延期申请" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "hebin")  # her section head may read the task, not approve its extension
    page.goto(f"{base}/tasks/{task_id}")
    assert page.locator("#op-extend").count() == 0
    page.click("button:has-text('退出')")

    sign_in(page, base, "maping")
    page.click("nav >> text=消息通知")
    note = page.locator("tr", has_text="需向举报人核实线索来源")
    assert "延期申请" in note.inner_text()
    shot(page, "extension_notification")
    note.locator("a").click()
    assert page.url.endswith(f"/tasks/{task_id}")
    text = page.inner_text("body")
    assert "已申请延期：请在下方“批准延期”或“不予延期”中作出决定" in text and "不能办理" not in text
    page.click("#op-extend summary")
    assert page.locator("#op-extend input[name=days]").input_value() == "2"
    assert page.locator("#op-extend textarea[name=reason]").input_value() == "需向举报人核实线索来源"
    shot(page, "extension_approve")
    page.click("#op-extend button[type=submit]")
    assert "已延期" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "fengxue")
    page.goto(f"{base}/tasks/{task_id}")
    assert "截止 2026-10-21" in page.inner_text(".task-deadline")  # 20 and 21 Oct more
    history = page.inner_text("#history")  # who approved, and by how much
    assert "批准延期" in history and "马平" in history and "延长 2 个工作日，原因：需向举报人核实线索来源" in history
    shot(page, "extension_approved")


def test_the_deputy_leader_refuses_the_extension_and_the_handler_reads_why(page, report_to_accept):
    """000 §3(5), office conventions: 冯雪 asks 马平 for 2 more working days; he refuses (不予延期) with his
    reason. Her task still ends on Mon 19 Oct, and her task page says who refused, when and why."""
    base, task_id = report_to_accept
    sign_in(page, base, "fengxue")
    page.goto(f"{base}/tasks/{task_id}")
    page.click("#op-request_extension summary")
    page.fill("#op-request_extension input[name=days]", "2")
    page.fill("#op-request_extension textarea[name=reason]", "需向举报人核实线索来源")
    page.click("#op-request_extension button[type=submit]")
    page.click("button:has-text('退出')")

    sign_in(page, base, "maping")
    page.goto(f"{base}/tasks/{task_id}")
    assert "“批准延期”或“不予延期”" in page.inner_text("body")
    page.click("#op-refuse_extension summary")
    page.fill("#op-refuse_extension textarea[name=reason]", "线索可经12350平台回拨核实，按期受理")
    page.click("#op-refuse_extension button[type=submit]")
    assert "已不予延期，期限不变" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "fengxue")
    page.goto(f"{base}/tasks/{task_id}")
    refusal = page.inner_text("#extension-refused")
    assert "线索可经12350平台回拨核实，按期受理" in refusal and "马平" in refusal and "办理期限不变" in refusal
    assert "截止 2026-10-19" in page.inner_text(".task-deadline")
    shot(page, "extension_refused")
