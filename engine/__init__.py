"""Liandong engine: runs the coordination procedures as BPMN on SpiffWorkflow.

One module per concern (repository, runtime, tasks, history, timers, directory, calendar, ...);
`Liandong` bundles them around one database session and one clock.
"""
__all__ = ["Liandong", "empty_caches"]


def __getattr__(name):
    # Imported on first use, so that the script worker (engine/script_worker.py) loads only the sandbox.
    if name == "Liandong":
        from .services import Liandong
        return Liandong
    raise AttributeError(name)


def empty_caches() -> None:
    """Forget every parsed definition and cached workflow, as a restarted process has none."""
    from . import repository, workflow_cache

    repository.forget_parsed()
    workflow_cache.clear()
