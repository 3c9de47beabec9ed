"""P9 责任人和联络人变更 — 鞍政办发〔2018〕66号 (seed 003) §2(2), §2(4)4.

§2(2): "因人员变动需要调整的，应及时将调整情况通过公函方式告知对方。公函中应包含责任人及联络人姓名、职务、科室、
联系方式等基本信息。" "名单分别送各行业监管部门和市行政审批局备案。"
§2(4)4: "需要以部门名义出具重大审批与监管意见，或审批与监管责任人和联络员变化等，经请示审批与监管部门主要领导同意后，
通过公函形式进行沟通。"

So: the changing department drafts the letter, its main leader approves (or refuses: the drafter revises or
withdraws), the other side's liaison files it, the directory changes, and from then on new tasks go to the
new person while tasks already assigned stay where they are.

Who is who (processes/directory.yaml): 市市场监督管理局 market_bureau — main leader 黄涛 huangtao,
responsible person 徐明 xuming, liaison (and observer) 朱玲 zhuling; 市应急管理局 emergency_bureau — main
leader 李东 lidong, responsible person 何斌 hebin, liaison 高燕 gaoyan; approval sections' liaisons 孙丽
sunli (市场准入审批科) and 吴芳 wufang (工程建设审批科).
"""
import pytest

from engine.errors import FormInvalid, NotCandidate, UnknownProcess
from engine.forms import uscc_with_check

PROCESS = "p9_contact_change"

MARKET_LIAISON_LETTER = {
    "subject": "市市场监督管理局审批与监管联络人变更",
    "department": "market_bureau",
    "role": "liaison",
    "old_person": "zhuling",
    "old_person_name": "朱玲",
    "new_person_id": "qianyu",
    "new_person_name": "钱宇",
    "title": "科员",
    "section": "登记注册科",
    "phone": "0412-5553103",
    "other_section": "登记注册科",
    "counterparts": ["approval_bureau.market"],
    "reason": "朱玲同志调任执法稽查岗位",
}

EMERGENCY_RESPONSIBLE_LETTER = {
    "subject": "市应急管理局审批与监管责任人变更",
    "department": "emergency_bureau",
    "role": "responsible_person",
    "old_person": "hebin",
    "old_person_name": "何斌",
    "new_person_id": "wanglei",
    "new_person_name": "王磊",
    "title": "安全生产监管科科长",
    "section": "安全生产监管科",
    "phone": "0412-5552111",
    "other_section": "安全生产监管科",
    "counterparts": ["approval_bureau.market", "approval_bureau.construction"],
    "reason": "何斌同志退休",
}

P7_START = {
    "subject": "鞍山某化工有限公司危险化学品经营许可联合勘验",
    "enterprise_name": "鞍山市华润化工有限公司",
    "credit_code": uscc_with_check("91210300MA0Y7K3P2"),
    "approval_section": "approval_bureau.market",
    "approval_item": "危险化学品经营许可证核发",
    "inspection_reason": "储存场所涉及甲类危险化学品，现场情况复杂",
}


def joint_inspection(s, departments, date):
    """A P7 matter invited and waiting for the departments' liaisons to name staff."""
    m = s.start("p7_joint_site_inspection", by="sunli", data=P7_START)
    m.complete("send_invitation", by="sunli", data={
        "departments": departments, "inspection_date": date, "site_address": "鞍山市铁西区工业园区8号",
        "channel": "platform", "urgency": "normal"})
    return m


def change_market_liaison(s):
    """zhuling drafts the change, huangtao approves, sunli (the other side's liaison) files it."""
    p9 = s.start(PROCESS, by="zhuling", data=MARKET_LIAISON_LETTER)
    approving = p9.task("approve_letter")
    assert (approving.assignee, approving.role, approving.department) == ("huangtao", "main_leader", "market_bureau")
    p9.complete("approve_letter", by="huangtao", data={"letter_decision": "approve", "approval_comment": "同意发函"})
    filing = p9.task("file_letter", department="approval_bureau.market")
    assert (filing.assignee, filing.role) == ("sunli", "liaison")
    p9.complete("file_letter", by="sunli", department="approval_bureau.market",
                data={"filed": True, "filing_note": "已更新联络人台账"})
    return p9


