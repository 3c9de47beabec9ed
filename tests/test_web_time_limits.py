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


def test_the_approver_refuses_an_extension_on_the_page_and_through_the_api(office):
    """000 §3(5), office conventions (延期 needs a leader's approval): 冯雪 asks for 2 more working days
    on the report she must accept by Mon 19 Oct. 马平, the deputy leader it went to, is offered 不予延期
    beside 批准延期; without a reason the page keeps the form and says why; with one the limit stays.
    冯雪 reads the refusal and its reason on her task and among her notifications; the report of
    期限考核 counts it under 不予延期. Her second request is refused through the API the same way."""
    office.clock.set("2026-10-13 08:30")
    matter = office.run(lambda e: e.runtime.start(P12, dict(REPORT), "fengxue").id)
    accept = office.open_task(matter, "accept_report")
    fengxue, maping = office.user("fengxue"), office.user("maping")
    fengxue.post(f"/tasks/{accept.id}/ops/request_extension", {"days": "2", "reason": "需向举报人核实线索来源"})
    page = text(maping.get(f"/tasks/{accept.id}"))
    assert "批准延期" in page and "不予延期" in page
    assert "不予延期" not in text(office.user("hebin").get(f"/tasks/{accept.id}"))  # her section head may not decide
    kept = maping.post(f"/tasks/{accept.id}/ops/refuse_extension", {"reason": " "})
    assert kept.status_code == 422 and "不予延期失败：请填写“不予延期的理由”" in text(kept)  # said beside the field
    assert office.run(lambda e: e.history.events(matter, "extension_refused")) == []

    done = maping.post(f"/tasks/{accept.id}/ops/refuse_extension", {"reason": "线索可通过12350平台核实，按期受理"},
                       follow_redirects=True)
    assert "已不予延期，期限不变" in text(done)
    assert office.open_task(matter, "accept_report").due_at == accept.due_at
    page = text(fengxue.get(f"/tasks/{accept.id}"))
    assert "不予延期：</strong>线索可通过12350平台核实，按期受理" in page and "办理期限不变" in page
    assert "截止 2026-10-19" in page
    assert "不予延期：受理审查——线索可通过12350平台核实，按期受理" in text(fengxue.get("/notifications"))
    compliance = text(office.user("admin").get("/admin/compliance.csv"))
    assert "不予延期" in compliance.splitlines()[0]

    client = office.app.test_client()
    token = client.post("/api/v1/token", json={"id": "maping", "password": "liandong2026"}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    nothing_pending = client.post(f"/api/v1/tasks/{accept.id}/refuse_extension", json={"reason": "x"}, headers=auth)
    assert nothing_pending.status_code == 403  # no 延期申请 is waiting: the operation is not offered
    fengxue.post(f"/tasks/{accept.id}/ops/request_extension", {"days": "1", "reason": "举报人要求补充材料"})
    refused = client.post(f"/api/v1/tasks/{accept.id}/refuse_extension", json={"reason": "补充材料可在受理后提交"},
                          headers=auth)
    assert refused.status_code == 200 and refused.get_json()["done"] == "已不予延期，期限不变"
    assert [ev.data["reason"] for ev in office.run(lambda e: e.history.events(matter, "extension_refused"))] == [
        "线索可通过12350平台核实，按期受理", "补充材料可在受理后提交"]
