"""Every expression and script of a diagram runs under a budget of time, steps and memory that no
construct of the language escapes (issue 16, items 2 and 3).

A table of hostile cases, one for each place an expression appears (gateway condition, script task,
pre/post scripts, timers, `due`, lane department/assignee/candidates, DMN input and cells, service
parameters, multi-instance cardinality and completion condition, loop condition): each is refused at
deployment — when it needs no data — or stopped at run time within the budget, with a Chinese
message that names the file, the element and the limit it hit (时间/步数/内存), and nothing is stored.
Budgets here are small (set through the environment), so the file runs in seconds and never sleeps.
"""
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Liandong, db, forms, runtime
from engine.budget import MEMORY, STEPS, TIME, Limits, SandboxRefusal
from engine.errors import DeploymentError, ScriptError
from engine.models import Event, HumanTask, Instance
from engine.restricted import is_straight_line
from engine.script_worker import grace
from engine.scripting import CalendarFunctions, SandboxEnvironment, check_source
from tests.scenario import Scenario

PROCESSES = Path(__file__).parent.parent / "processes"
FILE = "t_hostile.bpmn"
USCC = forms.uscc_with_check("91210300MA0Q12345")
DATA = {"department": "market_bureau", "n": 10**13, "m": 10**9, "k": 10**6, "w": 100_000, "ten": 10}


@pytest.fixture(autouse=True)
def small_budget(monkeypatch):
    monkeypatch.setenv("LIANDONG_SCRIPT_SECONDS", "0.4")
    monkeypatch.setenv("LIANDONG_SCRIPT_STEPS", "20000")
    monkeypatch.setenv("LIANDONG_SCRIPT_MEMORY_MB", "48")


def bound() -> float:
    """The longest a stopped evaluation may take: its limit, the alarm's grace, and room for a new
    worker's start and the step around it on a busy two-core machine (unstopped, these run for
    minutes or exhaust memory)."""
    limits = Limits.current()
    return limits.seconds + grace(limits) + 4


@pytest.fixture
def scenario(tmp_path, engine_template, clock):
    target = tmp_path / "budget.sqlite3"
    target.write_bytes(engine_template.read_bytes())
    eng = db.make_engine(f"sqlite:///{target}")
    yield Scenario(db.session_factory(eng), clock)
    eng.dispose()


# --- a small diagram with one hostile expression in one place ---------------------------
def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _props(**values) -> str:
    if not values:
        return ""
    inner = "".join(f'<spiffworkflow:property name="{k}" value="{_x(v)}"/>' for k, v in values.items())
    return f"<bpmn:extensionElements><spiffworkflow:properties>{inner}</spiffworkflow:properties></bpmn:extensionElements>"


SCRIPT_PLACES = ("script", "pre_script", "post_script", "mi_cardinality", "mi_condition", "loop_condition")
TIMER_TAGS = {"time_date": "timeDate", "time_duration": "timeDuration", "time_cycle": "timeCycle"}


@dataclass
class Parts:
    """What a place adds to the plain diagram: element x before the user task, a timer on it, flows."""
    middle: str = ""
    boundary: str = ""
    flows: list[tuple[str, str]] = field(default_factory=list)
    flow_extra: dict[tuple[str, str], str] = field(default_factory=dict)
    dmn: str | None = None


def _condition(code: str) -> str:
    return f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{_x(code)}</bpmn:conditionExpression>'


def _gateway(code: str) -> Parts:
    return Parts(middle='<bpmn:exclusiveGateway id="x" name="判断" default="f_x_end"/>', flows=[("x", "end")],
                 flow_extra={("x", "confirm"): _condition(code)})


def _loop(place: str, code: str) -> str:
    if place == "mi_cardinality":
        return f"<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>{_x(code)}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
    if place == "mi_condition":
        return ("<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality>"
                f"<bpmn:completionCondition>{_x(code)}</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>")
    if place == "loop_condition":
        return (f'<bpmn:standardLoopCharacteristics testBefore="true"><bpmn:loopCondition>{_x(code)}'
                "</bpmn:loopCondition></bpmn:standardLoopCharacteristics>")
    return ""


