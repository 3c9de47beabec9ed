"""Every element of every bundled BPMN file must be reached by some scenario test.

The `scenario` fixture hands each finished test's database to `record`, which notes the elements its
matters completed (a fired boundary timer counts as completed). With LIANDONG_PATH_COVERAGE=1 (as
`make test` sets it) the run fails if any gateway branch target, timer or task of processes/ was
never reached.
"""
from pathlib import Path

from lxml import etree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import Liandong
from engine.bpmn_xml import FLOW_NODES, NS
from engine.models import Instance

REACHED: set[tuple[str, str]] = set()


def record(session_factory, clock) -> None:
    with session_factory() as session:
        engine = Liandong(session, clock)
        for instance in session.execute(select(Instance)).scalars():
            if not instance.state:
                continue
            metas = engine.repository.process_specs(instance.bundle)
            workflow = engine.runtime.load(instance)
            for task in workflow.get_tasks():
                if task.state != TaskState.COMPLETED or not task.task_spec.bpmn_id:
                    continue
                owner = task.workflow
                while owner.spec.name not in metas and owner.parent_workflow is not None:
                    owner = owner.parent_workflow
                REACHED.add((owner.spec.name, task.task_spec.bpmn_id))


def elements(folder: Path) -> set[tuple[str, str]]:
    wanted = set()
    xpath = "|".join(f".//bpmn:{tag}" for tag in FLOW_NODES)
    for path in sorted(folder.glob("*.bpmn")):
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        for process in root.xpath("./bpmn:process", namespaces=NS):
            for node in process.xpath(xpath, namespaces=NS):
                wanted.add((process.get("id"), node.get("id")))
    return wanted


def missing(folder: Path) -> list[tuple[str, str]]:
    return sorted(elements(folder) - REACHED)
