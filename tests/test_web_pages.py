"""The staff pages: sign-in, inboxes, the task page and its actions, starting, notifications."""
import threading

import pytest

from engine.directory import DEMO_PASSWORD

pytest_plugins = ["tests.web_fixtures"]


def text(response) -> str:
    return response.get_data(as_text=True)


# --- signing in ---
def test_sign_in_with_demo_password_opens_the_inbox(web):
    user = web()
    response = user.login("zhuling")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    page = text(user.get("/inbox/mine"))
    assert "朱玲" in page and "我的待办" in page and "审管联动" in page


def test_wrong_password_is_refused_in_chinese(web):
    user = web()
    response = user.login("zhuling", "wrong")
    assert response.status_code == 401
    assert "账号或密码不正确" in text(response)
    assert user.get("/inbox/mine").status_code == 302  # still signed out


def test_pages_require_sign_in(web, at_inspection):
    user = web()
    for url in ("/", "/inbox/mine", "/inbox/group", f"/tasks/{at_inspection['id']}", "/start", "/notifications"):
        response = user.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_session_cookie_is_httponly_and_samesite(web):
    user = web()
    response = user.login("zhuling")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out(web):
    user = web("zhuling")
    assert user.post("/logout").status_code == 302
    assert user.get("/inbox/mine").status_code == 302


# --- inboxes ---
def test_each_person_sees_only_their_tasks(web, backdoor, sample):
    backdoor.start()
    mine = text(web("zhuling").get("/inbox/mine"))
    assert "准备材料" in mine and "鞍山市示例机械有限公司" in mine and sample.USCC in mine
    assert "剩 2 个工作日" in mine and "light-green" in mine
    other = text(web("gaoyan").get("/inbox/mine"))
    assert "准备材料" not in other and "暂无待办任务" in other


@pytest.mark.usefixtures("at_inspection")
def test_group_inbox_lists_the_task_for_every_candidate_until_claimed(web):
    for person in ("hujie", "linna"):
        page = text(web(person).get("/inbox/group"))
        assert "现场核查" in page and "认领" in page
    assert "现场核查" not in text(web("guohui").get("/inbox/group"))  # an officer, not inspection staff


def test_filters_search_and_overdue(web, backdoor, clock, sample):
    backdoor.start()
    backdoor.start(data={**sample.START, "enterprise_name": "另一家商贸有限公司", "subject": "另一事项"})
    user = web("zhuling")
    page = text(user.get("/inbox/mine?q=另一家"))
    assert "另一家商贸有限公司" in page and "鞍山市示例机械有限公司" not in page
    assert "鞍山市示例机械有限公司" in text(user.get(f"/inbox/mine?q={sample.USCC.lower()}"))
    assert "没有符合条件的任务" in text(user.get("/inbox/mine?overdue=1"))
    assert "没有符合条件的任务" in text(user.get("/inbox/mine?procedure=t_two_steps"))
    clock.set("2026-10-09 09:00")  # deadline 2026-09-30 end of day; Oct 1–7 holidays, Oct 8–9 working days
    user.login("zhuling")  # days later: the earlier sign-in has expired
    page = text(user.get("/inbox/mine?overdue=1&sort=received"))
    assert "已超期 2 个工作日" in page and "light-red" in page


def test_yellow_light_on_the_last_working_day(web, backdoor, clock):
    backdoor.start()
    clock.set("2026-09-29 10:00")
    page = text(web("zhuling").get("/inbox/mine"))
    assert "剩 1 个工作日" in page and "light-yellow" in page


@pytest.mark.usefixtures("at_inspection")
def test_navigation_counts(web):
    page = text(web("hujie").get("/inbox/mine"))
    assert '待认领 <span class="count">1</span>' in page
    assert '我的待办 <span class="count">0</span>' in page


# --- the task page: who may see it ---
def test_someone_elses_task_is_forbidden_and_nothing_changes(web, backdoor, sample):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    before = backdoor.event_count()
    intruder = web("gaoyan")
    assert intruder.get(f"/tasks/{task['id']}").status_code == 403
    response = intruder.post(f"/tasks/{task['id']}/complete", {**sample.PREPARE, "materials": "license",
                                                               "revision": task["revision"]})
    assert response.status_code == 403 and "无权" in text(response)
    assert intruder.post(f"/tasks/{task['id']}/claim", {"revision": task["revision"]}).status_code == 403
    assert backdoor.event_count() == before
    assert backdoor.open_task(matter, "prepare") == task


