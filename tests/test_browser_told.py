"""In a real browser: holders are told what happens to their matter (issue 19 item 7), on P3 (商请,
003 §2(3)). 赵敏, the starter's section head, 挂起 the matter: 朱玲 is notified with the reason, her inbox
marks the step 已挂起 and the step shows a 已挂起 banner before she tries to submit. 赵敏 激活 it: 朱玲 is told.
The administrator 改派 the step to 林娜: both are told. 赵敏 终止 the matter: 林娜, who holds it now, is told."""
import pytest

from tests.browser_support import needs_chromium, serving_p3, shot, sign_in

pytestmark = needs_chromium


@pytest.fixture
def p3_waiting(tmp_path, processes_template):
    with serving_p3(tmp_path, processes_template) as (base, matter_id, ids):
        yield base, matter_id, ids["answer"]


def matter_operation(page, base, matter_id, name, reason=None, confirm=False):
    page.goto(f"{base}/matters/{matter_id}")
    page.click(f"#op-{name} summary")
    if reason:
        page.fill(f"#op-{name} textarea[name=reason]", reason)
    asked = []
    if confirm:  # the browser asks before an operation that cannot be undone
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click(f"#op-{name} button[type=submit]")
    return asked


def notes(page):
    page.click("nav >> text=消息通知")
    return page.locator("main table").inner_text()


def test_holders_are_told_of_suspension_resumption_reassignment_and_termination(page, p3_waiting):
    base, matter_id, task_id = p3_waiting
    sign_in(page, base, "zhaomin")
    matter_operation(page, base, matter_id, "suspend", "等待企业补充说明材料")
    assert "事项已挂起" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    assert "已挂起" in page.locator("tr", has_text="答复商请").inner_text()  # in her 待办
    assert "事项已挂起" in notes(page) and "等待企业补充说明材料" in notes(page)
    page.goto(f"{base}/tasks/{task_id}")
    banner = page.locator(".notice.suspended")
    assert "已挂起" in banner.inner_text() and "赵敏" in banner.inner_text() and "等待企业补充说明材料" in banner.inner_text()
    shot(page, "told_suspended_task")
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhaomin")
    matter_operation(page, base, matter_id, "resume")
    page.click("button:has-text('退出')")
    sign_in(page, base, "zhuling")
    assert "事项已激活" in notes(page)
    page.goto(f"{base}/tasks/{task_id}")
    assert page.locator(".notice.suspended").count() == 0
    page.click("button:has-text('退出')")

    sign_in(page, base, "admin")
    page.goto(f"{base}/admin/instances/{matter_id}")
    page.fill("input[name=to]", "linna")
    page.fill("input[name=reason]", "朱玲休假")
    page.click("button:has-text('改派')")
    page.click("button:has-text('退出')")
    sign_in(page, base, "zhuling")
    assert "改派" in notes(page) and "朱玲休假" in notes(page)
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhaomin")
    asked = matter_operation(page, base, matter_id, "terminate", "企业已注销，商请事项不再需要", confirm=True)
    assert asked and "所有未办结的步骤和定时器都将关闭" in asked[0] and "不能恢复" in asked[0]  # asked first
    page.click("button:has-text('退出')")
    sign_in(page, base, "linna")
    told = notes(page)
    assert "改派" in told and "事项已终止" in told and "企业已注销" in told
    shot(page, "told_notifications")
