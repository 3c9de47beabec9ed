"""Shared pieces of the browser tests: a real server over a copy of a template database, sign-in,
screenshots. Playwright drives Debian's chromium (conftest's browser_type_launch_args)."""
import contextlib
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine.clock import FrozenClock
from engine.directory import DEMO_PASSWORD
from web import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="Debian's chromium is not installed (.ci/run installs it)")


def make_app(tmp_path: Path, template: Path, clock: FrozenClock | None = None, **config):
    target = tmp_path / "browser.sqlite3"
    shutil.copy(template, target)
    return create_app({"DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "browser-test",
                       "CLOCK": clock or FrozenClock("2026-11-23 09:30"), **config})


@contextlib.contextmanager
def serving(app):
    """The app on a free loopback port, for as long as the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        app.extensions["liandong_engine"].dispose()


@contextlib.contextmanager
def serving_prepared(tmp_path: Path, template: Path, prepare, at: str = "2026-11-23 09:30", **config):
    """A live server over a copy of the template database where `prepare(engine)` has run, in one
    transaction, with the clock frozen at `at`. Yields (base URL, what `prepare` returned)."""
    from engine import Liandong

    clock = FrozenClock(at)
    app = make_app(tmp_path, template, clock, **config)
    with app.extensions["liandong_sessions"]() as session, session.begin():
        prepared = prepare(Liandong(session, clock))
    with serving(app) as base:
        yield base, prepared


@contextlib.contextmanager
def serving_p3(tmp_path: Path, template: Path, answered: bool = False):
    """A live server with one P3 商请 matter (003 §2(3)) 孙丽 started at 2026-11-23 09:30; `answered`:
    朱玲 has answered it. Yields (base URL, matter id, {"answer": task id[, "receive": task id]})."""
    from tests.test_office import ANSWER, request

    def prepare(engine):
        matter = engine.runtime.start("p3_consultation_request", request(), "sunli")
        answer = engine.tasks.of_instance(matter.id, open_only=True)[0]
        ids = {"answer": answer.id}
        if answered:
            engine.tasks.complete(answer.id, "zhuling", ANSWER, answer.revision)
            ids["receive"] = engine.tasks.of_instance(matter.id, open_only=True)[0].id
        return matter.id, ids
    with serving_prepared(tmp_path, template, prepare) as (base, (matter_id, ids)):
        yield base, matter_id, ids


def sign_in(page, base, person):
    page.goto(f"{base}/login")
    page.fill("[name=person_id]", person)
    page.fill("[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")


def start_p3_trial(page):
    """On a trial run's page of P3 (003 §2(3)): 孙丽 asks 市场监管局 for its opinion on an enterprise,
    and the matter starts in the trial database."""
    from engine.forms import uscc_with_check

    page.select_option("select[name=as_user]", "sunli")
    page.fill("[name=subject]", "食品经营许可现场核查商请")
    page.fill("[name=enterprise_name]", "鞍山市示例餐饮有限公司")
    page.fill("[name=credit_code]", uscc_with_check("91210300MA0Q12345"))
    page.select_option("select[name=requesting_side]", "approval_bureau.market")
    page.select_option("select[name=answering_side]", "market_bureau")
    page.check("input[name=request_type][value=opinion]")
    page.fill("[name=request_content]", "请提供该企业近三年的监管记录。")
    page.click("#sandbox-start button[type=submit]")
    page.wait_for_selector(".sandbox-task[data-spec='answer_request']")


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