def _script_task(place: str, code: str) -> Parts:
    script = code if place == "script" else "y = 1"
    extension = ""
    if place in ("pre_script", "post_script"):
        tag = "preScript" if place == "pre_script" else "postScript"
        extension = f"<bpmn:extensionElements><spiffworkflow:{tag}>{_x(code)}</spiffworkflow:{tag}></bpmn:extensionElements>"
    return Parts(middle=f'<bpmn:scriptTask id="x" name="计算" scriptFormat="python">{extension}INOUT'
                        f"{_loop(place, code)}<bpmn:script>{_x(script)}</bpmn:script></bpmn:scriptTask>")


def _service_task(code: str) -> Parts:
    return Parts(middle='<bpmn:serviceTask id="x" name="入库"><bpmn:extensionElements>'
                        '<spiffworkflow:serviceTaskOperator id="target_library.add" resultVariable="added"><spiffworkflow:parameters>'
                        f'<spiffworkflow:parameter id="department" type="str" value="{_x(code)}"/>'
                        f'<spiffworkflow:parameter id="credit_code" type="str" value="\'{USCC}\'"/>'
                        '<spiffworkflow:parameter id="enterprise_name" type="str" value="\'x\'"/>'
                        "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>INOUT</bpmn:serviceTask>")


def _rule_task(place: str, code: str) -> Parts:
    return Parts(middle='<bpmn:businessRuleTask id="x" name="查表"><bpmn:extensionElements>'
                        "<spiffworkflow:calledDecisionId>t_hostile_decision</spiffworkflow:calledDecisionId>"
                        "</bpmn:extensionElements>INOUT</bpmn:businessRuleTask>",
                 dmn=DMN.replace("INPUT", _x(code if place == "dmn_input" else "department")).replace(
                     "CELL", _x(code if place == "dmn_cell" else '"market_bureau"')))


def _after_timer(code: str) -> Parts:
    """confirm's timer fires (in the timer worker), then a gateway decides."""
    return Parts(boundary='<bpmn:boundaryEvent id="x_timer" name="超时" attachedToRef="confirm">'
                          "<bpmn:outgoing>f_x_timer_g2</bpmn:outgoing><bpmn:timerEventDefinition>"
                          '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days_after(1)</bpmn:timeDate>'
                          "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
                          '<bpmn:exclusiveGateway id="g2" name="超时后判断" default="f_g2_end_late">'
                          "<bpmn:incoming>f_x_timer_g2</bpmn:incoming><bpmn:outgoing>f_g2_end</bpmn:outgoing>"
                          "<bpmn:outgoing>f_g2_end_late</bpmn:outgoing></bpmn:exclusiveGateway>"
                          '<bpmn:endEvent id="end_late" name="超时结束"><bpmn:incoming>f_g2_end_late</bpmn:incoming></bpmn:endEvent>',
                 flows=[("x_timer", "g2"), ("g2", "end"), ("g2", "late")], flow_extra={("g2", "end"): _condition(code)})


def _timer(place: str, code: str) -> Parts:
    tag = TIMER_TAGS[place]
    cancel = ' cancelActivity="false"' if place == "time_cycle" else ""
    return Parts(boundary=f'<bpmn:boundaryEvent id="x_timer" name="超时" attachedToRef="confirm"{cancel}>'
                          "<bpmn:outgoing>f_x_timer_end</bpmn:outgoing><bpmn:timerEventDefinition>"
                          f'<bpmn:{tag} xsi:type="bpmn:tFormalExpression">{_x(code)}</bpmn:{tag}>'
                          "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
                 flows=[("x_timer", "end")])


def _parts(place: str, code: str) -> Parts:
    if place == "condition":
        return _gateway(code)
    if place in SCRIPT_PLACES:
        return _script_task(place, code)
    if place == "service_param":
        return _service_task(code)
    if place in ("dmn_input", "dmn_cell"):
        return _rule_task(place, code)
    if place == "after_timer":
        return _after_timer(code)
    if place in TIMER_TAGS:
        return _timer(place, code)
    return Parts()  # the expression is on the user task or its lane