def test_unknown_task_is_404(web):
    response = web("zhuling").get("/tasks/999999")
    assert response.status_code == 404 and "不存在" in text(response)


def test_task_page_shows_form_context_history_and_deadline(web, backdoor):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    page = text(web("zhuling").get(f"/tasks/{task['id']}"))
    for expected in ("准备材料", "材料摘要", "勘验日期", 'type="date"', 'type="datetime-local"', "营业执照",
                     'type="checkbox"', 'type="number"', "紧急程度", "是否需要现场勘验", "统一社会信用代码",
                     "市市场监督管理局", "新建厂房联合勘验", "发起", "任务到达", "剩 2 个工作日",
                     f'name="revision" value="{task["revision"]}"'):
        assert expected in page, expected


def test_form_errors_are_chinese_and_keep_the_values(web, backdoor):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    before = backdoor.event_count()
    response = web("zhuling").post(f"/tasks/{task['id']}/complete", {
        "summary": "我写的摘要", "site_date": "2026-13-45", "staff_count": "0", "branch_code": "91210300MA0Q123450",
        "urgency": "urgent", "revision": task["revision"]})
    page = text(response)
    assert response.status_code == 422
    assert "请填写有效日期" in page
    assert "“参加人数”不能小于1" in page
    assert "“已收材料”" in page  # required
    assert "统一社会信用代码校验位不正确，请核对" in page
    assert "我写的摘要" in page  # value kept
    assert 'value="urgent" checked' in page and 'value="2026-13-45"' in page
    assert backdoor.event_count() == before


def test_uscc_is_checked_where_entered(web, backdoor, sample):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    response = web("zhuling").post(f"/tasks/{task['id']}/complete", {
        **sample.PREPARE, "materials": "license", "branch_code": sample.USCC[:-1] + ("0" if sample.USCC[-1] != "0" else "1"),
        "revision": task["revision"]})
    assert response.status_code == 422 and "统一社会信用代码校验位不正确，请核对" in text(response)


def test_complete_shows_next_step_and_its_holders(web, backdoor):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    user = web("zhuling")
    response = user.post(f"/tasks/{task['id']}/complete", {
        "summary": "材料齐全", "site_date": "2026-09-30", "meeting_at": "2026-09-29T14:30", "materials": ["license", "plan"],
        "staff_count": "3", "area": "120.5", "on_site": "true", "revision": task["revision"]})
    assert response.status_code == 302
    page = text(user.get(response.headers["Location"]))
    assert "“准备材料”已办理完成" in page and "现场核查" in page and "待认领：胡杰、林娜" in page
    done = backdoor.events(matter, "task_completed")[0]
    assert done.data["form"]["staff_count"] == 3 and done.data["form"]["area"] == 120.5
    assert done.data["form"]["meeting_at"] == "2026-09-29T14:30:00+08:00" and done.data["form"]["on_site"] is True
    # the completer may still read the task; the context shows the labels of the form
    page = text(user.get(f"/tasks/{task['id']}"))
    assert "已办理" in page and "营业执照、平面图" in page and "参加人数" in page


def test_resubmitting_a_completed_task_is_refused(web, backdoor, sample):
    matter = backdoor.start()
    task = backdoor.open_task(matter, "prepare")
    user = web("zhuling")
    form = {**sample.PREPARE, "materials": "license", "staff_count": "2", "revision": task["revision"]}
    assert user.post(f"/tasks/{task['id']}/complete", form).status_code == 302
    response = user.post(f"/tasks/{task['id']}/complete", form)
    assert response.status_code == 409 and "已经办理完毕" in text(response)
    assert len(backdoor.events(matter, "task_completed")) == 1


