"""In a real browser: 退回 and 加签 from the task page (P3, 003 §2(3)). 孙丽 sends 朱玲's answer back with a
reason; 朱玲 finds the step in her inbox again, asks her section head 徐明 for an opinion first (前加签),
and 徐明 signs it from 待我签署. Screenshots go to test-artifacts/."""
import pytest
from playwright.sync_api import expect

from tests.browser_support import needs_chromium, serving_p3, shot, sign_in

pytestmark = needs_chromium


@pytest.fixture
def p3_answered(tmp_path, processes_template):
    with serving_p3(tmp_path, processes_template, answered=True) as (base, matter_id, ids):
        yield base, ids


def test_send_back_and_add_a_signer_from_the_task_page(page, p3_answered):
    base, ids = p3_answered
    sign_in(page, base, "sunli")
    page.goto(f"{base}/tasks/{ids['receive']}")
    page.click("#op-send_back summary")
    page.select_option("#op-send_back select[name=target]", str(ids["answer"]))
    page.fill("#op-send_back textarea[name=reason]", "请补充近一年的处罚文书编号")
    shot(page, "office_send_back")
    page.click("#op-send_back button[type=submit]")
    expect(page.locator("body")).to_contain_text("已退回")  # waits out the redirect after the post
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    assert "答复商请" in page.content()  # back in her inbox
    page.goto(f"{base}/tasks/{ids['answer']}")
    assert "退回" in page.content() and "请补充近一年的处罚文书编号" in page.content()
    page.click("#op-add_signers summary")
    page.select_option("#op-add_signers select[name=people]", "xuming")
    page.select_option("#op-add_signers select[name=position]", "before")
    page.click("#op-add_signers button[type=submit]")
    expect(page.locator("body")).to_contain_text("已加签")
    assert "（待签署）" in page.content()
    assert "前加签：徐明" in page.inner_text("#history")  # the record says whom she asked to sign
    shot(page, "office_add_signer")
    page.click("button:has-text('退出')")

    sign_in(page, base, "xuming")
    page.goto(f"{base}/signing")
    page.click("a.button:has-text('签署意见')")
    assert page.locator("#op-sign").get_attribute("open") is not None  # 签署意见 from 待我签署 opens the form
    page.fill("#op-sign textarea[name=opinion]", "同意答复，处罚文书编号已核对")
    page.click("#op-sign button[type=submit]")
    expect(page.locator("body")).to_contain_text("已签署意见")
    assert "同意答复，处罚文书编号已核对" in page.content()