def _lane_and_task(place: str, code: str) -> tuple[dict[str, str], dict[str, str]]:
    """The work lane's and the user task's properties, with `code` in one of them if `place` is there."""
    lane = {"role": "liaison", "department": "department"}
    task_props = {"form": "t_note.json"}
    if place in ("lane_department", "lane_assignee", "lane_candidates"):
        lane[place.split("_", 1)[1]] = code
    if place in ("due", "copy_to"):
        task_props[place] = code
    if place == "due":
        task_props["limit_kind"] = "internal"
    return lane, task_props


def _flows(place: str, parts: Parts) -> list[tuple[str, str]]:
    flows = [("start", "x"), ("x", "confirm"), ("confirm", "end"), *parts.flows]
    if not parts.middle:  # the expression is on the user task, its lane or its timer: no element before it
        flows = [("start", "confirm")] + [f for f in flows if f[0] != "start" and f[0] != "x"]
    if place == "after_timer":  # the gateway and its own end event write their flows themselves
        flows = [(a, "end_late" if b == "late" else b) for a, b in flows]
    return flows


def _wired(middle: str, inout) -> str:
    """Element x with its incoming and outgoing flows."""
    if not middle or "INOUT" in middle:
        return middle.replace("INOUT", inout("x"))
    return middle.replace("/>", f">{inout('x')}</bpmn:exclusiveGateway>")  # a gateway written as an empty element


def diagram(place: str, code: str) -> tuple[str, str | None]:
    """(BPMN, DMN or None): start → [element x] → confirm (user task) → end, with `code` in `place`."""
    lane, task_props = _lane_and_task(place, code)
    parts = _parts(place, code)
    boundary, flows = parts.boundary, _flows(place, parts)
    incoming = {b: [f"f_{a}_{b}" for a, b2 in flows if b2 == b] for _, b in flows}
    outgoing = {a: [f"f_{a}_{b}" for a2, b in flows if a2 == a] for a, _ in flows}

    def inout(node):
        return ("".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(node, []))
                + "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(node, [])))
    middle = _wired(parts.middle, inout)
    extra = ["g2", "end_late"] if place == "after_timer" else []
    before = ["x"] if middle else []
    timer = ["x_timer"] if boundary else []
    nodes = ["start", *before, "confirm", "end", *timer, *extra]
    work_lane = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ["confirm", *timer])
    body = (
        '<bpmn:laneSet id="ls"><bpmn:lane id="lane_start" name="发起人">' + _props(role="starter")
        + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ["start", *before, "end"] + extra)
        + '</bpmn:lane><bpmn:lane id="lane_work" name="联络人">' + _props(**lane) + work_lane + "</bpmn:lane></bpmn:laneSet>"
        + f'<bpmn:startEvent id="start" name="发起">{inout("start")}</bpmn:startEvent>' + middle
        + f'<bpmn:userTask id="confirm" name="确认">{_props(**task_props)}{inout("confirm")}</bpmn:userTask>' + boundary
        + f'<bpmn:endEvent id="end" name="完成">{inout("end")}</bpmn:endEvent>'
        + "".join(f'<bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}">{parts.flow_extra.get((a, b), "")}</bpmn:sequenceFlow>'
                  for a, b in flows)
    )
    return _definitions(body, nodes, flows), parts.dmn


def _definitions(body: str, nodes: list[str], flows: list[tuple[str, str]]) -> str:
    """The process in its definitions, with a shape for each node and an edge for each flow."""
    shapes = "".join(f'<bpmndi:BPMNShape id="{n}_di" bpmnElement="{n}"><dc:Bounds x="{100 + 80 * i}" y="100" width="50" height="50"/>'
                     "</bpmndi:BPMNShape>" for i, n in enumerate(nodes + ["lane_start", "lane_work", "participant"]))
    edges = "".join(f'<bpmndi:BPMNEdge id="f_{a}_{b}_di" bpmnElement="f_{a}_{b}"><di:waypoint x="1" y="1"/><di:waypoint x="2" y="2"/>'
                    "</bpmndi:BPMNEdge>" for a, b in flows)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
 xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
 xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 id="defs" targetNamespace="http://liandong.gov.cn/bpmn">
