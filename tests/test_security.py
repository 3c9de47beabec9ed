"""Hostile input to the engine: BPMN that is broken or malicious, and expressions that try to leave
the sandbox or exhaust the server. Everything is refused with a Chinese reason, quickly, and
nothing is stored."""
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Liandong, db, restricted_guards, scripting
from engine.budget import Limits
from engine.errors import DeploymentError, ScriptError
from engine.models import Definition, Event, Instance
from engine.script_worker import grace
from engine.scripting import SandboxEnvironment, check_source

DATA = Path(__file__).parent / "data"
GOOD = (DATA / "two_steps.bpmn").read_text(encoding="utf-8")
START = {"department": "market_bureau"}


@pytest.fixture(autouse=True)
def small_budget(monkeypatch):
    """Bombs are stopped by the budget: a small one keeps this module quick."""
    monkeypatch.setenv("LIANDONG_SCRIPT_SECONDS", "0.5")
    monkeypatch.setenv("LIANDONG_SCRIPT_MEMORY_MB", "64")


def within_budget(started: float) -> bool:
    limits = Limits.current()
    return time.monotonic() - started < limits.seconds + grace(limits) + 1.5


@pytest.fixture
def engine(tmp_path, engine_template, clock):
    """Deployment checks do not depend on the backend: one SQLite copy keeps this module fast."""
    target = tmp_path / "security.sqlite3"
    target.write_bytes(engine_template.read_bytes())
    eng = db.make_engine(f"sqlite:///{target}")
    with db.session_factory(eng)() as session:
        yield Liandong(session, clock)
    eng.dispose()


def definitions(engine) -> int:
    return engine.db.scalar(select(func.count()).select_from(Definition))


