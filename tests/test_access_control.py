"""Who may reach what: every route of the app, for the signed-out, staff, the process owner and
staff of another department; CSRF on every form post; cookie flags; login rate limiting; password
hashes. A refusal changes nothing."""
import re
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.directory import DEMO_PASSWORD
from engine.models import Instance, LoginFailure, Person
from web import create_app

pytest_plugins = ["tests.web_fixtures"]

# Published results, the report form, a report's progress page (by its 查询码) and the icon need no sign-in.
PUBLIC = {"static", "vendor.asset", "auth.login", "auth.logout", "api.token", "api.openapi_document",
          "public.results", "public.report", "public.track", "favicon"}


def routes(app):
    """(endpoint, rule, method) for every route and method the app serves."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, rule, method


def fill(rule, task_id: int, matter_id: int) -> str:
    """A concrete URL for a rule: ids of a real task / matter, a real operation or action name."""
    on_matter = "/matters/" in rule.rule
    values = {"task_id": task_id, "instance_id": matter_id, "target_id": matter_id if on_matter else task_id,
              "scope": "mine", "process_key": "w_review", "action": "suspend",
              "name": "cancel" if on_matter else "remind", "package": "bpmn-js", "filename": "x.js",
              "document_id": 1, "fmt": "pdf", "definition_id": 1, "draft_id": 1, "key": "w_review", "token": "x",
              "person_id": "zhuling", "attachment_id": 1, "listing_id": 1}
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(r"<(?:[a-z]+:)?" + argument + ">", str(values[argument]), url)
    return url


def call(client, method: str, url: str, headers=None):
    if method == "GET":
        return client.get(url, headers=headers)
    if url.startswith("/api/"):
        return client.post(url, json={"revision": 0, "data": {}, "reason": "x"}, headers=headers)
    return client.post(url, data={"revision": "0", "reason": "x"}, headers=headers)


def snapshot(backdoor, matter_id: int, task_id: int):
    task = backdoor.task(task_id)
    status = backdoor.run(lambda e: e.runtime.instance(matter_id).status)
    return backdoor.event_count(), task.revision, task.state, task.assignee, status


@pytest.fixture
def no_csrf(app):
    """The app with CSRF checks off, so a request without a token reaches the sign-in check."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_every_route_needs_sign_in(no_csrf, backdoor):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")["id"]
    before = snapshot(backdoor, matter, task)
    client = no_csrf.test_client()
    checked = 0
    for endpoint, rule, method in routes(no_csrf):
        if endpoint in PUBLIC:
            continue
        url = fill(rule, task, matter)
        response = call(client, method, url)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.is_json and response.get_json()["error"]
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, url)
        checked += 1
    assert checked >= 50  # every page and API route was reached
    assert snapshot(backdoor, matter, task) == before


@pytest.mark.parametrize("person", ["zhuling", "gaoyan", "owner", "admin"])
def test_console_pages_are_forbidden_to_everyone_but_their_audience(no_csrf, web, backdoor, person):
    """/admin is for administrators only, /modeler for process owners only."""
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")["id"]
    before = snapshot(backdoor, matter, task)
    user = web(person)
    own = {"admin": "/admin", "owner": "/modeler"}.get(person)
    forbidden = [(rule, method) for endpoint, rule, method in routes(no_csrf)
                 if rule.rule.startswith(("/admin", "/modeler")) and not (own and rule.rule.startswith(own))]
    assert forbidden
    for rule, method in forbidden:
        url = fill(rule, task, matter)
        response = call(user.client, method, url)
        assert response.status_code == 403, (person, method, url, response.status_code)
    assert snapshot(backdoor, matter, task) == before
    assert web("admin").get("/admin/").status_code == 200
    assert web("owner").get("/modeler/").status_code == 200


def test_staff_of_another_department_cannot_read_or_act_on_a_task(no_csrf, web, backdoor):
    """gaoyan (市应急管理局) against a matter of 市市场监督管理局 whose task zhuling holds."""
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")["id"]
    before = snapshot(backdoor, matter, task)
    outsider = web("gaoyan")
    token = outsider.client.post("/api/v1/token", json={"id": "gaoyan", "password": DEMO_PASSWORD}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    checked = []
    for _endpoint, rule, method in routes(no_csrf):
        if not re.search(r"<int:(task_id|target_id|instance_id)>", rule.rule) or rule.rule.startswith("/admin"):
            continue
        url = fill(rule, task, matter)
        response = call(outsider.client, method, url, headers=bearer if url.startswith("/api/") else None)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        checked.append(url)
    assert len(checked) >= 25
    assert snapshot(backdoor, matter, task) == before
    # And the holder still can: the refusals above were about the person, not the task.
    assert web("zhuling").get(f"/tasks/{task}").status_code == 200


def test_every_form_post_needs_the_csrf_token(app, web, backdoor):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")["id"]
    before = snapshot(backdoor, matter, task)
    holder, admin = web("zhuling"), web("admin")
    posts = [(rule, method) for endpoint, rule, method in routes(app)
             if method == "POST" and not rule.rule.startswith("/api/")]
    assert len(posts) >= 10
    for rule, _method in posts:
        url = fill(rule, task, matter)
        who = admin if url.startswith("/admin") else holder
        response = who.client.post(url, data={"revision": "0", "reason": "x", "person_id": "zhuling",
                                              "password": DEMO_PASSWORD})
        assert response.status_code == 400, (url, response.status_code)
        assert "安全校验" in response.get_data(as_text=True)
    assert snapshot(backdoor, matter, task) == before


def test_session_cookie_flags(tmp_path, web_template, clock, monkeypatch):
    def cookie_of(app):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = client.post("/login", data={"person_id": "zhuling", "password": DEMO_PASSWORD, "csrf_token": token})
        return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))

    def make_app(name):
        target = tmp_path / name
        target.write_bytes(web_template.read_bytes())
        return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "k", "CLOCK": clock})

    plain = cookie_of(make_app("a.sqlite3"))
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    secure = cookie_of(make_app("b.sqlite3"))
    assert "Secure" in secure and "HttpOnly" in secure and "SameSite=Lax" in secure