<bpmn:collaboration id="collab"><bpmn:participant id="participant" name="敌意测试" processRef="t_hostile"/></bpmn:collaboration>
<bpmn:process id="t_hostile" name="敌意测试" isExecutable="true">{body}</bpmn:process>
<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="collab">{shapes}{edges}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_t_hostile_decision" name="敌意决策" namespace="http://liandong.gov.cn/dmn">
  <decision id="t_hostile_decision" name="敌意决策">
    <decisionTable id="t_hostile_table" hitPolicy="UNIQUE">
      <input id="in_1" label="输入"><inputExpression id="in_1_expr" typeRef="string"><text>INPUT</text></inputExpression></input>
      <output id="out_1" label="结果" name="looked_up" typeRef="string"/>
      <rule id="rule_1"><inputEntry id="rule_1_in"><text>CELL</text></inputEntry><outputEntry id="rule_1_out"><text>"ok"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def deploy(engine: Liandong, place: str, code: str):
    bpmn, dmn = diagram(place, code)
    files = [(FILE, bpmn.encode())] + ([("t_hostile_decision.dmn", dmn.encode())] if dmn else [])
    return engine.repository.deploy(files, user="owner")


# --- the corpus ---------------------------------------------------------------------------
# (place, code, where it is stopped, the limits it may hit). Constant bombs are refused at deployment;
# those that read the matter's data (n = 10**13, m = 10**9, k = 10**6, w = 100 000) are stopped when they run.
ISSUE_EXAMPLE = "len(sorted(range(100000), key=lambda i: sum(map(lambda j: j, range(100000))))) > 0"
RECURSION = "(lambda l: l[0](l))([lambda l: l[0](l)])"
CORPUS = {
    # refused at deployment: they need no data, so they are tried under the budget there
    "condition_issue_example": ("condition", ISSUE_EXAMPLE, "deploy", {STEPS, TIME}),
    "script_nested_comprehension": ("script", "x = [i for i in range(10**6) for j in range(10**6)]", "deploy", {STEPS}),
    "script_c_loop_sum": ("script", "total = sum(range(10**13))", "deploy", {TIME}),
    "script_for_loop": ("script", "x = 0\nfor i in range(10**9):\n    x += 1", "deploy", {STEPS}),
    "script_doubling_list": ("script", "l = [1]\nfor i in range(100):\n    l = l + l", "deploy", {MEMORY}),
    "script_squaring_int": ("script", "x = 10\nfor i in range(40):\n    x = x * x", "deploy", {MEMORY}),
    "script_recursion": ("script", "r = " + RECURSION, "deploy", {STEPS}),
    "script_to_bytes": ("script", "b = (0).to_bytes(10**9, 'big')", "deploy", {MEMORY}),
    "script_translate": ("script", "t = ('a' * 1000).translate({97: 'b' * 1000000})", "deploy", {MEMORY, TIME}),
    "script_aliased_result": ("script", "a = ['x' * 100000] * 1000", "deploy", {MEMORY}),
    "script_str_of_aliases": ("script", "s = str([['x' * 1000] * 1000] * 1000)", "deploy", {MEMORY, TIME}),
    "pre_script_loop": ("pre_script", "z = 0\nfor i in range(10**9):\n    z = z + i", "deploy", {STEPS}),
    "post_script_doubling_string": ("post_script", "s = 'ab'\nfor i in range(64):\n    s = s + s", "deploy", {MEMORY}),
    "time_date_comprehension": ("time_date", "str(len([1 for i in range(10**9)]))", "deploy", {STEPS}),
    "time_duration_c_loop": ("time_duration", "'P' + str(sum(range(10**13))) + 'D'", "deploy", {TIME}),
    "time_cycle_list_of_range": ("time_cycle", "'R' + str(len(list(range(10**9)))) + '/PT1H'", "deploy", {MEMORY}),
    "due_map_lambda": ("due", "sum(map(lambda i: i, range(10**9))) and working_days_after(3)", "deploy", {STEPS}),
    "lane_department_recursion": ("lane_department", f"'market_bureau' if {RECURSION} else ''", "deploy", {STEPS}),
    "lane_assignee_max_map": ("lane_assignee", "max(map(lambda i: i * i, range(10**9)))", "deploy", {STEPS}),
    "lane_candidates_cross_product": ("lane_candidates", "[x for x in 'ab' * 10**5 for y in 'ab' * 10**5]", "deploy", {STEPS}),
    "service_param_to_bytes": ("service_param", "str((0).to_bytes(10**9, 'big'))", "deploy", {MEMORY}),
    "mi_cardinality_translate": ("mi_cardinality", "len(('a' * 1000).translate({97: 'b' * 1000000}))", "deploy", {MEMORY, TIME}),
    "mi_condition_sorted_strings": ("mi_condition", "sorted([str(i) for i in range(10**6)]) is None", "deploy", {STEPS}),
    "loop_condition_filter": ("loop_condition", "any(filter(lambda i: i < 0, range(10**9)))", "deploy", {STEPS}),
    "copy_to_list_bomb": ("copy_to", "[0] * 10**7 * 10", "deploy", {MEMORY}),
    # stopped at run time: the size comes from the matter's data
    "condition_issue_example_with_data": ("condition", "len(sorted(range(w), key=lambda i: sum(map(lambda j: j, range(w))))) > 0", "run", {STEPS}),
    "condition_c_loop": ("condition", "sum(range(n)) > 0", "run", {TIME}),
    "condition_big_power": ("condition", "ten ** m > 0", "run", {MEMORY}),
    "script_string_bomb": ("script", "s = 'x' * n", "run", {MEMORY}),
    "script_to_bytes_data": ("script", "b = (0).to_bytes(m, 'big')", "run", {MEMORY}),
    "script_translate_data": ("script", "t = ('a' * 1000).translate({97: 'b' * k})", "run", {MEMORY, TIME}),
    "script_format_width": ("script", "s = '{:>{}}'.format(1, m)", "run", {MEMORY}),
    "script_generator_result": ("script", "g = (x for x in range(n))", "run", {None}),
    "time_date_list": ("time_date", "str(len(list(range(m))))", "run", {MEMORY}),
    "time_duration_map": ("time_duration", "'PT' + str(max(map(lambda i: i, range(n)))) + 'S'", "run", {STEPS}),
    "time_cycle_comprehension": ("time_cycle", "'R' + str(len([1 for i in range(n)])) + '/PT1H'", "run", {STEPS}),
    "due_c_loop": ("due", "working_days_after(1) if sum(range(n)) else None", "run", {TIME}),
    "lane_department_sorted": ("lane_department", "department if len(sorted([str(i) for i in range(n)])) else ''", "run", {STEPS}),
    "lane_assignee_all_map": ("lane_assignee", "None if all(map(lambda i: i >= 0, range(n))) else None", "run", {STEPS}),
    "lane_candidates_sorted_range": ("lane_candidates", "sorted(range(m), reverse=True)[:1]", "run", {MEMORY, TIME}),
    "dmn_input_list": ("dmn_input", "len(str(list(range(m))))", "run", {MEMORY}),
    "dmn_cell_map": ("dmn_cell", "sum(map(lambda i: 1, range(n)))", "run", {STEPS}),
    "service_param_c_loop": ("service_param", "str(sum(range(n)))", "run", {TIME}),
    "mi_cardinality_zip": ("mi_cardinality", "len(list(zip(range(m), range(m))))", "run", {MEMORY, TIME}),
    "mi_cardinality_huge": ("mi_cardinality", "n", "run", {STEPS}),
    "mi_condition_generator": ("mi_condition", "any(x > n for x in range(n))", "run", {STEPS}),
    "loop_condition_sorted_key": ("loop_condition", "sorted(range(n), key=lambda i: -i) is None", "run", {STEPS, MEMORY}),
    "working_days_of_data": ("due", "working_days_after(m)", "run", {"function"}),
}
LIMIT_WORDS = {TIME, STEPS, MEMORY}


