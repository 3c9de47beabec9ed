"""Every state and event kind the code or a page uses has its Chinese name in engine/states.py, so the
pages, the API and the reports cannot drift apart (issue 17)."""
import ast
import re
from pathlib import Path

from engine import states

pytest_plugins = ["tests.web_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for folder in ("engine", "web") for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)
TEMPLATES = sorted((ROOT / "web" / "templates").rglob("*.html"))

# What a field's value must be labelled in: a step's `state`, a matter's or timer's `status`, a log `kind`.
LABELS = {"state": states.TASK, "status": {**states.MATTER, **states.TIMER}, "kind": states.EVENTS}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _field(node: ast.AST) -> str | None:
    """`x.state` / `x.status` / `event.kind` (an event's kind: other things have kinds too)."""
    if not isinstance(node, ast.Attribute):
        return None
    if node.attr in ("state", "status"):
        return node.attr
    if node.attr == "kind" and isinstance(node.value, ast.Name) and node.value.id in ("event", "Event", "e"):
        return "kind"
    return None


def used_in_code(tree: ast.AST) -> list[tuple[str, str, int]]:
    """(field, literal, line) for each literal compared with, assigned to or logged as a state or kind."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and (field := _field(node.left)):
            found += [(field, s, node.lineno) for c in node.comparators for s in _strings(c)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "in_" and (field := _field(node.func.value)):
                found += [(field, s, node.lineno) for a in node.args for s in _strings(a)]
            if node.func.attr == "record" and node.args:  # History.record(kind, ...)
                found += [("kind", s, node.lineno) for s in _strings(node.args[0])]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (zip(target.elts, node.value.elts, strict=True) if isinstance(target, ast.Tuple)
                         and isinstance(node.value, ast.Tuple) else [(target, node.value)])
                found += [(field, s, node.lineno) for t, v in pairs if (field := _field(t)) for s in _strings(v)]
    return found


TEMPLATE_USE = re.compile(r"\.(state|status)\s*(?:==|!=|in)\s*(\([^)]*\)|'[^']*')"
                          r"|'[\w.]*\.(state|status)',\s*'equalto',\s*'([^']*)'")


def used_in_template(text: str) -> list[tuple[str, str, int]]:
    found = []
    for match in TEMPLATE_USE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if match.group(1):
            found += [(match.group(1), s, line) for s in re.findall(r"'([^']*)'", match.group(2))]
        else:
            found.append((match.group(3), match.group(4), line))
    return found


def unlabelled() -> list[str]:
    missing = []
    for path in SOURCES:
        for field, value, line in used_in_code(ast.parse(path.read_text(encoding="utf-8"))):
            if value not in LABELS[field]:
                missing.append(f"{path.relative_to(ROOT)}:{line}: {field} {value!r}")
    for path in TEMPLATES:
        for field, value, line in used_in_template(path.read_text(encoding="utf-8")):
            if value not in LABELS[field]:
                missing.append(f"{path.relative_to(ROOT)}:{line}: {field} {value!r}")
    return missing


def test_every_state_and_event_kind_used_has_a_chinese_label():
    assert unlabelled() == []


def test_the_scan_sees_states_in_code_and_in_templates():
    # The scan itself must find what it is looking for, or the test above proves nothing.
    code = ast.parse('task.state = "sent_backx"\nif instance.status in ("running", "paused"): pass\n'
                     'ctx.history.record("task_vanished", 1)\nrow.state, row.at = "gone", now\n')
    assert {(f, v) for f, v, _ in used_in_code(code)} == {
        ("state", "sent_backx"), ("status", "running"), ("status", "paused"), ("kind", "task_vanished"),
        ("state", "gone")}
    page = "{% if t.state == 'ready' %}{% if m.status in ('completed', 'x') %}" \
           "{{ rows|selectattr('task.state', 'equalto', 'draft') }}"
    assert {(f, v) for f, v, _ in used_in_template(page)} == {
        ("state", "ready"), ("status", "completed"), ("status", "x"), ("state", "draft")}


def test_task_states_have_one_name_everywhere(app):
    # The API describes every state a task row can be in, 退回 included; pages show the same names.
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    task_state = spec["components"]["schemas"]["Task"]["properties"]["state"]
    assert task_state["enum"] == ["ready", "completed", "deemed_received", "cancelled", "sent_back"]
    assert "sent_back：已退回" in task_state["description"]
    assert spec["components"]["schemas"]["Matter"]["properties"]["status"]["enum"] == list(states.MATTER)
    with app.app_context():
        filters = app.jinja_env.filters
        assert filters["task_state"]("deemed_received") == "超时默认接收"
        assert filters["timer_status"]("fired") == "已触发"
        assert filters["matter_status"]("stalled") == "停滞"


def test_every_notification_kind_has_a_short_name_and_a_log_name():
    # 消息通知 names each entry addressed to a person; the 办理记录 names the same entry in full.
    from engine import history
    from web import present
    assert set(present.EVENT_NOTES) == history.ADDRESSED
    assert set(states.EVENTS) >= history.ADDRESSED
