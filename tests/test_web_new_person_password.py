"""A person P9 adds to the directory does not get the published demo password — 003 §2(2) (the new
responsible person or liaison takes over the platform work), README "demo password for all".

The account starts with no password; an administrator issues a one-time password; signing in with it
leads straight to setting one's own password, and nothing else opens until that is done."""
import re
import shutil

import pytest

from engine import db, passwords
from engine.clock import FrozenClock
from engine.directory import DEMO_PASSWORD
from tests.scenario import Scenario
from tests.test_p09_contact_change import change_market_liaison
from web import create_app


@pytest.fixture
def site(tmp_path, processes_template):
    target = tmp_path / "p09.sqlite3"
    shutil.copy(processes_template, target)
    url = f"sqlite:///{target}"
    clock = FrozenClock("2026-09-28 09:00")
    eng = db.make_engine(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "CLOCK": clock})
    yield Scenario(db.session_factory(eng), clock), app
    app.extensions["liandong_engine"].dispose()
    eng.dispose()


def post(client, url, data):
    page = client.get("/login")
    while page.status_code == 302:  # signed in: any page carries the session's token
        page = client.get(page.headers["Location"])
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(url, data={**data, "csrf_token": token})


def test_the_new_liaison_signs_in_only_with_a_one_time_password_and_must_set_their_own(site):
    s, app = site
    change_market_liaison(s)  # 钱宇 qianyu becomes market_bureau's liaison
    client = app.test_client()
    refused = post(client, "/login", {"person_id": "qianyu", "password": DEMO_PASSWORD})
    assert refused.status_code == 401 and "账号或密码不正确" in refused.get_data(as_text=True)

    one_time = s.run(lambda e: passwords.issue_one_time(e.db, "qianyu"))
    signed_in = post(client, "/login", {"person_id": "qianyu", "password": one_time})
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/password")
    assert client.get("/").headers["Location"].endswith("/password")  # nothing else opens
    assert "请先设置本人密码" in client.get("/password").get_data(as_text=True)

    demo = post(client, "/password", {"new": DEMO_PASSWORD, "confirm": DEMO_PASSWORD})
    assert demo.status_code == 400 and "不能使用公开的演示密码" in demo.get_data(as_text=True)
    done = post(client, "/password", {"new": "qianyu-2026-own", "confirm": "qianyu-2026-own"})
    assert done.status_code == 302
    inbox = client.get("/", follow_redirects=True)
    assert inbox.status_code == 200 and inbox.request.path != "/password"

    post(client, "/logout", {})
    assert post(client, "/login", {"person_id": "qianyu", "password": one_time}).status_code == 401
    assert post(client, "/login", {"person_id": "qianyu", "password": "qianyu-2026-own"}).status_code == 302
