"""Repair actions and the command line: suspend, resume, terminate; clear errors and exit codes."""
import json
from pathlib import Path
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
    assert m.events("terminated")[0]["data"]["reason"] == "重复立案"


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


GOOD = (Path(__file__).parent / "data" / "two_steps.bpmn").read_text(encoding="utf-8")


def started_at_confirm(s):
    m = s.start("t_two_steps", by="zhuling", data=START)
    m.complete("draft", by="zhuling", data={"note": "x"})
    return m


def test_reassign_moves_the_task_and_logs_why(engine_scenario):
    s = engine_scenario
    m = started_at_confirm(s)
    confirm = m.task("confirm")
    with pytest.raises(InvalidState):
        s.run(lambda e: e.management.reassign(confirm.id, "linna", "admin", ""))
    s.run(lambda e: e.management.reassign(confirm.id, "linna", "admin", "朱玲休假"))
    assert m.task("confirm").assignee == "linna"
    assert m.events("task_reassigned")[0]["data"] == {"from": "zhuling", "to": "linna", "reason": "朱玲休假",
                                                      "notify": ["linna", "zhuling"]}
    m.complete("confirm", by="linna", data={"note": "代为确认"})
    assert m.status == "completed"


def test_edit_data_is_logged_with_the_old_value(engine_scenario):
    s = engine_scenario
    m = started_at_confirm(s)
    s.run(lambda e: e.management.edit_data(m.id, "subject", "更正后的事项名称", "admin", "名称录入错误"))
    assert m.data["subject"] == "更正后的事项名称"
    [edit] = m.events("data_edited")
    assert edit["data"]["old"] is None and edit["data"]["new"] == "更正后的事项名称"


def test_fire_timer_now(engine_scenario):
    s = engine_scenario
    m = started_at_confirm(s)
    timer_id = s.run(lambda e: e.monitoring.pending_timers(m.id)[0].id)
    s.run(lambda e: e.management.fire_timer_now(timer_id, "admin"))
    assert m.status == "completed"
    assert [t.state for t in m.done_tasks() if t.spec_id == "confirm"] == ["deemed_received"]
    assert len(m.events("timer_forced")) == 1
    with pytest.raises(InvalidState):
        s.run(lambda e: e.management.fire_timer_now(timer_id, "admin"))


def test_migrate_to_a_compatible_version_and_refuse_an_incompatible_one(engine_scenario):
    s = engine_scenario
    m = started_at_confirm(s)
    s.run(lambda e: e.repository.deploy([("two_steps.bpmn", GOOD.replace('name="确认"', 'name="确认收悉"').encode())]))
    renamed = GOOD.replace('id="confirm"', 'id="check"').replace('attachedToRef="confirm"', 'attachedToRef="check"') \
        .replace('targetRef="confirm"', 'targetRef="check"').replace('sourceRef="confirm"', 'sourceRef="check"') \
        .replace('bpmnElement="confirm"', 'bpmnElement="check"').replace('<bpmn:flowNodeRef>confirm</bpmn:flowNodeRef>',
                                                                        '<bpmn:flowNodeRef>check</bpmn:flowNodeRef>')
    s.run(lambda e: e.repository.deploy([("two_steps.bpmn", renamed.encode())]))
    with pytest.raises(InvalidState) as err:
        s.run(lambda e: e.management.migrate(m.id, 3, "admin"))
    assert "确认" in err.value.message
    s.run(lambda e: e.management.migrate(m.id, 2, "admin"))
    assert s.run(lambda e: e.runtime.instance(m.id).version) == 2
    m.complete("confirm", by="zhuling", data={"note": "迁移后办理"})
    assert m.status == "completed"
    assert m.events("migrated")[0]["data"] == {"from": 1, "to": 2}


def test_diagram_state_and_compliance(engine_scenario):
    s = engine_scenario
    late = started_at_confirm(s)
    on_time = started_at_confirm(s)
    on_time.complete("confirm", by="zhuling", data={"note": "按时"})
    state = s.run(lambda e: e.monitoring.diagram_state(e.runtime.instance(late.id)))
    assert "draft" in state.completed and "confirm" in state.active and "confirm_timeout" in state.active
    s.advance_to("2026-10-09 00:00:01")  # the late one's receipt is deemed received
    [row] = s.run(lambda e: e.monitoring.compliance())
    assert (row["department"], row["on_time"], row["late"], row["deemed_received"]) == ("market_bureau", 3, 0, 1)
    assert row["mean_working_days"] == 0.0


def test_init_creates_the_database_folder_on_a_fresh_clone(tmp_path):
    """`make run` on a fresh clone: `liandong init` makes instance/ and the SQLite file itself."""
    url = f"sqlite:///{tmp_path}/fresh/instance/liandong.sqlite3"
    done = subprocess.run([sys.executable, "-m", "engine.cli", "init"], capture_output=True, text=True,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "fresh" / "instance" / "liandong.sqlite3").exists()
    assert "已部署 bpmn p1_approval_result_push 版本 1" in done.stdout


def test_compliance_counts_late_completions_and_working_days_taken(engine_scenario):
    """Done on the third working day after the task arrived, across National Day: 3 working days taken;
    done after the deadline: late. A completion stored before the column existed is counted the same."""
    from sqlalchemy import update

    from engine.models import HumanTask
    s = engine_scenario
    matter = s.start("t_two_steps", by="zhuling", data=START)
    s.at("2026-10-08 10:00")  # draft was due 2026-09-29: late; 3 working days after 09-28
    matter.complete("draft", by="zhuling", data={"note": "迟交"})
    [row] = s.run(lambda e: e.monitoring.compliance())
    assert (row["on_time"], row["late"], row["open"], row["mean_working_days"]) == (0, 1, 1, 3.0)
    s.run(lambda e: e.db.execute(update(HumanTask).values(working_days_taken=None)))
    [again] = s.run(lambda e: e.monitoring.compliance())
    assert again["mean_working_days"] == 3.0
    assert again["light"] == "green"  # the open confirm task is due in 3 working days


def test_a_matter_that_fails_in_the_timer_sweep_is_set_aside_and_the_rest_of_its_batch_fires(engine_scenario, monkeypatch):
    """The sweep fires a batch in one go; when one matter fails, the batch is fired again one matter at
    a time, so only that matter is marked as in error (its timer waits) and the others move on."""
    s = engine_scenario
    matters = [s.start("t_two_steps", by="zhuling", data=START) for _ in range(3)]
    for m in matters:
        m.complete("draft", by="zhuling", data={"note": "x"})
    broken = matters[1]
    from engine.runtime import Runtime
    real_save = Runtime.save

    def save_fails_for_the_broken_matter(self, instance, workflow):
        if instance.id == broken.id:
            raise RuntimeError("磁盘已满")
        real_save(self, instance, workflow)
    monkeypatch.setattr(Runtime, "save", save_fails_for_the_broken_matter)
    assert s.advance_to("2026-10-09 00:00:01") == 2
    monkeypatch.setattr(Runtime, "save", real_save)
    for m in (matters[0], matters[2]):
        assert m.status == "completed" and len(m.events("timer_fired")) == 1
    assert broken.status == "error" and broken.events("timer_fired") == []
    assert [e["data"]["message"] for e in broken.events("error")] == ["RuntimeError: 磁盘已满"]
    assert broken.task("confirm").state == "ready"
    assert s.run(lambda e: e.history.verify()) == []
