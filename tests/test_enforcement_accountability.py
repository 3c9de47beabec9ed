"""执法责任追究: a missed enforcement duty is referred for accountability.

001 §4(3)2: "全面落实行政执法责任制，建立行政执法责任追究制度"。
001 §5(3): "对监管部门及其工作人员未按规定严格监管执法或监管过程中的违法违规行为，依法依纪严肃处理"。
001 §6(1): "各行政机关主要领导是第一责任人，分管领导是主要责任人，从事日常监管的工作人员为直接责任人"。
002: records archived "24小时内（特殊情况不得超过3个工作日）".
"""
import re

import pytest

from engine.errors import FormInvalid, InvalidState, NotCandidate
from tests.test_p03_consultation_request import request
from tests.test_p11_penalty_case import file_and_investigate, start
from tests.test_public_pages import WebUser, site  # noqa: F401  (the fixture)


def late_archive(s):
    """A P11 case whose records were not archived within 24 hours of returning (002)."""
    s.at("2026-10-12 09:00")
    m = start(s)
    s.at("2026-10-13 18:00")
    file_and_investigate(s, m)  # returned 13 Oct 17:30: due 14 Oct 17:30
    s.advance_to("2026-10-15 09:00")
    return m, m.task("archive_records")


def test_a_missed_enforcement_duty_is_referred_naming_who_answers_for_it(site):  # noqa: F811
    """The archive is a day late. 法制办's 秦璐 refers it for 执法责任追究: the referral is in the case's own
    log and names the officers who held the step as 直接责任人, the deputy leader 马平 as 主要责任人 and
    the main leader 李东 as 第一责任人 (001 §6(1)). It can be made once per step."""
    s, _ = site
    m, archive = late_archive(s)
    s.run(lambda e: e.accountability.refer_enforcement_duty("qinlu", archive.id, "执法记录逾期未归档，超过24小时"))
    [referral] = m.events("enforcement_accountability_referred")
    assert (referral["actor"], referral["task_id"], referral["name"]) == ("qinlu", "archive_records", "执法记录归档")
    assert (referral["data"]["direct"], referral["data"]["principal"], referral["data"]["first"]) == (
        ["luoyi", "xiehua"], ["maping"], ["lidong"])
    assert referral["data"]["reason"] == "执法记录逾期未归档，超过24小时"
    with pytest.raises(InvalidState) as twice:
        s.run(lambda e: e.accountability.refer_enforcement_duty("duxin", archive.id, "再次提出"))
    assert twice.value.message == "“执法记录归档”已提出执法责任追究"


def test_only_the_oversight_offices_refer_and_only_a_missed_enforcement_limit(site):  # noqa: F811
    """A step still within its limit cannot be referred; nor can a late step of a coordination procedure
    (P3: 003 §3(3)'s 问责 of the department covers those); a department's own section head cannot refer;
    a referral without a reason is refused. Each refusal leaves the log as it was."""
    s, _ = site
    s.at("2026-10-12 09:00")
    m = start(s)
    s.at("2026-10-13 18:00")
    file_and_investigate(s, m)
    archive = m.task("archive_records")  # due 14 Oct 17:30
    with pytest.raises(InvalidState) as in_time:
        s.run(lambda e: e.accountability.refer_enforcement_duty("qinlu", archive.id, "理由"))
    assert in_time.value.message == "“执法记录归档”未超过办理期限，不能追究执法责任"

    p3 = s.start("p3_consultation_request", by="sunli", data=request())
    s.advance_to("2026-10-20 09:00")  # the answer was due within 3 working days
    answer = p3.task("answer_request")
    with pytest.raises(InvalidState) as coordination:
        s.run(lambda e: e.accountability.refer_enforcement_duty("qinlu", answer.id, "理由"))
    assert coordination.value.message.startswith("只能对行政执法流程")

    with pytest.raises(NotCandidate):
        s.run(lambda e: e.accountability.refer_enforcement_duty("hebin", archive.id, "理由"))
    with pytest.raises(InvalidState) as no_reason:
        s.run(lambda e: e.accountability.refer_enforcement_duty("qinlu", archive.id, "  "))
    assert no_reason.value.message == "执法责任追究须写明事实和理由"
    with pytest.raises(InvalidState) as invisible:
        s.run(lambda e: e.accountability.refer_enforcement_duty("qinlu", archive.id, "\u200b"))
    assert invisible.value.message == "执法责任追究须写明事实和理由"
    with pytest.raises(FormInvalid) as overlong:
        s.run(lambda e: e.accountability.refer_enforcement_duty("qinlu", archive.id, "逾" * 5001))
    assert overlong.value.message == "“事实和理由”不能超过5000个字"
    assert m.events("enforcement_accountability_referred") == p3.events("enforcement_accountability_referred") == []


def test_the_oversight_office_refers_from_the_compliance_page(site):  # noqa: F811
    """期限考核 lists the enforcement steps past their limit; 秦璐 refers the late archive there with a
    reason and the page then lists the referral with the three levels of responsibility."""
    s, app = site
    m, archive = late_archive(s)
    web = WebUser(app, "qinlu")
    page = web.get("/admin/compliance").get_data(as_text=True)
    assert "执法责任追究" in page and "执法记录归档" in page and "追究执法责任" in page
    done = web.post("/admin/compliance/enforcement-referral", {"task_id": str(archive.id), "reason": ""})
    assert done.status_code == 302
    assert m.events("enforcement_accountability_referred") == []  # refused: no reason
    web.post("/admin/compliance/enforcement-referral", {"task_id": str(archive.id), "reason": "逾期未归档"})
    page = web.get("/admin/compliance").get_data(as_text=True)
    assert "已提出" in page
    for name in ("罗毅", "谢华", "马平", "李东", "逾期未归档"):
        assert name in page, name
    assert len(m.events("enforcement_accountability_referred")) == 1
    assert WebUser(app, "hebin").get("/admin/compliance").status_code == 403


def test_the_missed_duties_are_found_through_indexes_not_by_reading_every_step(site):  # noqa: F811
    """001 §4(3)2 执法责任追究 lists every enforcement step past its limit — still open, or closed after it —
    however many steps were done in time: each of its queries walks an index of late steps by limit
    (ix_human_task_state_due for open ones, ix_human_task_closed_late for closed ones), never the whole
    table. The late archive is listed while open and again once archived late."""
    from sqlalchemy import event

    s, _ = site
    m, archive = late_archive(s)
    ids = lambda: s.run(lambda e: [t.id for t, _ in e.accountability.missed_enforcement_duties()])  # noqa: E731
    assert ids() == [archive.id]
    m.complete("archive_records", by="luoyi", data={"archive_no": "GD-2026-1013-02", "stored_on_server": True})
    assert ids() == [archive.id]  # closed late: still a missed duty

    plans = []

    def explain(conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and "human_task" in statement:
            plans.append(" | ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)))

    def run(e):
        event.listen(e.db.get_bind(), "before_cursor_execute", explain)
        try:
            return e.accountability.missed_enforcement_duties()
        finally:
            event.remove(e.db.get_bind(), "before_cursor_execute", explain)
    s.run(run)
    assert len(plans) == 2, plans
    assert "ix_human_task_state_due" in plans[0] and "ix_human_task_closed_late" in plans[1], plans
    assert not [p for p in plans if re.search(r"SCAN human_task(?! USING)", p)], plans  # no bare table scan
