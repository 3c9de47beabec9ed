"""What a step can tell without asking the database.

A step used to look up rows that could not be there: the waiting timers of a process that has no timer,
and a closed row for each task that became ready, even one the step had just made. Both answers follow
from the workflow itself.
"""
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .timers import is_timer

NEVER_READY = TaskState.PREDICTED_MASK | TaskState.FUTURE


def rowable_tasks(workflow: BpmnWorkflow) -> frozenset:
    """Ids of the tasks that may have a row already. Not the predicted or future ones: they were never
    ready (a step reset by 退回/撤回 goes back to FUTURE only for an instant: it is ready, with its
    row open, before the step ends). Tasks the engine makes later get new ids, so they have none."""
    trees = [workflow.tasks, *(sub.tasks for sub in workflow.subprocesses.values())]
    return frozenset(i for tasks in trees for i, t in tasks.items() if not t.state & NEVER_READY)


def has_timers(workflow: BpmnWorkflow) -> bool:
    """Whether the matter's process or a process it calls has a timer (else it has no timer rows).
    Specs are parsed once per bundle, with the processes they call: the answer is kept on the spec."""
    known = getattr(workflow.spec, "liandong_has_timers", None)
    if known is None:
        specs = [workflow.spec, *workflow.subprocess_specs.values()]
        known = any(is_timer(t) for spec in specs for t in spec.task_specs.values())
        workflow.spec.liandong_has_timers = known
    return known
