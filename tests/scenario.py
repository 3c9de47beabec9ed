"""A scenario: a matter driven through the real engine and real storage, one transaction per action,
with the clock under the test's control. Scenario tests read like the regulation they prove."""
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from engine import Liandong, empty_caches, errors, stalls, states, worker
from engine.clock import FrozenClock, local
from engine.models import HumanTask, Instance

ROOT = Path(__file__).resolve().parent.parent


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
    """`cold`: every action runs as in a freshly started process (a CLI call, another web worker, the
    timer worker after a restart): no parsed definition and no cached workflow survives from the last.
    After every action each unfinished matter must have something to wait on (engine/stalls.py)."""

    def __init__(self, session_factory, clock: FrozenClock | None = None, cold: bool = False,
                 check_stalls: bool = True):
        self.session_factory = session_factory
        self.clock = clock or FrozenClock()
        self.cold = cold
        self.check_stalls = check_stalls
        self._checked: dict[int, int] = {}  # matter id -> revision found able to go on

    def run(self, action):
        """Run `action(engine)` in one transaction, as a web request or the timer worker would."""
        if self.cold:
            empty_caches()
        with self.session_factory() as session, session.begin():
            result = action(Liandong(session, self.clock))
        self.assert_nothing_stalled()
        return result

    def assert_nothing_stalled(self) -> None:
        if not self.check_stalls:
            return
        with self.session_factory() as session, session.begin():
            engine = Liandong(session, self.clock)
            matters = session.execute(select(Instance).where(Instance.status.in_(states.ACTIVE))).scalars()
            for matter in [m for m in matters if self._checked.get(m.id) != m.revision]:
                timer_rows, task_rows = engine.runtime.open_rows([matter.id])[matter.id]
                found = stalls.problems(engine.runtime.load(matter), set(task_rows), set(timer_rows))
                assert not found, f"事项 {matter.id}（{matter.process_key}）停滞：{found}"
                self._checked[matter.id] = matter.revision

    def at(self, when: str) -> None:
        self.clock.set(when)

    def advance_to(self, when: str) -> int:
        """Move the clock forward and let the timer worker fire whatever is now due."""
        target = FrozenClock(when).now()
        assert target >= self.clock.now(), "time only moves forward in a scenario"
        self.clock.set(target)
        if self.cold:
            empty_caches()
        fired, _ = worker.run_due(self.session_factory, self.clock)  # what `liandong timers` does
        self.assert_nothing_stalled()
        return fired

    def start(self, process_key: str, by: str, data: dict) -> "Matter":
        instance_id = self.run(lambda e: e.runtime.start(process_key, data, by).id)
        return Matter(self, instance_id)

    def complete(self, task: TaskView, by: str, data: dict) -> None:
        self.run(lambda e: e.tasks.complete(task.id, by, data, task.revision))

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
        self.scenario.complete(task, by, data)
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
             "docx_sha256": d.docx_sha256, "intact": documents.verify(d, e.db)}
            for d in documents.of_instance(e.db, self.id)])

    def events(self, kind: str | None = None) -> list[dict]:
        return self.scenario.run(lambda e: [
            {"kind": ev.kind, "actor": ev.actor, "task_id": ev.spec_id, "name": ev.name, "data": ev.data,
             "at": local(ev.at)}
            for ev in e.history.events(self.id, kind)
        ])


class CliScenario(Scenario):
    """The same scenario with every start, completion and timer round made by the real command line,
    each its own process (`liandong start|complete|timers`), at the scenario's clock (LIANDONG_NOW).
    Reading what happened stays in this process, cold."""

    def __init__(self, session_factory, url: str, clock: FrozenClock | None = None):
        super().__init__(session_factory, clock, cold=True)
        self.url = url

    def cli(self, *args: str) -> str:
        env = {**os.environ, "DATABASE_URL": self.url, "LIANDONG_NOW": self.clock.now().isoformat(),
               "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "engine.cli", "--json", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode == 2:  # refused: raise what the engine raised, as an in-process test expects
            refused = json.loads(done.stderr.strip().splitlines()[-1])["error"]
            cls = getattr(errors, refused["kind"])
            raise cls(refused["errors"]) if cls is errors.FormInvalid else cls(refused["message"])
        assert done.returncode == 0, f"liandong {args[0]} 失败：{done.stderr or done.stdout}"
        self.assert_nothing_stalled()
        return done.stdout

    def start(self, process_key: str, by: str, data: dict) -> "Matter":
        out = self.cli("start", process_key, "--user", by, "--data", json.dumps(data, ensure_ascii=False))
        return Matter(self, int(re.search(r"已发起事项 (\d+)", out).group(1)))

    def complete(self, task: TaskView, by: str, data: dict) -> None:
        self.cli("complete", str(task.id), "--user", by, "--revision", str(task.revision),
                 "--data", json.dumps(data, ensure_ascii=False))

    def advance_to(self, when: str) -> int:
        target = FrozenClock(when).now()
        assert target >= self.clock.now(), "time only moves forward in a scenario"
        self.clock.set(target)
        found = re.search(r"已处理：(\d+) 个事项", self.cli("timers"))
        return int(found.group(1)) if found else 0