# --- claim, unclaim, hand over ---
def test_claim_race_one_wins_the_other_is_told(web, backdoor, at_inspection):
    hujie, linna = web("hujie"), web("linna")
    url = f"/tasks/{at_inspection['id']}/claim"
    first = hujie.post(url, {"revision": at_inspection["revision"]})
    second = linna.post(url, {"revision": at_inspection["revision"]})
    assert first.status_code == 302
    assert second.status_code == 409 and "认领失败：该任务已由 胡杰 认领" in text(second)
    assert backdoor.task(at_inspection["id"]).assignee == "hujie"
    assert len(backdoor.events(at_inspection["matter"], "task_claimed")) == 1


def test_claim_race_at_the_same_moment(web, backdoor, at_inspection):
    users = [web("hujie"), web("linna")]
    tokens = [u.token() for u in users]
    barrier, results = threading.Barrier(2), {}

    def claim(i):
        barrier.wait()
        results[i] = users[i].client.post(f"/tasks/{at_inspection['id']}/claim", data={
            "csrf_token": tokens[i], "revision": at_inspection["revision"]})

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results.values())
    assert codes == [302, 409]
    loser = next(r for r in results.values() if r.status_code == 409)
    assert "认领失败" in text(loser)
    assert len(backdoor.events(at_inspection["matter"], "task_claimed")) == 1


def test_unclaim_puts_the_task_back(web, backdoor, at_inspection):
    user = web("hujie")
    user.post(f"/tasks/{at_inspection['id']}/claim", {"revision": at_inspection["revision"]})
    task = backdoor.task(at_inspection["id"])
    assert user.post(f"/tasks/{task.id}/unclaim", {"revision": task.revision}).status_code == 302
    assert backdoor.task(task.id).assignee is None
    assert "现场核查" in text(web("linna").get("/inbox/group"))


def test_hand_over_records_the_reason(web, backdoor, at_inspection):
    user = web("hujie")
    user.post(f"/tasks/{at_inspection['id']}/claim", {"revision": at_inspection["revision"]})
    task = backdoor.task(at_inspection["id"])
    page = text(user.get(f"/tasks/{task.id}"))
    hand_over_form = page.split("转交给同岗位同事", 1)[1].split("</form>", 1)[0]
    assert "林娜" in hand_over_form and "郭辉" not in hand_over_form  # same role only
    missing = user.post(f"/tasks/{task.id}/hand_over", {"to_user": "linna", "reason": " ", "revision": task.revision})
    assert missing.status_code == 422 and "请填写“转交原因”" in text(missing)
    response = user.post(f"/tasks/{task.id}/hand_over", {"to_user": "linna", "reason": "本人出差，请林娜代为核查",
                                                         "revision": task.revision})
    assert response.status_code == 302
    assert backdoor.task(task.id).assignee == "linna"
    event = backdoor.events(at_inspection["matter"], "task_handed_over")[0]
    assert event.actor == "hujie" and event.data == {"to": "linna", "reason": "本人出差，请林娜代为核查"}
    assert "现场核查" in text(web("linna").get("/inbox/mine"))
    assert "本人出差，请林娜代为核查" in text(web("linna").get(f"/tasks/{task.id}"))


def test_a_refused_hand_over_says_why_beside_the_field_and_keeps_what_was_typed(web, backdoor, at_inspection):
    """转交's form is drawn from its declaration (web/inbox/actions.py): a refusal opens it again, the
    error beside the field it is about, the choice and the reason as they were."""
    user = web("hujie")
    user.post(f"/tasks/{at_inspection['id']}/claim", {"revision": at_inspection["revision"]})
    task = backdoor.task(at_inspection["id"])

    def form(response) -> str:
        return text(response).split("转交给同岗位同事", 1)[1].split("</form>", 1)[0]

    def field(response, name: str) -> str:
        return form(response).split(f'id="field-{name}"', 1)[1].split('<div class="field', 1)[0]

    no_reason = user.post(f"/tasks/{task.id}/hand_over", {"to_user": "linna", "reason": "", "revision": task.revision})
    assert no_reason.status_code == 422 and '<details class="handover" open' in text(no_reason)
    assert "请填写“转交原因”" in field(no_reason, "reason") and '<option value="linna" selected' in form(no_reason)
    no_one = user.post(f"/tasks/{task.id}/hand_over", {"to_user": "", "reason": "本人出差", "revision": task.revision})
    assert "请选择“接收人”" in field(no_one, "to_user") and ">本人出差</textarea>" in field(no_one, "reason")
    too_long = user.post(f"/tasks/{task.id}/hand_over", {"to_user": "linna", "reason": "因" * 5001,
                                                         "revision": task.revision})
    assert too_long.status_code == 422 and "“转交原因”不能超过5000个字" in field(too_long, "reason")
    assert backdoor.task(task.id).assignee == "hujie"


