"""A scenario: a matter driven through the real engine and real storage, one transaction per action,
with the clock under the test's control. Scenario tests read like the regulation they prove."""
from dataclasses import dataclass
from datetime import datetime

from engine import Liandong, worker
from engine.clock import FrozenClock, local
from engine.models import HumanTask


@dataclass
class TaskView:
    id: int
    spec_id: str
    name: str
    state: str
    assignee: str | None
    candidates: list[str]
    department: str
    role: str
    due: datetime | None
    due_provisional: bool
    revision: int
    completed_by: str | None


class Scenario:
    def __init__(self, session_factory, clock: FrozenClock | None = None):
        self.session_factory = session_factory
        self.clock = clock or FrozenClock()

    def run(self, action):
        """Run `action(engine)` in one transaction, as a web request or the timer worker would."""
        with self.session_factory() as session, session.begin():
            return action(Liandong(session, self.clock))

    def at(self, when: str) -> None:
        self.clock.set(when)

    def advance_to(self, when: str) -> int:
        """Move the clock forward and let the timer worker fire whatever is now due."""
        target = FrozenClock(when).now()
        assert target >= self.clock.now(), "time only moves forward in a scenario"
        self.clock.set(target)
        fired, _ = worker.run_due(self.session_factory, self.clock)  # what `liandong timers` does
        return fired

    def start(self, process_key: str, by: str, data: dict) -> "Matter":
        instance_id = self.run(lambda e: e.runtime.start(process_key, data, by).id)
        return Matter(self, instance_id)

    def matter(self, instance_id: int) -> "Matter":
        return Matter(self, instance_id)


class Matter:
    def __init__(self, scenario: Scenario, instance_id: int):
        self.scenario = scenario
        self.id = instance_id

    def _view(self, engine: Liandong, row: HumanTask) -> TaskView:
        return TaskView(
            id=row.id, spec_id=row.spec_id, name=row.name, state=row.state, assignee=row.assignee,
            candidates=engine.tasks.candidates(row.id), department=row.department, role=row.role,
            due=local(row.due_at) if row.due_at else None, due_provisional=row.due_provisional,
            revision=row.revision, completed_by=row.completed_by,
        )

    def open_tasks(self) -> list[TaskView]:
        return self.scenario.run(lambda e: [self._view(e, r) for r in e.tasks.of_instance(self.id, open_only=True)])

    def done_tasks(self) -> list[TaskView]:
        return self.scenario.run(
            lambda e: [self._view(e, r) for r in e.tasks.of_instance(self.id) if r.state != "ready"])

    def task(self, spec_id: str, department: str | None = None) -> TaskView:
        found = [t for t in self.open_tasks() if t.spec_id == spec_id
                 and (department is None or t.department == department)]
        if len(found) != 1:
            opened = [(t.spec_id, t.department) for t in self.open_tasks()]
            raise AssertionError(f"expected one open task {spec_id!r} ({department}); open tasks: {opened}")
        return found[0]

    def complete(self, spec_id: str, by: str, data: dict, department: str | None = None) -> TaskView:
        task = self.task(spec_id, department)
        self.scenario.run(lambda e: e.tasks.complete(task.id, by, data, task.revision))
        return task

    @property
    def status(self) -> str:
        return self.scenario.run(lambda e: e.runtime.instance(self.id).status)

    @property
    def data(self) -> dict:
        return self.scenario.run(lambda e: e.runtime.data(e.runtime.instance(self.id)))

    def documents(self) -> list[dict]:
        """The official documents the matter issued, oldest first (engine/documents.py)."""
        from engine import documents

        return self.scenario.run(lambda e: [
            {"id": d.id, "kind": d.kind, "number": d.number, "title": d.title, "department": d.department,
             "issued_by": d.issued_by, "corrects_id": d.corrects_id, "pdf_sha256": d.pdf_sha256,
             "docx_sha256": d.docx_sha256, "intact": documents.verify(d)}
            for d in documents.of_instance(e.db, self.id)])

    def events(self, kind: str | None = None) -> list[dict]:
        return self.scenario.run(lambda e: [
            {"kind": ev.kind, "actor": ev.actor, "task_id": ev.spec_id, "name": ev.name, "data": ev.data,
             "at": local(ev.at)}
            for ev in e.history.events(self.id, kind)
        ])