def counts(engine):
    return (engine.db.scalar(select(func.count()).select_from(Instance)),
            engine.db.scalar(select(func.count()).select_from(Event)),
            engine.db.scalar(select(func.count()).select_from(HumanTask)))


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_expression_is_refused_at_deploy_or_stopped_within_the_budget(scenario, case):
    place, code, stage, limits = CORPUS[case]
    if stage == "deploy":
        started = time.monotonic()
        with pytest.raises(DeploymentError) as refused:
            scenario.run(lambda e: deploy(e, place, code))
        assert time.monotonic() - started < bound() + 1
        problem = refused.value.problems[0]
        owner = {"due": "confirm", "copy_to": "confirm", "condition": "f_x_confirm",  # the flow that carries it
                 "time_date": "x_timer", "time_duration": "x_timer", "time_cycle": "x_timer"}.get(
            place, "lane_work" if place.startswith("lane_") else "x")
        assert problem["file"] == FILE and problem["element"] == owner, refused.value.problems
        assert any(f"{limit}限制" in problem["reason"] for limit in limits), problem
        return
    scenario.run(lambda e: deploy(e, place, code))
    before = scenario.run(counts)
    started = time.monotonic()
    with pytest.raises(ScriptError) as stopped:
        scenario.start("t_hostile", by="zhuling", data=DATA)
    assert time.monotonic() - started < bound()
    message = stopped.value.message
    element = {"due": "confirm", "time_date": "x_timer", "time_duration": "x_timer", "time_cycle": "x_timer"}.get(
        place, "lane_work" if place.startswith("lane_") else "x")
    assert FILE in message and f"（{element}）" in message, message
    if limits == {"function"}:
        assert "工作日天数超出范围" in message
    elif limits == {None}:
        assert isinstance(stopped.value, SandboxRefusal) and "结果不是数据" in message
    else:
        assert isinstance(stopped.value, SandboxRefusal)
        assert any(f"{limit}限制" in message for limit in limits), message
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", message.split("：", 1)[1]), message  # no English sentence
    assert scenario.run(counts) == before  # nothing of the refused start is stored


