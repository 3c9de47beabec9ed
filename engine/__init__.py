"""Liandong engine: runs the coordination procedures as BPMN on SpiffWorkflow.

One module per concern (repository, runtime, tasks, history, timers, directory, calendar, ...);
`Liandong` bundles them around one database session and one clock.
"""
from . import stalls, states, tree_depth  # noqa: F401 — tree_depth: before any workflow is walked
from .services import Liandong

__all__ = ["Liandong", "empty_caches", "stalls", "states"]


def empty_caches() -> None:
    """Forget every parsed definition and cached workflow, as a restarted process has none."""
    from . import repository, workflow_cache

    repository.forget_parsed()
    workflow_cache.clear()
