"""In a real browser (Playwright driving Debian's chromium): an approval section's liaison starts P1,
a supervision department's liaison finds the push in the inbox and acknowledges it, and a person from
another department who opens that task's address is refused. Screenshots go to test-artifacts/."""
import pytest

from engine.forms import uscc_with_check
from tests.browser_support import make_app, needs_chromium, serving, shot, sign_in

pytestmark = needs_chromium


@pytest.fixture
def live_server(tmp_path, processes_template):
    with serving(make_app(tmp_path, processes_template)) as base:
        yield base


def choose(page, name, value):
    """Pick an option whether the form drew it as a drop-down or as radio buttons."""
    if page.locator(f"select[name={name}]").count():
        page.select_option(f"select[name={name}]", value)
    else:
        page.check(f"input[name={name}][value='{value}']")


def test_liaison_starts_p1_and_the_department_liaison_acknowledges_it(page, live_server):
    base = live_server
    sign_in(page, base, "sunli")
    page.goto(f"{base}/start")
    page.click("text=审批结果推送")
    page.fill("[name=subject]", "食品经营许可")
    page.fill("[name=enterprise_name]", "鞍山市示例餐饮有限公司")
    page.fill("[name=credit_code]", uscc_with_check("91210300MA0Q12345"))
    choose(page, "sector", "food")
    choose(page, "approval_section", "approval_bureau.market")
    page.fill("[name=concluded_at]", "2026-11-20T10:00")
    page.check("input[name=departments][value=market_bureau]")
    page.click("button[type=submit]:has-text('发起')")
    assert "推送审批结果" in page.content()

    page.goto(f"{base}/")
    page.click("text=推送审批结果")
    page.fill("[name=approval_document_no]", "鞍审批准字〔2026〕118号")
    choose(page, "approval_result", "granted")
    page.fill("[name=approval_documents]", "营业执照、食品经营许可证")
    page.click("button[type=submit]:has-text('提交')")
    assert "接收审批结果" in page.content() and "朱玲" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    assert "接收审批结果" in page.content()
    shot(page, "inbox_zhuling")
    page.click("text=接收审批结果")
    task_url = page.url
    assert "视为已接收" in page.content()
    shot(page, "task_receive_push")
    page.click("button[type=submit]:has-text('提交')")  # nothing ticked: refused with messages
    assert "请选择“拟采取的监管方式”" in page.content()
    page.check("input[name=confirmed]")
    choose(page, "supervision_measure", "routine")
    choose(page, "risk_level", "low")
    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_url("**/tasks/*/done")  # content() while the redirect loads can be empty
    assert "“接收审批结果”已办理完成" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "gaoyan")  # emergency bureau: not pushed to, not a candidate
    response = page.goto(task_url)
    assert response.status in (403, 404)
    shot(page, "wrong_user_refused")
