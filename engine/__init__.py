"""Liandong engine: runs the coordination procedures as BPMN on SpiffWorkflow.

One module per concern (repository, runtime, tasks, history, timers, directory, calendar, ...);
`Liandong` bundles them around one database session and one clock.
"""
from .services import Liandong

__all__ = ["Liandong"]
