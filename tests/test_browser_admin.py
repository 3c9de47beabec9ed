"""In a real browser: an administrator opens a running P4 escalation matter and sees the active rung
highlighted on the diagram, with the completed steps marked done."""
import pytest

from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in

pytestmark = needs_chromium


@pytest.fixture
def p4_server(tmp_path, processes_template):
    def prepare(engine):
        return engine.runtime.start("p4_communication_ladder", {
            "subject": "危化品经营许可变更后的监管衔接", "sending_department": "approval_bureau.market",
            "receiving_department": "market_bureau", "start_rung": "phone",
            "matter_description": "许可变更后经营场所迁址，需明确新址的日常监管责任。"}, "sunli").id
    with serving_prepared(tmp_path, processes_template, prepare) as (base, matter_id):
        yield base, matter_id


def test_admin_sees_the_active_rung_highlighted(page, p4_server):
    base, matter_id = p4_server
    sign_in(page, base, "admin")
    page.goto(f"{base}/admin/instances/{matter_id}")
    page.wait_for_selector("#diagram[data-ready=true]")
    active = page.eval_on_selector_all(".djs-element.ld-active", "els => els.map(e => e.dataset.elementId)")
    done = page.eval_on_selector_all(".djs-element.ld-done", "els => els.map(e => e.dataset.elementId)")
    open_task = page.evaluate("""() => {
        const el = document.querySelector('.djs-element.ld-active.djs-shape');
        return el ? el.textContent : '';
    }""")
    assert active, "no element marked active"
    assert any(a.startswith(("phone", "call", "record", "make")) or "phone" in a for a in active), active
    assert done, "nothing marked done before the phone rung"
    assert open_task
    shot(page, "admin_p4_instance")


def test_a_refused_repair_keeps_what_the_administrator_typed(page, tmp_path, processes_template):
    """改派 of P3's answer step (003 §2(3)) to an account that does not exist: the console comes back with
    the refusal beside that step's form and the account and reason as typed; corrected, it is done."""
    from tests.browser_support import serving_p3

    with serving_p3(tmp_path, processes_template) as (base, matter_id, ids):
        sign_in(page, base, "admin")
        page.goto(f"{base}/admin/instances/{matter_id}")
        page.fill("input[name=to]", "linna2")
        page.fill("input[name=reason]", "朱玲休假两周")
        page.click("button:has-text('改派')")
        assert "改派失败：目录中没有人员“linna2”" in page.inner_text("body")
        assert page.input_value("input[name=to]") == "linna2"
        assert page.input_value("input[name=reason]") == "朱玲休假两周"
        shot(page, "admin_repair_kept")
        page.fill("input[name=to]", "linna")
        page.click("button:has-text('改派')")
        assert "任务已改派" in page.inner_text("body")
        assert page.input_value("input[name=to]") == ""