@pytest.mark.across_processes
def test_approved_change_routes_new_tasks_to_the_new_liaison_and_leaves_assigned_ones(scenario):
    """After the letter is approved and filed, a new matter's liaison task goes to 钱宇 qianyu, while the
    task already assigned to 朱玲 zhuling before the change stays with her (and she can still do it).
    Only the liaison role moves: zhuling stays market_bureau's approval observer."""
    s = scenario
    s.at("2026-09-28 09:00")
    before = joint_inspection(s, ["market_bureau"], "2026-09-30")
    assert before.task("name_staff", department="market_bureau").assignee == "zhuling"

    s.at("2026-09-28 14:00")
    p9 = change_market_liaison(s)
    assert p9.status == "completed"
    data = p9.data
    assert data["filings"] == {"approval_bureau.market": True}
    assert data["role_change"] == {"department": "market_bureau", "role": "liaison", "replaced": ["zhuling"],
                                   "new_person": "qianyu"}
    changed = p9.events("directory_changed")
    assert len(changed) == 1 and changed[0]["data"]["new_person"] == "qianyu"
    # the letter carried name, title, section and contact of the new person (003 §2(2))
    assert {k: data[k] for k in ("new_person_name", "title", "section", "phone")} == {
        "new_person_name": "钱宇", "title": "科员", "section": "登记注册科", "phone": "0412-5553103"}

    # the task assigned before the change stays with its assignee
    kept = before.task("name_staff", department="market_bureau")
    assert kept.assignee == "zhuling" and kept.candidates == ["zhuling"]

    # a new matter after the change goes to the new liaison
    s.at("2026-09-29 09:00")
    after = joint_inspection(s, ["market_bureau"], "2026-10-08")
    new_task = after.task("name_staff", department="market_bureau")
    assert new_task.assignee == "qianyu" and new_task.candidates == ["qianyu"]
    with pytest.raises(NotCandidate):
        after.complete("name_staff", by="zhuling", department="market_bureau",
                       data={"staff": ["hujie"], "contact_phone": "0412-5553188"})
    after.complete("name_staff", by="qianyu", department="market_bureau",
                   data={"staff": ["hujie"], "contact_phone": "0412-5553103"})
    before.complete("name_staff", by="zhuling", department="market_bureau",
                    data={"staff": ["linna"], "contact_phone": "0412-5553102"})
    assert before.task("give_opinion", department="market_bureau").assignee == "linna"

    # other roles of the old liaison are untouched: she is still the market bureau's observer
    p8 = s.start("p8_approval_observers", by="sunli", data={
        "subject": "某食品企业许可专业审查", "enterprise_name": "鞍山市禾丰食品有限公司",
        "credit_code": uscc_with_check("91210300MA0X2D6L8"), "approval_section": "approval_bureau.market",
        "meeting_type": "professional_review", "meeting_name": "专业审查委员会会议",
        "meeting_at": "2026-09-30T09:00:00+08:00", "meeting_place": "三楼会议室", "agenda": "审查食品生产许可",
        "departments": ["market_bureau"]})
    assert p8.task("submit_observer_opinion", department="market_bureau").assignee == "zhuling"


def test_new_consultation_request_goes_to_the_new_liaison(scenario):
    """Another procedure sees the change too: a P3 consultation request sent to the market bureau after
    P9 is answered by its new liaison (003 §2(2) "联络人主要负责……日常工作联系")."""
    s = scenario
    s.at("2026-09-28 09:00")
    request = {
        "subject": "核实某企业经营范围", "enterprise_name": "鞍山市华润化工有限公司",
        "credit_code": uscc_with_check("91210300MA0Y7K3P2"), "requesting_side": "approval_bureau.market",
        "answering_side": "market_bureau", "request_type": "information", "request_content": "请核实该企业登记的经营范围"}
    try:
        old = s.start("p3_consultation_request", by="sunli", data=request)
    except UnknownProcess:
        pytest.skip("p3_consultation_request is not deployed")
    assert old.task("answer_request").assignee == "zhuling"

    s.at("2026-09-28 14:00")
    change_market_liaison(s)

    s.at("2026-09-29 09:00")
    new = s.start("p3_consultation_request", by="sunli", data=request)
    assert new.task("answer_request").assignee == "qianyu"
    assert old.task("answer_request").assignee == "zhuling"


