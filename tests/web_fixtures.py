"""flaskr-style fixtures for the web tests: an app over a copy of a template database with the web
test process (tests/data/web) deployed, a frozen clock, clients that sign in and post with CSRF tokens.

Test modules load these with `pytest_plugins = ["tests.web_fixtures"]`."""
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from engine import Liandong, db, forms
from engine.clock import FrozenClock
from engine.directory import DEMO_PASSWORD
from engine.models import Event, HumanTask
from web import create_app

WEB_DATA = Path(__file__).parent / "data" / "web"
USCC = forms.uscc_with_check("91210300MA0Q12345")
START = {"subject": "新建厂房联合勘验", "enterprise_name": "鞍山市示例机械有限公司", "credit_code": USCC,
         "department": "market_bureau"}
PREPARE = {"summary": "材料齐全", "site_date": "2026-09-30", "materials": ["license", "plan"], "staff_count": 3}


def deploy_web_processes(url: str, clock) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(WEB_DATA.glob("*.bpmn")) + sorted(WEB_DATA.glob("forms/*.json"))]
    eng = db.make_engine(url)
    try:
        with db.session_factory(eng)() as session, session.begin():
            Liandong(session, clock).repository.deploy(files)
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
def web_template(tmp_path_factory, engine_template) -> Path:
    """The engine template (tests/data processes) plus the web test process and its forms."""
    path = tmp_path_factory.getbasetemp() / "template_web.sqlite3"
    if not path.exists():
        shutil.copy(engine_template, path)
        deploy_web_processes(f"sqlite:///{path}", FrozenClock("2026-01-05 09:00"))
    return path


@pytest.fixture
def app(tmp_path, web_template, clock):
    target = tmp_path / "web.sqlite3"
    shutil.copy(web_template, target)
    application = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "test-secret",
                              "CLOCK": clock})
    yield application
    application.extensions["liandong_engine"].dispose()


class WebUser:
    """A browser session of one person: signs in, reads pages, posts forms with the CSRF token."""

    def __init__(self, app, person_id: str | None = None):
        self.client = app.test_client()
        self.person_id = person_id
        if person_id:
            self.login(person_id)

    def token(self) -> str:
        page = self.client.get("/login").get_data(as_text=True)
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def login(self, person_id: str, password: str = DEMO_PASSWORD):
        return self.post("/login", {"person_id": person_id, "password": password})

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        fields = dict(data or {})
        fields.setdefault("csrf_token", self.token())
        return self.client.post(url, data=fields, **kwargs)


@pytest.fixture
def web(app):
    """`web("zhuling")`: a signed-in browser session; `web()` a signed-out one."""
    return lambda person_id=None: WebUser(app, person_id)


class Backdoor:
    """Direct engine access for arranging a test and checking storage, one transaction per call."""

    def __init__(self, app):
        self.app = app
        self.factory = app.extensions["liandong_sessions"]

    def run(self, action):
        with self.factory() as session, session.begin():
            return action(Liandong(session, self.app.config["CLOCK"]))

    def start(self, by: str = "zhuling", data: dict | None = None) -> int:
        return self.run(lambda e: e.runtime.start("w_review", dict(data or START), by).id)

    def open_task(self, instance_id: int, spec_id: str) -> dict:
        def find(e):
            rows = [t for t in e.tasks.of_instance(instance_id, open_only=True) if t.spec_id == spec_id]
            assert len(rows) == 1, [t.spec_id for t in e.tasks.of_instance(instance_id, open_only=True)]
            t = rows[0]
            return {"id": t.id, "revision": t.revision, "assignee": t.assignee, "state": t.state,
                    "candidates": e.tasks.candidates(t.id)}
        return self.run(find)

    def task(self, task_id: int) -> HumanTask:
        return self.run(lambda e: e.tasks.get(task_id))

    def complete(self, task_id: int, by: str, data: dict) -> None:
        self.run(lambda e: e.tasks.complete(task_id, by, data, e.tasks.get(task_id).revision))

    def event_count(self) -> int:
        return self.run(lambda e: e.db.execute(select(func.count()).select_from(Event)).scalar_one())

    def events(self, instance_id: int, kind: str | None = None) -> list[Event]:
        return self.run(lambda e: e.history.events(instance_id, kind))


@pytest.fixture
def backdoor(app) -> Backdoor:
    return Backdoor(app)


@pytest.fixture
def sample() -> SimpleNamespace:
    """Valid form data: `sample.START`, `sample.PREPARE`, a valid credit code `sample.USCC`."""
    return SimpleNamespace(START=dict(START), PREPARE=dict(PREPARE), USCC=USCC)


@pytest.fixture
def at_inspection(backdoor) -> dict:
    """A matter whose group task 现场核查 waits for market_bureau's inspection staff (hujie, linna)."""
    matter = backdoor.start()
    prepare = backdoor.open_task(matter, "prepare")
    backdoor.complete(prepare["id"], "zhuling", PREPARE)
    return {"matter": matter, **backdoor.open_task(matter, "inspect")}
