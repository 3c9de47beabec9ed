"""Instance state: SpiffWorkflow's serializer output without the process specs.

Specs never change within a definition version, so they are parsed once per process (repository)
and left out of every stored instance: the stored text is about half the size, and loading skips
rebuilding them. The text is stored as text (never JSONB: task data is kept as deltas whose
parent-first key order must survive).
"""
import json
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from .timers import SERIALIZER_CONFIG


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without its specs; reads one back given the cached specs."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = dct.pop("spec"), dct.pop("subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SERIALIZER_CONFIG)
_config[BpmnWorkflow] = SpecFreeWorkflowConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
VERSION = SERIALIZER.VERSION


def dump(workflow: BpmnWorkflow) -> str:
    SERIALIZER.registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return json.dumps(dct, cls=SERIALIZER._encoder_cls, ensure_ascii=False)
    finally:
        SERIALIZER.registry._encoder_mode = False


def load(text: str, spec, subprocess_specs) -> BpmnWorkflow:
    dct = json.loads(text, cls=SERIALIZER.json_decoder_cls)
    SERIALIZER.migrate(dct)  # upgrades rows written by an older serializer version
    dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
    return SERIALIZER.from_dict(dct)
