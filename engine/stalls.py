"""停滞 (stalled): a running matter that has nothing it could wait on.

A matter that is not finished must have an open task someone can act on, a timer the timer worker
will fire, or a message it waits for (a call activity's sub-process counts by what it holds). The
engine's view and the rows must agree: a ready step without its task row is on nobody's desk, a
waiting timer without its timer row is never fired. Such a matter would sit still without an error;
the timer worker finds it, tries to move it on, and otherwise marks it 停滞 for an administrator.
"""
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from .timers import is_timer


def _name(task) -> str:
    return task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name


def _waits_for_message(task) -> bool:
    definition = getattr(task.task_spec, "event_definition", None)
    return isinstance(definition, MessageEventDefinition) or any(
        isinstance(d, MessageEventDefinition) for d in getattr(definition, "event_definitions", []))


def problems(workflow, open_task_guids: set[str], waiting_timer_guids: set[str]) -> list[str]:
    """Why this unfinished matter cannot move on, in Chinese; empty when it has something to wait on."""
    if workflow.completed:
        return []
    found = []
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    timers = [t for t in workflow.get_tasks(state=TaskState.WAITING) if is_timer(t.task_spec)]
    messages = [t for t in workflow.get_tasks(state=TaskState.WAITING) if _waits_for_message(t)]
    found += [f"步骤“{_name(t)}”可以办理，但不在任何人的待办中" for t in ready if str(t.id) not in open_task_guids]
    found += [f"定时器“{_name(t)}”在等待，但没有定时记录，不会被触发" for t in timers
              if str(t.id) not in waiting_timer_guids]
    if not ready and not timers and not messages:
        found.append("没有可办理的任务、等待中的定时器或消息，事项无法继续")
    return found