def test_the_corpus_covers_every_place_an_expression_appears():
    places = {place for place, *_ in CORPUS.values()}
    assert places >= {"condition", "script", "pre_script", "post_script", "time_date", "time_duration", "time_cycle",
                      "due", "copy_to", "lane_department", "lane_assignee", "lane_candidates", "dmn_input", "dmn_cell",
                      "service_param", "mi_cardinality", "mi_condition", "loop_condition"}
    assert len(CORPUS) >= 36


@pytest.mark.parametrize("place", ["condition", "script", "time_date", "due", "lane_assignee", "dmn_cell",
                                   "service_param", "mi_cardinality", "loop_condition"])
def test_the_vehicle_runs_when_the_expression_is_harmless(scenario, place):
    """The same diagrams deploy and run with an ordinary expression in each place: the refusals above
    are the sandbox's, not a broken diagram's."""
    harmless = {"condition": "len(department) > 0", "script": "y = [i * 2 for i in range(3)]",
                "time_date": "working_days_after(3)", "due": "working_days_after(sum(range(3)))",
                "lane_assignee": "sorted(['zhuling'])[0]", "dmn_cell": '"market_bureau"',
                "service_param": "department", "mi_cardinality": "len([1, 2])", "loop_condition": "False"}[place]
    scenario.run(lambda e: deploy(e, place, harmless))
    data = DATA if place != "service_param" else {**DATA, "department": "market_bureau"}
    matter = scenario.start("t_hostile", by="zhuling", data=data)
    assert matter.task("confirm").state == "ready"


