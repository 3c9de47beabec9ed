"""Walk a matter's whole task tree, however deep.

SpiffWorkflow 3.2.0 stops walking a task tree 1 000 levels down (`TaskIterator(max_depth=1000)`),
and every round of a loop through a gateway adds two levels. After about 500 rounds the engine no
longer saw the matter's ready task: the step committed and the matter sat waiting, with no open task
and no error. The iterators are built in many places inside the library, so their default is raised
here, once, on import of the engine.
"""
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator

LIBRARY_LIMIT = 1000
MAX_DEPTH = 10_000_000  # a bound no matter reaches; the walk itself is iterative


def _raise_default(init) -> None:
    defaults = list(init.__defaults__)
    assert defaults.count(LIBRARY_LIMIT) == 1, "SpiffWorkflow's TaskIterator changed: review engine/tree_depth.py"
    defaults[defaults.index(LIBRARY_LIMIT)] = MAX_DEPTH
    init.__defaults__ = tuple(defaults)


for _iterator in (TaskIterator, BpmnTaskIterator):
    if MAX_DEPTH not in _iterator.__init__.__defaults__:
        _raise_default(_iterator.__init__)
