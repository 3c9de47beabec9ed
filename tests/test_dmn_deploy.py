"""Decision tables are parsed and every expression in them sandbox-checked at deployment, with the
element and line, through the command line and the modeler (issue 16 item 6)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.errors import DeploymentError
from engine.models import Definition

pytest_plugins = ["tests.web_fixtures"]
ROOT = Path(__file__).parent.parent
DMN = Path(__file__).parent / "data" / "dmn"
# each malformed table, and what its refusal says
CASES = {
    "dmn_import_input": ("in_grade_expr", "不允许使用以下划线开头的名称 __import__"),
    "dmn_no_table": ("dmn_no_table", "没有决策表"),
    "dmn_hit_policy_first": ("dmn_hit_policy_first_table", "命中策略 FIRST 不支持"),
    "dmn_no_input_expression": ("in_grade", "没有输入表达式"),
    "dmn_output_without_name": ("out_ratio", "没有 name"),
    "dmn_rule_missing_entry": ("rule_b", "每条规则每列一个条目"),
    "dmn_feel_range": ("rule_a_grade", "FEEL 的区间写法"),
    "dmn_output_syntax": ("rule_a_ratio", "语法错误"),
}


def definitions(engine) -> int:
    return engine.db.scalar(select(func.count()).select_from(Definition))


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_malformed_decision_table_is_refused_with_its_element_and_line(engine, name):
    element, reason = CASES[name]
    before = definitions(engine)
    with pytest.raises(DeploymentError) as err:
        engine.repository.deploy([(f"{name}.dmn", (DMN / f"{name}.dmn").read_bytes())], user="owner")
    problems = err.value.problems
    assert all(p["element"] == element and p["line"] and p["file"] == f"{name}.dmn" for p in problems), problems
    assert any(reason in p["reason"] for p in problems), problems
    assert definitions(engine) == before


def test_the_bundled_decision_table_passes():
    from engine import bpmn_xml, dmn_checks
    root = bpmn_xml.parse_safely((ROOT / "processes" / "p10_sampling_ratio.dmn").read_bytes())
    assert dmn_checks.problems(root) == []


def test_the_command_line_refuses_an_import_in_an_input_expression(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "engine.cli", "--json", "deploy", str(DMN / "dmn_import_input.dmn")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    problem = json.loads(done.stderr.strip().splitlines()[-1])["error"]["problems"][0]
    assert problem["file"] == "dmn_import_input.dmn" and problem["element"] == "in_grade_expr"
    assert problem["line"] == 6 and "__import__" in problem["reason"]


def test_the_modeler_refuses_an_import_in_an_input_expression(web, backdoor):
    owner = web("owner")
    before = backdoor.run(definitions)
    response = owner.post("/modeler/deploy", {"xml": (DMN / "dmn_import_input.dmn").read_text("utf-8"),
                                              "filename": "dmn_import_input.dmn"})
    assert response.status_code == 422
    problem = response.get_json()["problems"][0]
    assert problem["element"] == "in_grade_expr" and problem["line"] == 6 and "__import__" in problem["reason"]
    assert backdoor.run(definitions) == before
