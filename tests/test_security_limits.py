"""Smaller findings of the attack pass (issue 16 item 11): sign-in limiting holds under parallel
guesses, drafts are BPMN diagrams, the command line starts matters only for people in the directory."""
import threading

import pytest
from sqlalchemy import func, select

from engine import cli
from engine.models import Draft
from tests.web_fixtures import deploy_web_processes
from web import auth, create_app

pytest_plugins = ["tests.web_fixtures"]


@pytest.fixture
def both_app(database_url, clock):
    deploy_web_processes(database_url, clock)
    application = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "CLOCK": clock})
    yield application
    application.extensions["liandong_engine"].dispose()


def test_forty_parallel_guesses_get_exactly_five_password_checks(both_app, monkeypatch):
    checks, lock = [], threading.Lock()
    real = auth.passwords.matches

    def counted(person, password):
        with lock:
            checks.append(password)
        return real(person, password)
    monkeypatch.setattr(auth.passwords, "matches", counted)
    statuses, start = [], threading.Barrier(40)

    def guess(i):
        client = both_app.test_client()
        start.wait()
        response = client.post("/api/v1/token", json={"id": "zhuling", "password": f"guess{i}"})
        with lock:
            statuses.append(response.status_code)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checks) == auth.MAX_FAILURES
    assert sorted(statuses) == [401] * 5 + [429] * 35


@pytest.mark.usefixtures("app")
def test_a_draft_must_be_a_bpmn_diagram(web, backdoor):
    owner = web("owner")
    before = backdoor.run(lambda e: e.db.scalar(select(func.count()).select_from(Draft)))
    for body in ('{"any": "json"}', "<html><body>x</body></html>", "<bpmn:definitions/>"):
        response = owner.post("/modeler/processes/w_review/drafts", {"xml": body})
        assert response.status_code == 422 and "草稿必须是 BPMN 流程图" in response.get_json()["error"]
    big = '<?xml version="1.0"?>' + " " * (2 * 1024 * 1024 + 1)
    assert owner.post("/modeler/processes/w_review/drafts", {"xml": big}).status_code == 413
    assert backdoor.run(lambda e: e.db.scalar(select(func.count()).select_from(Draft))) == before


def test_the_command_line_starts_nothing_for_a_person_not_in_the_directory(app, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    with pytest.raises(SystemExit):
        cli.main(["start", "w_review", "--user", "nobody", "--data", "{}"])
    assert "目录中没有人员“nobody”" in capsys.readouterr().err
