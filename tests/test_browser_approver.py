"""In a real browser: approvers see what they approve first (issue 19 item 10), on P4's OA rung (003 §2(4)3:
"经请示审批与监管部门分管领导同意后，可通过OA办公系统进行书面沟通"). 赵敏 drafts the OA message in two
paragraphs; 刘红 opens her approval and reads the draft above her form, paragraphs kept. She asks 王建国
for an opinion first (前加签); 王建国 opens the step, is told he was asked to sign, finds 签署意见 open, and
signs."""
import pytest

from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in
from tests.test_p04_communication_ladder import start_data

pytestmark = needs_chromium
DRAFT = "一、新址位于铁西区，请贵局明确日常监管责任。\n二、请于三个工作日内书面答复。"


@pytest.fixture
def oa_drafted(tmp_path, processes_template):
    def prepare(e):
        matter = e.runtime.start("p4_communication_ladder", start_data(start_rung="oa"), "sunli")
        draft = e.tasks.of_instance(matter.id, open_only=True)[0]
        e.tasks.complete(draft.id, "zhaomin", {"oa_title": "关于新址监管责任的函商", "oa_content": DRAFT}, draft.revision)
        return e.tasks.of_instance(matter.id, open_only=True)[0].id
    with serving_prepared(tmp_path, processes_template, prepare) as (base, approve):
        yield base, approve


def test_the_approver_reads_the_draft_first_and_a_cosigner_signs(page, oa_drafted):
    base, task_id = oa_drafted
    sign_in(page, base, "liuhong")
    page.goto(f"{base}/tasks/{task_id}")
    review = page.locator("#review")
    assert "起草OA" in review.inner_text() or "赵敏" in review.inner_text()
    assert "关于新址监管责任的函商" in review.inner_text()
    assert "明确日常监管责任。\n二、请于三个工作日内" in review.inner_text()  # the paragraphs are kept
    form = page.locator("form.task-form")
    assert review.bounding_box()["y"] < form.bounding_box()["y"]  # the draft comes before the decision
    shot(page, "approver_reads_draft")
    page.click("#op-add_signers summary")
    page.select_option("#op-add_signers select[name=people]", "wangjianguo")
    page.select_option("#op-add_signers select[name=position]", "before")
    page.click("#op-add_signers button[type=submit]")
    assert "已加签" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "wangjianguo")
    page.goto(f"{base}/tasks/{task_id}")
    assert "您被加签" in page.content() and "可以查看但不能办理" not in page.content()
    assert page.locator("#op-sign").get_attribute("open") is not None
    assert "关于新址监管责任的函商" in page.locator("#review").inner_text()
    shot(page, "approver_cosigner")
    page.fill("#op-sign textarea[name=opinion]", "同意发出")
    page.click("#op-sign button[type=submit]")
    assert "已签署意见" in page.content()
