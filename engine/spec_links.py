"""Links between task specs that SpiffWorkflow makes while a matter runs, made once at parse time.

SpiffWorkflow 3.2.0 connects some specs only when a running workflow first needs them: a
multi-instance or loop task connects its child's `completed_event` when it creates the first child,
and the start task connects an event sub-process when its event first arrives. Its own serializer
stores specs with those links and restores them; Liandong stores state without specs and parses
each definition afresh in every process, so a matter continued in another process (CLI call, web
worker, timer worker, restart) lost them: a receipt sub-process never finished, a loop stopped after
one round, an event sub-process failed with "No input task connected".

Made at parse time the links are the same in every process. The start task is given a subclass
that never predicts an event sub-process by itself: once connected, the stock start task would start
one in every later matter, whose end would then wait for an event that may never come.
"""
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState


class StartTask(BpmnStartTask):
    """A start task whose event sub-processes start only when their event arrives."""

    def _predict_hook(self, my_task):
        state = TaskState.FUTURE if my_task.has_state(TaskState.DEFINITE_MASK) else my_task.state
        triggered = set(self.trigger_specs)
        my_task._sync_children([spec for spec in self.outputs if spec.name not in triggered], state)


def connect(*process_specs) -> None:
    """Make in these freshly parsed specs every link a running workflow would make."""
    for spec in process_specs:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, LoopTask):
                child = spec.task_specs[task_spec.task_spec]
                if not child.completed_event.is_connected(task_spec.merge_child):
                    child.completed_event.connect(task_spec.merge_child)
        start = spec.start
        if type(start) is BpmnStartTask:
            start.__class__ = StartTask
        for name in start.trigger_specs:
            event_subprocess = spec.task_specs[name]
            if start not in event_subprocess.inputs:
                start.connect(event_subprocess)
                event_subprocess.connect(spec.end)


def merge_orphans(workflow) -> list[str]:
    """Hand back to their multi-instance or loop task the finished children it never heard of.

    Matters saved before the links above were made at parse time could have a child finished in a
    process without the link: its parent never merged it and waits for ever. Returns the names of the
    tasks that were moved on.
    """
    moved = []
    for task in workflow.get_tasks(state=TaskState.STARTED):
        spec = task.task_spec
        if not isinstance(spec, LoopTask):
            continue
        merged = set(task.internal_data.get("merged", []))
        orphans = sorted((c for c in task.children if c.task_spec.name == spec.task_spec
                          and c.state == TaskState.COMPLETED and str(c.id) not in merged),
                         key=lambda c: c.last_state_change)
        for child in orphans:
            spec.merge_child(workflow, child)
        if orphans:
            child_spec = orphans[0].task_spec
            moved.append(spec.bpmn_name or child_spec.bpmn_name or spec.bpmn_id or spec.name)
    return moved
