"""In a real browser: people read Chinese, not internal ids (issue 19 item 8). On P1 (003 §2(1)) 高燕 forgets
to tick her receipt and is asked to 勾选 it; the 办理记录 names the system's step 纳入监管对象库 and says 系统;
the administrator's diagram counts the department receipts in Chinese and the event-log details give
Beijing time; P4's phone record (003 §2(4)2) asks for 接听人（姓名、职务） with Chinese punctuation.
On P6 (003 §3(2)) 姚志 drafts the arbitration opinion: its form asks for 依据（职能划分、法律法规） in Chinese
punctuation, its text boxes say how much of the one limit (5000 characters) is used, the dispute reads in
its two paragraphs under 事项信息, and the matter's diagram asks 是否涉及专业技术？"""
import re

import pytest

from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in, start_p3_trial
from tests.test_p01_approval_result_push import PUSH
from tests.test_p01_approval_result_push import start_data as p1_data
from tests.test_p04_communication_ladder import start_data as p4_data
from tests.test_p06_third_party_arbitration import start_data as p6_data

pytestmark = needs_chromium


@pytest.fixture
def matters(tmp_path, processes_template):
    def prepare(e):
        p1 = e.runtime.start("p1_approval_result_push", p1_data(concluded_at="2026-11-20T16:00:00+08:00"), "sunli")
        push = e.tasks.of_instance(p1.id, open_only=True)[0]
        e.tasks.complete(push.id, "sunli", PUSH, push.revision)
        receipts = {t.department: t for t in e.tasks.of_instance(p1.id, open_only=True)}
        market = receipts["market_bureau"]
        e.tasks.complete(market.id, "zhuling", {"confirmed": True, "supervision_measure": "routine", "risk_level": "low"},
                         market.revision)
        p4 = e.runtime.start("p4_communication_ladder", p4_data(start_rung="phone"), "sunli")
        phone = e.tasks.of_instance(p4.id, open_only=True)[0]
        p6 = e.runtime.start("p6_third_party_arbitration", p6_data(
            dispute_description="审批科认为属于事中监管。\n市场监管局认为属于审批要件核查。"), "xuming")
        opinion = e.tasks.of_instance(p6.id, open_only=True)[0]
        return {"p1": p1.id, "emergency": receipts["emergency_bureau"].id, "phone": phone.id, "p6": p6.id,
                "opinion": opinion.id}
    with serving_prepared(tmp_path, processes_template, prepare) as (base, ids):
        yield base, ids


def test_pages_speak_chinese(page, matters):
    base, ids = matters
    sign_in(page, base, "gaoyan")
    page.goto(f"{base}/tasks/{ids['emergency']}")
    page.check("input[name=supervision_measure][value=routine]")
    page.check("input[name=risk_level][value=low]")
    page.click("button[type=submit]:has-text('提交')")
    assert "请勾选“已查看并确认接收”" in page.content() and "请填写“已查看并确认接收”" not in page.content()
    record = page.locator("section.card", has_text="办理记录").inner_text()
    assert "纳入监管对象库" in record and "target_library.add" not in record
    assert "系统" in record and "system" not in record
    shot(page, "words_task")
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhaomin")
    page.goto(f"{base}/tasks/{ids['phone']}")
    assert "接听人（姓名、职务）" in page.content() and "接听人(姓名" not in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, base, "admin")
    page.goto(f"{base}/admin/instances/{ids['p1']}")
    page.wait_for_selector(".diagram[data-ready=true]")
    counts = " ".join(page.locator(".ld-count").all_inner_texts())
    assert counts and not re.search(r"[A-Z]{4,}", counts)  # no LIKELY / FUTURE / STARTED
    page.locator("details", has_text="详情").first.locator("summary").click()
    details = " ".join(pre.text_content() for pre in page.locator("pre.data").all())
    assert "+00:00" not in details  # the log stores UTC; people read Beijing time
    assert "2026-11-24T23:59:59+08:00" in details  # the receipt's deadline, end of the next working day
    shot(page, "words_admin")
    page.click("button:has-text('退出')")

    sign_in(page, base, "yaozhi")
    page.goto(f"{base}/tasks/{ids['opinion']}")
    form = page.inner_text("form.task-form") + page.inner_text("section.card:has(form.task-form) p.muted")
    assert "依据（职能划分、法律法规）" in form and "003 §3(2):" not in form and not re.search(r"[\u4e00-\u9fff][,:(]", form)
    facts = page.locator("section.card", has_text="事项信息").inner_text()
    assert "审批科认为属于事中监管。\n市场监管局认为属于审批要件核查。" in facts  # the line break is kept
    count = page.locator("#field-arbitration_opinion .text-count")
    assert count.inner_text() == "0/5000字"
    page.fill("textarea[name=arbitration_opinion]", "经审查，现场核查属于审批要件核查。")
    assert count.inner_text() == "17/5000字"
    shot(page, "words_p6_form")
    page.goto(f"{base}/matters/{ids['p6']}")
    page.wait_for_selector("#diagram[data-ready=true]")
    labels = page.locator("#diagram").inner_text()
    assert "是否涉及专业技术？" in labels and "专业技术?" not in labels


@pytest.fixture
def p3_draft(tmp_path, processes_template):
    """孙丽's P3 (003 §2(3)) as a draft of the process owner's, unchanged, ready for a trial run."""
    from pathlib import Path

    from engine.models import Draft

    xml = (Path(__file__).resolve().parent.parent / "processes" / "p03_consultation_request.bpmn").read_text("utf-8")

    def prepare(e):
        e.db.add(Draft(process_key="p3_consultation_request", content=xml, saved_by="owner", saved_at=e.clock.now()))
    with serving_prepared(tmp_path, processes_template, prepare) as (base, _):
        yield base


def test_the_trial_run_log_speaks_chinese(page, p3_draft):
    """The owner's trial run of P3: the request goes unanswered past its 3 working days; the log names
    what happened in Chinese (商请逾期, 督办逾期商请), never an event id such as overdue_escalated."""
    base = p3_draft
    sign_in(page, base, "owner")
    page.goto(f"{base}/modeler/processes/p3_consultation_request")
    page.click("#drafts button:has-text('试运行')")
    start_p3_trial(page)
    page.fill("#clock-form input[name=days]", "7")
    page.click("#clock-form button[type=submit]")
    page.wait_for_selector(".sandbox-task[data-spec='supervise_overdue_request']")
    kinds = page.locator("#sandbox-log table.event-log tbody td:nth-child(2)").all_inner_texts()
    assert "超期上报" in kinds and not [k for k in kinds if re.search(r"[a-z]_[a-z]", k)], kinds
    shot(page, "words_trial_run")
