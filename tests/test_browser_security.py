"""In a real browser, under the site's Content-Security-Policy: every page with bpmn-js (the modeler
with its palette, context pad and properties panel, the diagram view, the diff, the administrator's
matter diagram, the compliance bars, the draft list's confirmation) and the staff pages work, and the
browser reports no CSP violation."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.models import Definition, Draft, HumanTask
from tests.browser_support import needs_chromium, serving_prepared, sign_in

BPMN_JS = Path(__file__).resolve().parent.parent / "node_modules" / "bpmn-js" / "dist"
pytestmark = [
    needs_chromium,
    pytest.mark.skipif(not BPMN_JS.is_dir(), reason="bpmn-js is not installed (make install runs npm ci)"),
]
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`));
"""


@pytest.fixture
def site(tmp_path, processes_template):
    def prepare(engine):
        session, clock = engine.db, engine.clock
        matter = engine.runtime.start("p4_communication_ladder", {
            "subject": "危化品经营许可变更后的监管衔接", "sending_department": "approval_bureau.market",
            "receiving_department": "market_bureau", "start_rung": "phone",
            "matter_description": "许可变更后经营场所迁址，需明确新址的日常监管责任。"}, "sunli")
        p3 = session.execute(select(Definition).where(
            Definition.kind == "bpmn", Definition.key == "p3_consultation_request")).scalar_one()
        draft = Draft(process_key=p3.key, base_definition_id=p3.id, content=p3.content, saved_by="owner",
                      saved_at=clock.now())
        session.add(draft)
        for task in session.execute(select(HumanTask).where(HumanTask.instance_id == matter.id)).scalars():
            task.due_at = clock.now() - timedelta(days=2)  # overdue: the compliance report draws a bar
        session.flush()
        return {"matter": matter.id, "p3": p3.id, "draft": draft.id}
    with serving_prepared(tmp_path, processes_template, prepare, SANDBOX_DIR=str(tmp_path / "sandboxes")) as (base, ids):
        yield base, ids


def visit(page, url, ready=None):
    response = page.goto(url)
    assert response.status == 200 and response.headers.get("content-security-policy"), url
    if ready:
        page.wait_for_selector(ready, timeout=15000)


def switch_to(page, base, person):
    page.context.clear_cookies()
    sign_in(page, base, person)
    page.wait_for_url(lambda url: "/login" not in url)


def test_pages_work_under_the_content_security_policy(page, site):
    base, ids = site
    problems = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("pageerror", lambda err: problems.append(str(err)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    sign_in(page, base, "owner")
    visit(page, f"{base}/modeler/")
    visit(page, f"{base}/modeler/processes/p3_consultation_request")
    visit(page, f"{base}/modeler/definitions/{ids['p3']}", "#viewer[data-ready='1']")
    assert page.locator("#viewer .djs-element").count() > 5
    violations = page.evaluate("window.__csp")
    visit(page, f"{base}/modeler/processes/p3_consultation_request/edit", "body[data-modeler-ready='1']")
    page.click("#canvas .djs-element[data-element-id='answer_request']")  # context pad and properties panel
    page.wait_for_selector(".djs-context-pad")
    page.wait_for_selector("#props[data-element='answer_request']")
    page.click(".djs-palette [data-action='create.task']")  # the palette's drag preview
    page.mouse.move(700, 600)
    page.mouse.click(700, 600)
    violations += page.evaluate("window.__csp")

    # deleting a draft still asks first (the confirmation was an inline handler the CSP refuses)
    visit(page, f"{base}/modeler/processes/p3_consultation_request")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click(f"form[action$='/drafts/{ids['draft']}/delete'] button")
    page.wait_for_timeout(300)
    assert asked == [f"删除草稿 {ids['draft']}？"]
    assert page.locator(f"form[action$='/drafts/{ids['draft']}/delete']").count() == 1  # kept
    violations += page.evaluate("window.__csp")

    switch_to(page, base, "admin")
    visit(page, f"{base}/admin/instances/{ids['matter']}", "#diagram[data-ready=true]")
    assert page.locator(".djs-element.ld-active").count() > 0
    violations += page.evaluate("window.__csp")
    visit(page, f"{base}/admin/compliance")
    bar = page.locator(".bar span").first
    assert bar.count() == 1 and bar.bounding_box()["width"] > 100  # its width comes from data-width
    violations += page.evaluate("window.__csp")

    switch_to(page, base, "sunli")
    visit(page, f"{base}/")
    violations += page.evaluate("window.__csp")
    assert violations == []
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
