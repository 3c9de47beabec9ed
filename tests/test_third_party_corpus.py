"""Third-party BPMN files (bpmn-io examples, Camunda examples and Camunda Modeler fixtures,
SpiffWorkflow's test data; origins and licences in tests/data/third_party/SOURCES.md): each one either
deploys and its matter runs to an end, or is refused with messages that each carry a line and an
element and are Chinese. At least ten Camunda-Modeler-style files deploy after the mapping without
hand edits (issue 21 item 4)."""
import re
from pathlib import Path

import pytest
from lxml import etree

from engine.errors import DeploymentError
from tests.bpmn_runner import run_to_end

CORPUS = Path(__file__).parent / "data" / "third_party"
ENGLISH = re.compile(r"\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b")  # three words in a row: a sentence, not an identifier
FILES = sorted(CORPUS.glob("*.bpmn"))
# the files that deploy; every other one is refused (a file moving between the two fails the test)
DEPLOYS = {
    "cx_junit5_test_process.bpmn", "sw_lanes.bpmn", "sw_boundary_timer_on_task.bpmn",
    "cm_zeebe_camunda_mixed.bpmn", "cm_zeebe.bpmn", "cm_c7_user_task_form.bpmn", "cx_migrate_example_process.bpmn",
    "cx_tenant1_process.bpmn", "cx_shared_definitions_subprocess.bpmn", "cx_jpa_variables_process.bpmn",
    "cx_junit5_use_engine.bpmn", "cx_waiting_state.bpmn", "bx_nested_subprocesses.bpmn", "sw_uncaught_escalation.bpmn",
    "sw_no_tasks.bpmn", "sw_camunda_no_form.bpmn", "sw_camunda_sub_workflow_complex.bpmn", "sw_camunda_nested_parallel.bpmn",
}


def camunda_modeler_style(path: Path) -> bool:
    return 'exporter="Camunda Modeler"' in path.read_text("utf-8") or "camunda.org/schema/1.0/bpmn" in path.read_text("utf-8")


def test_the_corpus_is_large_enough_and_named_in_the_sources():
    sources = (CORPUS / "SOURCES.md").read_text("utf-8")
    assert len(FILES) >= 40
    assert all(f"`{path.name}`" in sources for path in FILES)
    assert {p.name for p in FILES} >= DEPLOYS
    assert len([p for p in FILES if p.name in DEPLOYS and camunda_modeler_style(p)]) >= 10


@pytest.fixture
def sqlite_only(request):
    if "postgresql" in request.node.name:
        pytest.skip("the corpus runs once, on SQLite (deployment does not depend on the database)")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
@pytest.mark.usefixtures("sqlite_only")
def test_a_third_party_file_deploys_and_runs_or_is_refused_with_line_and_element(engine_scenario, path):
    try:
        results = engine_scenario.run(lambda e: e.repository.deploy([(path.name, path.read_bytes())], user="owner"))
    except DeploymentError as err:
        assert path.name not in DEPLOYS, err.problems
        assert err.problems
        for problem in err.problems:
            assert problem["line"] and problem["element"], problem
            assert problem["file"] == path.name
            said = re.sub(r"“[^”]*”|<[^>]*>", "", problem["reason"])  # the file's own names and markup, quoted
            assert not ENGLISH.search(said), problem  # no parser or schema English reaches the owner
        return
    assert path.name in DEPLOYS, [r.notes for r in results]
    [process] = [r for r in results if r.kind == "bpmn"]
    assert run_to_end(engine_scenario, process.key, "zhuling") == "completed"


def test_the_corpus_files_are_well_formed_xml():
    for path in FILES:
        etree.fromstring(path.read_bytes())
