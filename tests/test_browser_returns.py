"""In a real browser: 退回 and 撤回 keep the work (issue 19 item 4), on P3 (商请, 003 §2(3)).

孙丽 sends 朱玲's answer back with a reason. 朱玲's notification says 退回 (not a new task) and gives the
reason; her step opens with her answer filled in under a "已退回：…" banner. She corrects it and submits,
then thinks better of it and 撤回 it from 已办: the step reopens with what she had written. An office
operation the engine refuses (加签 with nobody chosen) shows its form still open with her choice kept, and
孙丽's refused 退回 keeps the step she chose."""

from playwright.sync_api import expect

from tests.browser_support import needs_chromium, shot, sign_in
from tests.test_browser_office import p3_answered  # noqa: F401 — the fixture: 朱玲 answered 孙丽's 商请

pytestmark = needs_chromium


def test_returned_and_taken_back_steps_open_with_their_values(page, p3_answered):  # noqa: F811
    base, ids = p3_answered
    sign_in(page, base, "sunli")
    page.goto(f"{base}/tasks/{ids['receive']}")
    page.click("#op-send_back summary")
    page.select_option("#op-send_back select[name=target]", str(ids["answer"]))
    page.click("#op-send_back button[type=submit]")  # no reason yet: refused
    assert page.locator("#op-send_back").get_attribute("open") is not None
    assert "请填写“退回原因”" in page.locator("#op-send_back #field-reason").inner_text()  # beside the field
    assert page.locator("#op-send_back select[name=target]").input_value() == str(ids["answer"])
    page.fill("#op-send_back textarea[name=reason]", "请补充近一年的处罚文书编号")
    page.click("#op-send_back button[type=submit]")
    expect(page.locator("body")).to_contain_text("已退回")  # waits out the redirect after the post
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    page.click("nav >> text=消息通知")
    note = page.locator("tr", has_text="请补充近一年的处罚文书编号")
    assert "退回" in note.inner_text() and "孙丽" in note.inner_text()
    assert page.locator("tr", has_text="答复商请").filter(has_text="新任务").count() == 0
    shot(page, "returns_notification")
    note.locator("a").click()
    banner = page.locator(".notice.returned")
    assert "已退回：" in banner.inner_text() and "请补充近一年的处罚文书编号" in banner.inner_text()
    assert page.locator("textarea[name=answer_content]").input_value() == "该企业近一年无处罚记录。"
    shot(page, "returns_sent_back_task")

    assert page.locator("#op-request_extension").count() == 0  # 003 §2(3): the 3-day answer is not extended
    page.click("#op-add_signers summary")
    page.select_option("#op-add_signers select[name=position]", "before")
    page.click("#op-add_signers button[type=submit]")  # nobody chosen: refused
    form = page.locator("#op-add_signers")
    assert form.get_attribute("open") is not None and "加签失败" in form.inner_text()
    assert form.locator("select[name=position]").input_value() == "before"
    shot(page, "returns_operation_error")

    page.fill("textarea[name=answer_content]", "该企业近一年无处罚记录，处罚文书编号：无。")
    page.click("button[type=submit]:has-text('提交')")
    page.click("nav >> text=已办")
    page.locator("tr", has_text="答复商请").locator("a:has-text('撤回')").click()
    page.click("#op-take_back button[type=submit]")
    assert "已撤回" in page.content()
    assert page.locator("textarea[name=answer_content]").input_value() == "该企业近一年无处罚记录，处罚文书编号：无。"
    assert "已撤回" in page.locator(".notice.returned").inner_text()
