"""In a real browser: 转办 by the section head (issue 19 item 5; shared/office-conventions.md "转办: A hands
the task to B; B decides"), on P3 (商请, 003 §2(3)). 朱玲, the market bureau's liaison, is away; her section
head 徐明 opens the department's 答复商请 and hands it to the bureau's enforcement officers (a post: whoever
holds it claims it), with a reason. 朱玲 is told, the step is gone from her 待办, 胡杰 finds it in 待认领
and claims it, and the 办理记录 says who transferred it to whom and why. 朱玲 herself, not a section head,
is offered no 转办."""
import pytest
from playwright.sync_api import expect

from tests.browser_support import needs_chromium, serving_p3, serving_prepared, shot, sign_in

pytestmark = needs_chromium


@pytest.fixture
def p3_waiting(tmp_path, processes_template):
    with serving_p3(tmp_path, processes_template) as (base, matter_id, ids):
        yield base, ids["answer"]


def test_the_section_head_transfers_a_task_to_another_post(page, p3_waiting):
    base, task_id = p3_waiting
    sign_in(page, base, "zhuling")
    page.goto(f"{base}/tasks/{task_id}")
    assert page.locator("#op-transfer").count() == 0  # 转办 is the section head's
    page.click("button:has-text('退出')")

    sign_in(page, base, "xuming")
    page.goto(f"{base}/tasks/{task_id}")
    page.click("#op-transfer summary")
    page.select_option("#op-transfer select[name=to_role]", "enforcement_officer@market_bureau")
    page.click("#op-transfer button[type=submit]")  # no reason: refused, the choice kept
    assert "请填写“转办原因”" in page.locator("#op-transfer #field-reason").inner_text()  # beside the field
    assert page.locator("#op-transfer select[name=to_role]").input_value() == "enforcement_officer@market_bureau"
    page.fill("#op-transfer textarea[name=reason]", "联络人朱玲外出培训一周，由执法队办理")
    shot(page, "transfer_form")
    page.click("#op-transfer button[type=submit]")
    assert "已转办" in page.content()
    record = page.locator("section.card", has_text="办理记录").inner_text()
    assert "转办" in record and "胡杰" in record and "联络人朱玲外出培训一周" in record
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    assert "答复商请" not in page.locator("main").inner_text()  # gone from her 待办
    page.click("nav >> text=消息通知")
    expect(page.locator("tr", has_text="联络人朱玲外出培训一周").filter(has_text="转办")).to_have_count(1)
    page.click("button:has-text('退出')")

    sign_in(page, base, "hujie")
    page.click("nav >> text=待认领")
    page.locator("tr", has_text="答复商请").locator("button:has-text('认领')").click()
    assert "已认领" in page.content()
    assert page.locator("textarea[name=answer_content]").count() == 1  # he may answer now
    shot(page, "transfer_claimed")


@pytest.fixture
def p3_claimed_by_hujie(tmp_path, processes_template):
    """The P3 answer handed by its section head to the market bureau's enforcement officers (胡杰, 林娜),
    and claimed by 胡杰."""
    from tests.test_office import request

    def prepare(engine):
        matter = engine.runtime.start("p3_consultation_request", request(), "sunli")
        answer = engine.tasks.of_instance(matter.id, open_only=True)[0]
        engine.office.transfer(answer.id, "xuming", "enforcement_officer@market_bureau", "联络人外出培训")
        engine.tasks.claim(answer.id, "hujie")
        return answer.id
    with serving_prepared(tmp_path, processes_template, prepare) as (base, task_id):
        yield base, task_id


def test_the_holder_hands_the_task_to_a_colleague_of_the_same_post(page, p3_claimed_by_hujie):
    """转交 (shared/office-conventions.md): 胡杰 passes the step he claimed to 林娜, who holds the same post.
    Its form, drawn from its declaration, refuses a missing reason beside the field and keeps the choice;
    then 林娜 holds the step and the 办理记录 says to whom and why."""
    base, task_id = p3_claimed_by_hujie
    sign_in(page, base, "hujie")
    page.goto(f"{base}/tasks/{task_id}")
    page.click("details.handover summary")
    page.select_option("details.handover select[name=to_user]", "linna")
    page.click("details.handover button[type=submit]")  # no reason: refused, the choice kept
    assert "请填写“转交原因”" in page.locator("details.handover #field-reason").inner_text()
    assert page.locator("details.handover select[name=to_user]").input_value() == "linna"
    page.fill("details.handover textarea[name=reason]", "本人出差，请林娜代为答复")
    shot(page, "hand_over_form")
    page.click("details.handover button[type=submit]")
    assert "已转交给 林娜" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "linna")
    page.goto(f"{base}/tasks/{task_id}")
    assert page.locator("textarea[name=answer_content]").count() == 1  # she may answer now
    record = page.locator("section.card", has_text="办理记录").inner_text()
    assert "转交给 林娜" in record and "本人出差，请林娜代为答复" in record
