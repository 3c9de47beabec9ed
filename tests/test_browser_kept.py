"""In a real browser: a refused submission keeps every typed value and says why beside the field (issue 19,
"bad input gets a clear Chinese error and loses nothing"), on P3 (商请, 003 §2(3)).

孙丽 starts a 商请 with a mistyped credit code: the form comes back with the error beside that field and
everything else as she typed it; a file whose content is not a PDF is refused beside 附件. 赵敏 挂起 the
matter, first forgetting the reason (asked for beside the field). 朱玲, who had her answer typed, submits:
refused because the matter is suspended, her answer still there. After 激活 she keeps the step open in
two tabs, 暂存 in one and submits from the other: refused as stale, nothing lost. She pastes an answer
longer than the one limit of free text (5000 characters): the count turns red, the server refuses it
beside the field, and her text stays for her to shorten."""
import pytest
from playwright.sync_api import expect

from engine.forms import uscc_with_check
from tests.browser_support import needs_chromium, serving_p3, shot, sign_in

pytestmark = needs_chromium
ANSWER = "该企业近一年无处罚记录。\n现场核查情况：经营场所与许可一致。"


@pytest.fixture
def p3_waiting(tmp_path, processes_template):
    with serving_p3(tmp_path, processes_template) as (base, matter_id, ids):
        yield base, matter_id, ids["answer"]


def fill_request(page, credit_code):
    page.fill("[name=subject]", "食品经营许可现场核查商请")
    page.fill("[name=enterprise_name]", "鞍山市示例餐饮有限公司")
    page.fill("[name=credit_code]", credit_code)
    page.select_option("select[name=requesting_side]", "approval_bureau.market")
    page.select_option("select[name=answering_side]", "market_bureau")
    page.check("input[name=request_type][value=opinion]")
    page.fill("[name=request_content]", "请提供该企业近三年的监管记录。\n如有处罚，请附文书编号。")


def assert_request_kept(page, credit_code):
    assert page.input_value("[name=subject]") == "食品经营许可现场核查商请"
    assert page.input_value("[name=credit_code]") == credit_code
    assert page.input_value("select[name=answering_side]") == "market_bureau"
    assert page.is_checked("input[name=request_type][value=opinion]")
    assert page.input_value("[name=request_content]") == "请提供该企业近三年的监管记录。\n如有处罚，请附文书编号。"


def answer(page, text):
    page.fill("textarea[name=answer_content]", text)
    page.check("input[name=cooperation_done][value=true]")
    page.click("form.task-form button[value=complete]")


def test_refused_submissions_keep_what_was_typed(page, browser, p3_waiting):
    base, matter_id, task_id = p3_waiting
    sign_in(page, base, "sunli")
    page.goto(f"{base}/start/p3_consultation_request")
    mistyped = "91210300MA0Y8K3L7Q"  # the last character should be P
    fill_request(page, mistyped)
    page.click("button[type=submit]:has-text('发起')")
    assert "校验位不正确" in page.inner_text("#field-credit_code")
    assert_request_kept(page, mistyped)
    shot(page, "kept_start_form")
    good = uscc_with_check("91210300MA0Y8K3L7")
    page.fill("[name=credit_code]", good)
    page.set_input_files("input[name=attachments]", files=[
        {"name": "检查记录.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}])
    assert page.inner_text("#field-attachments .file-names") == "已选择 1 个：检查记录.pdf"
    page.click("button[type=submit]:has-text('发起')")
    assert "内容与文件类型不符，请重新选择文件" in page.inner_text("#field-attachments")
    assert page.inner_text("#field-attachments .file-names") == "未选择文件"  # a browser cannot refill it
    assert_request_kept(page, good)
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    page.goto(f"{base}/tasks/{task_id}")
    head = browser.new_context(locale="zh-CN").new_page()  # 赵敏, at her own desk
    sign_in(head, base, "zhaomin")
    head.goto(f"{base}/matters/{matter_id}")
    head.click("#op-suspend summary")
    head.click("#op-suspend button[type=submit]")  # no reason
    assert head.locator("#op-suspend").get_attribute("open") is not None
    assert "请填写“挂起原因”" in head.inner_text("#op-suspend #field-reason")
    shot(head, "kept_operation_form")
    head.fill("#op-suspend textarea[name=reason]", "等待企业补充说明材料")
    head.click("#op-suspend button[type=submit]")
    expect(head.locator("body")).to_contain_text("事项已挂起")

    answer(page, ANSWER)  # typed before she knew
    expect(page.locator("body")).to_contain_text("提交失败：该事项已挂起，暂不能办理")
    assert page.input_value("textarea[name=answer_content]") == ANSWER
    assert page.is_checked("input[name=cooperation_done][value=true]")
    shot(page, "kept_suspended_task")
    head.goto(f"{base}/matters/{matter_id}")
    head.click("#op-resume summary")
    head.click("#op-resume button[type=submit]")
    expect(head.locator("body")).to_contain_text("事项已激活")

    page.goto(f"{base}/tasks/{task_id}")
    other_tab = page.context.new_page()
    other_tab.goto(f"{base}/tasks/{task_id}")
    other_tab.fill("textarea[name=answer_content]", "草稿")
    other_tab.click("form.task-form button[value=save]")
    expect(other_tab.locator("body")).to_contain_text("已暂存")
    answer(page, ANSWER)  # from the first tab, which has not seen the save
    expect(page.locator("body")).to_contain_text("提交失败")
    assert page.input_value("textarea[name=answer_content]") == ANSWER

    page.fill("textarea[name=answer_content]", "答" * 5001)
    count = page.locator("#field-answer_content .text-count")
    assert count.inner_text() == "5001/5000字，超出1字" and "over" in count.get_attribute("class")
    page.click("form.task-form button[value=complete]")
    assert "“答复内容”不能超过5000个字" in page.inner_text("#field-answer_content")
    assert len(page.input_value("textarea[name=answer_content]")) == 5001
    assert count.inner_text() == "5001/5000字，超出1字"  # the page as the server drew it says so too
    shot(page, "kept_too_long")
    answer(page, ANSWER)
    expect(page.locator("body")).to_contain_text("已办理完成")
