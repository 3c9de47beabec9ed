"""The administrator console through the Flask test client: who may enter, what a matter's page shows,
repair actions that work and refusals that change nothing, the compliance report, the calendar."""
import re

import pytest

pytest_plugins = ["tests.web_fixtures"]

TWO_STEPS = {"department": "market_bureau", "subject": "管理台测试事项"}
ROUTES_GET = ["/admin/", "/admin/instances/1", "/admin/compliance", "/admin/compliance.csv", "/admin/calendar"]
ROUTES_POST = ["/admin/instances/1/suspend", "/admin/instances/1/terminate", "/admin/calendar"]


def start_two_steps(backdoor, finish_draft=True) -> int:
    matter = backdoor.run(lambda e: e.runtime.start("t_two_steps", dict(TWO_STEPS), "zhuling").id)
    if finish_draft:
        draft = backdoor.open_task(matter, "draft")
        backdoor.complete(draft["id"], "zhuling", {"note": "起草"})
    return matter


@pytest.mark.parametrize("url", ROUTES_GET)
def test_staff_cannot_open_admin_pages(web, backdoor, url):
    start_two_steps(backdoor)
    assert web("zhuling").get(url).status_code == 403
    assert web().get(url).status_code == 302  # signed out: to the sign-in page


@pytest.mark.parametrize("url", ROUTES_POST)
def test_staff_cannot_act(web, backdoor, url):
    matter = start_two_steps(backdoor)
    before = backdoor.event_count()
    assert web("zhuling").post(url, {"reason": "x", "text": "2027-01-01 休 元旦"}).status_code == 403
    assert backdoor.event_count() == before
    assert backdoor.run(lambda e: e.runtime.instance(matter).status) == "running"


def test_instance_list_filters_and_pages(web, backdoor):
    ids = [start_two_steps(backdoor, finish_draft=False) for _ in range(52)]
    backdoor.run(lambda e: e.management.suspend(ids[0], "admin", "核查"))
    admin = web("admin")
    page = admin.get("/admin/").get_data(as_text=True)
    assert f">#{ids[-1]}<" in page and f">#{ids[0]}<" not in page and "下一页" in page
    second = admin.get(re.search(r'href="(/admin/\?before=\d+)"', page).group(1)).get_data(as_text=True)
    assert f">#{ids[0]}<" in second and "下一页" not in second
    suspended = admin.get("/admin/?status=suspended").get_data(as_text=True)
    assert f">#{ids[0]}<" in suspended and f">#{ids[1]}<" not in suspended


def test_instance_page_shows_diagram_state_log_timers_and_tasks(web, backdoor):
    matter = start_two_steps(backdoor)
    page = web("admin").get(f"/admin/instances/{matter}").get_data(as_text=True)
    assert re.search(r"&#34;active&#34;: \[[^\]]*&#34;confirm&#34;", page)
    assert "bpmn-navigated-viewer.production.min.js" in page
    assert "超时默认确认" in page  # the pending timer, by name
    assert "确认" in page and "朱玲" in page  # the open task and its holder
    assert "办理完成" in page  # the event log


def test_the_console_offers_only_the_repairs_the_matters_state_allows(web, backdoor):
    """Like Cockpit's: a running matter can be 挂起 or 终止, not 激活 or 重试; a suspended one 激活 or 终止;
    one in error 激活, 重试 or 终止; an ended one nothing, and the card says why."""
    matter = start_two_steps(backdoor)
    admin = web("admin")

    def buttons(matter=matter) -> list[str]:
        page = admin.get(f"/admin/instances/{matter}").get_data(as_text=True)
        return re.findall(rf'action="/admin/instances/{matter}/(suspend|resume|retry|terminate)"', page)
    assert buttons() == ["suspend", "terminate"]
    admin.post(f"/admin/instances/{matter}/suspend", {"reason": "核查材料"})
    assert buttons() == ["resume", "terminate"]
    admin.post(f"/admin/instances/{matter}/terminate", {"reason": "重复立项"})
    assert buttons() == []
    assert "事项已终止，无可处置的操作" in admin.get(f"/admin/instances/{matter}").get_data(as_text=True)
    broken = start_two_steps(backdoor)
    backdoor.run(lambda e: e.management.mark_error(e.runtime.instance(broken), RuntimeError("脚本出错")))
    assert buttons(broken) == ["resume", "retry", "terminate"]