def test_hand_over_to_someone_of_another_role_is_refused(web, backdoor, at_inspection):
    user = web("hujie")
    user.post(f"/tasks/{at_inspection['id']}/claim", {"revision": at_inspection["revision"]})
    task = backdoor.task(at_inspection["id"])
    response = user.post(f"/tasks/{task.id}/hand_over", {"to_user": "guohui", "reason": "试试",
                                                         "revision": task.revision})
    assert response.status_code == 403 and "同一部门、同一角色" in text(response)
    assert backdoor.task(task.id).assignee == "hujie"


def test_deemed_received_note_on_receipt_tasks(web, backdoor, at_inspection):
    backdoor.complete(at_inspection["id"], "hujie", {"opinion": "符合要求"})
    ack = backdoor.open_task(at_inspection["matter"], "acknowledge")
    page = text(web("zhuling").get(f"/tasks/{ack['id']}"))
    assert "视为已接收" in page and "鞍政办发〔2018〕66号）第二部分第（三）项" in page and "已查看并确认接收" in page


# --- CSRF ---
def test_post_without_csrf_token_is_rejected(web, backdoor, at_inspection):
    user = web("hujie")
    response = user.client.post(f"/tasks/{at_inspection['id']}/claim", data={"revision": at_inspection["revision"]})
    assert response.status_code == 400 and "安全校验" in text(response)
    assert backdoor.task(at_inspection["id"]).assignee is None
    assert web().client.post("/login", data={"person_id": "zhuling", "password": DEMO_PASSWORD}).status_code == 400


# --- starting ---
def test_start_list_offers_processes_by_role_of_first_lane(web):
    assert "网页测试流程" in text(web("zhuling").get("/start"))  # a liaison
    page = text(web("hujie").get("/start"))  # inspection staff, not a liaison
    assert "网页测试流程" not in page and "没有可由您发起的流程" in page
    assert "两步测试流程" not in text(web("zhuling").get("/start"))  # no start form deployed
    assert web("hujie").get("/start/w_review").status_code == 404


@pytest.mark.usefixtures("backdoor")
def test_start_a_matter_from_its_start_form(web, sample):
    user = web("zhuling")
    bad = user.post("/start/w_review", {**sample.START, "credit_code": "123", "subject": ""})
    assert bad.status_code == 422
    page = text(bad)
    assert "统一社会信用代码应为18位" in page and "请填写“事项名称”" in page and 'value="123"' in page
    response = user.post("/start/w_review", {**sample.START, "credit_code": sample.USCC.lower()})
    assert response.status_code == 302
    page = text(user.get(response.headers["Location"]))
    assert "已发起“网页测试流程”" in page and "准备材料" in page and "朱玲" in page and "继续办理" in page
    assert "准备材料" in text(user.get("/inbox/mine"))


# --- notifications ---
@pytest.mark.usefixtures("at_inspection")
def test_notifications_badge_and_list(web, clock):
    user = web("hujie")
    assert 'class="count alert">1<' in text(user.get("/inbox/mine"))
    page = text(user.get("/notifications"))
    assert "新任务" in page and "现场核查" in page and "全部标为已读" in page
    assert 'class="count alert">1<' in text(user.get("/inbox/mine"))  # looking changes nothing
    page = text(user.post("/notifications/read", follow_redirects=True))
    assert "已全部标为已读" in page and "全部标为已读</button>" not in page
    assert 'class="count alert"' not in text(user.get("/inbox/mine"))  # read
    clock.set("2026-10-12 09:00")  # past the 3-working-day deadline
    user.login("hujie")  # days later: the earlier sign-in has expired
    page = text(user.get("/notifications"))
    assert "已超期" in page and "已超过办理期限" in page
