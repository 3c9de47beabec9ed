"""Shared fixtures: databases made once per run from a bootstrapped template, a frozen clock,
engines on SQLite (always) and PostgreSQL (where a server answers), and the scenario driver."""
import os
import tempfile
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine import Liandong, db
from engine.bootstrap import PROCESSES, bootstrap
from engine.clock import FrozenClock
from tests import path_coverage
from tests.scenario import CliScenario, Scenario

TEST_DATA = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("LIANDONG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# The tests' own identity key (engine/sealing.py), inherited by the worker processes some tests start:
# nothing is written to instance/identity.key of the checkout.
# Demo signing keys of the issuing authorities, made once and shared by the test processes.
os.environ.setdefault("LIANDONG_AUTHORITY_KEYS", os.path.join(tempfile.gettempdir(), "liandong-test-authority-keys"))
os.environ.setdefault("LIANDONG_IDENTITY_KEY", "bGlhbmRvbmctdGVzdHMtaWRlbnRpdHkta2V5LTMyYnk=")


def _sqlite_template(tmp_path_factory, name: str, processes: Path) -> Path:
    path = tmp_path_factory.getbasetemp() / f"template_{name}.sqlite3"
    if not path.exists():
        bootstrap(f"sqlite:///{path}", processes, FrozenClock("2026-01-05 09:00"))
    return path


@pytest.fixture(scope="session")
def engine_template(tmp_path_factory) -> Path:
    """Schema, calendar, directory and the small test processes of tests/data."""
    return _sqlite_template(tmp_path_factory, "engine", TEST_DATA)


@pytest.fixture(scope="session")
def processes_template(tmp_path_factory) -> Path:
    """Schema, calendar, directory and every bundled process under processes/."""
    return _sqlite_template(tmp_path_factory, "processes", PROCESSES)


def _sqlite_copy(template: Path, tmp_path: Path) -> str:
    target = tmp_path / "liandong.sqlite3"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


def pg_available() -> bool:
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with eng.connect():
            pass
        eng.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_template():
    """A PostgreSQL template database with the test processes; skipped where no server answers."""
    if not pg_available():
        pytest.skip("no PostgreSQL server answers at 127.0.0.1:5432 (set LIANDONG_TEST_PG to point elsewhere)")
    name = f"liandong_tpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    bootstrap(url, TEST_DATA, FrozenClock("2026-01-05 09:00"))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pg_copy(template: str):
    name = f"liandong_t_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    return admin, name, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, engine_template):
    """A fresh database with the test processes, on each backend."""
    if request.param == "sqlite":
        yield _sqlite_copy(engine_template, tmp_path)
        return
    template = request.getfixturevalue("pg_template")
    admin, name, url = pg_copy(template)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock("2026-09-28 09:00")


@pytest.fixture
def session_factory(database_url):
    eng = db.make_engine(database_url)
    yield db.session_factory(eng)
    eng.dispose()


@pytest.fixture
def engine_scenario(session_factory, clock) -> Scenario:
    """Scenario over the small test processes, on SQLite and PostgreSQL."""
    return Scenario(session_factory, clock)


@pytest.fixture(params=["warm", "cold"])
def matters(request, tmp_path, engine_template) -> Scenario:
    """Scenario over the small test processes (tests/data, SQLite), warm (one process keeps its caches)
    and cold (every action as in a freshly started process). A test module may define its own `matters`."""
    eng = db.make_engine(_sqlite_copy(engine_template, tmp_path))
    yield Scenario(db.session_factory(eng), FrozenClock("2026-09-28 09:00"), cold=request.param == "cold")
    eng.dispose()


def pytest_generate_tests(metafunc):
    """Scenario tests run warm and cold; those marked `across_processes` also through the real CLI."""
    if "scenario" in metafunc.fixturenames:
        modes = ["warm", "cold"]
        if metafunc.definition.get_closest_marker("across_processes"):
            modes.append("cli")
        metafunc.parametrize("scenario", modes, indirect=True)


@pytest.fixture
def scenario(request, tmp_path, processes_template) -> Scenario:
    """Scenario over the bundled procedures (SQLite file, like `make run`): warm (one process keeps its
    caches), cold (every action as in a freshly started process) or cli (every action a CLI process)."""
    url = _sqlite_copy(processes_template, tmp_path)
    eng = db.make_engine(url)
    clock = FrozenClock("2026-09-28 09:00")
    if request.param == "cli":
        driver = CliScenario(db.session_factory(eng), url, clock)
    else:
        driver = Scenario(db.session_factory(eng), clock, cold=request.param == "cold")
    yield driver
    path_coverage.record(driver.session_factory, driver.clock)
    eng.dispose()


@pytest.hookimpl(optionalhook=True)  # an xdist hook: the run also works without xdist
def pytest_testnodedown(node):
    """Under pytest-xdist each worker reaches part of the diagrams: the controller gathers their parts."""
    path_coverage.REACHED.update(tuple(pair) for pair in node.workeroutput.get("reached", []))


def pytest_sessionfinish(session, exitstatus):
    """With LIANDONG_PATH_COVERAGE=1, fail the run if a BPMN element was never reached (judged by the
    controller over every worker's part when the run is split across workers)."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["reached"] = sorted(path_coverage.REACHED)
        return
    if os.environ.get("LIANDONG_PATH_COVERAGE") != "1" or exitstatus != 0:
        return
    gaps = path_coverage.missing(PROCESSES)
    if gaps:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(f"BPMN path coverage: {len(gaps)} element(s) no scenario test reaches:", red=True)
        for process_id, element in gaps:
            reporter.write_line(f"  {process_id}: {element}", red=True)
        session.exitstatus = 1


@pytest.fixture
def session(session_factory):
    with session_factory() as s:
        yield s


@pytest.fixture
def engine(session, clock) -> Liandong:
    return Liandong(session, clock)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright drives Debian's chromium: no browser download exists here.

    Chromium on Linux takes its interface language from LANGUAGE (--lang is ignored there): with
    Debian's chromium-l10n it then draws date fields as 年/月/日 and the file picker as 选择文件, as a
    civil servant's Chinese browser does. Without that package it falls back to English."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "env": {**os.environ, "LANGUAGE": "zh_CN"},
        "args": ["--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-gpu"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Pages are asked for in Chinese (navigator.language, Accept-Language), as in an office."""
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture
def page(page):
    """pytest-playwright's page, whose content() waits out a navigation in flight.

    Right after a form post the browser may be between documents, and content() then answers ''
    (seen under load); a test reading that would fail for no fault of the product."""
    read = page.content

    def settled_content() -> str:
        html = ""
        for _ in range(100):  # up to ~5 s of the browser's own waiting
            page.wait_for_load_state("domcontentloaded")
            try:
                html = read()
            except Exception:  # "execution context was destroyed": the next document is loading
                html = ""
            if "</body>" in html:
                return html
            page.wait_for_timeout(50)
        return html

    page.content = settled_content
    return page
