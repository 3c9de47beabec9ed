"""Scale-out: the app under gunicorn with two workers and two `liandong timers --loop` processes
against one PostgreSQL database. Sign-in and the inbox work whichever worker answers; a completion
raced from two API clients succeeds once. Bounded: everything is shut down within ~20 s."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from threading import Thread

import pytest
from sqlalchemy import text

from engine.clock import FrozenClock
from engine.directory import DEMO_PASSWORD
from tests.conftest import pg_copy
from tests.web_fixtures import PREPARE, START, deploy_web_processes

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pg_url(pg_template):
    admin, name, url = pg_copy(pg_template)
    deploy_web_processes(url, FrozenClock("2026-01-05 09:00"))
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8")

    def json(self, path: str, body: dict | None = None, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        status, payload = self.request(path, json.dumps(body).encode() if body is not None else None, headers)
        return status, json.loads(payload)


def wait_until_up(base: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    """Return as soon as the server answers; fail at once if it exits. The bound is generous: on a loaded
    two-core CI machine importing the app in each worker took longer than 15 s."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited: {proc.stderr.read()[-3000:]}")
        try:
            urllib.request.urlopen(base + "/login", timeout=10).read()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer in time")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(8)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_gunicorn_workers_and_timer_workers_share_one_postgresql(pg_url):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": pg_url, "SECRET_KEY": "scale-out-test-secret"}
    processes = []
    try:
        web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                "--graceful-timeout", "3", "web:create_app()"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        processes.append(web)
        for _ in range(2):
            processes.append(subprocess.Popen([sys.executable, "-m", "engine.cli", "timers", "--loop", "--interval",
                                               "0.5"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.PIPE, text=True))
        wait_until_up(base, web)

        # Sign in through the page (CSRF token from the form) and read the inbox several times:
        # the session cookie works on either worker because SECRET_KEY is shared.
        browser = Browser(base)
        status, page = browser.request("/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = f"person_id=zhuling&password={DEMO_PASSWORD}&csrf_token={token}".encode()
        status, page = browser.request("/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and "我的待办" in page
        for _ in range(6):
            status, page = browser.request("/inbox/mine")
            assert status == 200 and "我的待办" in page

        # Start a matter and race its first task's completion from two API clients.
        a, b = Browser(base), Browser(base)
        status, body = a.json("/api/v1/token", {"id": "zhuling", "password": DEMO_PASSWORD})
        assert status == 200
        api_token = body["token"]
        status, started = a.json("/api/v1/matters", {"process": "w_review", "data": START}, api_token)
        assert status == 201, started
        [task] = [t for t in started["open_tasks"] if t["spec_id"] == "prepare"]
        outcomes = []

        def complete(client):
            outcomes.append(client.json(f"/api/v1/tasks/{task['id']}/complete",
                                        {"revision": task["revision"], "data": PREPARE}, api_token)[0])
        racers = [Thread(target=complete, args=(c,)) for c in (a, b)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(15)
        assert sorted(outcomes) == [200, 409]
        status, mine = b.json(f"/api/v1/tasks/{task['id']}", token=api_token)
        assert status == 200 and mine["state"] == "completed"
        for proc in processes[1:]:
            assert proc.poll() is None, proc.stderr.read()[-2000:]  # the timer workers keep running
    finally:
        for proc in processes:
            stop(proc)
    from engine import Liandong, db
    eng = db.make_engine(pg_url)
    with db.session_factory(eng)() as session:
        assert Liandong(session).history.verify() == []
    eng.dispose()
