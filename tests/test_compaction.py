"""A matter that loops for a long time keeps a small task tree (engine/compaction.py): older rounds leave
the engine's tree, their rows and log entries stay, and every action still works on it, warm and cold
(every action as in a fresh process)."""
from pathlib import Path

from sqlalchemy import select

from engine.models import HumanTask, Instance
from tests.scenario import Scenario

DATA = Path(__file__).parent / "data"
START = {"department": "market_bureau", "subject": "循环事项"}
AGAIN = {"note": "再来"}
DONE = {"note": "完成"}
ROUNDS = 40


def looped(matters: Scenario, rounds: int = ROUNDS):
    m = matters.start("t_gateway_loop", by="zhuling", data=START)
    for _ in range(rounds):
        m.complete("attempt", by="zhuling", data=AGAIN)
    return m


def tree(matters: Scenario, m) -> tuple[int, int, int]:
    """(tasks in the engine's tree, tasks the process has, stored state length)."""
    def read(e):
        instance = e.runtime.instance(m.id)
        workflow = e.runtime.load(instance)
        return len(workflow.tasks), len(workflow.spec.task_specs), len(instance.state)
    return matters.run(read)


def attempt_rows(matters: Scenario, m) -> list[HumanTask]:
    return matters.run(lambda e: list(e.db.execute(select(HumanTask).where(
        HumanTask.instance_id == m.id, HumanTask.spec_id == "attempt").order_by(HumanTask.id)).scalars()))


def test_forty_rounds_leave_a_tree_and_state_no_bigger_than_a_few_rounds(matters):
    m = looped(matters, 4)
    _, _, young_state = tree(matters, m)
    for _ in range(ROUNDS - 4):
        m.complete("attempt", by="zhuling", data=AGAIN)
    tasks, specs, state = tree(matters, m)
    assert tasks <= 2 * specs + 8 + 4  # the compaction threshold plus one round grown since
    assert state < 2 * young_state
    m.complete("attempt", by="zhuling", data=DONE)
    assert m.status == "completed"
    # the history is all there: one row and one log entry per round
    assert [r.state for r in attempt_rows(matters, m)] == ["completed"] * (ROUNDS + 1)
    assert len(m.events("task_completed")) == ROUNDS + 1
    assert m.data["note"] == "完成" and m.data["subject"] == "循环事项"


def test_the_diagram_counts_every_round_of_a_compacted_loop(matters):
    m = looped(matters)
    counts = matters.run(lambda e: e.monitoring.diagram_state(e.runtime.instance(m.id)).counts)
    assert (counts["attempt"]["COMPLETED"], counts["attempt"]["READY"]) == (ROUNDS, 1)
    assert counts["again"]["COMPLETED"] == ROUNDS


def test_a_round_that_left_the_tree_still_shows_what_was_entered(matters):
    m = looped(matters)
    first = attempt_rows(matters, m)[0]
    shown = matters.run(lambda e: e.visibility.task_data(e.tasks.get(first.id), "zhuling"))
    assert shown["note"] == "再来" and shown["department"] == "market_bureau"


def test_the_last_round_is_taken_back_and_sent_back_on_a_compacted_matter(matters):
    m = looped(matters)
    last_done = attempt_rows(matters, m)[-2]
    matters.run(lambda e: e.office.take_back(last_done.id, "zhuling"))  # 撤回
    reopened = m.task("attempt")
    assert reopened.id == last_done.id and reopened.state == "ready"
    # 退回: the newest completed rounds on the path, newest first: a few (at least two), not forty
    targets = matters.run(lambda e: [t.id for t in e.office.send_back_targets(e.tasks.get(reopened.id))])
    rows = attempt_rows(matters, m)
    assert 2 <= len(targets) <= 6
    assert targets == [r.id for r in rows[-3:-3 - len(targets):-1]]
    matters.run(lambda e: e.office.send_back(reopened.id, "zhuling", targets[0], "意见需重写", reopened.revision))
    assert m.task("attempt").id == rows[-3].id
    m.complete("attempt", by="zhuling", data=DONE)
    assert m.status == "completed"


def test_administrators_repair_and_migrate_a_compacted_matter(matters):
    m = looped(matters)
    admin = "admin"
    matters.run(lambda e: e.management.edit_data(m.id, "subject", "更正后的事项名称", admin, "名称有误"))
    assert m.data["subject"] == "更正后的事项名称"

    def fail(e):  # as a timer step that raised would leave it
        e.db.get(Instance, m.id).status, e.db.get(Instance, m.id).error = "error", "测试：步骤出错"
    matters.run(fail)
    matters.run(lambda e: e.management.retry(m.id, admin))
    assert m.status == "running"

    xml = (DATA / "t_gateway_loop.bpmn").read_text(encoding="utf-8").replace(
        'name="网关循环测试流程" isExecutable', 'name="网关循环测试流程（第二版）" isExecutable')
    matters.run(lambda e: e.repository.deploy([("t_note.json", (DATA / "forms" / "t_note.json").read_bytes()),
                                                ("t_gateway_loop.bpmn", xml.encode())]))
    version = matters.run(lambda e: max(d.version for d in e.repository.versions("bpmn", "t_gateway_loop")))
    matters.run(lambda e: e.management.migrate(m.id, version, admin))
    assert matters.run(lambda e: e.runtime.instance(m.id).version) == version
    m.complete("attempt", by="zhuling", data=AGAIN)
    m.complete("attempt", by="zhuling", data=DONE)
    assert m.status == "completed"
    assert len(attempt_rows(matters, m)) == ROUNDS + 2
