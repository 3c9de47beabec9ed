"""Versions by what runs, not by the bytes of the file (issue 21 items 1 and 2):

- a bpmn-js re-save of P3 that changes nothing executable is not version 2; moving a shape is not a
  new version either; a changed multi-instance collection is;
- plain bpmn-js drops `loopDataInputRef`/`loopDataOutputRef` on save: the refusal says the editor
  removed the collection, what to write back (the deployed version's value), with line and element;
- a file that would become a version of another file's process id (bpmn-js's `Process_1`) is not
  stored without asking: the command line refuses unless `--as-new-version`.

The re-saved files in tests/data/resaved/ were written by bpmn-moddle 10.3.1 (the model layer of
bpmn-js 18, `fromXML` then `toXML`), without the product's spiffworkflow descriptor."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Liandong, db
from engine.clock import FrozenClock
from engine.errors import DeploymentError
from engine.models import Definition
from engine.versions import VersionQuestion, same_version

ROOT = Path(__file__).resolve().parent.parent
RESAVED = Path(__file__).parent / "data" / "resaved"
PROCESSES = ROOT / "processes"
P01, P03 = "p01_approval_result_push.bpmn", "p03_consultation_request.bpmn"
CAMUNDA = (Path(__file__).parent / "data" / "third_party" / "cx_junit5_test_process.bpmn").read_text("utf-8")


@pytest.fixture
def bundled(tmp_path, processes_template):
    """An engine over a copy of the database with every bundled procedure deployed (version 1)."""
    target = tmp_path / "bundled.sqlite3"
    target.write_bytes(processes_template.read_bytes())
    eng = db.make_engine(f"sqlite:///{target}")
    factory = db.session_factory(eng)

    def run(action):
        with factory() as session, session.begin():
            return action(Liandong(session, FrozenClock("2026-10-09 10:00")))
    run.url = f"sqlite:///{target}"
    yield run
    eng.dispose()


def versions_of(run, key: str) -> int:
    return run(lambda e: e.db.execute(select(func.count()).select_from(Definition).where(
        Definition.kind == "bpmn", Definition.key == key)).scalar_one())


def bpmn(results):
    return [r for r in results if r.kind == "bpmn"]


def test_an_unchanged_bpmn_js_resave_of_p3_is_not_version_2(bundled):
    resaved = (RESAVED / "p03_bpmn_js.bpmn").read_bytes()
    assert resaved != (PROCESSES / P03).read_bytes()  # bpmn-js left out cancelActivity="true"
    [result] = bundled(lambda e: e.repository.deploy([(P03, resaved)], "owner"))
    assert (result.key, result.version, result.changed) == ("p3_consultation_request", 1, False)
    assert versions_of(bundled, "p3_consultation_request") == 1


def test_moving_a_shape_is_no_new_version_but_a_changed_collection_is():
    p10 = (PROCESSES / "p10_double_random_inspection.bpmn").read_text("utf-8")
    moved = p10.replace('x="', 'x="1', 1)
    assert moved != p10 and same_version("bpmn", p10, moved)
    assert not same_version("bpmn", p10, p10.replace(
        "<bpmn:loopDataInputRef>strata</bpmn:loopDataInputRef>", "<bpmn:loopDataInputRef>levels</bpmn:loopDataInputRef>"))
    assert not same_version("bpmn", p10, p10.replace("<bpmn:loopDataOutputRef>ratio_list</bpmn:loopDataOutputRef>", ""))


def test_the_order_of_a_decision_tables_rules_counts_but_the_schema_order_of_children_does_not():
    table = (PROCESSES / "p10_sampling_ratio.dmn").read_text("utf-8")
    first, second = (m.group(0) for m in list(re.finditer(r"<rule .*?</rule>", table, re.S))[:2])
    swapped = table.replace(first + "\n", "").replace(second, second + "\n" + first)  # rule 2 before rule 1
    assert swapped != table and not same_version("dmn", table, swapped)
    p03 = (PROCESSES / P03).read_text("utf-8")
    task = re.search(r'<bpmn:userTask id="answer_request".*?</bpmn:userTask>', p03, re.S).group(0)
    incoming = re.search(r"\s*<bpmn:incoming>.*?</bpmn:incoming>", task).group(0)
    moved = task.replace(incoming, "").replace("</bpmn:userTask>", incoming + "</bpmn:userTask>")
    assert moved != task and same_version("bpmn", p03, p03.replace(task, moved))


def test_a_collection_the_editor_removed_is_named_with_what_to_write_back(bundled):
    with pytest.raises(DeploymentError) as refused:
        bundled(lambda e: e.repository.deploy([(P01, (RESAVED / "p01_bpmn_js.bpmn").read_bytes())], "owner"))
    problems = refused.value.problems
    assert [(p["element"], p["line"]) for p in problems] == [("receive_by_department", 74)] * 2
    given, collected = (p["reason"] for p in problems)
    assert "被编辑器删除" in given and "<bpmn:loopDataInputRef>departments</bpmn:loopDataInputRef>" in given
    assert "已部署的版本中是 departments" in given and "loopCardinality" in given
    assert "<bpmn:loopDataOutputRef>receipt_list</bpmn:loopDataOutputRef>" in collected
    assert not any("SpiffWorkflow" in p["reason"] for p in problems)  # the parser's English is not repeated
    assert versions_of(bundled, "p1_approval_result_push") == 1


def test_a_new_file_without_a_deployed_version_is_told_the_collection_by_example(engine):
    text = (RESAVED / "p07_bpmn_js.bpmn").read_text("utf-8").replace("p7_joint_site_inspection", "p7_copy")
    with pytest.raises(DeploymentError) as refused:
        engine.repository.deploy([("p7_copy.bpmn", text.encode())], "owner")
    reasons = [p["reason"] for p in refused.value.problems if p["element"] == "give_opinion"]
    assert any("loopDataInputRef>departments<" in r and "如 departments" in r for r in reasons)


def test_another_file_with_the_same_process_id_is_asked_about_first(engine):
    engine.repository.deploy([("testProcess.bpmn", CAMUNDA.encode())], "owner")
    other = CAMUNDA.replace('name="Handle &#10;Request"', 'name="Approve invoice"')
    with pytest.raises(VersionQuestion) as asked:
        engine.repository.deploy([("invoice.bpmn", other.encode())], "owner")
    [question] = asked.value.problems
    assert question["element"] == "testProcess" and question["line"] == 4
    assert "已由另一个文件 testProcess.bpmn 部署" in question["reason"] and "--as-new-version" in question["reason"]
    assert "没有名称" in question["reason"] and "改为新的英文标识" in question["reason"]
    assert engine.repository.latest("bpmn", "testProcess").version == 1

    [result] = bpmn(engine.repository.deploy([("invoice.bpmn", other.encode())], "owner", as_new_version=True))
    assert (result.version, result.changed) == (2, True)
    assert engine.repository.latest("bpmn", "testProcess").filename == "testProcess.bpmn"  # the procedure's name


def test_the_same_content_or_the_same_process_name_from_another_file_is_not_asked_about(engine):
    engine.repository.deploy([("testProcess.bpmn", CAMUNDA.encode())], "owner")
    [same] = bpmn(engine.repository.deploy([("copy of testProcess.bpmn", CAMUNDA.encode())], "owner"))
    assert (same.version, same.changed) == (1, False)
    named = CAMUNDA.replace('<bpmn2:process id="testProcess"', '<bpmn2:process id="named" name="请假审批"')
    named = named.replace('bpmnElement="testProcess"', 'bpmnElement="named"')
    engine.repository.deploy([("named.bpmn", named.encode())], "owner")
    [renamed_file] = bpmn(engine.repository.deploy([("leave.bpmn", named.replace("Handle", "Check").encode())], "owner"))
    assert (renamed_file.version, renamed_file.changed) == (2, True)


def test_the_command_line_refuses_without_as_new_version(bundled, tmp_path):
    (tmp_path / "a.bpmn").write_text(CAMUNDA, "utf-8")
    (tmp_path / "b.bpmn").write_text(CAMUNDA.replace("Handle", "Check"), "utf-8")
    env = {**os.environ, "DATABASE_URL": bundled.url, "PYTHONPATH": str(ROOT)}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "engine.cli", "deploy", *args, "--user", "owner"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)
    assert cli(str(tmp_path / "a.bpmn")).returncode == 0
    refused = cli(str(tmp_path / "b.bpmn"))
    assert refused.returncode == 2 and "已由另一个文件 a.bpmn 部署" in refused.stderr and "--as-new-version" in refused.stderr
    assert versions_of(bundled, "testProcess") == 1
    done = cli(str(tmp_path / "b.bpmn"), "--as-new-version")
    assert done.returncode == 0 and "bpmn testProcess 版本 2（新版本）" in done.stdout


def test_a_reformatted_form_is_no_new_version_and_a_table_from_another_file_is_asked_about(bundled):
    form = json.loads((PROCESSES / "forms" / "p03_start.json").read_text("utf-8"))
    reordered = json.dumps(dict(reversed(list(form.items()))), ensure_ascii=False, indent=4).encode()
    [same] = bundled(lambda e: e.repository.deploy([("p03_start.json", reordered)], "owner"))
    assert (same.version, same.changed) == (1, False)
    table = (PROCESSES / "p10_sampling_ratio.dmn").read_text("utf-8")
    other = table.replace('name="双随机抽查比例和频次（', 'name="另一张表（', 1)
    assert other != table
    with pytest.raises(VersionQuestion) as asked:
        bundled(lambda e: e.repository.deploy([("ratios.dmn", other.encode())], "owner"))
    assert "决策表 id “p10_sampling_ratio”已由另一个文件 p10_sampling_ratio.dmn 部署" in asked.value.problems[0]["reason"]
