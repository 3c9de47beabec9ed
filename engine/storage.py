"""Instance state: SpiffWorkflow's serializer output without the process specs.

Specs never change within a definition version, so they are parsed once per process (repository)
and left out of every stored instance: the stored text is about half the size, and loading skips
rebuilding them. The text is stored as text (never JSONB: task data is kept as deltas whose
parent-first key order must survive).
"""
import json
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry
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


# --- matter data is data ---
# The serializer reads a dict with a "typename" key as an object to rebuild; data a form, a script or
# an administrator put in a matter may hold such a key. Stored, the key gets one "~" more
# ("typename" → "typename~", "typename~" → "typename~~"), and loading takes it off again.
_KEY = "typename"


def _escaped_key(key):
    return key + "~" if isinstance(key, str) and key.rstrip("~") == _KEY else key


def _unescaped_key(key: str) -> str:
    return key[:-1] if key.endswith("~") and key.rstrip("~") == _KEY else key


def _needs_escape(value) -> bool:
    if isinstance(value, dict):
        return any(_escaped_key(k) is not k for k in value) or any(_needs_escape(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_needs_escape(v) for v in value)
    return False


def _escape(value):
    if isinstance(value, dict):
        return {_escaped_key(k): _escape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escape(v) for v in value]
    return value


def _escape_data(workflow_dct: dict) -> None:
    """Escape the user data of a serialized workflow (and its sub-workflows) in place."""
    for holder, key in _user_data(workflow_dct):
        if _needs_escape(holder[key]):
            holder[key] = _escape(holder[key])


def _user_data(workflow_dct: dict):
    yield workflow_dct, "data"
    for task in workflow_dct["tasks"].values():
        yield task, "data"
        yield task, "internal_data"  # a multi-instance child's item
        if task["delta"]:
            yield task["delta"], "updates"
    for sub in workflow_dct.get("subprocesses", {}).values():
        yield from _user_data(sub)


class DataSafeRegistry(DefaultRegistry):
    def restore(self, val, **kwargs):
        if type(val) is dict and _KEY not in val:
            return {_unescaped_key(k): self.restore(v, **kwargs) for k, v in val.items()}
        return super().restore(val, **kwargs)


_config = dict(SERIALIZER_CONFIG)
_config[BpmnWorkflow] = SpecFreeWorkflowConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config, DataSafeRegistry()))
VERSION = SERIALIZER.VERSION


def dump(workflow: BpmnWorkflow) -> str:
    SERIALIZER.registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
        _escape_data(dct)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return json.dumps(dct, cls=SERIALIZER._encoder_cls, ensure_ascii=False)
    finally:
        SERIALIZER.registry._encoder_mode = False


def load(text: str, spec, subprocess_specs) -> BpmnWorkflow:
    dct = json.loads(text, cls=SERIALIZER.json_decoder_cls)
    SERIALIZER.migrate(dct)  # upgrades rows written by an older serializer version
    dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
    return SERIALIZER.from_dict(dct)