def test_repair_actions_and_refusals(web, backdoor):
    matter = start_two_steps(backdoor)
    admin = web("admin")
    before = backdoor.event_count()
    refused = admin.post(f"/admin/instances/{matter}/terminate", {"reason": ""}, follow_redirects=True)
    assert "终止事项须填写原因" in refused.get_data(as_text=True)
    assert backdoor.event_count() == before
    admin.post(f"/admin/instances/{matter}/suspend", {"reason": "核查材料"})
    assert backdoor.run(lambda e: e.runtime.instance(matter).status) == "suspended"
    admin.post(f"/admin/instances/{matter}/resume")
    confirm = backdoor.open_task(matter, "confirm")
    admin.post(f"/admin/instances/{matter}/reassign", {"task": confirm["id"], "to": "linna", "reason": "休假"})
    assert backdoor.task(confirm["id"]).assignee == "linna"
    admin.post(f"/admin/instances/{matter}/edit_data", {"key": "subject", "value": '"改正"', "reason": "错字"})
    assert backdoor.run(lambda e: e.runtime.data(e.runtime.instance(matter))["subject"]) == "改正"
    timer = backdoor.run(lambda e: e.monitoring.pending_timers(matter)[0].id)
    admin.post(f"/admin/instances/{matter}/fire_timer", {"timer": timer})
    assert backdoor.run(lambda e: e.runtime.instance(matter).status) == "completed"
    kinds = [e.kind for e in backdoor.events(matter)]
    for kind in ("suspended", "resumed", "task_reassigned", "data_edited", "timer_forced", "deemed_received"):
        assert kind in kinds


def test_compliance_report_and_csv(web, backdoor):
    start_two_steps(backdoor)
    admin = web("admin")
    page = admin.get("/admin/compliance").get_data(as_text=True)
    assert "市市场监督管理局" in page and "两步测试流程" in page
    csv = admin.get("/admin/compliance.csv")
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and text.startswith("\ufeff部门,流程,按时办结")
    assert "市市场监督管理局,两步测试流程,1,0,0,1,0,0,0" in text


def test_calendar_page_and_import(web, backdoor):
    admin = web("admin")
    page = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "官方数据" in page and 'title="2026-10-10 国庆节调休上班 工作日"' in page
    assert "暂无官方数据" in admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    bad = admin.post("/admin/calendar", {"text": "2027-13-01 休 错"}, follow_redirects=True)
    assert "导入失败" in bad.get_data(as_text=True)
    assert backdoor.run(lambda e: e.calendar.is_official(__import__("datetime").date(2027, 1, 1))) is False
    ok = admin.post("/admin/calendar", {"text": "2027-01-01 休 元旦"}, follow_redirects=True)
    assert "已导入 2027 年工作日历" in ok.get_data(as_text=True)
    assert backdoor.run(lambda e: e.calendar.is_official(__import__("datetime").date(2027, 1, 1))) is True


def test_lights_in_the_instance_list_and_the_compliance_report(web, backdoor, clock):
    matter = start_two_steps(backdoor)  # confirm due in 3 working days: green
    admin = web("admin")
    assert "正常" in admin.get("/admin/").get_data(as_text=True)
    clock.set("2026-10-08 09:00")  # the last working day before the deadline: yellow
    admin.login("admin")  # days later: the earlier sign-in has expired
    assert "预警" in admin.get("/admin/").get_data(as_text=True)
    assert 'light-yellow' in admin.get("/admin/compliance").get_data(as_text=True)
    clock.set("2026-10-09 09:00")  # past it: red
    admin.login("admin")
    page = admin.get("/admin/").get_data(as_text=True)
    assert f">#{matter}<" in page and "超期" in page
    assert "light-red" in admin.get("/admin/compliance").get_data(as_text=True)


