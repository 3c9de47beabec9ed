"""Time limits as the pages offer them (003 §2(3), §3(3)): the office operations on a task follow the
kind of its limit, the person named to approve a 延期 can open it and approve it, and the 期限考核
report for the oversight offices. Runs the bundled procedures behind the real app."""
import pytest

from engine import Liandong
from engine.clock import FrozenClock
from tests.browser_support import make_app
from tests.test_office import P12, REPORT
from tests.test_p01_approval_result_push import PROCESS as P1, PUSH, start_data
from tests.web_fixtures import WebUser


class Office:
    def __init__(self, app, clock):
        self.app, self.clock = app, clock

    def run(self, action):
        with self.app.extensions["liandong_sessions"]() as session, session.begin():
            return action(Liandong(session, self.clock))

    def open_task(self, matter_id: int, spec_id: str):
        return self.run(lambda e: next(t for t in e.tasks.of_instance(matter_id, open_only=True) if t.spec_id == spec_id))

    def user(self, person_id: str) -> WebUser:
        return WebUser(self.app, person_id)


@pytest.fixture
def office(tmp_path, processes_template):
    clock = FrozenClock("2026-10-08 09:00")
    app = make_app(tmp_path, processes_template, clock)
    yield Office(app, clock)
    app.extensions["liandong_engine"].dispose()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_receiving_liaison_is_offered_neither_pause_nor_extension(office):
    """003 §2(3) 超时默认: 高燕's receipt page (P1 接收审批结果) offers no 补正 and no 申请延期, and posting
    either anyway is refused without a trace."""
    matter = office.run(lambda e: e.runtime.start(P1, start_data(concluded_at="2026-10-08T08:30:00+08:00",
                                                                 departments=["emergency_bureau"]), "sunli").id)
    push = office.open_task(matter, "push_result")
    office.run(lambda e: e.tasks.complete(push.id, "sunli", PUSH, push.revision))
    receipt = office.open_task(matter, "receive_push")
    gaoyan = office.user("gaoyan")
    page = text(gaoyan.get(f"/tasks/{receipt.id}"))
    assert "接收审批结果" in page and "法定时限" in page
    assert "补正（暂停计时）" not in page and "申请延期" not in page
    for name, params in (("pause", {"reason": "待补充"}), ("request_extension", {"days": 2, "reason": "忙"})):
        assert gaoyan.post(f"/tasks/{receipt.id}/ops/{name}", params).status_code == 403
    assert office.run(lambda e: e.history.events(matter, "clock_stopped") + e.history.events(matter, "extension_requested")) == []


def test_a_reporters_limit_offers_pause_and_extension_to_its_holder(office):
    """000 §3(5): accepting a report is a limit owed to the reporter: its holder 冯雪 is offered 补正 and
    申请延期, and the page says which kind of limit it is."""
    office.clock.set("2026-10-13 08:30")
    matter = office.run(lambda e: e.runtime.start(P12, dict(REPORT), "fengxue").id)
    accept = office.open_task(matter, "accept_report")
    page = text(office.user("fengxue").get(f"/tasks/{accept.id}"))
    assert "补正（暂停计时）" in page and "申请延期" in page and "对申请人时限" in page


def test_oversight_offices_read_the_report_and_file_an_accountability_request(office):
    """003 §3(3) "市委市政府督查室、市编委办、市政府法制办要加强……监督，……对落实制度不力、工作敷衍的部门提请市政府予以
    问责": 督查室's 杜鑫, 编委办's 姚志 and 法制办's 秦璐 open 期限考核 (a liaison may not). 市市场监督管理局 let a
    商请 answer run past its 3 working days; 杜鑫 files 提请市政府予以问责 against it. The request is in the
    event log and on the report; one without reasons, or against a department with no missed limit, is
    refused and nothing is recorded."""
    from tests.test_office import request
    office.clock.set("2026-09-30 10:00")
    office.run(lambda e: e.runtime.start("p3_consultation_request", request(), "sunli"))
    office.clock.set("2026-10-12 09:00")  # due Sat 10 Oct: open and overdue
    for person in ("duxin", "yaozhi", "qinlu"):
        page = text(office.user(person).get("/admin/compliance"))
        assert "期限考核" in page and "市市场监督管理局" in page
    assert office.user("zhuling").get("/admin/compliance").status_code == 403

    duxin = office.user("duxin")
    refused = duxin.post("/admin/compliance/accountability", {"department": "market_bureau",
                                                               "process_key": "p3_consultation_request", "reason": " "},
                         follow_redirects=True)
    assert "提请问责失败：提请问责须写明事实和理由" in text(refused)
    refused = duxin.post("/admin/compliance/accountability", {"department": "approval_bureau.market",
                                                               "process_key": "p3_consultation_request",
                                                               "reason": "x"}, follow_redirects=True)
    assert "没有未按时限办理的记录" in text(refused)
    assert office.run(lambda e: e.accountability.requests()) == []
    assert office.user("zhuling").post("/admin/compliance/accountability", {
        "department": "market_bureau", "process_key": "p3_consultation_request", "reason": "x"}).status_code == 403

    done = duxin.post("/admin/compliance/accountability", {
        "department": "market_bureau", "process_key": "p3_consultation_request",
        "reason": "商请答复超过3个工作日仍未反馈"}, follow_redirects=True)
    page = text(done)
    assert "已提请市政府予以问责" in page and "已提请 1 次" in page and "商请答复超过3个工作日仍未反馈" in page
    [entry] = office.run(lambda e: [(ev.actor, ev.data["department"], ev.data["missed"])
                                    for ev in e.accountability.requests()])
    assert entry == ("duxin", "market_bureau", 1)