def test_refused_letter_is_revised_and_then_approved(scenario):
    """003 §2(4)4: without the main leader's consent no letter goes out. 李东 lidong refuses (the phone
    number is wrong); the drafter 高燕 gaoyan revises only that field and resubmits; he approves; both
    approval sections' liaisons file it; the emergency bureau's new responsible person receives the next
    joint inspection report."""
    s = scenario
    s.at("2026-10-08 09:00")
    p9 = s.start(PROCESS, by="gaoyan", data={**EMERGENCY_RESPONSIBLE_LETTER, "phone": "0412-555211"})
    assert p9.task("approve_letter").assignee == "lidong"
    with pytest.raises(NotCandidate):  # the deputy leader may not sign an official letter
        p9.complete("approve_letter", by="maping", data={"letter_decision": "approve", "approval_comment": "同意"})

    p9.complete("approve_letter", by="lidong", data={
        "letter_decision": "refuse", "approval_comment": "联系电话位数不对，核实后再报"})
    revising = p9.task("revise_letter")
    assert revising.assignee == "gaoyan" and revising.role == "starter"
    assert not [t for t in p9.open_tasks() if t.spec_id == "file_letter"], "a refused letter is not sent"
    with pytest.raises(FormInvalid) as invalid:
        p9.complete("revise_letter", by="gaoyan", data={
            "revise_action": "revise", "revision_note": "更正电话", "phone": "电话待定"})
    assert invalid.value.errors["phone"] == "请填写有效的联系电话"

    s.at("2026-10-08 15:00")
    p9.complete("revise_letter", by="gaoyan", data={
        "revise_action": "revise", "revision_note": "已更正联系电话", "phone": "0412-5552111"})
    assert p9.task("approve_letter").assignee == "lidong"
    assert len([e for e in p9.events("task_ready") if e["task_id"] == "approve_letter"]) == 2
    p9.complete("approve_letter", by="lidong", data={"letter_decision": "approve", "approval_comment": "同意"})

    filing = {t.department: t.assignee for t in p9.open_tasks() if t.spec_id == "file_letter"}
    assert filing == {"approval_bureau.market": "sunli", "approval_bureau.construction": "wufang"}
    p9.complete("file_letter", by="wufang", department="approval_bureau.construction", data={"filed": True})
    assert p9.status == "running", "the second counterpart has not filed yet"
    assert p9.data["role_change"]["new_person"] == "wanglei", "effective when the letter was issued"
    p9.complete("file_letter", by="sunli", department="approval_bureau.market", data={"filed": True})
    assert p9.status == "completed"
    assert p9.data["phone"] == "0412-5552111"
    assert p9.data["role_change"]["replaced"] == ["hebin"]
    # Only the approved version went out: one letter, numbered once, after the second approval.
    assert [(d["kind"], d["number"], d["issued_by"]) for d in p9.documents()] == [
        ("contact_change_notice", "鞍应急函〔2026〕1号", "lidong")]

    # the next joint inspection's report goes to the new responsible person
    s.at("2026-10-09 09:00")
    m = joint_inspection(s, ["emergency_bureau"], "2026-10-12")
    m.complete("name_staff", by="gaoyan", department="emergency_bureau",
               data={"staff": ["xiehua"], "contact_phone": "0412-5552188"})
    s.at("2026-10-12 10:00")
    m.complete("give_opinion", by="xiehua", department="emergency_bureau", data={
        "conclusion": "agree", "opinion": "安全设施齐全", "applicant_info": "企业负责人李某"})
    assert m.task("acknowledge_report", department="emergency_bureau").assignee == "wanglei"


