"""In a real browser: an administrator opens a running P4 escalation matter and sees the active rung
highlighted on the diagram, with the completed steps marked done."""
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine import Liandong
from engine.clock import FrozenClock
from tests.test_browser import ARTIFACTS, CHROMIUM, sign_in
from web import create_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture
def p4_server(tmp_path, processes_template):
    target = tmp_path / "admin.sqlite3"
    shutil.copy(processes_template, target)
    clock = FrozenClock("2026-11-23 09:30")
    app = create_app({"DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "browser-admin", "CLOCK": clock})
    with app.extensions["liandong_sessions"]() as session, session.begin():
        engine = Liandong(session, clock)
        matter = engine.runtime.start("p4_communication_ladder", {
            "subject": "危化品经营许可变更后的监管衔接", "sending_department": "approval_bureau.market",
            "receiving_department": "market_bureau", "start_rung": "phone",
            "matter_description": "许可变更后经营场所迁址，需明确新址的日常监管责任。"}, "sunli")
        matter_id = matter.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", matter_id
    server.shutdown()
    app.extensions["liandong_engine"].dispose()


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
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(Path(ARTIFACTS) / "admin_p4_instance.png"), full_page=True)
