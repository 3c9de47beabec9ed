"""In a real browser, the "also" list of issue 19. On P3 (商请, 003 §2(3)): 孙丽 follows her matter's diagram,
read-only with the done and current steps marked; her inbox and navigation work on a phone 390 px wide and
the administrator's pages do not run off its edge; submitting a step says it is working while documents
render; the site has an icon; the process owner finds 流程管理 in the navigation."""
import pytest

from tests.browser_support import needs_chromium, serving_p3, shot, sign_in

pytestmark = needs_chromium


@pytest.fixture
def p3(tmp_path, processes_template):
    with serving_p3(tmp_path, processes_template, answered=True) as (base, matter_id, ids):
        yield base, matter_id, ids["receive"]


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_diagram_phone_width_progress_icon_and_modeler_link(page, p3):
    base, matter_id, receive_id = p3
    sign_in(page, base, "sunli")
    page.goto(f"{base}/matters/{matter_id}")
    page.wait_for_selector("#diagram[data-ready=true]")
    assert page.locator(".djs-element.ld-done").count() > 0 and page.locator(".djs-element.ld-active").count() > 0
    assert page.locator(".djs-palette").count() == 0  # a viewer: nothing to edit
    shot(page, "also_matter_diagram")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(base + icon).ok and page.request.get(f"{base}/favicon.ico").ok

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/inbox/mine")
    assert fits(page)
    search = page.locator("input[name=q]").bounding_box()
    assert search["width"] >= 300  # the search box takes its own line, not a 50 px sliver beside 排序
    assert page.locator("nav.mainnav a", has_text="已办").is_visible() or page.locator("nav.mainnav").evaluate(
        "n => n.scrollWidth > n.clientWidth")  # the navigation scrolls sideways
    page.click("a.task-link:has-text('接收商请答复')")
    assert fits(page)
    shot(page, "also_phone_task")
    page.route("**/tasks/*/complete", lambda route: route.fulfill(status=204))  # no answer yet: the page waits
    page.click("form.task-form button[value=complete]")
    assert "正在提交办理" in page.locator("form.task-form .busy-note").inner_text()
    assert page.locator("form.task-form button[value=complete]").is_disabled()
    page.unroute("**/tasks/*/complete")
    page.goto(f"{base}/inbox/mine")
    shot(page, "also_phone_inbox")
    page.click("button:has-text('退出')")

    sign_in(page, base, "admin")
    for path in ("/admin/instances", f"/admin/instances/{matter_id}", "/admin/compliance", "/admin/calendar"):
        page.goto(base + path)
        assert fits(page), (path, page.evaluate("""() => [...document.querySelectorAll('body *')].filter(
            e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.mainnav, .subtabs') && !(e.parentElement && e.parentElement.closest('.card')))
            .slice(0, 6).map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))"""))
    shot(page, "also_phone_admin")
    page.click("button:has-text('退出')")

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, base, "owner")
    page.click("nav >> text=流程管理")
    assert page.url.endswith("/modeler/")
