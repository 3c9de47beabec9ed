"""003 §2(2): "各行业监管部门与市行政审批局各审批业务科分别确定一名审批与监管责任人和联络人……市行政审批局按照科室与
部门间的对应关系开展工作。" The pairing is directory data (`pairs_with` of a section) and routes what a department
reports back to the approval bureau (000 §4(1)2, P10)."""
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import directory
from engine.bootstrap import PROCESSES
from engine.errors import DirectoryError
from engine.models import Department


def test_every_supervision_department_works_with_one_fixed_section(scenario):
    pairs = scenario.run(lambda e: {d.code: d.paired_section for d in e.db.execute(
        select(Department).where(Department.kind == "supervision")).scalars()})
    assert pairs == {"emergency_bureau": "approval_bureau.market", "market_bureau": "approval_bureau.market",
                     "housing_bureau": "approval_bureau.construction", "ecology_bureau": "approval_bureau.construction",
                     "health_commission": "approval_bureau.social"}
    section = scenario.run(lambda e: directory.paired_section(e.db, "housing_bureau").name)
    assert section == "工程建设审批科"


def test_a_department_paired_with_two_sections_is_refused(scenario, tmp_path: Path):
    """The pairing is fixed: one department, one section. A directory saying otherwise is refused in
    Chinese and nothing of it is loaded."""
    text = (PROCESSES / "directory.yaml").read_text(encoding="utf-8").replace(
        "pairs_with: [health_commission]", "pairs_with: [health_commission, market_bureau]")
    bad = tmp_path / "directory.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(DirectoryError) as refused:
        scenario.run(lambda e: directory.load_file(e.db, bad))
    assert refused.value.message == "部门“market_bureau”已与科室“approval_bureau.market”对应，不能再与“approval_bureau.social”对应"
    assert scenario.run(lambda e: directory.paired_section(e.db, "market_bureau").code) == "approval_bureau.market"


def test_a_department_without_a_section_is_told_so(scenario):
    scenario.run(lambda e: setattr(e.db.get(Department, "ecology_bureau"), "paired_section", None))
    with pytest.raises(DirectoryError) as refused:
        scenario.run(lambda e: directory.paired_section(e.db, "ecology_bureau"))
    assert "没有对应的市行政审批局审批科室" in refused.value.message
