"""In a real browser: each holder reads the matter's shared facts and their own branch, not a sibling
department's answers nor the other bureau's internal leader comments (issue 19 item 3).

P1 (003 §2(1): "审批部门……推送至相关行业监管部门"): one receipt goes to each department concerned. 朱玲
(市市场监督管理局) confirms hers and chooses 重点监管; 高燕 (市应急管理局) opens her own receipt, still
unconfirmed, and sees the pushed approval but nothing of 朱玲's answer.

P4 (003 §2(4)3: "经请示审批与监管部门分管领导同意后，可通过OA办公系统进行书面沟通"): 刘红 approves 赵敏's OA
message with an internal comment; 徐明 at the market bureau reads the message, not the comment; 赵敏, of the
sending bureau, does."""
import pytest

from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in
from tests.test_p01_approval_result_push import PUSH
from tests.test_p01_approval_result_push import start_data as p1_data
from tests.test_p04_communication_ladder import start_data as p4_data

pytestmark = needs_chromium


def _open(engine, matter_id, spec_id, department=None):
    return next(t for t in engine.tasks.of_instance(matter_id, open_only=True)
                if t.spec_id == spec_id and (department is None or t.department == department))


@pytest.fixture
def branches(tmp_path, processes_template):
    def prepare(e):
        p1 = e.runtime.start("p1_approval_result_push", p1_data(concluded_at="2026-11-20T16:00:00+08:00"), "sunli")
        push = _open(e, p1.id, "push_result")
        e.tasks.complete(push.id, "sunli", PUSH, push.revision)
        market = _open(e, p1.id, "receive_push", "market_bureau")
        e.tasks.complete(market.id, "zhuling", {"confirmed": True, "supervision_measure": "key_supervision", "risk_level": "high",
                                                "remarks": "列为重点监管对象"}, market.revision)
        emergency = _open(e, p1.id, "receive_push", "emergency_bureau")

        p4 = e.runtime.start("p4_communication_ladder", p4_data(start_rung="oa"), "sunli")
        draft = _open(e, p4.id, "draft_oa_message")
        e.tasks.complete(draft.id, "zhaomin", {"oa_title": "关于新址监管责任的函商", "oa_content": "请明确新址监管责任。"},
                         draft.revision)
        approve = _open(e, p4.id, "approve_oa_message")
        e.tasks.complete(approve.id, "liuhong", {"oa_approved": True, "oa_approval_comment": "同意，但注意措辞，不要承诺期限"},
                         approve.revision)
        answer = _open(e, p4.id, "answer_oa_message")
        return {"emergency": emergency.id, "market": market.id, "answer": answer.id, "approve": approve.id}
    with serving_prepared(tmp_path, processes_template, prepare) as (base, ids):
        yield base, ids


def test_a_department_sees_its_own_branch_and_not_the_other_bureaus_internal_comment(page, branches):
    base, ids = branches
    sign_in(page, base, "gaoyan")
    page.goto(f"{base}/tasks/{ids['emergency']}")
    info = page.locator("section.card", has_text="事项信息").inner_text()
    assert "鞍审批危化经字〔2026〕118号" in info  # the pushed approval: a shared fact
    assert "已查看并确认接收" not in info and "重点监管" not in info and "列为重点监管对象" not in info
    assert "风险较高" not in info
    shot(page, "visibility_sibling_branch")
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    page.goto(f"{base}/tasks/{ids['market']}")
    info = page.locator("section.card", has_text="事项信息").inner_text()
    assert "重点监管" in info and "列为重点监管对象" in info  # her own branch
    page.click("button:has-text('退出')")

    sign_in(page, base, "xuming")
    page.goto(f"{base}/tasks/{ids['answer']}")
    info = page.locator("section.card", has_text="事项信息").inner_text()
    assert "请明确新址监管责任。" in info  # the message itself
    assert "不要承诺期限" not in page.content()  # the sending bureau's internal opinion
    shot(page, "visibility_internal_comment")
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhaomin")
    page.goto(f"{base}/tasks/{ids['approve']}")
    assert "同意，但注意措辞，不要承诺期限" in page.content()  # inside the sending bureau
