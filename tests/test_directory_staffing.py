"""The demo directory staffs every form it offers — 000 §3(5), 001 §4(4)4 (reports accepted by each
department), 001 §4(3)2 and 004 §3(5) (法制审核 of every major enforcement decision).

For every supervision department the bundled forms list: a citizen's report on /public/report reaches that
department's 投诉举报受理人员, and a major penalty case of that department reaches its 法制审核人员."""
import re
import shutil

import pytest
from sqlalchemy import select

from engine import db, directory
from engine.clock import FrozenClock
from engine.models import Department, Instance
from tests.scenario import Scenario
from tests.supervision_helpers import uscc
from web import create_app


@pytest.fixture
def site(tmp_path, processes_template):
    target = tmp_path / "staffing.sqlite3"
    shutil.copy(processes_template, target)
    url = f"sqlite:///{target}"
    clock = FrozenClock("2026-10-12 09:00")
    eng = db.make_engine(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "CLOCK": clock})
    yield Scenario(db.session_factory(eng), clock), app
    app.extensions["liandong_engine"].dispose()
    eng.dispose()


def supervision_departments(s) -> list[str]:
    return s.run(lambda e: list(e.db.execute(
        select(Department.code).where(Department.kind == "supervision").order_by(Department.code)).scalars()))


def test_a_report_to_any_department_reaches_its_complaint_handler(site):
    s, app = site
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    departments = supervision_departments(s)
    assert len(departments) == 5
    for n, dept in enumerate(departments):
        answer = client.post("/public/report", data={
            "subject": f"举报第{n}号企业违规经营", "enterprise_name": f"鞍山市第{n}号有限公司", "department": dept,
            "content": "现场发现违规行为", "anonymous": "on", "csrf_token": token})
        assert answer.status_code == 200 and "举报已提交" in answer.get_data(as_text=True), dept
        matter = s.run(lambda e: e.db.execute(select(Instance).where(
            Instance.process_key == "p12_complaint_report").order_by(Instance.id.desc())).scalars().first().id)
        accept = s.matter(matter).task("accept_report")
        handlers = s.run(lambda e, d=dept: directory.holders(e.db, d, "complaint_handler"))
        assert accept.department == dept and accept.candidates == handlers, dept


def test_a_major_case_of_any_department_reaches_its_legal_reviewer(site):
    s, _ = site
    for n, dept in enumerate(supervision_departments(s)):
        officers = [o["id"] for o in s.run(lambda e, d=dept: directory.certified_officers(e.db, d))][:2]
        assert len(officers) == 2, f"{dept} 没有两名持证执法人员"
        head = s.run(lambda e, d=dept: directory.holders(e.db, d, "responsible_person"))[0]
        m = s.start("p11_penalty_case", by=officers[0], data={
            "subject": "重大违法案件", "enterprise_name": f"鞍山市第{n}号有限公司", "credit_code": uscc(500 + n),
            "department": dept, "case_source": "daily_inspection", "facts": "日常检查发现违法行为"})
        m.complete("approve_filing", by=head, data={"filing_decision": "file", "investigators": officers,
                                                    "filing_opinion": "同意立案"})
        m.complete("investigate", by=officers[0], data={
            "party_address": "鞍山市铁西区", "legal_representative": "某某", "findings": "违法事实清楚",
            "evidence": "现场检查笔录", "returned_at": "2026-10-12T08:30:00+08:00", "archive_delayed": False,
            "penalty_kind": "fine", "proposed_penalty": "罚款人民币五万元", "major_circumstances": ["public_interest"],
            "suspected_crime": False})
        m.complete("notify_proposed_penalty", by=officers[0], data={
            "notice_no": f"告〔2026〕{n}号", "served_on": "2026-10-12", "defence_days": 5})
        m.complete("receive_statement", by=officers[0], data={
            "statement": "无异议", "hearing_requested": False, "defence_status": "stated"})
        review = m.task("legal_review")
        reviewers = s.run(lambda e, d=dept: directory.holders(e.db, d, "legal_reviewer"))
        assert review.department == dept and review.candidates == reviewers, dept
