"""Every message of the modeler's validation is Chinese and says what to change (issue 21 item 6):
libxml2's syntax errors, the BPMN schema's complaints, SpiffWorkflow's parser, Python's json module
and jsonschema speak English, and none of their text reaches the process owner."""
import re
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine import spec_check
from engine.errors import DeploymentError

pytest_plugins = ["tests.web_fixtures"]
DATA = Path(__file__).parent / "data"
W_REVIEW = (DATA / "web" / "w_review.bpmn").read_text("utf-8")
ENGLISH = re.compile(r"\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b")  # three words in a row: a sentence, not a token


def refused(engine, name: str, content: bytes) -> list[dict]:
    with pytest.raises(DeploymentError) as err:
        engine.repository.deploy([(name, content)], user="owner")
    for problem in err.value.problems:
        assert not ENGLISH.search(problem["reason"]), problem
        assert re.search(r"[\u4e00-\u9fff]", problem["reason"]), problem
    return err.value.problems


@pytest.mark.parametrize("broken, said, line", [
    (W_REVIEW.replace("</bpmn:userTask>", "</bpmn:task>", 1), "结束标签 </task> 与第36行的开始标签 <userTask> 不成对", 45),
    (W_REVIEW.replace('name="准备材料"', 'name="准备材料" name="又一个"'), "属性 name 写了两次", 36),
    (W_REVIEW.replace('name="准备材料"', 'name="材料 & 证照"'), "& 须写成 &amp;", 36),
    (W_REVIEW.replace('name="准备材料"', 'name=准备材料'), "属性值须用引号括起来", 36),
    (W_REVIEW.replace("<bpmn:documentation>", "<bpmn:documentation x='<'>", 1), "属性值里的 < 须写成 &lt;", 7),
    (W_REVIEW + "<extra/>", "根元素结束后还有内容", 96),
])
def test_broken_xml_is_said_in_chinese_with_the_nearest_element(engine, broken, said, line):
    [problem] = refused(engine, "w_review.bpmn", broken.encode())
    assert problem["reason"].startswith("XML 格式错误（第") and said in problem["reason"], problem
    assert problem["line"] == line
    assert problem["element"]  # the last id written before the line: the file cannot be parsed


def test_a_form_that_is_not_json_or_not_a_json_schema_says_where_and_what(engine):
    [problem] = refused(engine, "w_note.json", b'{"title": "\xe5\xa4\x87\xe6\xb3\xa8", "type": "object",\n "properties": {},}')
    assert problem["reason"] == "表单不是有效的 JSON（第2行第19列）：属性名须用双引号括起来，且最后一项后面不能有逗号"
    assert problem["line"] == 2
    [problem] = refused(engine, "w_note.json", b'{"title": "x", "type": "object", "properties": {"a": {"type": "strin", "title": "a"}}}')
    assert problem["element"] == "properties.a.type"
    assert "类型须为 string、integer、number、boolean、array、object 之一" in problem["reason"]


def test_a_missing_decision_table_is_named_on_its_task(engine):
    decision = W_REVIEW.replace(
        '<bpmn:userTask id="inspect"', '<bpmn:businessRuleTask id="rate" name="定档"><bpmn:extensionElements>'
        '<spiffworkflow:calledDecisionId>no_such_table</spiffworkflow:calledDecisionId></bpmn:extensionElements>'
        '</bpmn:businessRuleTask><bpmn:userTask id="inspect"', 1)
    problems = refused(engine, "w_review.bpmn", decision.encode())
    said = [p for p in problems if p["element"] == "rate" and "决策表 no_such_table 尚未部署" in p["reason"]]
    assert len(said) == 1 and said[0]["line"]
    assert not any("No DMN" in p["reason"] for p in problems)


def test_parser_and_schema_complaints_without_a_translation_still_say_what_to_do():
    strange = ValidationException("Something nobody translated yet happened")
    text = spec_check.parser_text(strange)
    assert not ENGLISH.search(text) and "processes/README.md" in text
    said = spec_check._schema_text("Element '{http://www.omg.org/spec/BPMN/20100524/MODEL}task': Something odd here.")
    assert said.startswith("元素 bpmn:task 不符合 BPMN 2.0 规范") and not ENGLISH.search(said)
    assert spec_check.parser_text(ValidationException("Cancel Events may only be used with transactions")) == (
        "流程无法解析：取消事件只能用在事务子流程（bpmn:transaction）里：把它所在的子流程改为事务子流程，或改用错误事件、结束事件")


def test_the_modeler_shows_a_broken_file_in_chinese(web):
    owner = web("owner")
    body = owner.post("/modeler/validate", {"xml": W_REVIEW.replace("</bpmn:userTask>", "</bpmn:task>", 1)}).get_json()
    [problem] = body["problems"]
    assert "结束标签" in problem["reason"] and problem["line"] == 45 and problem["element_name"] == "准备材料"


def test_python_errors_of_an_expression_are_said_in_chinese():
    from engine.scripting import _plain_error
    assert _plain_error(TypeError("unsupported operand type(s) for +: 'int' and 'str'")) == (
        "表达式出错：不能对 int 和 str 做 + 运算：先把数据转换成同一类型，如 int(x)、str(x)")
    assert _plain_error(ZeroDivisionError("division by zero")) == "表达式出错：除数为零"
    assert _plain_error(ValueError("math domain error")) == "表达式出错（取值无效）：请检查表达式用到的数据是否已填写、类型是否正确"
