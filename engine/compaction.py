"""Keep a long-lived matter's task tree small: older rounds of a loop leave the engine's tree.

SpiffWorkflow 3.2.0 never forgets a task. Every round of a loop through a gateway appends the round's
tasks under the last one, and the library walks the whole tree several times per step (ready tasks,
waiting tasks, predictions), so a step after 1 000 rounds cost 40× a young matter's, in memory, before
anything is stored. What a matter needs of its past is kept in Liandong's own tables: every task has its
`human_task` row and every action its event-log entry (what a step showed, see visibility.py).

So before a matter is saved, a completed task is spliced out of the tree (its children hang from its
parent instead) once two newer completed tasks of the same element follow it on its path. The two
newest rounds of each element stay, which is what the library and the office actions reach for: the
nearest ancestor of an element (boundary joins), the step just completed (撤回) and the completed step
on the path (退回, which now lists the few newest rounds, not every one). The root task keeps how many
tasks of each element left, for the diagram's counts (monitoring.py).

Left alone, because the library reads a task's parent there: joins (parallel and inclusive gateways
count the parents of every earlier instance) and the tasks right above them, tasks with more than one
child (splits, boundary events, multi-instance activities), and each workflow's last completed task.
"""
from collections import defaultdict

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

KEEP = 2  # newer completed instances of an element that make an older one prunable
SLACK = 8  # a tree this many tasks above its specs' count is compacted (predictions fill about 1×)
PRUNED = "liandong_pruned"  # in the root task's internal data: completed tasks spliced out, per element


def compact(workflow) -> int:
    """Splice older loop rounds out of the workflow and its sub-workflows; returns how many tasks left."""
    removed = 0
    for wf in [workflow, *list(workflow.subprocesses.values())]:
        if wf is not workflow and wf.parent_task_id not in workflow.subprocesses:
            continue  # went with its task, spliced out above
        if wf.task_tree is None or len(wf.tasks) <= 2 * len(wf.spec.task_specs) + SLACK:
            continue  # young or straight: nothing repeats enough to be worth a walk
        for task in _prunable(wf):
            _splice(workflow, wf, task)
            removed += 1
    return removed


def _prunable(wf) -> list:
    """Completed tasks with at least KEEP newer completed tasks of their element below them."""
    found: dict = {}
    on_path: defaultdict[str, list] = defaultdict(list)  # element name -> completed tasks on the current path, oldest first
    stack = [(wf.task_tree, False)]
    while stack:
        task, leaving = stack.pop()
        completed = task.state == TaskState.COMPLETED
        if leaving:
            if completed:
                on_path[task.task_spec.name].pop()
            continue
        if completed:
            seen = on_path[task.task_spec.name]
            if len(seen) >= KEEP and _may_splice(wf, seen[-KEEP]):
                found[seen[-KEEP].id] = seen[-KEEP]
            seen.append(task)
        stack.append((task, True))
        stack.extend((child, False) for child in task.children)
    return list(found.values())


def _is_join(task) -> bool:
    return isinstance(task.task_spec, (UnstructuredJoin, Join))


def _may_splice(wf, task) -> bool:
    if task.parent is None or len(task._children) != 1 or task is wf.last_task or _is_join(task):
        return False
    return not _is_join(task.children[0])


def _splice(top, wf, task) -> None:
    """Take `task` out of the tree; its only child takes its place under its parent."""
    if task.id in top.subprocesses:  # a finished sub-process of an old round goes with its task
        top.delete_subprocess(task)
    parent, child = task.parent, task.children[0]
    parent._children[parent._children.index(task.id)] = child.id
    child._parent = parent.id
    del wf.tasks[task.id]
    top.event_manager.tasks.pop(task.id, None)
    pruned = wf.task_tree.internal_data.setdefault(PRUNED, {})  # the root stays: it keeps the count
    pruned[task.task_spec.name] = pruned.get(task.task_spec.name, 0) + 1


def pruned(wf) -> dict[str, int]:
    """Element (task spec) name -> how many of its completed tasks left this workflow's tree."""
    return dict(wf.task_tree.internal_data.get(PRUNED, {})) if wf.task_tree is not None else {}