def deploy(engine, content, name="two_steps.bpmn"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return engine.repository.deploy([(name, content)], user="owner")


def renamed(text: str) -> str:
    """A changed file, so a successful deployment would store a new version."""
    return text.replace('name="确认"', 'name="确认（改）"')


# --- hostile and broken BPMN ---------------------------------------------------------------
BROKEN = {
    "unknown_element_in_process": GOOD.replace(
        '<bpmn:endEvent id="end_done"', '<bpmn:fooBarTask id="foo" name="未知"/><bpmn:endEvent id="end_done"'),
    "unknown_namespace_element": GOOD.replace(
        '<bpmn:endEvent id="end_done"', '<evil:task xmlns:evil="urn:evil" id="evil"/><bpmn:endEvent id="end_done"'),
    "flow_to_nowhere": GOOD.replace('sourceRef="draft" targetRef="confirm"', 'sourceRef="draft" targetRef="ghost"'),
    "flow_from_nowhere": GOOD.replace('sourceRef="start" targetRef="draft"', 'sourceRef="ghost" targetRef="draft"'),
    "boundary_on_nothing": GOOD.replace('attachedToRef="confirm"', 'attachedToRef="ghost"'),
    "lane_names_missing_node": GOOD.replace("<bpmn:flowNodeRef>draft</bpmn:flowNodeRef>",
                                            "<bpmn:flowNodeRef>ghost</bpmn:flowNodeRef>"),
    "call_of_undeployed_process": GOOD.replace(
        '<bpmn:userTask id="draft" name="起草">', '<bpmn:callActivity id="draft" name="起草" calledElement="nowhere">'
    ).replace("</bpmn:userTask>\n    <bpmn:userTask id=\"confirm\"", "</bpmn:callActivity>\n    <bpmn:userTask id=\"confirm\""),
    "no_executable_process": GOOD.replace('isExecutable="true"', 'isExecutable="false"'),
    "two_executable_processes": GOOD.replace(
        "<bpmn:collaboration", '<bpmn:process id="other" isExecutable="true"/><bpmn:collaboration'),
    "duplicate_ids": GOOD.replace('<bpmn:endEvent id="end_timeout"', '<bpmn:endEvent id="end_done"'),
    "empty_file": "",
    "not_xml": "这不是一个流程文件",
    "nul_bytes": GOOD.replace("<bpmn:process", "<bpmn:pro\x00cess", 1),
    "truncated": GOOD[: len(GOOD) // 2],
    "external_doctype_after_long_comment": '<?xml version="1.0"?><!--' + " " * 5000
    + '--><!DOCTYPE d SYSTEM "file:///etc/passwd"><d/>',
    "wide_and_big": GOOD.replace("</bpmn:process>", "<bpmn:textAnnotation id='t'/>" * 80_000 + "</bpmn:process>"),
    "huge_attribute": GOOD.replace('name="起草"', 'name="' + "起" * 700_000 + '"'),
    "deep_inside_valid_file": GOOD.replace("<bpmn:documentation>", "<bpmn:documentation>" + "<x>" * 100 + "</x>" * 100),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_or_hostile_bpmn_is_refused_and_nothing_is_stored(engine, case):
    before = definitions(engine)
    started = time.monotonic()
    with pytest.raises(DeploymentError) as err:
        deploy(engine, renamed(BROKEN[case]))
    assert time.monotonic() - started < 10
    assert err.value.problems and all(p["reason"] for p in err.value.problems)
    assert "root:" not in err.value.message and "/etc/passwd" not in err.value.message
    assert definitions(engine) == before


def test_xinclude_is_never_resolved(engine):
    text = GOOD.replace("<bpmn:documentation>", '<bpmn:documentation><xi:include xmlns:xi='
                        '"http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>')
    try:
        deploy(engine, renamed(text))
    except DeploymentError as err:
        assert "root:" not in err.message
    stored = engine.db.execute(select(Definition).order_by(Definition.id.desc()).limit(1)).scalar_one()
    assert "root:" not in stored.content and "root:" not in str(stored.meta)


def test_non_utf8_and_wrong_file_kinds_are_refused(engine):
    before = definitions(engine)
    with pytest.raises(DeploymentError, match="UTF-8"):
        deploy(engine, renamed(GOOD).encode("utf-16"))
    with pytest.raises(DeploymentError, match="只能部署"):
        deploy(engine, b"#!/bin/sh\nrm -rf /", name="payload.sh")
    with pytest.raises(DeploymentError):
        deploy(engine, b'{"type": "nonsense-type"}', name="bad_form.json")
    assert definitions(engine) == before


# --- diagrams whose expressions try to leave the sandbox --------------------------------
ESCAPES = [
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "().__class__.__base__.__subclasses__()",
    "getattr(department, '__class__')",
    "globals()['__builtins__']",
    "eval('1+1')",
    "exec('x=1')",
    "compile('1', 'x', 'eval')",
    "vars()",
    "type(department)",
    "print(department)",
    "department.__class__",
    "10**10**10",
    "2 ** 100000",
    "1 << 1000000",
    "f'{department:>1000000000}'",
]


def _with_condition(expression: str) -> str:
    """two_steps with the boundary timer's expression replaced (the timer is a 'timer expression')."""
    return GOOD.replace(">working_days_after(3)</bpmn:timeDate>", f">{_xml(expression)}</bpmn:timeDate>")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SCRIPTED = GOOD.replace(
    '<bpmn:sequenceFlow id="flow_1" sourceRef="start" targetRef="draft" />',
    '<bpmn:sequenceFlow id="flow_1" sourceRef="start" targetRef="script_1" />'
    '<bpmn:sequenceFlow id="flow_s" sourceRef="script_1" targetRef="gw" />'
    '<bpmn:sequenceFlow id="flow_g" sourceRef="gw" targetRef="draft">'
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">CONDITION</bpmn:conditionExpression></bpmn:sequenceFlow>'
    '<bpmn:sequenceFlow id="flow_d" sourceRef="gw" targetRef="end_timeout" />'
).replace(
    '<bpmn:userTask id="draft" name="起草">',
    '<bpmn:scriptTask id="script_1" name="计算"><bpmn:incoming>flow_1</bpmn:incoming><bpmn:outgoing>flow_s</bpmn:outgoing>'
    '<bpmn:script>SCRIPT</bpmn:script></bpmn:scriptTask>'
    '<bpmn:exclusiveGateway id="gw" name="判断" default="flow_d"><bpmn:incoming>flow_s</bpmn:incoming>'
    '<bpmn:outgoing>flow_g</bpmn:outgoing><bpmn:outgoing>flow_d</bpmn:outgoing></bpmn:exclusiveGateway>'
    '<bpmn:userTask id="draft" name="起草">',
).replace(
    "<bpmn:incoming>flow_1</bpmn:incoming><bpmn:outgoing>flow_2</bpmn:outgoing>",
    "<bpmn:incoming>flow_g</bpmn:incoming><bpmn:outgoing>flow_2</bpmn:outgoing>",
).replace(
    "<bpmn:incoming>flow_4</bpmn:incoming></bpmn:endEvent>",
    "<bpmn:incoming>flow_4</bpmn:incoming><bpmn:incoming>flow_d</bpmn:incoming></bpmn:endEvent>",
).replace(
    "<bpmn:flowNodeRef>draft</bpmn:flowNodeRef>",
    "<bpmn:flowNodeRef>script_1</bpmn:flowNodeRef><bpmn:flowNodeRef>gw</bpmn:flowNodeRef>"
    "<bpmn:flowNodeRef>draft</bpmn:flowNodeRef>",
).replace(
    "</bpmndi:BPMNPlane>",
    '<bpmndi:BPMNShape id="script_1_di" bpmnElement="script_1"><dc:Bounds x="200" y="250" width="50" height="40" /></bpmndi:BPMNShape>'
    '<bpmndi:BPMNShape id="gw_di" bpmnElement="gw"><dc:Bounds x="230" y="200" width="30" height="30" /></bpmndi:BPMNShape>'
    + "".join(f'<bpmndi:BPMNEdge id="{f}_di" bpmnElement="{f}"><di:waypoint x="1" y="1" /><di:waypoint x="2" y="2" />'
              f"</bpmndi:BPMNEdge>" for f in ("flow_s", "flow_g", "flow_d"))
    + "</bpmndi:BPMNPlane>",
)


def scripted(script: str = "checked = True", condition: str = "checked") -> str:
    return SCRIPTED.replace("SCRIPT", _xml(script)).replace("CONDITION", _xml(condition))


def test_the_scripted_diagram_itself_deploys_and_runs(engine_scenario):
    """The vehicle for the refusals below is a valid diagram: script task, gateway condition, timer."""
    [deployed] = engine_scenario.run(lambda e: deploy(e, scripted("n = len(department) * 2\nchecked = n > 0")))
    assert deployed.changed
    matter = engine_scenario.start("t_two_steps", by="zhuling", data=START)
    assert matter.task("draft").state == "ready"
    assert matter.data["n"] == len("market_bureau") * 2


@pytest.mark.parametrize("expression", ESCAPES)
@pytest.mark.parametrize("place", ["script", "condition", "timer"])
def test_deployment_refuses_escapes_in_scripts_conditions_and_timers(engine, place, expression):
    if place == "script":
        text = scripted(script=f"result = {expression}")
    elif place == "condition":
        text = scripted(condition=expression)
    else:
        text = _with_condition(expression)
    before = definitions(engine)
    with pytest.raises(DeploymentError) as err:
        deploy(engine, text)
    reasons = ("不允许", "过大", "连续乘方", "不能含表达式")
    assert any(r in p["reason"] for p in err.value.problems for r in reasons), err.value.problems
    assert definitions(engine) == before


@pytest.mark.parametrize("script", [
    "while True:\n    pass",
    "import os\nx = os.environ",
    "from os import environ",
    "def f():\n    return 1",
    "class A:\n    pass",
    "x = [c for c in ().__class__.__bases__]",
])
def test_deployment_refuses_forbidden_statements_in_script_tasks(engine, script):
    before = definitions(engine)
    with pytest.raises(DeploymentError):
        deploy(engine, scripted(script=script))
    assert definitions(engine) == before


def test_a_bomb_that_passes_validation_is_stopped_at_run_time_and_nothing_is_stored(engine_scenario):
    """Sizes that come from the data cannot be checked at deployment: the running sandbox refuses."""
    engine_scenario.run(lambda e: deploy(e, scripted("s = 'a' * size\nchecked = True")))
    count = lambda e: (e.db.scalar(select(func.count()).select_from(Instance)),  # noqa: E731
                       e.db.scalar(select(func.count()).select_from(Event)))
    before = engine_scenario.run(count)
    started = time.monotonic()
    with pytest.raises(ScriptError):
        engine_scenario.start("t_two_steps", by="zhuling", data={**START, "size": 10**10})
    assert time.monotonic() - started < 5
    assert engine_scenario.run(count) == before
    assert engine_scenario.start("t_two_steps", by="zhuling", data={**START, "size": 3}).data["s"] == "aaa"


# --- the sandbox itself, called directly ---------------------------------------------------
@pytest.fixture
def sandbox():
    return SandboxEnvironment({"now": lambda: "2026-09-28T09:00:00+08:00"}, None)


RUNTIME_ESCAPES = [
    "__import__('os')",
    "open('/etc/passwd')",
    "().__class__.__base__.__subclasses__()",
    "[].__class__",
    "environ",
    "os.environ",
    "'{0.__class__}'.format(1)",
    "'{0.__class__.__base__.__subclasses__}'.format(())",
    "'{x.real}'.format_map({'x': 1})",
    "str.format('{0.__class__}', 1)",
    "dict.fromkeys(range(3))",
    "[bytes][0](10)",
    "[getattr][0](1, 'real')",
    "sum([[1]], [])",
]


@pytest.mark.parametrize("expression", RUNTIME_ESCAPES)
def test_sandbox_refuses_escapes_at_run_time(sandbox, expression):
    with pytest.raises((ScriptError, NameError, KeyError)):
        sandbox.evaluate(expression, {})


BOMBS = [
    "'a' * 10**10",
    "b'a' * 10**10",
    "[0] * 10**9",
    "(0,) * 10**9",
    "10**10**10",
    "2 ** 10**6",
    "1 << 10**9",
    "[[1] * 10000 for i in range(10000)]",
    "[x for x in range(100000) for y in range(100000)]",
    "sum(x for x in range(100000) for y in range(100000))",
    "list(range(10**9))",
    "'{:>1000000000}'.format(1)",
    "'{:{}}'.format(1, 10**9)",
    "'%1000000000d' % 1",
    "'%*d' % (10**9, 1)",
    "'a'.center(10**10)",
    "'a'.ljust(10**10)",
    "'a'.rjust(10**10)",
    "'a'.zfill(10**10)",
    "'\\t'.expandtabs(10**9)",
    "('a' * 1000000).replace('', 'a' * 1000)",
    "','.join(['a' * 500000] * 10)",
]


@pytest.mark.parametrize("expression", BOMBS)
def test_sandbox_stops_resource_bombs_quickly(sandbox, expression):
    started = time.monotonic()
    with pytest.raises(ScriptError):
        sandbox.evaluate(expression, {})
    assert within_budget(started)


@pytest.mark.parametrize("script", [
    "l = [1]\nfor i in range(40):\n    l.extend(l)",
    "l = [1]\nfor i in range(40):\n    l += l",
    "l = [1]\nfor i in range(40):\n    l[len(l):] = l",
    "s = 'a'\nfor i in range(40):\n    s = s + s",
    "x = 3\nfor i in range(40):\n    x = x * x",
    "x = 3\nfor i in range(40):\n    x **= 2",
    "total = 0\nfor i in range(100000):\n    for j in range(100000):\n        total += 1",
])
def test_sandbox_stops_growth_in_loops(sandbox, script):
    started = time.monotonic()
    with pytest.raises(ScriptError):
        sandbox.execute(script, {})
    assert within_budget(started)


def test_sandbox_still_computes_ordinary_things(sandbox):
    context = {"items": ["a", "b"], "count": 3, "name": " 朱玲 "}
    sandbox.execute("total = 0\nfor i in range(count):\n    total += i\nlabel = '{}-{}'.format(*items)\n"
                    "line = '-' * 20\npadded = '%05d' % count\nsquare = count ** 2\nclean = name.strip()\n"
                    "joined = ','.join(items)\nmore = items + ['c']\nmore.extend(['d'])\nfs = f'{count:>4}'", context)
    assert context["total"] == 3 and context["label"] == "a-b" and context["line"] == "-" * 20
    assert context["padded"] == "00003" and context["square"] == 9 and context["clean"] == "朱玲"
    assert context["joined"] == "a,b" and context["more"] == ["a", "b", "c", "d"] and context["fs"] == "   3"
    assert sandbox.evaluate("now()[:4] == '2026' and len(items) == 2", context) is True


def test_task_data_cannot_replace_a_guard(sandbox):
    """Data entered by users is in scope, but a key named like a guard does not replace the guard."""
    with pytest.raises(ScriptError):
        sandbox.evaluate("'a' * 10**10", {"_binop_": None, "_getattr_": None})


def test_the_sandbox_cannot_read_the_environment_or_files(sandbox, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    os.environ["LIANDONG_TEST_SECRET"] = "s3cret"
    try:
        for expression in ["environ['LIANDONG_TEST_SECRET']", f"open({str(secret)!r}).read()",
                           "__builtins__['open']", "__builtins__"]:
            with pytest.raises((ScriptError, NameError, TypeError, KeyError)):
                result = sandbox.evaluate(expression, {})
                assert "s3cret" not in repr(result)
    finally:
        del os.environ["LIANDONG_TEST_SECRET"]


def test_allowed_functions_is_the_one_list_of_callables():
    """Every name a diagram may call is in ALLOWED_FUNCTIONS or PLAIN_BUILTINS; nothing else."""
    for name in scripting.ALLOWED_FUNCTIONS:
        assert check_source(f"{name}()", "eval") == []
    for name in ["open", "getattr", "setattr", "pow", "bytes", "chr", "hash", "id", "type", "vars", "dir",
                 "breakpoint", "input", "memoryview", "object", "super", "delattr", "exit", "help"]:
        assert check_source(f"{name}(1)", "eval"), name
        assert name not in restricted_guards.builtins_table() or name in scripting.PLAIN_BUILTINS
