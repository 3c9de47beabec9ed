"""In a real browser: the lists an office worker looks for beside 待办 (issue 19 item 2), on P3 (商请,
003 §2(3): "被商请部门应在3个工作日内答复"). 朱玲 answers one request and finds it under 已办; 孙丽 follows
both of her requests under 我发起的; a week later 督查室's 杜鑫 opens 超期督办, sees the unanswered one
with its department and holder, and 催办 it from the list (003 §3(3)); 朱玲 reads the 催办 in 消息通知.
Screenshots go to test-artifacts/."""
import pytest

from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in
from tests.test_office import ANSWER, request

pytestmark = needs_chromium


@pytest.fixture
def two_requests(tmp_path, processes_template):
    def prepare(engine):
        answered = engine.runtime.start("p3_consultation_request", request(), "sunli")
        answer = engine.tasks.of_instance(answered.id, open_only=True)[0]
        engine.tasks.complete(answer.id, "zhuling", ANSWER, answer.revision)
        waiting = engine.runtime.start("p3_consultation_request",
                                       {**request(), "subject": "商请核实某药店经营范围"}, "sunli")
        late = engine.tasks.of_instance(waiting.id, open_only=True)[0]
        engine.clock.set("2026-12-01 10:00")  # the 3 working days ended on 26 November
        return {"answered": answered.id, "waiting": waiting.id, "late": late.id}
    with serving_prepared(tmp_path, processes_template, prepare) as (base, ids):
        yield base, ids


def test_done_started_and_the_supervisors_late_list_with_a_reminder(page, two_requests):
    base, ids = two_requests
    sign_in(page, base, "zhuling")
    page.click("nav >> text=已办")
    assert "答复商请" in page.content() and "商请核实某公司食品经营许可现场核查情况" in page.content()
    assert "商请核实某药店经营范围" not in page.content()  # not done yet: it is still in 待办
    shot(page, "lists_done")
    page.click("button:has-text('退出')")

    sign_in(page, base, "sunli")
    page.click("nav >> text=我发起的")
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 2
    assert "商请核实某药店经营范围" in rows.nth(0).inner_text()  # newest first
    assert "已超期" in rows.nth(0).inner_text() and "朱玲" in rows.nth(0).inner_text()
    assert "接收商请答复" in rows.nth(1).inner_text()  # answered: now at 孙丽's receipt
    shot(page, "lists_started")
    assert page.locator("nav >> text=超期督办").count() == 0  # a liaison does not oversee
    page.goto(f"{base}/oversight/late")
    assert "无权" in page.content()
    page.goto(f"{base}/")
    page.click("button:has-text('退出')")

    sign_in(page, base, "duxin")
    page.click("nav >> text=超期督办")
    row = page.locator(f"#late-{ids['late']}")
    assert "答复商请" in row.inner_text() and "市市场监督管理局" in row.inner_text()
    assert "已超期" in row.inner_text() and "朱玲" in row.inner_text()
    answered = page.locator("table.table tbody tr", has_text="商请核实某公司食品经营许可现场核查情况")
    assert "答复商请" not in answered.inner_text()  # answered in time; only 孙丽's receipt of it is late
    row.locator("input[name=message]").fill("请于今日内答复商请")
    shot(page, "lists_late")
    row.locator("button:has-text('催办')").click()
    assert "已催办" in page.content() and "超期督办" in page.locator("h1").inner_text()
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    page.click("nav >> text=消息通知")
    assert "催办" in page.content() and "请于今日内答复商请" in page.content()
