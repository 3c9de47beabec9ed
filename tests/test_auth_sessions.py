"""Sessions and API tokens end when they should (issue 16 item 5): signing out revokes the session
server-side, so a replayed cookie is signed out; sessions expire when idle and after an absolute
limit; API tokens expire and can be revoked; a password change, deactivation or an administrator
ends them all."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import auth_sessions, cli
from engine.auth_sessions import Limits
from engine.directory import DEMO_PASSWORD
from engine.models import AuthSession

pytest_plugins = ["tests.web_fixtures"]

NEW_PASSWORD = "换一个新密码2026x"


def signed_in(user) -> bool:
    response = user.get("/inbox/mine")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def api_token(app, person: str = "zhuling", password: str = DEMO_PASSWORD) -> dict:
    response = app.test_client().post("/api/v1/token", json={"id": person, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def api_status(app, token: str) -> int:
    return app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code


# --- sign-out ---------------------------------------------------------------------------------
@pytest.mark.usefixtures("app")
def test_a_cookie_replayed_after_sign_out_is_redirected_to_sign_in(web):
    user = web("zhuling")
    stolen = user.client.get_cookie("session").value
    assert signed_in(user)
    user.post("/logout")
    replay = web()
    replay.client.set_cookie("session", stolen)
    response = replay.get("/inbox/mine")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "退出" not in replay.get("/login").get_data(as_text=True)  # nobody is shown as signed in


@pytest.mark.usefixtures("app")
def test_the_cookie_holds_no_person_id_only_a_random_secret(web, backdoor):
    """Two sign-ins of one person are two sessions; the store keeps a digest, not the secret."""
    first, second = web("zhuling"), web("zhuling")
    assert first.client.get_cookie("session").value != second.client.get_cookie("session").value
    rows = backdoor.run(lambda e: e.db.scalars(select(AuthSession).where(AuthSession.person_id == "zhuling")).all())
    assert len(rows) == 2 and all(len(r.token_hash) == 64 and r.kind == "web" for r in rows)
    first.post("/logout")
    assert not signed_in(first) and signed_in(second)  # signing out ends this session only


# --- expiry -----------------------------------------------------------------------------------
def test_an_idle_session_expires_and_an_active_one_lasts_until_the_absolute_limit(web, clock):
    idle, busy = web("zhuling"), web("hujie")
    for _ in range(11):  # busy works every hour; idle does nothing
        clock.advance(hours=1)
        assert signed_in(busy)
    assert not signed_in(idle)  # idle longer than 2 hours
    clock.advance(hours=1)  # 12 hours after signing in
    assert not signed_in(busy)
    busy.login("hujie")
    assert signed_in(busy)


def test_session_limits_are_configurable(app, web, clock, monkeypatch):
    monkeypatch.setenv("LIANDONG_SESSION_IDLE_MINUTES", "10")
    monkeypatch.setenv("LIANDONG_SESSION_MAX_HOURS", "1")
    monkeypatch.setenv("LIANDONG_TOKEN_HOURS", "3")
    limits = Limits.from_environment()
    assert limits == Limits(idle=timedelta(minutes=10), absolute=timedelta(hours=1), token=timedelta(hours=3))
    app.config["AUTH_LIMITS"] = limits
    user = web("zhuling")
    clock.advance(minutes=9)
    assert signed_in(user)
    clock.advance(minutes=11)
    assert not signed_in(user)


def test_an_expired_api_token_is_401(app, clock):
    issued = api_token(app)
    assert issued["expires_at"].startswith("2026-10-05T01:00")  # 7 days after 09:00 Shanghai, in UTC
    clock.advance(days=6, hours=23)
    assert api_status(app, issued["token"]) == 200
    clock.advance(hours=1)
    response = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {issued['token']}"})
    assert response.status_code == 401 and response.get_json()["error"] == "缺少或无效的访问令牌"


def test_a_token_revoked_by_its_holder_is_401_and_others_still_work(app):
    first, second = api_token(app)["token"], api_token(app)["token"]
    client = app.test_client()
    response = client.post("/api/v1/token/revoke", headers={"Authorization": f"Bearer {first}"})
    assert response.status_code == 200 and response.get_json() == {"revoked": True}
    assert api_status(app, first) == 401
    assert api_status(app, second) == 200


def test_an_old_style_signed_token_is_refused(app):
    """Tokens used to be `<id>.<HMAC(SECRET_KEY)>`, valid forever: such a token proves nothing now."""
    import hashlib
    import hmac
    digest = hmac.new(b"test-secret", b"liandong-api:zhuling", hashlib.sha256).hexdigest()
    assert api_status(app, f"zhuling.{digest}") == 401


# --- revocation by an administrator, deactivation, password change -----------------------------
def test_an_administrator_signs_a_person_out_everywhere(app, web):
    user, token = web("zhuling"), api_token(app)["token"]
    admin = web("admin")
    page = admin.get("/admin/people").get_data(as_text=True)
    assert "人员与登录" in page and "zhuling" in page
    response = admin.post("/admin/people/zhuling/revoke", follow_redirects=True)
    assert "已注销 zhuling 的 2 处登录和接口令牌" in response.get_data(as_text=True)
    assert not signed_in(user)
    assert api_status(app, token) == 401
    assert signed_in(admin)  # the administrator's own session is untouched
    user.login("zhuling")
    assert signed_in(user)  # signing in again works


def test_deactivating_a_person_ends_their_sessions_and_they_cannot_sign_in(app, web):
    user, token = web("zhuling"), api_token(app)["token"]
    admin = web("admin")
    response = admin.post("/admin/people/zhuling/deactivate", follow_redirects=True)
    assert "其登录和接口令牌均已失效" in response.get_data(as_text=True)
    assert not signed_in(user) and api_status(app, token) == 401
    assert user.login("zhuling").status_code == 401
    admin.post("/admin/people/zhuling/activate")
    assert user.login("zhuling").status_code == 302


def test_an_administrator_cannot_deactivate_themselves(web):
    admin = web("admin")
    response = admin.post("/admin/people/admin/deactivate", follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True) and signed_in(admin)


def test_only_administrators_revoke_sessions(web):
    user, other = web("zhuling"), web("hujie")
    assert other.post("/admin/people/zhuling/revoke").status_code == 403
    assert signed_in(user)


def test_a_password_change_ends_the_other_sessions_and_every_token(app, web):
    here, elsewhere, token = web("zhuling"), web("zhuling"), api_token(app)["token"]
    response = here.post("/account/password", {"current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                         follow_redirects=True)
    assert "密码已修改，已退出其他 2 处登录和接口令牌" in response.get_data(as_text=True)
    assert signed_in(here)
    assert not signed_in(elsewhere) and api_status(app, token) == 401
    assert elsewhere.login("zhuling").status_code == 401  # the old password no longer works
    assert elsewhere.login("zhuling", NEW_PASSWORD).status_code == 302


@pytest.mark.usefixtures("app")
def test_a_wrong_current_password_or_a_short_one_changes_nothing(web):
    here, elsewhere = web("zhuling"), web("zhuling")
    response = here.post("/account/password", {"current": "wrong", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422 and "当前密码不正确" in response.get_data(as_text=True)
    response = here.post("/account/password", {"current": DEMO_PASSWORD, "new": "short", "confirm": "short"})
    assert response.status_code == 422 and "新密码至少 10 个字符" in response.get_data(as_text=True)
    response = here.post("/account/password", {"current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": "x" * 12})
    assert response.status_code == 422 and "两次输入的新密码不一致" in response.get_data(as_text=True)
    assert signed_in(elsewhere)
    assert web().login("zhuling").status_code == 302  # the demo password still works


# --- the command line -------------------------------------------------------------------------
def test_the_command_line_signs_out_resets_passwords_and_deactivates(app, web, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    user = web("zhuling")
    cli.main(["sign-out", "zhuling"])
    assert "已注销 zhuling 的 1 处登录和接口令牌" in capsys.readouterr().out
    assert not signed_in(user)
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    cli.main(["set-password", "zhuling", "--stdin"])
    assert user.login("zhuling", NEW_PASSWORD).status_code == 302
    cli.main(["deactivate", "zhuling"])
    assert not signed_in(user)
    with pytest.raises(SystemExit):
        cli.main(["sign-out", "nobody"])
    assert "目录中没有人员“nobody”" in capsys.readouterr().err


def test_revoke_person_keeps_only_the_given_session(backdoor, clock):
    def arrange(e):
        limits = Limits()
        kept = auth_sessions.issue(e.db, "zhuling", "web", clock.now(), limits)
        auth_sessions.issue(e.db, "zhuling", "api", clock.now(), limits)
        row = auth_sessions.find(e.db, kept, "web", clock.now(), limits)
        return auth_sessions.revoke_person(e.db, "zhuling", clock.now(), keep=row.id), kept
    ended, kept = backdoor.run(arrange)
    assert ended == 1
    assert backdoor.run(lambda e: auth_sessions.find(e.db, kept, "web", clock.now(), Limits())) is not None