def test_passwords_are_stored_with_a_standard_slow_hash(backdoor):
    hashes = backdoor.run(lambda e: list(e.db.execute(select(Person.id, Person.password_hash)).all()))
    assert hashes
    for person_id, digest in hashes:
        if digest:
            assert digest.startswith(("scrypt:", "pbkdf2:")), person_id
            assert DEMO_PASSWORD not in digest


# --- login rate limiting ----------------------------------------------------------------------
def _login(client, person_id, password):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client.post("/login", data={"person_id": person_id, "password": password, "csrf_token": token})


def test_five_failed_sign_ins_lock_the_account_from_that_address_for_15_minutes(app, clock, backdoor):
    client = app.test_client()
    for _ in range(5):
        assert _login(client, "zhuling", "wrong").status_code == 401
    locked = _login(client, "zhuling", DEMO_PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert "登录失败次数过多，请15分钟后再试" in locked.get_data(as_text=True)
    assert client.get("/inbox/mine").status_code == 302  # not signed in
    # The API token endpoint shares the count.
    api = client.post("/api/v1/token", json={"id": "zhuling", "password": DEMO_PASSWORD})
    assert api.status_code == 429 and api.get_json()["error"] == "登录失败次数过多，请15分钟后再试"
    # The same account from another address, and another account from this one, are not affected.
    other = app.test_client()
    assert other.post("/api/v1/token", json={"id": "zhuling", "password": DEMO_PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    assert _login(client, "gaoyan", DEMO_PASSWORD).status_code == 302
    # Failures are stored in the database (shared by every worker), not in a worker's memory.
    assert backdoor.run(lambda e: len(list(e.db.execute(select(LoginFailure)).scalars()))) == 5
    clock.set(clock.now() + timedelta(minutes=16))
    assert _login(client, "zhuling", DEMO_PASSWORD).status_code == 302
    assert backdoor.run(lambda e: len(list(e.db.execute(
        select(LoginFailure).where(LoginFailure.person_id == "zhuling")).scalars()))) == 0


def test_guessing_many_accounts_from_one_address_is_slowed_down_too(app):
    client = app.test_client()
    for i in range(20):
        response = client.post("/api/v1/token", json={"id": f"nobody{i}", "password": "x"})
        assert response.status_code == 401
    assert client.post("/api/v1/token", json={"id": "hujie", "password": DEMO_PASSWORD}).status_code == 429


def test_a_refused_sign_in_changes_nothing_but_the_failure_count(app, backdoor):
    before = backdoor.event_count()
    matters = backdoor.run(lambda e: len(list(e.db.execute(select(Instance.id)).scalars())))
    _login(app.test_client(), "zhuling", "wrong")
    assert backdoor.event_count() == before
    assert backdoor.run(lambda e: len(list(e.db.execute(select(Instance.id)).scalars()))) == matters


def test_behind_a_proxy_sign_in_failures_count_per_client_not_per_proxy(tmp_path, web_template, clock):
    """With LIANDONG_PROXY_HOPS=1 the address is the client's (X-Forwarded-For set by the proxy): one
    client's failures do not lock out another client coming through the same proxy."""
    target = tmp_path / "proxied.sqlite3"
    shutil.copy(web_template, target)
    proxied = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "test-secret",
                          "CLOCK": clock, "PROXY_HOPS": 1})
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    try:
        guesser = proxied.test_client()
        for _ in range(5):
            assert guesser.post("/api/v1/token", json={"id": "zhuling", "password": "wrong"}, environ_base=via_proxy,
                                headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 401
        assert guesser.post("/api/v1/token", json={"id": "zhuling", "password": DEMO_PASSWORD}, environ_base=via_proxy,
                            headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
        colleague = proxied.test_client()
        assert colleague.post("/api/v1/token", json={"id": "zhuling", "password": DEMO_PASSWORD}, environ_base=via_proxy,
                              headers={"X-Forwarded-For": "198.51.100.20"}).status_code == 200
    finally:
        proxied.extensions["liandong_engine"].dispose()
