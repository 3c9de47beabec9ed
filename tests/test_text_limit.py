"""One limit for free text (issue 19 item 8): every multi-line field of every form, and every reason or
opinion typed into an office operation, takes up to 5000 characters (engine/input_text.py
MAX_TEXT_LENGTH). Before, P4's letter body took 5000 while its answer took 3000 and a 退回原因 had no
limit at all. The form files declare no limit of their own for multi-line text; the page, the server
and the API read the same number."""
import json
from pathlib import Path

import pytest

from engine import forms, input_text
from engine.errors import FormInvalid
from engine.models import Instance
from tests.test_p03_consultation_request import request as p3_request
from tests.test_p04_communication_ladder import start_data as p4_data
from tests.test_public_pages import site  # noqa: F401 — the fixture: the bundled procedures behind the web app

FORMS = sorted((Path(__file__).resolve().parent.parent / "processes" / "forms").glob("*.json"))
LIMIT = input_text.MAX_TEXT_LENGTH


def test_the_limit_is_5000_characters():
    assert LIMIT == 5000


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_no_form_sets_its_own_limit_for_multi_line_text(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    forms.check_schema(schema)  # a multi-line field with a maxLength of its own is refused at deploy
    loaded = forms.with_text_rule(schema)
    assert all(spec["maxLength"] == LIMIT for spec in loaded["properties"].values() if forms.is_multiline(spec))


def test_a_form_that_sets_another_limit_for_multi_line_text_is_refused():
    schema = {"type": "object", "properties": {"answer": {"type": "string", "title": "答复内容",
                                                          "x-widget": "textarea", "maxLength": 3000}}}
    with pytest.raises(ValueError, match="多行文本，字数上限统一为5000字"):
        forms.check_schema(schema)


def test_a_p3_answer_and_a_p4_letter_body_take_the_same_5000_characters(scenario):
    """003 §2(3) 商请的答复 and 003 §2(4)4 公函: whoever writes, the same amount of text fits."""
    scenario.at("2026-11-23 09:30")
    p3 = scenario.start("p3_consultation_request", by="sunli", data=p3_request(request_content="请" * LIMIT))
    with pytest.raises(FormInvalid) as refused:
        p3.complete("answer_request", by="zhuling", data={"answer_content": "答" * (LIMIT + 1), "cooperation_done": True})
    assert refused.value.errors == {"answer_content": "“答复内容”不能超过5000个字"}
    p3.complete("answer_request", by="zhuling", data={"answer_content": "答" * LIMIT, "cooperation_done": True})

    p4 = scenario.start("p4_communication_ladder", by="sunli", data=p4_data(start_rung="letter"))
    draft = {"letter_title": "关于新址监管责任的函", "letter_content": "函" * (LIMIT + 1)}
    with pytest.raises(FormInvalid) as refused:
        p4.complete("draft_official_letter", by="zhaomin", data=draft)
    assert refused.value.errors["letter_content"].endswith("不能超过5000个字")
    assert p4.task("draft_official_letter").revision == 0  # refused: nothing of it was kept


def test_an_office_operations_reason_takes_the_same_limit():
    from web import registry
    from web.office import operations

    send_back = operations.BY_NAME["send_back"]
    assert registry.normalised(send_back, {"target": "1", "reason": "因" * LIMIT})["reason"] == "因" * LIMIT
    with pytest.raises(FormInvalid) as refused:
        registry.normalised(send_back, {"target": "1", "reason": "因" * (LIMIT + 1)})
    assert refused.value.errors == {"reason": "“退回原因”不能超过5000个字"}


def test_a_line_break_posted_by_a_browser_counts_as_one_character():
    schema = forms.with_text_rule({"type": "object", "properties": {
        "answer": {"type": "string", "title": "答复内容", "x-widget": "textarea"}}})
    posted = forms.coerce(schema, {"answer": ["第一段\r\n第二段"]})
    assert posted == {"answer": "第一段\n第二段"}


def test_a_public_report_over_the_limit_comes_back_whole_with_the_reason(site):  # noqa: F811
    """000 §3(5) 投诉举报 on the website: the report's text was cut at 3000 characters without a word; now the
    one limit applies and a longer text comes back, all of it, with the reason beside the field."""
    from tests.test_public_pages import WebUser

    s, app = site
    text = "仓库内堆放大量油漆桶。" * 455 + "止"  # 5006 characters
    answer = WebUser(app).post("/public/report", {
        "subject": "举报某企业违规储存危险化学品", "enterprise_name": "鞍山市丙化工有限公司", "department": "emergency_bureau",
        "content": text, "anonymous": "on"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "“举报内容”不能超过5000个字" in page
    assert f">{text}</textarea>" in page
    assert s.run(lambda e: e.db.query(Instance).count()) == 0