def test_refused_letter_withdrawn_changes_nothing(scenario):
    """The drafter may withdraw instead of revising: the matter ends, the directory is untouched and the
    old liaison keeps receiving new tasks."""
    s = scenario
    s.at("2026-10-09 09:00")
    p9 = s.start(PROCESS, by="zhuling", data=MARKET_LIAISON_LETTER)
    p9.complete("approve_letter", by="huangtao", data={
        "letter_decision": "refuse", "approval_comment": "人员调整暂缓，维持原联络人"})
    p9.complete("revise_letter", by="zhuling", data={"revise_action": "withdraw", "revision_note": "按局长批示撤回"})

    assert p9.status == "completed"
    assert p9.open_tasks() == []
    assert p9.events("directory_changed") == []
    assert p9.documents() == [], "a withdrawn letter is never issued"
    assert "role_change" not in p9.data and "filings" not in p9.data
    done = [(t.spec_id, t.completed_by) for t in p9.done_tasks()]
    assert done == [("approve_letter", "huangtao"), ("revise_letter", "zhuling")]

    m = joint_inspection(s, ["market_bureau"], "2026-10-12")
    assert m.task("name_staff", department="market_bureau").assignee == "zhuling"


def test_letter_must_carry_the_new_persons_name_title_section_and_contact(scenario):
    """003 §2(2) "公函中应包含责任人及联络人姓名、职务、科室、联系方式等基本信息": a draft missing any of them,
    or naming a role other than responsible person or liaison, is refused before anything starts."""
    s = scenario
    s.at("2026-10-09 09:00")
    for missing in ("new_person_name", "title", "section", "phone", "other_section", "old_person", "role"):
        with pytest.raises(FormInvalid) as refused:
            s.start(PROCESS, by="zhuling", data={k: v for k, v in MARKET_LIAISON_LETTER.items() if k != missing})
        assert missing in refused.value.errors
    with pytest.raises(FormInvalid) as refused:
        s.start(PROCESS, by="zhuling", data={**MARKET_LIAISON_LETTER, "role": "main_leader"})
    assert "role" in refused.value.errors


def letter_text(s, m) -> str:
    import io

    from pypdf import PdfReader

    from engine.models import Document
    [doc] = m.documents()
    pdf = s.run(lambda e: e.db.get(Document, doc["id"]).pdf)
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_letter_lists_both_the_responsible_person_and_the_liaison(scenario):
    """003 §2(2) "公函中应包含责任人及联络人姓名、职务、科室、联系方式等基本信息": a letter changing the market
    bureau's liaison lists the new liaison (钱宇, 科员, 登记注册科, 0412-5553103) and the responsible person who
    stays (徐明, 登记注册科科长, 0412-5553101), not only the changed person."""
    s = scenario
    s.at("2026-09-28 09:00")
    p9 = change_market_liaison(s)
    text = letter_text(s, p9)
    for phrase in ("责任人徐明登记注册科科长登记注册科0412-5553101", "联络人钱宇科员登记注册科0412-5553103"):
        assert phrase in text, phrase


def test_the_change_routes_new_tasks_as_soon_as_the_letter_is_issued(scenario):
    """003 §2(2), §2(4)4: the letter, approved by the main leader, takes effect when issued ("自本函印发之日起
    生效"). 工程建设审批科 files it at once, 市场准入审批科 never does; the next joint inspection's report still goes
    to the new responsible person 王磊, not to 何斌 who left."""
    s = scenario
    s.at("2026-10-08 09:00")
    p9 = s.start(PROCESS, by="gaoyan", data=EMERGENCY_RESPONSIBLE_LETTER)
    p9.complete("approve_letter", by="lidong", data={"letter_decision": "approve", "approval_comment": "同意"})
    assert p9.events("directory_changed")[0]["data"]["new_person"] == "wanglei"
    p9.complete("file_letter", by="wufang", department="approval_bureau.construction", data={"filed": True})
    assert p9.task("file_letter", department="approval_bureau.market").state == "ready"

    m = joint_inspection(s, ["emergency_bureau"], "2026-10-12")
    m.complete("name_staff", by="gaoyan", department="emergency_bureau",
               data={"staff": ["xiehua"], "contact_phone": "0412-5552188"})
    s.at("2026-10-12 10:00")
    m.complete("give_opinion", by="xiehua", department="emergency_bureau", data={
        "conclusion": "agree", "opinion": "安全设施齐全", "applicant_info": "企业负责人李某"})
    assert m.task("acknowledge_report", department="emergency_bureau").assignee == "wanglei"
    assert p9.status == "running"
