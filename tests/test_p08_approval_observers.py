"""P8 审批观察员 — 鞍政办发〔2018〕66号 (seed 003) §2(7).

"由各行业监管部门指派若干名工作人员为审批观察员。市行政审批局建立审批观察员库，根据工作需要，邀请审批观察员参与
市行政审批局组织召开的有关审批业务会议（如专业审查委员会会议等），审批观察员代表各行业监管部门提出意见建议。"

Observer pool (processes/directory.yaml): 高燕 gaoyan for 市应急管理局 (emergency_bureau), 朱玲 zhuling for
市市场监督管理局 (market_bureau). 吴芳 wufang is the liaison of 工程建设审批科, who organises the meeting.
"""
import pytest

from engine.errors import DirectoryError, FormInvalid, NotCandidate
from engine.forms import uscc_with_check

PROCESS = "p8_approval_observers"

START = {
    "subject": "鞍山某燃气储配站建设项目专业审查",
    "enterprise_name": "鞍山市安达燃气有限公司",
    "credit_code": uscc_with_check("91210300MA0W5R8T4"),
    "approval_section": "approval_bureau.construction",
    "meeting_type": "professional_review",
    "meeting_name": "2026年第9次专业审查委员会会议",
    "meeting_at": "2026-10-12T09:30:00+08:00",
    "meeting_place": "市行政审批局三楼会议室",
    "agenda": "审查燃气储配站建设项目安全设施设计及经营场所条件",
}


@pytest.mark.across_processes
def test_observers_of_two_departments_each_speak_for_their_department(scenario):
    """003 §2(7): the bureau invites the observers of the departments concerned to its professional
    review committee; each observer gives opinions on behalf of his or her department; the record keeps
    who said what for which department, and the section records the meeting's conclusion."""
    s = scenario
    s.at("2026-10-09 10:00")
    m = s.start(PROCESS, by="wufang", data={**START, "departments": ["emergency_bureau", "market_bureau"]})

    asked = {t.department: t for t in m.open_tasks() if t.spec_id == "submit_observer_opinion"}
    assert {d: (t.assignee, t.role) for d, t in asked.items()} == {
        "emergency_bureau": ("gaoyan", "observer"),
        "market_bureau": ("zhuling", "observer"),
    }
    assert m.data["invited"] == {"emergency_bureau": "emergency_bureau", "market_bureau": "market_bureau"}

    # only the department's observer speaks for it: neither its responsible person nor another department's observer
    with pytest.raises(NotCandidate):
        m.complete("submit_observer_opinion", by="xuming", department="market_bureau",
                   data={"attendance": "in_person", "position": "agree", "opinion": "同意"})
    with pytest.raises(NotCandidate):
        m.complete("submit_observer_opinion", by="gaoyan", department="market_bureau",
                   data={"attendance": "in_person", "position": "agree", "opinion": "同意"})
    with pytest.raises(FormInvalid) as invalid:
        m.complete("submit_observer_opinion", by="gaoyan", department="emergency_bureau",
                   data={"attendance": "in_person", "position": "maybe", "opinion": "同意"})
    assert "position" in invalid.value.errors

    s.at("2026-10-12 10:40")
    m.complete("submit_observer_opinion", by="gaoyan", department="emergency_bureau", data={
        "attendance": "in_person", "position": "agree_with_conditions",
        "opinion": "储罐与周边建筑防火间距须按GB 50028复核后方可通过"})
    assert m.task("submit_observer_opinion", department="market_bureau").state == "ready"
    assert not [t for t in m.open_tasks() if t.spec_id == "record_conclusion"], "conclusion waits for all opinions"
    m.complete("submit_observer_opinion", by="zhuling", department="market_bureau", data={
        "attendance": "written", "position": "agree", "opinion": "经营主体登记信息与申报材料一致"})

    concluding = m.task("record_conclusion")
    assert concluding.assignee == "wufang"
    assert m.data["observer_opinions"] == {
        "emergency_bureau": {"department": "emergency_bureau", "attendance": "in_person",
                             "position": "agree_with_conditions",
                             "opinion": "储罐与周边建筑防火间距须按GB 50028复核后方可通过"},
        "market_bureau": {"department": "market_bureau", "attendance": "written", "position": "agree",
                          "opinion": "经营主体登记信息与申报材料一致"},
    }
    m.complete("record_conclusion", by="wufang", data={
        "conclusion": "passed_with_conditions", "opinions_handling": "采纳应急局观察员意见，复核防火间距后出具审查意见",
        "minutes": "会议审查了安全设施设计，两名观察员发表意见"})

    assert m.status == "completed"
    assert m.data["conclusion"] == "passed_with_conditions"
    # the record: who said what for which department
    said = [(e["actor"], e["data"]["department"], e["data"]["form"]["opinion"])
            for e in m.events("task_completed") if e["task_id"] == "submit_observer_opinion"]
    assert said == [
        ("gaoyan", "emergency_bureau", "储罐与周边建筑防火间距须按GB 50028复核后方可通过"),
        ("zhuling", "market_bureau", "经营主体登记信息与申报材料一致"),
    ]
    assert [e["kind"] for e in m.events()][-1] == "completed"


def test_one_department_invited(scenario):
    """A meeting may concern a single department: one observer, one opinion, then the conclusion."""
    s = scenario
    s.at("2026-10-10 09:00")  # a make-up working Saturday
    m = s.start(PROCESS, by="wufang", data={**START, "departments": ["market_bureau"]})
    assert [(t.spec_id, t.assignee) for t in m.open_tasks()] == [("submit_observer_opinion", "zhuling")]
    m.complete("submit_observer_opinion", by="zhuling", department="market_bureau",
               data={"attendance": "in_person", "position": "no_opinion", "opinion": "无意见"})
    m.complete("record_conclusion", by="wufang", data={
        "conclusion": "deferred", "opinions_handling": "观察员无意见", "minutes": "材料不全，暂缓审查"})
    assert m.status == "completed"
    assert list(m.data["observer_opinions"]) == ["market_bureau"]


def test_department_without_registered_observer_cannot_be_invited(scenario):
    """The observer pool holds only the people departments named (003 §2(7)); inviting a department with
    no observer in the pool is refused and no matter is left behind."""
    s = scenario
    s.at("2026-10-09 10:00")
    with pytest.raises(DirectoryError):
        s.start(PROCESS, by="wufang", data={**START, "departments": ["emergency_bureau", "housing_bureau"]})


def test_only_the_approval_bureau_organises_an_observer_meeting(scenario):
    """003 §2(7) "邀请审批观察员参与市行政审批局组织召开的有关审批业务会议": a supervision department's observer
    (高燕) or liaison cannot call such a meeting; the section that holds it (工程建设审批科) can."""
    s = scenario
    s.at("2026-10-09 09:00")
    for outsider in ("gaoyan", "hebin"):
        with pytest.raises(NotCandidate) as refused:
            s.start(PROCESS, by=outsider, data={**START, "departments": ["emergency_bureau"]})
        assert "工程建设审批科的组织人员" in refused.value.message
    m = s.start(PROCESS, by="zhouqiang", data={**START, "departments": ["emergency_bureau"]})
    assert m.status == "running"
