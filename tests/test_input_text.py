"""No input reaches a 500 (issue 16 item 7): NUL bytes, lone surrogates, bidirectional override
controls, invisible-only subjects, parameters of the wrong type and numbers too large are refused
with a clear Chinese message and nothing is stored, on SQLite and on PostgreSQL (which refuses
NUL in text and INTEGER beyond 2³¹ itself, as a server error, when nothing stops them first)."""

import pytest
from sqlalchemy import func, select

from engine import Liandong, cli, db, input_text
from engine.directory import DEMO_PASSWORD
from engine.errors import FormInvalid
from engine.models import Event, Instance, LoginFailure
from tests.web_fixtures import START, WEB_DATA, WebUser, deploy_web_processes
from web import create_app

pytest_plugins = ["tests.web_fixtures"]


@pytest.fixture
def both_app(database_url, clock):
    """The web app with the web test process, on SQLite and on PostgreSQL."""
    deploy_web_processes(database_url, clock)
    application = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                              "CLOCK": clock})
    yield application
    application.extensions["liandong_engine"].dispose()


def count(app, model) -> int:
    with app.extensions["liandong_sessions"]() as session:
        return session.scalar(select(func.count()).select_from(model))


def token(app, person: str = "zhuling") -> dict:
    issued = app.test_client().post("/api/v1/token", json={"id": person, "password": DEMO_PASSWORD}).get_json()
    return {"Authorization": f"Bearer {issued['token']}"}


def refused(response, status: int = 422) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    if response.is_json:
        message = response.get_json()["error"]
        assert not message.isascii(), message
        return message + str(response.get_json().get("errors", ""))
    return body


