"""Template filters and the values every page's layout needs (user, navigation counts)."""
from datetime import datetime

from flask import Flask, g

from engine import citations, input_text, states
from engine.clock import local
from engine.directory import ROLES

from . import present


def local_dt(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
        if value.tzinfo is None:
            return value.strftime(fmt)
    return local(value).strftime(fmt)


def local_times(value):
    """JSON data with its UTC timestamps shown as Asia/Shanghai wall time (event-log details)."""
    if isinstance(value, dict):
        return {k: local_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [local_times(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T" and value.endswith(("+00:00", "Z")):
        try:
            return local(datetime.fromisoformat(value.replace("Z", "+00:00"))).isoformat()
        except ValueError:
            return value
    return value


def register(app: Flask) -> None:
    app.add_template_filter(local_times)
    app.add_template_filter(lambda name: states.SERVICES.get(name, name), "service")
    app.add_template_filter(local_dt)
    # Seeds are cited by code in forms and diagrams ("003 §2(3)"); pages show the document's name.
    app.add_template_filter(citations.expand, "cite_seeds")
    app.add_template_global(citations.cite, "cite")
    app.add_template_global(input_text.MAX_TEXT_LENGTH, "text_limit")  # the one limit of free text
    app.add_template_filter(lambda code: present.department_name(code), "dept")
    app.add_template_filter(lambda pid: present.person_name(pid), "person")
    app.add_template_filter(lambda role: ROLES.get(role, "发起人" if role == "starter" else role), "role")
    app.add_template_filter(lambda status: states.MATTER.get(status, status), "matter_status")
    app.add_template_filter(lambda state: states.TASK.get(state, state), "task_state")
    app.add_template_filter(lambda status: states.TIMER.get(status, status), "timer_status")

    @app.context_processor
    def layout_values():
        if g.get("user") is None or g.get("engine") is None:
            return {}
        return {"nav": present.nav_counts(g.user.id)}
