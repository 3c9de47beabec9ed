"""Liandong engine: runs the coordination procedures as BPMN on SpiffWorkflow.

One module per concern (repository, runtime, tasks, history, timers, directory, calendar, ...);
`Liandong` bundles them around one database session and one clock.
"""
__all__ = ["Liandong"]


def __getattr__(name):
    # Imported on first use, so that the script worker (engine/script_worker.py) loads only the sandbox.
    if name == "Liandong":
        from .services import Liandong
        return Liandong
    raise AttributeError(name)