def test_an_endless_loop_of_engine_steps_is_stopped(scenario, monkeypatch):
    """Each pass of `loopCondition="True"` is cheap; the step as a whole is not allowed to run forever."""
    monkeypatch.setattr(runtime, "MAX_TASKS_PER_STEP", 60)
    scenario.run(lambda e: deploy(e, "loop_condition", "True"))
    with pytest.raises(SandboxRefusal) as stopped:
        scenario.start("t_hostile", by="zhuling", data=DATA)
    assert "步数限制" in stopped.value.message and "不会结束的循环" in stopped.value.message


def test_a_huge_loop_maximum_is_refused_at_deploy(scenario):
    bpmn, _ = diagram("loop_condition", "True")
    bpmn = bpmn.replace('testBefore="true"', 'testBefore="true" loopMaximum="1000000000"')
    with pytest.raises(DeploymentError) as refused:
        scenario.run(lambda e: e.repository.deploy([(FILE, bpmn.encode())]))
    assert "loopMaximum" in refused.value.message


# --- the refusal is recorded on the matter, the step rolls back -------------------------------
def _started_with_bomb_at_completion(scenario):
    """A matter whose next step (completing 确认) evaluates a copy_to that runs out of steps."""
    scenario.run(lambda e: deploy(e, "copy_to", "[p for p in ['zhuling'] for i in range(n)]"))
    matter = scenario.start("t_hostile", by="zhuling", data=DATA)
    return matter, matter.task("confirm")


@pytest.mark.usefixtures("tmp_path")
def test_a_refused_step_at_run_time_marks_the_matter_in_error_and_changes_nothing_else(scenario):
    from web import create_app
    from tests.web_fixtures import WebUser
    matter, task = _started_with_bomb_at_completion(scenario)
    url = str(scenario.session_factory.kw["bind"].url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "CLOCK": scenario.clock})
    try:
        before = scenario.run(lambda e: (e.runtime.instance(matter.id).revision,
                                         e.runtime.instance(matter.id).state))
        answer = WebUser(app, "zhuling").post(f"/tasks/{task.id}/complete", {"note": "确认", "revision": task.revision})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 500 and "步数限制" in page and "（confirm）" in page and FILE in page, page
    finally:
        app.extensions["liandong_engine"].dispose()

    def check(e):
        instance = e.runtime.instance(matter.id)
        assert instance.status == "error" and "步数限制" in instance.error and "copy_to" in instance.error
        assert (instance.revision, instance.state) == before  # the step itself rolled back
        assert [t.state for t in e.tasks.of_instance(matter.id)] == ["ready"]
        [logged] = e.history.events(matter.id, "error")
        assert "步数限制" in logged.data["message"]
    scenario.run(check)


@pytest.mark.usefixtures("capsys")
def test_the_command_line_marks_a_refused_step_too(scenario, monkeypatch):
    from engine import cli
    matter, task = _started_with_bomb_at_completion(scenario)
    monkeypatch.setenv("DATABASE_URL", str(scenario.session_factory.kw["bind"].url))
    with pytest.raises(SandboxRefusal):
        cli._run(lambda e: Liandong(e.db, scenario.clock).tasks.complete(task.id, "zhuling", {"note": "确认"}, task.revision))
    assert scenario.run(lambda e: e.runtime.instance(matter.id).status) == "error"


def test_the_timer_worker_marks_the_matter_whose_step_is_refused(scenario):
    """The 确认 timer fires in the timer worker; the gateway after it runs out of time: that matter
    is marked 出错 with the reason, the sweep goes on."""
    scenario.run(lambda e: deploy(e, "after_timer", "sum(range(n)) > 0"))
    matter = scenario.start("t_hostile", by="zhuling", data=DATA)
    other = scenario.start("t_hostile", by="zhuling", data={**DATA, "n": 3})
    assert scenario.advance_to("2026-10-08 09:00") == 1  # one working day after 09-28… the holiday week
    instance = scenario.run(lambda e: e.runtime.instance(matter.id))
    assert instance.status == "error" and "时间限制" in instance.error and "（g2）" in instance.error
    assert scenario.run(lambda e: e.runtime.instance(other.id).status) == "completed"