def test_stalled_matters_are_counted_listed_and_retry_says_why(web, backdoor, app):
    """A matter waiting for a signal nothing sends: the timer worker marks it 停滞, the console counts it
    and lists it, and 重试 says why it still cannot go on, changing nothing."""
    from engine import worker

    matter = backdoor.run(lambda e: e.runtime.start("t_signal_wait", dict(TWO_STEPS), "zhuling").id)
    worker.run_due(app.extensions["liandong_sessions"], app.config["CLOCK"])
    admin = web("admin")
    page = admin.get("/admin/").get_data(as_text=True)
    assert re.search(r"需要处理：\s*<a[^>]*status=stalled[^>]*>停滞 1 件</a>", page)
    listed = admin.get("/admin/?status=stalled").get_data(as_text=True)
    assert f"/admin/instances/{matter}" in listed
    detail = admin.get(f"/admin/instances/{matter}").get_data(as_text=True)
    assert "没有可办理的任务、等待中的定时器或消息" in detail
    before = backdoor.event_count()
    response = admin.post(f"/admin/instances/{matter}/retry", follow_redirects=True)
    assert "重试后事项仍无法继续" in response.get_data(as_text=True)
    assert backdoor.event_count() == before
    assert backdoor.run(lambda e: e.runtime.instance(matter).status) == "stalled"


def test_the_console_offers_every_repair_declared_and_runs_it(web, backdoor):
    """The 处置操作 card is drawn from web/admin/repairs.py: each repair's button, the fields it asks for and
    the confirmation before 终止; a posted repair runs and says what it did."""
    from web.admin import repairs
    matter = start_two_steps(backdoor)
    admin = web("admin")
    page = admin.get(f"/admin/instances/{matter}").get_data(as_text=True)
    for op in (repairs.BY_NAME["suspend"], repairs.BY_NAME["terminate"]):  # a running matter's (see above)
        assert f'action="/admin/instances/{matter}/{op.name}"' in page and f">{op.label}</button>" in page
    assert repairs.BY_NAME["terminate"].confirm in page
    for name in ("reassign", "fire_timer", "edit_data"):  # beside the task, timer and data they act on
        assert f'/admin/instances/{matter}/{name}"' in page
    done = admin.post(f"/admin/instances/{matter}/suspend", {"reason": "核查"}, follow_redirects=True)
    assert "事项已挂起" in done.get_data(as_text=True)
    assert backdoor.run(lambda e: e.runtime.instance(matter).status) == "suspended"


def test_a_refused_repair_keeps_what_was_typed_in_its_own_form(web, backdoor):
    """Bad input loses nothing (issue 19): a refused 改派, 修改 or 终止 draws the console again with the
    refusal in that form and the typing still in its fields; the other forms stay empty."""
    matter = start_two_steps(backdoor)
    admin = web("admin")
    confirm = backdoor.open_task(matter, "confirm")
    before = backdoor.event_count()
    refused = admin.post(f"/admin/instances/{matter}/reassign",
                         {"task": confirm["id"], "to": "nobody_here", "reason": "朱玲休假两周"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 404 and "改派失败：目录中没有人员“nobody_here”" in page
    assert 'value="nobody_here"' in page and 'value="朱玲休假两周"' in page
    assert backdoor.event_count() == before and backdoor.task(confirm["id"]).assignee != "nobody_here"
    refused = admin.post(f"/admin/instances/{matter}/edit_data", {"key": "subject", "value": "改正", "reason": " "})
    page = refused.get_data(as_text=True)
    assert "修改失败：" in page and 'value="subject"' in page and 'value="改正"' in page
    assert 'value="nobody_here"' not in page  # the 改派 form is empty again
    refused = admin.post(f"/admin/instances/{matter}/terminate", {"reason": "资" * 5001})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "“原因”不能超过5000个字" in page  # the one limit of free text
    assert backdoor.event_count() == before
    assert backdoor.run(lambda e: e.runtime.instance(matter).status) == "running"


def test_script_set_values_are_shown_by_raw_name_to_administrators_only(web, backdoor):
    """Values no form gives a title (a diagram's scripts set them: rung_history, receipt_status …) are not
    shown to staff under their internal names; the administrator, who repairs data by those names, sees them."""
    matter = backdoor.run(lambda e: e.runtime.start(
        "t_two_steps", dict(TWO_STEPS, rung_history=["phone"], receipt_status="deemed"), "zhuling").id)
    draft = backdoor.open_task(matter, "draft")
    staff = web("zhuling").get(f"/tasks/{draft['id']}").get_data(as_text=True)
    assert "管理台测试事项" in staff  # the titled subject is there
    assert "其他流程数据" not in staff and "rung_history" not in staff and "receipt_status" not in staff
    admin = web("admin").get(f"/tasks/{draft['id']}").get_data(as_text=True)
    assert "其他流程数据" in admin and "rung_history" in admin and "receipt_status" in admin
