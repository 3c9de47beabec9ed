"""In a real browser: the administrator's 迁移 says what will happen before it happens (issue 19 "also").

A P3 商请 (003 §2(3)) runs on version 1; 朱玲 holds 答复商请. The process owner has since deployed version 2,
which renames that step, and version 3, which drops a step the matter has already taken. The administrator
chooses version 3: the page says it cannot be done and why, and offers nothing to confirm. She chooses
version 2: the page lists the steps kept, the step that goes on with its holder and deadline, the timer
and its time, and what version 2 changes; the matter is still on version 1 until she confirms. She
confirms: the matter is on version 2 and the event log says so."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in
from tests.test_p03_consultation_request import request

pytestmark = needs_chromium
P3 = Path(__file__).resolve().parent.parent / "processes" / "p03_consultation_request.bpmn"


@pytest.fixture
def p3_with_newer_versions(tmp_path, processes_template):
    xml = P3.read_text(encoding="utf-8")

    def prepare(engine):
        matter = engine.runtime.start("p3_consultation_request", request(), "sunli")
        renamed = xml.replace('id="answer_request" name="答复商请"', 'id="answer_request" name="答复商请（限时）"')
        engine.repository.deploy([(P3.name, renamed.encode())], "owner")  # version 2
        dropped = xml.replace("record_sent_time", "stamp_sent_time")  # version 3: a step taken is gone
        engine.repository.deploy([(P3.name, dropped.encode())], "owner")
        return matter.id
    with serving_prepared(tmp_path, processes_template, prepare) as (base, matter_id):
        yield base, matter_id


def choose_version(page, base, matter_id, version):
    page.goto(f"{base}/admin/instances/{matter_id}")
    page.select_option("#migrate-form select[name=version]", str(version))
    page.click("#migrate-form button[type=submit]")


def test_the_administrator_reads_what_a_migration_will_do_before_it_is_done(page, p3_with_newer_versions):
    base, matter_id = p3_with_newer_versions
    sign_in(page, base, "admin")

    choose_version(page, base, matter_id, 3)
    refused = page.inner_text("#migrate-refused")
    assert "不能迁移" in refused and "记录商请发出时间" in refused and "继续按版本 1 办理" in refused
    assert page.locator("button:has-text('确认迁移')").count() == 0
    shot(page, "migrate_refused")

    choose_version(page, base, matter_id, 2)
    assert "从版本 1" in page.inner_text(".task-head") and "迁移到版本 2" in page.inner_text(".task-head")
    plan = page.inner_text("#migrate-plan")
    assert "已走过的步骤、办理记录和填写内容保持不变" in plan and "继续由原办理人办理，办理期限不变" in plan
    step = page.locator("#migrate-plan tbody tr", has_text="答复商请")
    assert "朱玲" in step.inner_text() and "剩 3 个工作日" in step.inner_text()
    assert "商请逾期" in plan and "2026-11-26 23:59" in plan  # the overdue timer keeps its time
    changes = page.inner_text("#migrate-changes")
    assert "用户任务“答复商请（限时）”" in changes and "答复商请 → 答复商请（限时）" in changes
    shot(page, "migrate_plan")
    page.goto(f"{base}/admin/instances/{matter_id}")
    assert "版本 1" in page.inner_text(".task-head")  # nothing has happened yet

    choose_version(page, base, matter_id, 2)
    page.click("button:has-text('确认迁移到版本 2')")
    expect(page.locator("body")).to_contain_text("已迁移到新版本")
    assert "版本 2" in page.inner_text(".task-head")
    assert "迁移版本" in page.locator(".card", has_text="事件日志").inner_text()
