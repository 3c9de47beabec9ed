"""Changes to a matter's task tree that SpiffWorkflow 3.2 has no public call for, made only here and in
the timer layer (engine/timers.py), so the services above never touch the library's private parts."""
from SpiffWorkflow.util.task import TaskState

from .runtime import find_task


def reset_to(workflow, guid: str):
    """Reset the engine to a completed step (退回, 撤回) and return it, ready again. SpiffWorkflow
    leaves the waiting events of the removed tasks registered: they are dropped. The step's boundary
    timers count afresh from now."""
    workflow.reset_from_task_id(find_task(workflow, guid).id)
    events = workflow.event_manager
    for key, waiting in list(events.tasks.items()):
        if find_task(workflow, str(waiting.id)) is not waiting:
            events.tasks.pop(key)
    engine_task = find_task(workflow, guid)
    for sibling in engine_task.parent.children:
        sibling.internal_data.pop("event_value", None)
        sibling.internal_data.pop("event_fired", None)
    return engine_task


def ready_again(workflow) -> None:
    """Failed tasks become ready to run again (重试 after an administrator fixed the data)."""
    for task in workflow.get_tasks(state=TaskState.ERROR):
        task._set_state(TaskState.READY)
