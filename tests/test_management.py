"""Repair actions and the command line: suspend, resume, terminate; clear errors and exit codes."""
import json
import subprocess
import sys

import pytest

from engine.errors import InvalidState

START = {"department": "market_bureau"}


def test_suspended_matter_cannot_be_worked_on_and_its_timers_wait(engine_scenario):
    s = engine_scenario
    m = s.start("t_two_steps", by="zhuling", data=START)
    m.complete("draft", by="zhuling", data={"note": "x"})
    s.run(lambda e: e.management.suspend(m.id, "admin", "核查材料"))
    confirm = m.task("confirm")
    with pytest.raises(InvalidState):
        s.run(lambda e: e.tasks.complete(confirm.id, "zhuling", {"note": "y"}, confirm.revision))
    s.advance_to("2026-10-09 00:00:01")
    assert m.status == "suspended" and m.task("confirm").state == "ready"
    s.run(lambda e: e.management.resume(m.id, "admin"))
    assert m.status == "completed"  # the timer that fell due while suspended fires on resume
    assert [e["kind"] for e in m.events() if e["kind"] in ("suspended", "resumed")] == ["suspended", "resumed"]
    assert m.events("suspended")[0]["data"]["reason"] == "核查材料"


def test_terminate_needs_a_reason_and_closes_everything(engine_scenario):
    s = engine_scenario
    m = s.start("t_two_steps", by="zhuling", data=START)
    m.complete("draft", by="zhuling", data={"note": "x"})
    with pytest.raises(InvalidState):
        s.run(lambda e: e.management.terminate(m.id, "admin", "  "))
    s.run(lambda e: e.management.terminate(m.id, "admin", "重复立案"))
    assert m.status == "terminated"
    assert m.open_tasks() == []
    assert s.advance_to("2026-10-20 00:00") == 0  # its timer never fires
    assert m.events("terminated")[0]["data"] == {"reason": "重复立案"}


def cli(url, *args):
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, timeout=120)


def test_cli_start_list_complete_and_refusals(tmp_path, engine_template):
    import shutil
    db_file = tmp_path / "cli.sqlite3"
    shutil.copy(engine_template, db_file)
    url = f"sqlite:///{db_file}"
    started = cli(url, "start", "t_two_steps", "--user", "zhuling", "--data", json.dumps(START))
    assert started.returncode == 0 and "已发起事项 1" in started.stdout
    listed = cli(url, "tasks", "--user", "zhuling")
    task_id = int(listed.stdout.split("\t")[0])
    wrong = cli(url, "complete", str(task_id), "--user", "gaoyan", "--revision", "0", "--data", '{"note": "x"}')
    assert wrong.returncode == 2 and "不是该任务的办理人" in wrong.stderr
    bad = cli(url, "complete", str(task_id), "--user", "zhuling", "--revision", "0", "--data", "{not json")
    assert bad.returncode == 2 and "输入无效" in bad.stderr
    done = cli(url, "complete", str(task_id), "--user", "zhuling", "--revision", "0", "--data", '{"note": "x"}')
    assert done.returncode == 0 and "下一步：确认" in done.stdout
    unknown = cli(url, "start", "nope", "--user", "zhuling")
    assert unknown.returncode == 2 and "没有名为“nope”的流程" in unknown.stderr
    assert cli(url, "verify-log").returncode == 0
