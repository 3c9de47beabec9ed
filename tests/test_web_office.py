"""The office operations from the task page, the matter page and the JSON API: the buttons a person
sees, what they do, and refusals that change nothing."""
import re

pytest_plugins = ["tests.web_fixtures"]

TWO_STEPS = {"department": "market_bureau", "subject": "办公惯例测试事项"}


def at_confirm(backdoor) -> tuple[int, dict, dict]:
    matter = backdoor.run(lambda e: e.runtime.start("t_two_steps", dict(TWO_STEPS), "zhuling").id)
    draft = backdoor.open_task(matter, "draft")
    backdoor.complete(draft["id"], "zhuling", {"note": "起草"})
    return matter, draft, backdoor.open_task(matter, "confirm")


def text(response) -> str:
    return response.get_data(as_text=True)


def test_task_page_offers_send_back_to_the_earlier_step_and_it_works(web, backdoor):
    matter, draft, confirm = at_confirm(backdoor)
    user = web("zhuling")
    page = text(user.get(f"/tasks/{confirm['id']}"))
    assert "退回" in page and "加签" in page and "委派" in page
    assert re.search(rf'<option value="{draft["id"]}"[^>]*>起草', page)
    refused = user.post(f"/tasks/{confirm['id']}/ops/send_back",
                        {"target": draft["id"], "reason": " ", "revision": confirm["revision"]}, follow_redirects=True)
    assert "退回失败：请填写“退回原因”" in text(refused)  # the page says so beside the field, before the engine
    form = text(refused).split('id="op-send_back"')[1].split("</details>")[0]
    assert '<small class="error-text" role="alert">请填写“退回原因”</small>' in form
    assert backdoor.task(confirm["id"]).state == "ready"
    user.post(f"/tasks/{confirm['id']}/ops/send_back",
              {"target": draft["id"], "reason": "意见不完整", "revision": confirm["revision"]})
    assert backdoor.task(draft["id"]).state == "ready"
    assert backdoor.task(confirm["id"]).state == "sent_back"


def test_other_people_cannot_run_operations_and_nothing_changes(web, backdoor):
    matter, draft, confirm = at_confirm(backdoor)
    before = backdoor.event_count()
    response = web("gaoyan").post(f"/tasks/{confirm['id']}/ops/send_back",
                                  {"target": draft["id"], "reason": "x", "revision": confirm["revision"]})
    assert response.status_code == 403
    assert backdoor.event_count() == before


def test_delegate_and_return_through_the_pages(web, backdoor):
    matter, draft, confirm = at_confirm(backdoor)
    web("zhuling").post(f"/tasks/{confirm['id']}/ops/delegate",
                        {"to_user": "linna", "note": "请核对", "revision": confirm["revision"]})
    linna = web("linna")
    page = text(linna.get(f"/tasks/{confirm['id']}"))
    assert "交回委派人" in page
    assert "确认" in text(linna.get("/inbox/mine"))  # in the delegate's inbox …
    assert "委派给 林娜" in text(web("zhuling").get("/inbox/mine"))  # … and in the delegator's
    task = backdoor.task(confirm["id"])
    linna.post(f"/tasks/{confirm['id']}/complete", {"note": "已核对无误", "action": "return", "revision": task.revision})
    task = backdoor.task(confirm["id"])
    assert task.assignee == "zhuling" and task.draft == {"note": "已核对无误"}
    assert "已核对无误" in text(web("zhuling").get(f"/tasks/{confirm['id']}"))  # prefilled for the delegator


def test_signer_sees_the_request_and_signs(web, backdoor):
    matter, draft, confirm = at_confirm(backdoor)
    web("zhuling").post(f"/tasks/{confirm['id']}/ops/add_signers",
                        {"people": "xuming", "position": "before", "revision": confirm["revision"]})
    xuming = web("xuming")
    assert "确认" in text(xuming.get("/signing"))
    page = text(xuming.get(f"/tasks/{confirm['id']}"))
    assert "签署意见" in page
    xuming.post(f"/tasks/{confirm['id']}/ops/sign", {"opinion": "同意"})
    assert [e.kind for e in backdoor.events(matter, "signed")] == ["signed"]
    assert "同意" in text(web("zhuling").get(f"/tasks/{confirm['id']}"))