def start(app, headers, **changes) -> int:
    response = app.test_client().post("/api/v1/matters", json={"process": "w_review", "data": {**START, **changes}},
                                      headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# --- the text rules, one module -------------------------------------------------------------
@pytest.mark.parametrize("value, reason", [
    ("a\x00b", "空字符"),
    ("a\ud800b", "无效的字符编码"),
    ("invoice\u202egpj.exe", "文字方向控制符"),
    ("\u2066隔离\u2069", "文字方向控制符"),
    ("a\x07b", "控制字符"),
])
def test_text_with_invisible_or_invalid_characters_is_refused(value, reason):
    with pytest.raises(FormInvalid) as err:
        input_text.text(value, "note", "备注")
    assert reason in err.value.errors["note"] and "备注" in err.value.errors["note"]


@pytest.mark.parametrize("value", ["\u200b\u200c\u200d", " \u3000 ", "\ufeff", "\u2060\u00ad"])
def test_a_subject_of_only_invisible_characters_is_empty(value):
    with pytest.raises(FormInvalid) as err:
        input_text.text(value, "subject", "事项名称", required=True)
    assert err.value.errors["subject"].startswith("请填写“事项名称”")


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": 1}])
def test_text_of_another_type_is_refused(value):
    with pytest.raises(FormInvalid) as err:
        input_text.text(value, "reason", "理由")
    assert err.value.errors["reason"] == "“理由”必须是文字"


def test_ordinary_text_passes_unchanged_and_lines_and_tabs_are_kept():
    assert input_text.text("  第一行\n\t第二行 emoji 😀 ", "note", "备注") == "第一行\n\t第二行 emoji 😀"
    assert input_text.text(None, "note", "备注") == ""


@pytest.mark.parametrize("value, ok", [(0, True), (365, True), (366, False), (-1, False), (10**20, False),
                                       ("3", True), ("3.5", False), (True, False), (None, False)])
def test_whole_numbers_are_bounded(value, ok):
    if ok:
        assert input_text.whole_number(value, "days", "天数", 0, 365) == int(value)
    else:
        with pytest.raises(FormInvalid) as err:
            input_text.whole_number(value, "days", "天数", 0, 365)
        assert "天数" in err.value.errors["days"]


@pytest.mark.parametrize("value, ok", [("2026-12-01", True), ("20261201", False), ("2026-W49-2", False),
                                       ("2026-02-30", False), ("２０２６-12-01", False)])
def test_dates_are_written_yyyy_mm_dd(value, ok):
    assert (input_text.iso_date(value) is not None) is ok


# --- the nine causes of a 500 found by the attack pass --------------------------------------
def test_a_nul_in_the_public_search_is_a_400_for_anybody(both_app):
    response = both_app.test_client().get("/public/results?q=%00")
    assert "空字符" in refused(response, 400)


def test_a_nul_in_the_token_request_is_refused_and_counts_nothing(both_app):
    client = both_app.test_client()
    response = client.post("/api/v1/token", json={"id": "zhu\x00ling", "password": "x"})
    assert "空字符" in refused(response, 400)
    response = client.post("/api/v1/token", json={"id": "zhuling", "password": "pw\x00"})
    assert "空字符" in refused(response, 400)
    assert count(both_app, LoginFailure) == 0


def test_a_lone_surrogate_is_refused(both_app):
    headers = token(both_app)
    before = count(both_app, Instance)
    raw = ('{"process": "w_review", "data": {"subject": "\\ud800", "enterprise_name": "x"}}').encode()
    response = both_app.test_client().post("/api/v1/matters", data=raw, headers=headers,
                                           content_type="application/json")
    assert "无效的字符编码" in refused(response, 400)
    assert count(both_app, Instance) == before


def test_a_nul_in_a_posted_page_form_is_refused(both_app):
    user = WebUser(both_app, "zhuling")
    response = user.post("/login", {"person_id": "zhuling\x00", "password": "x"})
    assert "空字符" in refused(response, 400)


@pytest.mark.parametrize("operation, body, field, by", [
    ("cancel", {"reason": 5}, "reason", "zhuling"),
    ("cancel", {"reason": ["撤销"]}, "reason", "zhuling"),
    ("suspend", {"reason": {"a": 1}}, "reason", "admin"),
])
def test_matter_operations_refuse_a_reason_that_is_not_text(both_app, operation, body, field, by):
    matter = start(both_app, token(both_app))
    events = count(both_app, Event)
    response = both_app.test_client().post(f"/api/v1/matters/{matter}/{operation}", json=body,
                                           headers=token(both_app, by))
    assert "必须是文字" in refused(response)
    assert response.get_json()["errors"][field]
    assert count(both_app, Event) == events


def _open_task(app, matter: int) -> dict:
    with app.extensions["liandong_sessions"]() as session:
        engine = Liandong(session, app.config["CLOCK"])
        [task] = engine.tasks.of_instance(matter, open_only=True)
        return {"id": task.id, "revision": task.revision}


@pytest.mark.parametrize("operation, body, by", [
    ("remind", {"message": {"$ne": 1}}, "admin"),
    ("remind", {"message": 12}, "admin"),
    ("delegate", {"to_user": ["hujie"], "note": "请办理"}, "zhuling"),
    ("delegate", {"to_user": {"$ne": ""}, "note": "请办理"}, "zhuling"),
    ("copy", {"people": [{"a": 1}]}, "zhuling"),
])
def test_task_operations_refuse_parameters_that_are_not_text(both_app, operation, body, by):
    matter = start(both_app, token(both_app))
    task = _open_task(both_app, matter)
    events = count(both_app, Event)
    response = both_app.test_client().post(f"/api/v1/tasks/{task['id']}/{operation}",
                                           json={**body, "revision": task["revision"]}, headers=token(both_app, by))
    assert "必须是文字" in refused(response)
    assert count(both_app, Event) == events


@pytest.mark.parametrize("days", [3_650_000, 10**12, 2**63, -5, 0])
def test_an_extension_of_millions_of_days_is_refused(both_app, days):
    headers = token(both_app)
    matter = start(both_app, headers)
    task = _open_task(both_app, matter)
    events = count(both_app, Event)
    response = both_app.test_client().post(f"/api/v1/tasks/{task['id']}/request_extension",
                                           json={"days": days, "reason": "材料复杂", "revision": task["revision"]},
                                           headers=headers)
    assert "延长工作日数" in refused(response)
    assert count(both_app, Event) == events


@pytest.mark.parametrize("subject, status", [("\u200b\u200b", 422), ("\u202e文件.exe", 400), ("\ufeff \u3000", 422)])
def test_an_empty_looking_or_direction_forged_subject_starts_nothing(both_app, subject, status):
    headers = token(both_app)
    before = count(both_app, Instance)
    response = both_app.test_client().post("/api/v1/matters", json={"process": "w_review",
                                                                    "data": {**START, "subject": subject}},
                                           headers=headers)
    assert "subject" in refused(response, status)
    assert count(both_app, Instance) == before


def test_the_trial_run_clock_refuses_unbounded_hours(app, web, tmp_path):
    app.config["SANDBOX_DIR"] = str(tmp_path / "sandboxes")
    owner = web("owner")
    draft = owner.post("/modeler/processes/w_review/drafts", {"xml": (WEB_DATA / "w_review.bpmn").read_text("utf-8")})
    box = owner.post(f"/modeler/drafts/{draft.get_json()['draft_id']}/sandbox")
    page = box.headers["Location"]
    for hours in (str(10**12), str(24 * 367), "-3"):
        response = owner.post(f"{page}/clock", {"hours": hours}, follow_redirects=True)
        assert response.status_code == 200, response.status_code
        assert "只能把时钟向后拨" in response.get_data(as_text=True)


@pytest.mark.parametrize("argv", [["complete", str(2**63), "--user", "zhuling", "--revision", "0"],
                                  ["complete", "1", "--user", "zhuling", "--revision", str(2**40)],
                                  ["complete", str(2**31), "--user", "zhuling", "--revision", "0"]])
def test_the_command_line_refuses_numbers_beyond_integer_columns(database_url, monkeypatch, capsys, argv):
    monkeypatch.setenv("DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "超出范围" in err


def test_the_command_line_refuses_a_nul_in_data(database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    with pytest.raises(SystemExit):
        cli.main(["start", "t_two_steps", "--user", "zhuling", "--data", '{"subject": "a\\u0000b"}'])
    assert "空字符" in capsys.readouterr().err
    eng = db.make_engine(database_url)
    with db.session_factory(eng)() as session:
        assert session.scalar(select(func.count()).select_from(Instance)) == 0
    eng.dispose()


