"""In a real browser: a member of the public reports a violation and follows it (issue 19 item 6; 000 §3(5)
"及时受理并依法处理……依法为举报人保密"). 王秀兰 fills the 投诉举报 page, forgets the department and gets the
form back with her name and phone still there; she submits and gets a 查询码. A mistyped code finds
nothing; her code shows the report being reviewed. The bureau accepts, verifies and replies; her code now
shows 已答复 and the reply, and never the officers' names or the findings."""
import pytest

from engine import Liandong
from engine.clock import FrozenClock
from engine.monitoring import InstanceFilter
from tests.browser_support import make_app, needs_chromium, serving, shot

pytestmark = needs_chromium


@pytest.fixture
def site(tmp_path, processes_template):
    clock = FrozenClock("2026-11-23 09:30")
    app = make_app(tmp_path, processes_template, clock)
    with serving(app) as base:
        yield base, app, clock


def handle_and_reply(app, clock):
    with app.extensions["liandong_sessions"]() as session, session.begin():
        e = Liandong(session, clock)
        [matter] = e.monitoring.instances(InstanceFilter(process_key="p12_complaint_report"))

        def step(spec, user, data):
            task = next(t for t in e.tasks.of_instance(matter.id, open_only=True) if t.spec_id == spec)
            e.tasks.complete(task.id, user, data, task.revision)
        step("accept_report", "fengxue", {"decision": "accept", "decided_on": "2026-11-23", "reason": "属本局职责",
                                          "handling_officer": "tangjun", "handling_days": 10})
        step("handle_report", "tangjun", {"verified": "verified", "findings": "仓库内违规储存油漆约两吨",
                                          "action": "rectification", "reward_proposed": False})
        step("reply_reporter", "tangjun", {"reply_method": "phone", "replied_on": "2026-11-25",
                                           "reply_summary": "经核查举报属实，已责令该企业限期整改。感谢您的监督。"})


def test_a_reporter_files_a_report_and_follows_it_with_the_query_code(page, site):
    base, app, clock = site
    page.goto(f"{base}/public/report")
    page.fill("[name=subject]", "举报某企业违规储存危险化学品")
    page.fill("[name=enterprise_name]", "鞍山市丙化工有限公司")
    page.fill("[name=content]", "仓库内堆放大量油漆桶，无防火措施。")
    page.fill("[name=name]", "王秀兰")
    page.fill("[name=phone]", "13804120099")
    page.click("button:has-text('提交举报')")  # no department chosen
    assert "请选择承办部门" in page.content()
    assert page.input_value("[name=name]") == "王秀兰" and page.input_value("[name=phone]") == "13804120099"
    assert page.input_value("[name=content]") == "仓库内堆放大量油漆桶，无防火措施。"
    shot(page, "report_error_kept")
    page.select_option("[name=department]", "emergency_bureau")
    page.click("button:has-text('提交举报')")
    code = page.locator("#tracking-code").inner_text()
    assert "举报已提交" in page.content() and "-" in code and "王秀兰" not in page.content()
    shot(page, "report_code")

    page.click("text=举报进度查询")
    page.fill("[name=code]", code[:-1] + ("A" if code[-1] != "A" else "B"))
    page.click("button:has-text('查询')")
    assert "查询码不正确" in page.content()
    page.fill("[name=code]", code)
    page.click("button:has-text('查询')")
    assert "已收到，正在受理审查" in page.locator("#progress").inner_text()

    handle_and_reply(app, clock)
    page.goto(f"{base}/public/track")
    page.fill("[name=code]", code.lower())  # as typed from a note
    page.click("button:has-text('查询')")
    progress = page.locator("#progress").inner_text()
    assert "已答复" in progress and "经核查举报属实，已责令该企业限期整改。" in progress
    for private in ("仓库内违规储存油漆约两吨", "tangjun", "唐军", "fengxue", "王秀兰", "13804120099"):
        assert private not in page.content()
    # the code she typed in lower case reads back as she was given it (1-6H5…), not 1-6h5…
    assert page.eval_on_selector("[name=code]", "e => getComputedStyle(e).textTransform") == "uppercase"
    shot(page, "report_progress")
