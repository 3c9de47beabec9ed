"""The JSON API: tokens, listing, reading and completing tasks, starting matters, the OpenAPI document."""
from engine.directory import DEMO_PASSWORD

pytest_plugins = ["tests.web_fixtures"]


def token(client, person_id: str) -> dict:
    response = client.post("/api/v1/token", json={"id": person_id, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_token_needs_the_right_password(app):
    client = app.test_client()
    response = client.post("/api/v1/token", json={"id": "zhuling", "password": "nope"})
    assert response.status_code == 401 and response.get_json() == {"error": "账号或密码不正确"}


def test_requests_without_a_valid_token_are_refused(app):
    client = app.test_client()
    assert client.get("/api/v1/tasks").status_code == 401
    forged = {"Authorization": "Bearer zhuling.0000"}
    response = client.get("/api/v1/tasks", headers=forged)
    assert response.status_code == 401 and "令牌" in response.get_json()["error"]


def test_list_and_get_my_tasks(app, backdoor):
    matter = backdoor.start()
    client = app.test_client()
    headers = token(client, "zhuling")
    tasks = client.get("/api/v1/tasks", headers=headers).get_json()
    assert [(t["name"], t["matter"]["id"], t["light"]) for t in tasks] == [("准备材料", matter, "green")]
    task = client.get(f"/api/v1/tasks/{tasks[0]['id']}", headers=headers).get_json()
    assert task["form_schema"]["title"] == "准备材料" and task["revision"] == 0
    assert client.get("/api/v1/tasks?scope=group", headers=headers).get_json() == []
    assert client.get("/api/v1/tasks?scope=all", headers=headers).status_code == 422


def test_complete_through_the_api(app, backdoor, sample):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    client = app.test_client()
    headers = token(client, "zhuling")
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                           json={"data": sample.PREPARE, "revision": task["revision"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["instance_status"] == "running"
    assert [(t["name"], t["candidates"], t["holder"]) for t in body["next_tasks"]] == [
        ("现场核查", ["hujie", "linna"], "待认领：胡杰、林娜")]


def test_stale_revision_is_409(app, backdoor, sample):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    client = app.test_client()
    headers = token(client, "zhuling")
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                           json={"data": sample.PREPARE, "revision": task["revision"] + 1})
    assert response.status_code == 409 and "已被他人处理或已变更" in response.get_json()["error"]
    assert backdoor.open_task(matter, "prepare") == task


def test_wrong_user_is_403_and_nothing_changes(app, backdoor, sample):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    before = backdoor.event_count()
    client = app.test_client()
    headers = token(client, "gaoyan")
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=headers).status_code == 403
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                           json={"data": sample.PREPARE, "revision": task["revision"]})
    assert response.status_code == 403 and "error" in response.get_json()
    assert backdoor.event_count() == before


def test_invalid_data_is_422_with_field_messages(app, backdoor):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    client = app.test_client()
    headers = token(client, "zhuling")
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers, json={
        "data": {"summary": "x", "site_date": "明天", "materials": [], "staff_count": 0, "branch_code": "123"},
        "revision": task["revision"]})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "表单填写有误，请按提示修改"
    assert body["errors"]["branch_code"] == "统一社会信用代码应为18位"
    assert body["errors"]["staff_count"] == "“参加人数”不能小于1"
    assert set(body["errors"]) >= {"site_date", "materials"}
    missing = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers, json={"data": {}})
    assert missing.status_code == 422 and "revision" in missing.get_json()["errors"]


def test_unknown_task_is_404_json(app):
    client = app.test_client()
    response = client.get("/api/v1/tasks/99999", headers=token(client, "zhuling"))
    assert response.status_code == 404 and "不存在" in response.get_json()["error"]


def test_start_a_matter_through_the_api(app, sample):
    client = app.test_client()
    headers = token(client, "zhuling")
    assert [p["key"] for p in client.get("/api/v1/processes", headers=headers).get_json()] == ["w_review"]
    bad = client.post("/api/v1/matters", headers=headers,
                      json={"process": "w_review", "data": {**sample.START, "credit_code": "91210300MA0Q123450"}})
    assert bad.status_code == 422 and "credit_code" in bad.get_json()["errors"]
    response = client.post("/api/v1/matters", headers=headers, json={"process": "w_review", "data": sample.START})
    assert response.status_code == 201
    assert [t["name"] for t in response.get_json()["open_tasks"]] == ["准备材料"]
    refused = client.post("/api/v1/matters", headers=token(client, "hujie"),
                          json={"process": "w_review", "data": sample.START})
    assert refused.status_code == 403


def test_api_needs_no_csrf_token_but_pages_do(app, backdoor, sample):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    client = app.test_client()
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=token(client, "zhuling"),
                           json={"data": sample.PREPARE, "revision": task["revision"]})
    assert response.status_code == 200


def test_openapi_document_describes_the_endpoints(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/token", "/processes", "/matters", "/tasks", "/tasks/{task_id}", "/tasks/{task_id}/complete",
            "/tasks/{task_id}/send_back", "/tasks/{task_id}/add_signers", "/matters/{matter_id}/cancel"} \
        <= set(doc["paths"])
    responses = doc["paths"]["/tasks/{task_id}/complete"]["post"]["responses"]
    assert {"200", "403", "409", "422"} <= set(responses)
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    rules = {r.rule.removeprefix("/api/v1").replace("<int:task_id>", "{task_id}")
             .replace("/tasks/<int:target_id>", "/tasks/{task_id}").replace("/matters/<int:target_id>", "/matters/{matter_id}")
             for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") and r.rule != "/api/v1/openapi.json"}
    assert rules == set(doc["paths"])
