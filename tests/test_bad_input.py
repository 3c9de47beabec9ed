"""Bad form and API input: wrong types, missing fields, oversized values, invalid credit codes,
unknown ids. Each is a clear 4xx with a Chinese message, and nothing changes."""
import pytest

from engine.directory import DEMO_PASSWORD

pytest_plugins = ["tests.web_fixtures"]


@pytest.fixture
def api(app):
    client = app.test_client()
    token = client.post("/api/v1/token", json={"id": "zhuling", "password": DEMO_PASSWORD}).get_json()["token"]
    return client, {"Authorization": f"Bearer {token}"}


def state(backdoor, _matter: int, task_id: int):
    task = backdoor.task(task_id)
    return backdoor.event_count(), task.revision, task.state, task.draft


PREPARE = {"summary": "材料齐全", "site_date": "2026-09-30", "materials": ["license"], "staff_count": 3}
BAD_COMPLETIONS = [
    ({"revision": "0", "data": PREPARE}, 422, "revision"),
    ({"revision": True, "data": PREPARE}, 422, "revision"),
    ({"data": PREPARE}, 422, "revision"),
    ({"revision": 0}, 422, "data"),
    ({"revision": 0, "data": ["not", "an", "object"]}, 422, "data"),
    ({"revision": 0, "data": {**PREPARE, "staff_count": "three"}}, 422, "staff_count"),
    ({"revision": 0, "data": {**PREPARE, "staff_count": 10**30}}, 422, "staff_count"),
    ({"revision": 0, "data": {k: v for k, v in PREPARE.items() if k != "summary"}}, 422, "summary"),
    ({"revision": 0, "data": {**PREPARE, "summary": "长" * 100_000}}, 422, "summary"),
    ({"revision": 0, "data": {**PREPARE, "site_date": "2026-02-30"}}, 422, "site_date"),
    ({"revision": 0, "data": {**PREPARE, "site_date": "20260930"}}, 422, "site_date"),  # not YYYY-MM-DD
    ({"revision": 0, "data": {**PREPARE, "summary": "\u200b\u2060"}}, 422, "summary"),  # looks empty
    ({"revision": 0, "data": {**PREPARE, "branch_code": "91210300MA0Q123450"}}, 422, "branch_code"),
    ({"revision": 0, "data": {**PREPARE, "branch_code": "<script>alert(1)</script>"}}, 422, "branch_code"),
    ({"revision": 0, "data": {**PREPARE, "materials": ["license", "license"]}}, 422, "materials"),
    ({"revision": 0, "data": {**PREPARE, "unexpected": 1}}, 422, "_form"),
    ({"revision": 0, "data": {**PREPARE, "urgency": {"$ne": None}}}, 422, "urgency"),
    ({"revision": 7, "data": PREPARE}, 409, None),
]


@pytest.mark.parametrize("body, status, field", BAD_COMPLETIONS)
def test_bad_api_completion_is_refused_and_nothing_changes(api, backdoor, body, status, field):
    client, auth = api
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")["id"]
    before = state(backdoor, matter, task)
    response = client.post(f"/api/v1/tasks/{task}/complete", json=body, headers=auth)
    assert response.status_code == status, response.get_json()
    payload = response.get_json()
    assert payload["error"] and not payload["error"].isascii()
    if field:
        assert field in payload.get("errors", {}), payload
    assert state(backdoor, matter, task) == before


@pytest.mark.parametrize("raw, content_type", [
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b"null", "application/json"),
    ("\u4e2d".encode("gbk"), "application/json"),
    (b"revision=0", "application/x-www-form-urlencoded"),
])
def test_malformed_bodies_are_422(api, backdoor, raw, content_type):
    client, auth = api
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")["id"]
    before = state(backdoor, matter, task)
    response = client.post(f"/api/v1/tasks/{task}/complete", data=raw, content_type=content_type, headers=auth)
    assert response.status_code == 422 and response.get_json()["error"]
    assert state(backdoor, matter, task) == before


def test_oversized_request_is_413(api, backdoor):
    client, auth = api
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")["id"]
    before = state(backdoor, matter, task)
    body = b'{"revision": 0, "data": {"summary": "' + b"x" * (5 * 1024 * 1024) + b'"}}'
    response = client.post(f"/api/v1/tasks/{task}/complete", data=body, content_type="application/json", headers=auth)
    assert response.status_code == 413
    assert state(backdoor, matter, task) == before


@pytest.mark.parametrize("method, url", [
    ("GET", "/api/v1/tasks/999999"), ("POST", "/api/v1/tasks/999999/complete"),
    ("POST", "/api/v1/tasks/999999/remind"), ("POST", "/api/v1/matters/999999/cancel"),
    ("GET", "/api/v1/tasks/99999999999999999999"), ("POST", "/api/v1/tasks/-1/complete"),
    ("GET", "/api/v1/tasks/abc"), ("GET", "/api/v1/nothing-here"),
])
def test_unknown_ids_and_paths_are_404_json(api, backdoor, method, url):
    client, auth = api
    before = backdoor.event_count()
    response = client.open(url, method=method, json={"revision": 0, "data": {}}, headers=auth)
    assert response.status_code == 404 and response.get_json()["error"]
    assert backdoor.event_count() == before


def test_bad_start_data_is_refused_with_field_messages(api, backdoor, sample):
    client, auth = api
    before = backdoor.event_count()
    for data, field in [({**sample.START, "credit_code": "91210300MA0Q12345X"}, "credit_code"),
                        ({**sample.START, "credit_code": 12345}, "credit_code"),
                        ({k: v for k, v in sample.START.items() if k != "subject"}, "subject"),
                        ({**sample.START, "subject": "长" * 100_000}, "subject")]:
        response = client.post("/api/v1/matters", json={"process": "w_review", "data": data}, headers=auth)
        assert response.status_code == 422, (field, response.get_json())
        assert field in response.get_json()["errors"]
    for process in ["nothing", "", None, ["w_review"], {"$gt": ""}]:
        response = client.post("/api/v1/matters", json={"process": process, "data": {}}, headers=auth)
        assert response.status_code in (403, 404, 422)
    assert backdoor.event_count() == before


@pytest.mark.usefixtures("sample")
def test_bad_page_form_input_is_refused_and_keeps_nothing(web, backdoor):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")["id"]
    before = state(backdoor, matter, task)
    holder = web("zhuling")
    for fields in [{"summary": "", "site_date": "2026-09-30", "materials": "license", "staff_count": "3"},
                   {"summary": "x", "site_date": "明天", "materials": "license", "staff_count": "3"},
                   {"summary": "x", "site_date": "2026-09-30", "materials": "weapons", "staff_count": "3"},
                   {"summary": "x", "site_date": "2026-09-30", "materials": "license", "staff_count": "-5"},
                   {"summary": "x" * 20_000, "site_date": "2026-09-30", "materials": "license", "staff_count": "3"},
                   {"summary": "x", "site_date": "2026-09-30", "materials": "license", "staff_count": "3",
                    "branch_code": "91210300MA0Q12345X"}]:
        response = holder.post(f"/tasks/{task}/complete", {**fields, "revision": "0"})
        assert response.status_code == 422, fields
        assert "表单填写有误" in response.get_data(as_text=True) or "有误" in response.get_data(as_text=True)
    for revision in ["99", "-1"]:  # (a page post without a revision skips the optimistic check)
        response = holder.post(f"/tasks/{task}/complete", {"summary": "x", "site_date": "2026-09-30",
                                                          "materials": "license", "staff_count": "3",
                                                          "revision": revision})
        assert response.status_code in (409, 422), revision
    assert state(backdoor, matter, task) == before
