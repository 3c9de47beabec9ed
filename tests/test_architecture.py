"""The shape of the code a newcomer inherits (issue 17): no import cycles in engine/ or web/, and no
module longer than a reader can hold (400 lines)."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "web")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _target(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The module an ImportFrom names (`from .x import y` -> package.x), relative levels resolved."""
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(known: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of engine/ and web/ it imports, at the top or inside a function (a lazy
    import that only hides a cycle is still one)."""
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        edges = graph.setdefault(name, set())
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in known}
            elif isinstance(node, ast.ImportFrom):
                target = _target(name, is_package, node)
                submodules = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known}
                edges |= submodules or ({target} if target in known else set())
        edges.discard(name)
    return graph


def _pop_group(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    """The modules on the stack down to `root`: one strongly connected group, taken off the stack."""
    group = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        group.append(member)
        if member == root:
            return group


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = _pop_group(stack, on_stack, node)
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycles_in_engine_or_web():
    assert cycles(imports(modules())) == []


def test_the_cycle_finder_sees_lazy_imports_and_packages():
    graph = {"engine.inspection": {"engine.penalty"}, "engine.penalty": {"engine.inspection"},
             "engine.a": {"engine.b"}, "engine.b": set()}
    assert cycles(graph) == [["engine.inspection", "engine.penalty"]]
    lazy = ast.parse("def f():\n    from .penalty import op_open_case\n").body[0].body[0]
    assert _target("engine.inspection", False, lazy) == "engine.penalty"
    assert _target("web.modeler", True, ast.parse("from . import trial").body[0]) == "web.modeler"


MAX_LINES = 400
# A module over the limit for a reason goes here with the reason; the test fails once it fits again.
TOO_LONG_FOR_NOW: dict[str, str] = {}


def test_no_module_in_engine_or_web_is_longer_than_400_lines():
    lengths = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
               for path in modules().values()}
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES and name not in TOO_LONG_FOR_NOW}
    assert too_long == {}
    assert {name for name in TOO_LONG_FOR_NOW if lengths.get(name, 0) <= MAX_LINES} == set()


# The runtime and timer layer: the only modules that reach into SpiffWorkflow's private parts.
ENGINE_LAYER = {"engine/runtime.py", "engine/timers.py", "engine/task_tree.py", "engine/storage.py",
                "engine/spec_links.py", "engine/compaction.py", "engine/countersign.py", "engine/tree_depth.py"}
LIBRARY_INTERNALS = re.compile(r"\._set_internal_data\(|\._get_internal_data\(|\._set_state\(|\.internal_data\b"
                               r"|\.event_manager\b|\._sync_children\(")
PRIVATE_CALL = re.compile(r"\bctx\.\w+\._\w+\(|\bg\.engine\.\w+\._\w+\(")  # another service's private method


def test_spiffworkflow_internals_stay_in_the_runtime_and_timer_layer():
    reaching = {str(path.relative_to(ROOT)) for path in modules().values()
                if LIBRARY_INTERNALS.search(path.read_text(encoding="utf-8"))}
    assert reaching - ENGINE_LAYER == set()


def test_no_service_calls_another_services_private_method():
    calls = {f"{path.relative_to(ROOT)}: {m.group(0)}" for path in modules().values()
             for m in PRIVATE_CALL.finditer(path.read_text(encoding="utf-8"))}
    assert calls == set()


# Methods the libraries call by name (SQLAlchemy TypeDecorator, ast.NodeTransformer, string.Formatter,
# SpiffWorkflow's task specs and timer events): named once here, yet alive.
LIBRARY_HOOKS = {"process_bind_param", "process_result_value", "visit_While", "visit_With", "visit_Call",
                 "visit_ClassDef", "visit_FormattedValue", "get_field", "_predict_hook", "cycle_complete"}
NAMING_FILES = ("engine/**/*.py", "web/**/*.py", "tests/**/*.py", "bench/**/*.py", "web/templates/**/*.html",
                "web/static/**/*.js", "processes/**/*.bpmn", "processes/**/*.dmn", "processes/**/*.html",
                "processes/**/*.json")


def test_no_function_in_engine_or_web_is_dead():
    """A function nobody names (not code, template, diagram or test) is deleted, not kept for later.
    Decorated functions (routes, fixtures, properties) are called through their decorator."""
    words: dict[str, int] = {}
    for pattern in NAMING_FILES:
        for path in ROOT.glob(pattern):
            if "node_modules" not in path.parts:
                for word in re.findall(r"\w+", path.read_text(encoding="utf-8", errors="replace")):
                    words[word] = words.get(word, 0) + 1
    unnamed = set()
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.FunctionDef) and not node.decorator_list and not node.name.startswith("__")
                    and node.name not in LIBRARY_HOOKS and words.get(node.name, 0) <= 1):
                unnamed.add(f"{path.relative_to(ROOT)}: {node.name}")
    assert unnamed == set()


SERVICE_CALL = re.compile(r"\bctx\.(\w+)\.")  # a service reaching another through the shared Liandong


def service_calls() -> dict[str, set[str]]:
    """Service -> the services its module calls through `self.ctx` (engine/services.py names them)."""
    names = set(re.findall(r"self\.(\w+) = \w+\(", (ROOT / "engine/services.py").read_text(encoding="utf-8")))
    graph = {}
    for name in names:
        path = ROOT / "engine" / f"{name}.py"
        if path.exists():
            called = set(SERVICE_CALL.findall(path.read_text(encoding="utf-8"))) & names
            graph[name] = called - {name}
    return graph


def test_services_call_one_way():
    """No call goes down one service and back up another (tasks ↔ signers, tasks ↔ office were two):
    the caller passes what is needed or a lower module does the shared part (engine/copies.py)."""
    graph = service_calls()
    assert {"tasks", "signers", "office", "deadlines", "management"} <= set(graph)
    assert cycles(graph) == []


def _readme_sections() -> dict[tuple[str, str | None], str]:
    """README's architecture list: (root folder, entry) -> its text, an entry being a line indented by
    two spaces (`  tasks.py …`, `  procedures/ …`) with the deeper lines that continue it."""
    block = (ROOT / "README.md").read_text(encoding="utf-8").split("## Architecture", 1)[1].split("```", 2)[1]
    sections: dict[tuple[str, str | None], str] = {}
    root, entry = "", None
    for line in block.splitlines():
        if re.match(r"\S", line):
            root, entry = line.split()[0], None
        elif m := re.match(r"  (\S+)", line):
            entry = m.group(1).rstrip(",")
        sections[root, entry] = sections.get((root, entry), "") + line + "\n"
    return sections


def test_the_readme_architecture_list_names_every_module_and_no_other():
    sections = _readme_sections()
    unnamed, listed = [], set()
    for path in modules().values():
        parts = path.relative_to(ROOT).parts  # ("engine", "tasks.py") or ("web", "inbox", "pages.py")
        if path.name == "__init__.py":
            continue
        if len(parts) == 2:
            where = "".join(text for (root, _), text in sections.items() if root == f"{parts[0]}/")
        else:
            where = sections.get((f"{parts[0]}/", f"{parts[1]}/"), "")
        if not re.search(rf"(?<![\w/]){re.escape(path.name)}\b", where):
            unnamed.append("/".join(parts))
        listed.add(path.name)
    assert unnamed == []
    named = set(re.findall(r"(?<![\w/])(\w+\.py)\b", "".join(sections.values())))
    assert named - listed == set()  # a module named in the list that is no longer there


def test_the_newcomer_tasks_name_files_that_exist():
    """docs/newcomer-tasks.md: every file it names is there, and a name it points at in a file
    (`engine/runtime.py` `assign`) is in that file. Placeholders (<name>, NN, *) are a new file's."""
    doc = (ROOT / "docs/newcomer-tasks.md").read_text(encoding="utf-8")
    paths = {p for p in re.findall(r"`((?:engine|web|tests|processes|docs)/[^`\s]+)`", doc)
             if not re.search(r"[<*]|NN", p)}
    assert paths and {p for p in paths if not (ROOT / p).exists()} == set()
    pointed = re.findall(r"`((?:engine|web)/[^`\s]+\.py)` `(\w+)`", doc)
    assert pointed and [(p, n) for p, n in pointed
                        if not re.search(rf"\b{n}\b", (ROOT / p).read_text(encoding="utf-8"))] == []