# --- the common case stays cheap, and messages are Chinese -------------------------------------
def test_the_bundled_conditions_timers_due_dates_and_lanes_run_without_the_worker():
    """Gateway conditions, timers, `due` properties and lane expressions run on every step: every one in
    processes/ is straight-line, so it is evaluated in the server's process with no round trip."""
    import ast
    from lxml import etree
    from engine.bpmn_xml import NS
    seen = 0
    for path in sorted(PROCESSES.glob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        texts = [n.text for n in root.xpath(".//bpmn:conditionExpression|.//bpmn:timeDate|.//bpmn:timeDuration", namespaces=NS)]
        texts += [p.get("value") for p in root.xpath(".//spiffworkflow:property", namespaces=NS)
                  if p.get("name") in ("due", "department", "assignee", "candidates")]
        for text in texts:
            assert is_straight_line(ast.parse(text.strip(), mode="eval")), (path.name, text)
            seen += 1
    assert seen > 50


def test_straight_line_expressions_never_start_a_worker(monkeypatch):
    from engine import script_pool
    monkeypatch.setattr(script_pool, "run", lambda *_a, **_k: pytest.fail("a straight-line expression went to the worker"))
    sandbox = SandboxEnvironment({"working_days_after": lambda n, _start=None: f"+{n}"}, None)
    data = {"decision": "approve", "amount": 12000, "form": {"ok": True}, "name": " 朱玲 ", "items": ["a", "b"]}
    assert sandbox.evaluate("decision == 'approve' and amount > 10000", data) is True
    assert sandbox.evaluate("form.get('ok') and len(name.strip()) == 2 and 'a' in items", data) is True
    assert sandbox.evaluate("working_days_after(3)", data) == "+3"
    assert sandbox.evaluate("'关于' + name.strip() + ('的' if amount else '')", data) == "关于朱玲的"


def test_loops_and_lambdas_do_go_to_the_worker_and_still_compute():
    sandbox = SandboxEnvironment({"now": lambda: "2026-10-12T09:00:00+08:00"}, None)
    context = {"items": [3, 1, 2]}
    assert sandbox.evaluate("sorted(items, key=lambda i: -i)", context) == [3, 2, 1]
    assert sandbox.evaluate("[now()[:4] for i in items]", context) == ["2026"] * 3
    sandbox.execute("total = 0\nfor i in items:\n    total += i\nstamp = now()", context)
    assert context == {"items": [3, 1, 2], "total": 6, "i": 2, "stamp": "2026-10-12T09:00:00+08:00"}


def test_a_diagram_function_bounds_its_own_arguments(clock):
    from engine.calendar import WorkingCalendar
    functions = CalendarFunctions(WorkingCalendar({}, {2026}), clock)
    started = time.monotonic()
    for bad in [lambda: functions.working_days_after(10**9), lambda: functions.working_days_after(-1),
                lambda: functions.working_days_between("0001-01-01", "9999-12-31"),
                lambda: functions.working_days_after(3, ["2026"] * 1000), lambda: functions.working_days_after(3, "x" * 10**6)]:
        with pytest.raises(ScriptError):
            bad()
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("source, mode", [
    ("().__class__", "eval"), ("_secret", "eval"), ("x = 1\ntry:\n    pass\nexcept Exception:\n    pass", "exec"),
    ("async def f():\n    pass", "exec"), ("def f():\n    yield 1", "exec"), ("exec('1')", "eval"),
    ("nonlocal x", "exec"), ("(x for x in", "eval"), ("a.__roles__", "eval"), ("x[0] += 1\nprint(x)", "exec"),
])
def test_refusals_are_in_chinese(source, mode):
    problems = check_source(source, mode)
    assert problems
    for problem in problems:
        assert not re.search(r"\b(is|are|not|allowed|invalid|because|Line|name|statements?)\b", problem), problem
        assert "第" in problem and "行" in problem


def test_try_cannot_catch_the_budget():
    """Catching its own stop would let the code run on untraced: `try` is not part of the language."""
    assert any("try" in p for p in check_source("try:\n    x = 1\nexcept BaseException:\n    pass", "exec"))
