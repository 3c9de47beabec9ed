"""What a person reads of a matter's data (issue 19 item 3).

A task's holder sees what flowed into their step: the start form and what the steps on their own path
entered, never what a parallel sibling branch entered (P1 sends one receipt to each department; one
department's answer is not another's business). SpiffWorkflow keeps that apart already: each branch
carries its own copy of the data until the branches join, so the step's own data is the view.

A form field marked `"x-internal": true` (a leader's approval comment) is read only inside the bureau
whose step entered it: the receiving bureau reads the letter, not the sending bureau's internal
opinion on it. Supervisors and administrators oversee everything and read all of it.
"""
from sqlalchemy import select

from . import directory
from .models import HumanTask, Instance
from .runtime import find_task


class Visibility:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def task_data(self, task: HumanTask, user: str) -> dict:
        """The data the page of one task shows to `user`."""
        instance = self.ctx.runtime.instance(task.instance_id)
        workflow = self.ctx.runtime.load(instance)
        engine_task = find_task(workflow, task.guid)
        # a step that left the engine's tree (a finished call activity) has its path in the log
        data = dict(engine_task.data) if engine_task is not None else self._logged_path(instance, task)
        return self._without_internal(instance, data, user)

    def matter_data(self, instance: Instance, user: str) -> dict:
        """The whole matter's data, for the people who may see the whole matter."""
        return self._without_internal(instance, self.ctx.runtime.data(instance), user)

    def readable(self, instance: Instance, values: dict, user: str) -> dict:
        """`values` of this matter without the internal fields `user` may not read."""
        return self._without_internal(instance, values, user)

    # --- internals ---
    def _logged_path(self, instance: Instance, task: HumanTask) -> dict:
        """The start form and what steps of the task's own department entered, from the event log."""
        data: dict = {}
        for event in self.ctx.history.events(instance.id):
            if event.kind == "started":
                data.update(event.data.get("data") or {})
            elif event.kind == "task_completed" and (event.task_id == task.id or
                                                     event.data.get("department") == task.department):
                data.update(event.data.get("form") or {})
        return data

    def _without_internal(self, instance: Instance, data: dict, user: str) -> dict:
        owners = self._internal_fields(instance)
        if not owners or self._oversees(user):
            return data
        mine = {directory.bureau(self.db, r.department) for r in directory.roles_of(self.db, user)}
        return {k: v for k, v in data.items() if k not in owners or owners[k] & mine}

    def _internal_fields(self, instance: Instance) -> dict[str, set[str]]:
        """Field name -> the bureaus whose steps entered it, for fields their form marks internal."""
        owners: dict[str, set[str]] = {}
        rows = {t.id: t for t in self.db.execute(select(HumanTask).where(HumanTask.instance_id == instance.id)).scalars()}
        for event in self.ctx.history.events(instance.id, "task_completed"):
            row = rows.get(event.task_id)
            if row is None or not row.form_key:
                continue
            schema = self.ctx.tasks.form_schema(row)
            for name, spec in schema.get("properties", {}).items():
                if spec.get("x-internal") and name in (event.data.get("form") or {}):
                    owners.setdefault(name, set()).add(directory.bureau(self.db, row.department))
        return owners

    def _oversees(self, user: str) -> bool:
        return self.ctx.worklists.may_oversee(user)
