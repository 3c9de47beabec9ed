"""003 §2(3) "信息推送1个工作日后，默认为对方已接收": no receiver can switch 超时默认 off, in any procedure.

Every receipt the bundled diagrams deem received (P1 push, P2 supervision information and feedback, P3
answers, P5 notices, P10 feedback, P13 sharing …) carries a limit one department owes another, so the
receiving side may neither stop its clock (补正) nor extend it (延期), and its timer closes it as
超时默认接收. P1 is walked through in tests/test_p01_approval_result_push.py; here every receipt is
checked, and P2's is walked through end to end.
"""
import pytest

from engine import specs
from engine.errors import InvalidState
from tests.supervision_helpers import end_of
from tests.test_p02_supervision_info_push import PROCESS as P2, start_data


def test_every_deemed_receipt_of_every_procedure_is_a_limit_between_departments(scenario):
    receipts = scenario.run(lambda e: sorted(
        (definition.key, task.id, task.kind_of_limit) for definition in e.repository.processes()
        for task in specs.of(definition).user_tasks.values() if task.deemed_received))
    assert {key for key, _, _ in receipts} >= {"p1_approval_result_push", "p2_supervision_info_push",
                                               "p3_consultation_request", "p5_consultation_meeting"}
    assert [r for r in receipts if r[2] != "statutory"] == []


def test_the_approval_section_cannot_stop_or_extend_a_pushed_policy_change(scenario):
    """市市场监督管理局 pushes a policy change on Sat 10 Oct 2026 (a make-up working day); 市场准入审批科's liaison
    孙丽 may not pause its receipt nor ask for more time, nor may her section head grant it; after Mon 12 Oct
    it is deemed received all the same."""
    s = scenario
    s.at("2026-10-10 09:00")
    m = s.start(P2, by="zhuling", data=start_data(
        subject="食品经营许可审查细则调整", enterprise_name="鞍山市某餐饮管理有限公司",
        credit_code="91210300MA0UB7CP9W", supervision_department="market_bureau", info_kind="policy_change",
        occurred_on="2026-10-09", summary="省局调整食品经营许可现场核查要求。"))
    m.complete("push_supervision_info", by="zhuling", data={
        "document_title": "关于调整食品经营许可现场核查要求的通知", "document_no": "辽市监食〔2026〕21号",
        "content": "自2026年11月1日起，仅销售预包装食品的不再进行现场核查。"})
    receive = m.task("receive_supervision_info")
    assert (receive.assignee, receive.due) == ("sunli", end_of("2026-10-12"))
    with pytest.raises(InvalidState) as paused:
        s.run(lambda e: e.deadlines.pause(receive.id, "sunli", "待监管部门补充文件"))
    assert "法定时限" in paused.value.message
    with pytest.raises(InvalidState):
        s.run(lambda e: e.deadlines.request_extension(receive.id, "sunli", 3, "科室人手紧张"))
    with pytest.raises(InvalidState):
        s.run(lambda e: e.deadlines.extend(receive.id, "zhaomin", 3, "科室人手紧张"))
    assert m.events("clock_stopped") == m.events("extension_requested") == m.events("extended") == []
    s.advance_to("2026-10-13 00:00")
    assert [t.state for t in m.done_tasks() if t.spec_id == "receive_supervision_info"] == ["deemed_received"]
