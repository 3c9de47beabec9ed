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


def test_a_penalty_decision_goes_to_the_section_paired_with_the_department(scenario):
    """003 §2(3) "各行业监管部门应将行政处罚决定等监管信息，在1个工作日内通过审管互动平台通知市行政审批局" and
    §2(2) "按照科室与部门间的对应关系": 市住房和城乡建设局's decision is pushed to 工程建设审批科, the section
    it is paired with — the deciding leader only says the party holds a licence of the bureau."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = s.start("p11_penalty_case", by="pengyu", data={
        "subject": "鞍山市某建筑公司未按规定设置安全警示标志", "enterprise_name": "鞍山市某建筑有限公司",
        "credit_code": "91210300MA0Y8K3L7P", "department": "housing_bureau", "case_source": "daily_inspection",
        "facts": "日常检查发现施工现场未设置安全警示标志"})
    m.complete("approve_filing", by="caolei", data={"filing_decision": "file", "investigators": ["pengyu", "zenghao"],
                                                    "filing_opinion": "同意立案"})
    m.complete("investigate", by="pengyu", data={
        "party_address": "鞍山市立山区", "legal_representative": "某某", "findings": "未设置安全警示标志",
        "evidence": "现场检查笔录", "returned_at": "2026-10-12T08:30:00+08:00", "archive_delayed": False,
        "penalty_kind": "warning", "proposed_penalty": "警告", "suspected_crime": False})
    m.complete("notify_proposed_penalty", by="pengyu", data={"notice_no": "鞍住建告〔2026〕3号",
                                                            "served_on": "2026-10-12", "defence_days": 5})
    m.complete("receive_statement", by="pengyu", data={"statement": "无异议", "hearing_requested": False,
                                                       "defence_status": "stated"})
    m.complete("decide_penalty", by="songkai", data={"decision": "penalize", "penalty_content": "警告",
                                                     "decided_on": "2026-10-13", "approved_by_bureau": True})
    m.complete("serve_decision", by="pengyu", data={"served_on": "2026-10-14", "service_method": "direct"})
    push = m.task("push_penalty_decision")
    assert push.assignee == "dengli"
    m.complete("push_penalty_decision", by="dengli", data={
        "decision_no": m.data["decision_no"], "penalty_content": "警告", "major_penalty": False,
        "proposes_revocation": False, "legal_basis": "《建设工程安全生产管理条例》"})
    receive = m.task("receive_supervision_info")
    assert (receive.department, receive.assignee) == ("approval_bureau.construction", "wufang")


def test_a_department_pushing_on_its_own_reaches_its_paired_section_and_cannot_pick_another(scenario):
    """003 §2(2) "市行政审批局按照科室与部门间的对应关系开展工作": 市卫生健康委员会's liaison 孔宁 pushes a policy
    change; it reaches 社会事务审批科's liaison 陈静, the section the directory pairs the commission with.
    The start form has no field to send it elsewhere: naming 市场准入审批科 is refused and nothing starts."""
    from engine.errors import FormInvalid
    from engine.models import Instance
    from tests.test_p02_supervision_info_push import start_data

    s = scenario
    s.at("2026-10-12 09:00")
    data = start_data(subject="医疗机构消防安全管理规定调整", enterprise_name="鞍山市某医院",
                      supervision_department="health_commission", info_kind="policy_change",
                      occurred_on="2026-10-12", summary="医疗机构消防安全管理规定调整。")
    with pytest.raises(FormInvalid) as refused:
        s.start("p2_supervision_info_push", by="kongning", data={**data, "approval_section": "approval_bureau.market"})
    assert refused.value.errors == {"_form": "表单包含未定义的字段"}
    assert s.run(lambda e: e.db.execute(select(Instance)).scalars().all()) == []

    m = s.start("p2_supervision_info_push", by="kongning", data=data)
    assert m.data["approval_section"] == "approval_bureau.social"
    m.complete("push_supervision_info", by="kongning", data={
        "document_title": "关于调整医疗机构消防安全管理要求的通知", "document_no": "辽卫发〔2026〕8号",
        "content": "自2026年11月1日起执行新的医疗机构消防安全管理要求。"})
    receive = m.task("receive_supervision_info")
    assert (receive.department, receive.assignee) == ("approval_bureau.social", "chenjing")