def test_supervisor_reminds_and_the_holder_is_notified(web, backdoor):
    matter, draft, confirm = at_confirm(backdoor)
    web("duxin").post(f"/tasks/{confirm['id']}/ops/remind", {"message": "请今日办结"})
    notes = text(web("zhuling").get("/notifications"))
    assert "催办" in notes and "请今日办结" in notes


def test_a_reminder_stays_in_the_holders_notifications_however_busy_the_log_is(web, backdoor):
    """Notifications are indexed per person: 600 newer entries addressed to someone else do not push
    zhuling's reminder out, and having read it on one browser counts on every other."""
    matter, draft, confirm = at_confirm(backdoor)
    web("duxin").post(f"/tasks/{confirm['id']}/ops/remind", {"message": "请今日办结"})

    def busy_log(e):
        for k in range(600):
            e.history.record("copied", matter, "zhuling", data={"people": ["gaoyan"], "note": f"第{k}份"})
    backdoor.run(busy_log)
    first_browser = web("zhuling")
    assert 'class="count alert"' in text(first_browser.get("/inbox/mine"))
    notes = text(first_browser.get("/notifications"))
    assert "请今日办结" in notes and "第599份" not in notes
    first_browser.post("/notifications/read")
    assert 'class="count alert"' not in text(web("zhuling").get("/inbox/mine"))  # a second browser: read
    assert "抄送" in text(web("gaoyan").get("/notifications"))


def test_every_addressed_kind_of_log_entry_has_a_notification_label():
    from engine.history import ADDRESSED
    from web.present import EVENT_NOTES
    assert set(EVENT_NOTES) == ADDRESSED


def test_copy_shows_in_copies_to_me_until_read(web, backdoor):
    matter, draft, confirm = at_confirm(backdoor)
    web("zhuling").post(f"/tasks/{confirm['id']}/ops/copy", {"people": "gaoyan"})
    gaoyan = web("gaoyan")
    assert "未读" in text(gaoyan.get("/copies"))
    page = text(gaoyan.get(f"/matters/{matter}"))
    assert "办公惯例测试事项" in page
    assert "已阅" in text(gaoyan.get("/copies"))
    assert gaoyan.post(f"/tasks/{confirm['id']}/complete", {"note": "x"}).status_code == 403  # read-only


def test_starter_cancels_the_matter_from_the_matter_page(web, backdoor):
    matter, draft, confirm = at_confirm(backdoor)
    assert web("gaoyan").get(f"/matters/{matter}").status_code == 403
    user = web("zhuling")
    assert "撤销事项" in text(user.get(f"/matters/{matter}"))
    user.post(f"/matters/{matter}/ops/cancel", {"reason": "重复发起"})
    assert backdoor.run(lambda e: e.runtime.instance(matter).status) == "cancelled"


def test_api_runs_the_same_operations(app, backdoor):
    matter, draft, confirm = at_confirm(backdoor)
    client = app.test_client()
    token = client.post("/api/v1/token", json={"id": "zhuling", "password": "liandong2026"}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    bad = client.post(f"/api/v1/tasks/{confirm['id']}/send_back", json={"target": draft["id"], "reason": ""},
                      headers=auth)
    assert bad.status_code == 409 and bad.get_json()["error"] == "退回须填写原因"
    ok = client.post(f"/api/v1/tasks/{confirm['id']}/add_signers",
                     json={"people": ["xuming"], "position": "after", "revision": confirm["revision"]}, headers=auth)
    assert ok.status_code == 200 and ok.get_json()["done"] == "已加签"
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["paths"]["/tasks/{task_id}/send_back"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["required"] == ["target", "reason"]
