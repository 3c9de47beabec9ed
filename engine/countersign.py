"""会签 / 或签 / 票签 on a multi-instance user task, set by the process owner in the diagram:

    sign_mode = all    会签: everyone acts (the default of a multi-instance task)
    sign_mode = any    或签: the first person's action settles the step; the others are withdrawn
    sign_mode = share  票签: the step is decided once the votes make the outcome certain — passed when the
                       yes-votes reach `sign_share` (e.g. 0.5) of the voters, failed when they no longer can
    vote_field         the boolean form field that is the vote (default `approve`)

After each person acts the engine counts the votes; the result is put in the step's data as
`<task id>_result` = {mode, voters, yes, no, decided, passed} for the gateway after it, and the count is
written to the event log.
"""
import math

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from .specs import SIGN_MODES

MODES = SIGN_MODES  # stated once, with the other property values, in engine/specs.py
DECIDED = "sign_tally['decided']"  # the completion condition the engine gives such a task


def properties(task_spec) -> dict:
    return task_spec.extensions.get("properties", {}) if hasattr(task_spec, "extensions") else {}


def apply_conditions(*process_specs) -> None:
    """Give each multi-instance task whose inner user task has `sign_mode` any/share the completion
    condition that ends it as soon as the count is decided."""
    for spec in process_specs:
        for task_spec in spec.task_specs.values():
            if not isinstance(task_spec, MultiInstanceTask):
                continue
            inner = spec.task_specs.get(task_spec.task_spec) if isinstance(task_spec.task_spec, str) \
                else task_spec.task_spec
            if inner is not None and properties(inner).get("sign_mode") in ("any", "share"):
                task_spec.condition = DECIDED


def tally(engine_task, values: dict) -> dict | None:
    """The count after this person's action, or None if the task is no countersign step."""
    props = properties(engine_task.task_spec)
    mode = props.get("sign_mode")
    if mode not in MODES or engine_task.parent is None:
        return None
    field = props.get("vote_field", "approve")
    parent = engine_task.parent
    siblings = [c for c in parent.children if c.task_spec == engine_task.task_spec]
    voters = len(siblings) + len(parent.internal_data.get("remaining", []))
    votes = [values.get(field)] + [c.data.get(field) for c in siblings
                                   if c is not engine_task and c.state == TaskState.COMPLETED]
    yes, no = sum(1 for v in votes if v is True), sum(1 for v in votes if v is False)
    if mode == "any":
        decided, passed = True, values.get(field, True) is not False
    elif mode == "share":
        needed = math.ceil(float(props.get("sign_share", "0.5")) * voters)
        passed = yes >= needed
        decided = passed or (voters - no) < needed
    else:
        decided = len(votes) >= voters
        passed = decided and no == 0
    return {"mode": mode, "voters": voters, "yes": yes, "no": no, "decided": decided, "passed": passed}


def record(ctx, engine_task, row, result: dict) -> None:
    """Put the count where the next steps see it, and in the event log."""
    engine_task.data["sign_tally"] = result
    engine_task.parent.data[f"{engine_task.task_spec.bpmn_id}_result"] = result
    ctx.history.record("votes_counted", row.instance_id, task_id=row.id, spec_id=row.spec_id, name=row.name,
                       data={**result, "label": MODES[result["mode"]]})
