"""Which processes a person may start, and with which start form.

A process can be started from the web when its start event names a start form (`form` property), by a
person holding the role of the lane the start event lies in (`engine.specs.ProcessSpec.may_start`)."""
from dataclasses import dataclass

from flask import g

from engine import directory, forms, specs
from engine.models import Definition


@dataclass
class Startable:
    definition: Definition
    form_id: int
    role: str  # the role of the start event's lane

    @property
    def key(self) -> str:
        return self.definition.key

    def schema(self) -> dict:
        return g.engine.repository.form_schema(self.form_id)


def startable(user: str) -> list[Startable]:
    roles = {r.role for r in directory.roles_of(g.db, user)}
    result = []
    for definition in g.engine.repository.processes():
        process = specs.of(definition)
        form = g.engine.repository.latest("form", process.start_form) if process.start_form else None
        if form is not None and process.may_start(roles):
            result.append(Startable(definition, form.id, process.starter_role))
    return result


def find(user: str, process_key: str) -> Startable | None:
    return next((s for s in startable(user) if s.key == process_key), None)


def start(user: str, item: Startable, data: dict):
    """Validate against the start form (FormInvalid with Chinese messages), then start the matter."""
    values = forms.validate(item.schema(), data)
    return g.engine.runtime.start(item.key, values, user)
