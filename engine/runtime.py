"""Matters (process instances): start, load, step, and keep the queryable rows in line with the engine.

Every change to a matter happens inside the caller's transaction with the instance row locked:
load → act → run engine steps → sync task and timer rows → save. If anything raises, the caller
rolls back and storage is exactly as it was.
"""
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select

from . import compaction, countersign, directory, effects, held_deadlines, matter_lock, specs, states, storage, workflow_cache
from .budget import STEPS, SandboxRefusal
from .clock import parse_local
from .errors import InvalidState, LiandongError, NotCandidate, NotFound, ScriptError
from .history import settle_head
from .models import HumanTask, Instance, TaskCandidate, Timer
from .scripting import element_label
from .known_rows import has_timers, rowable_tasks
from .timers import due_at as timer_due_at, event_taken, is_timer, timer_fired

ENGINE_ROUNDS = 20
MAX_TASKS_PER_STEP = 10_000


class Runtime:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db
        self.created: list[HumanTask] = []  # task rows created by steps of this unit of work
        self.acting: dict[int, str] = {}  # matter -> the person whose step runs in it (a nested start has its own)

    # --- starting and loading ---
    def start(self, process_key: str, data: dict, user: str) -> Instance:
        repo = self.ctx.repository
        bundle = repo.bundle(process_key)
        definition = repo.get(bundle["bpmn"][process_key])
        process = specs.of(definition)
        start_form = process.start_form
        if start_form and start_form in bundle["forms"]:
            from . import forms
            data = forms.validate(repo.form_schema(bundle["forms"][start_form], bundle["hashes"]), data)
        now = self.ctx.clock.now()
        person_roles = directory.roles_of(self.db, user)
        data = dict(data)
        data.setdefault("started_by", user)
        data.setdefault("started_at", self.ctx.functions.now())
        instance = Instance(
            definition_id=definition.id, process_key=process_key, version=definition.version,
            process_name=definition.name, subject=str(data.get("subject", ""))[:500],
            enterprise_name=str(data.get("enterprise_name", ""))[:300], credit_code=str(data.get("credit_code", ""))[:18],
            department=person_roles[0].department if person_roles else "", status=states.RUNNING,
            started_by=user, started_at=now, bundle=bundle, revision=0,
        )
        self.db.add(instance)
        self.db.flush()
        matter_lock.remember(self.db, [instance])  # a row this transaction inserted is its own until commit
        spec, subprocess_specs = repo.specs(bundle)
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.liandong_known_tasks = frozenset()  # a new matter: none of its tasks can have a row yet
        self._attach(instance, workflow)
        start_task = workflow.get_tasks(state=TaskState.READY)[0]
        start_task.data.update(data)
        self._check_starter(process, workflow, start_task, user)
        self.ctx.history.record("started", instance.id, user, name=definition.name,
                                data={"version": definition.version, "data": data})
        self.advance(instance, workflow, user)
        return instance

    def _check_starter(self, process: specs.ProcessSpec, workflow: BpmnWorkflow, start_task, user: str) -> None:
        """The starter must hold the role of the start event's lane (ProcessSpec.may_start), in the
        department it names, which may depend on the start data."""
        lane, role = process.start_lane, process.starter_role
        if lane is None or role == directory.STARTER:
            return
        department = str(workflow.script_engine.evaluate(start_task, lane.department, where=lane.label("department")))
        if not directory.holds(self.db, user, department, role):
            name = directory.department(self.db, department).name
            raise NotCandidate(f"只有{name}的{directory.ROLES.get(role, role)}可以发起该事项")

    def instance(self, instance_id: int, lock: bool = False) -> Instance:
        # unlocked: the row already read in this transaction costs no query
        row = matter_lock.lock(self.db, instance_id) if lock else self.db.get(Instance, instance_id)
        if row is None:
            raise NotFound(f"事项 {instance_id} 不存在")
        return row

    def load(self, instance: Instance, reuse: bool = False) -> BpmnWorkflow:
        """The matter's workflow. `reuse`: a step under the row lock may take the committed workflow
        object of this revision from the cache instead of deserializing it (it is saved again after)."""
        workflow = workflow_cache.take(workflow_cache.key_of(self.db, instance), instance.revision) if reuse else None
        if workflow is None:
            spec, subprocess_specs = self.ctx.repository.specs(instance.bundle)
            workflow = storage.load(instance.state, spec, subprocess_specs)
        workflow.liandong_known_tasks = rowable_tasks(workflow)
        self._attach(instance, workflow)
        return workflow

    def _attach(self, instance: Instance, workflow: BpmnWorkflow) -> None:
        """A deserialized workflow gets the default script engine: give it ours, bound to this matter."""
        ctx = self.ctx

        def call_service(operation, params, _data):
            acting = self.acting.get(instance.id, "system")
            return effects.call(effects.ServiceCall(ctx, instance.id, acting), operation, params)

        workflow.script_engine = ctx.script_engine(call_service, instance.id)

    def data(self, instance: Instance, workflow: BpmnWorkflow | None = None) -> dict:
        workflow = workflow or self.load(instance)
        if workflow.completed:
            return dict(workflow.data)
        merged = dict(workflow.data)
        if workflow.last_task is not None:
            merged.update(workflow.last_task.data)
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING, skip_subprocesses=True):
            merged.update(task.data)  # what the open steps carry is the newest
        return merged

    # --- stepping ---
    def advance(self, instance: Instance, workflow: BpmnWorkflow, actor: str, open_rows=None) -> list[HumanTask]:
        """Run the engine as far as it goes, then bring rows and storage in line. `open_rows`: the
        matter's open rows if the caller read them already (see `open_rows`). Returns the task rows
        the step made."""
        if instance.status in states.ENDED or instance.status == states.SUSPENDED:
            raise InvalidState(f"事项当前状态为“{instance.status}”，不能继续办理")
        self.acting[instance.id] = actor  # whoever's step this is: its service tasks act on their behalf
        first_new = len(self.created)  # rows made from here on, a matter this step starts included
        completed = [0]

        def did_complete(task):
            completed[0] += 1
            if completed[0] > MAX_TASKS_PER_STEP:  # a loop that never ends: each pass is cheap, the step is not
                raise SandboxRefusal(f"一次办理中运行的流程环节超过 {MAX_TASKS_PER_STEP} 个，可能是不会结束的循环",
                                     STEPS, element_label(task), instance.id)
            self._log_message(instance, task)

        try:
            workflow.refresh_timers()
            # do_engine_steps ends by refreshing timers, which may make a timer ready (a cycle's last
            # occurrence): run again until only people's steps and waits are left.
            for _ in range(ENGINE_ROUNDS):
                workflow.do_engine_steps(did_complete_task=did_complete)
                if not any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
                    break
        except LiandongError:
            raise  # a service task's own refusal (e.g. too few certified investigators): say it as is
        except SpiffWorkflowException as err:
            cause = err.__context__
            while cause is not None and not isinstance(cause, LiandongError):
                cause = cause.__context__
            if cause is not None:
                raise cause from err
            raise ScriptError(f"流程执行出错：{err}", task=getattr(getattr(err, "task", None), "task_spec", None)
                              and err.task.task_spec.bpmn_id) from err
        self.sync(instance, workflow, actor, open_rows)
        self.save(instance, workflow)
        return self.created[first_new:]

    def _log_message(self, instance: Instance, task) -> None:
        """Message events sent or received by the matter go into the event log."""
        definition = event_taken(task)
        if not isinstance(definition, MessageEventDefinition):
            return
        direction = "sent" if isinstance(task.task_spec, ThrowingEvent) else "received"
        self.ctx.history.record("message", instance.id, spec_id=task.task_spec.bpmn_id or "",
                                name=task.task_spec.bpmn_name or definition.name,
                                data={"direction": direction, "message": definition.name})

    def save(self, instance: Instance, workflow: BpmnWorkflow) -> None:
        compaction.compact(workflow)  # older loop rounds leave the tree; their rows and log entries stay
        instance.state = storage.dump(workflow)
        instance.serializer_version = storage.VERSION
        instance.revision += 1  # written with the rest of the unit of work
        settle_head(self.db, instance)
        workflow_cache.put_after_commit(self.db, workflow_cache.key_of(self.db, instance), instance.revision, workflow)

    # --- keeping rows in line with the engine ---
    def open_rows(self, instance_ids: list[int], timers: bool = True, tasks: bool = True,
                  fresh: bool = False) -> dict[int, tuple[dict, dict]]:
        """Matter id -> (waiting timer rows, open task rows), each by engine task id, one query each.
        `timers` False: the matters' processes have none (see `has_timers`); `tasks` False: the caller
        read them; `fresh`: task rows already in the session are read again (under a new lock)."""
        rows: dict[int, tuple[dict, dict]] = {i: ({}, {}) for i in instance_ids}
        if timers:
            for timer in self.db.execute(select(Timer).where(
                    Timer.instance_id.in_(instance_ids), Timer.status == states.TIMER_WAITING)).scalars():
                rows[timer.instance_id][0][timer.guid] = timer
        if tasks:
            query = select(HumanTask).where(HumanTask.instance_id.in_(instance_ids), HumanTask.state == states.TASK_OPEN)
            for task in self.db.execute(query.execution_options(populate_existing=fresh)).scalars():
                rows[task.instance_id][1][task.guid] = task
        return rows

    def sync(self, instance: Instance, workflow: BpmnWorkflow, actor: str, open_rows=None) -> None:
        # The open rows are read before anything changes, so the changes go out in one flush.
        timer_rows, task_rows = open_rows or self.open_rows([instance.id], has_timers(workflow))[instance.id]
        outcomes = self._sync_timers(instance, workflow, timer_rows, task_rows)
        still_open = self._sync_tasks(instance, workflow, outcomes, task_rows)
        held_deadlines.hold(instance, self.ctx.functions.given, lambda: self.data(instance, workflow).get(
            self.ctx.repository.process_of(instance).matter_deadline))  # its matter deadline now, read if need be
        if workflow.completed and instance.status not in states.ENDED:
            instance.status = states.COMPLETED
            instance.ended_at = self.ctx.clock.now()
            self.ctx.history.record("completed", instance.id, actor, name=instance.process_name)
        elif instance.status not in states.ENDED and instance.status != states.SUSPENDED:
            instance.status = states.RUNNING if still_open else states.WAITING

    def _sync_timers(self, instance: Instance, workflow: BpmnWorkflow, rows: dict[str, Timer],
                     task_rows: dict[str, HumanTask]) -> dict[str, str]:
        """Store waiting timers; log the ones that fired. Returns guid -> outcome for the tasks a
        fired boundary timer with an `outcome` property cancelled."""
        waiting = {str(t.id): t for t in workflow.get_tasks(state=TaskState.WAITING) if is_timer(t.task_spec)}
        outcomes: dict[str, str] = {}
        new = [guid for guid in waiting if guid not in rows]
        earlier = {r.guid: r for r in self.db.execute(select(Timer).where(
            Timer.instance_id == instance.id, Timer.guid.in_(new))).scalars()} if new else {}
        for guid in new:
            task = waiting[guid]
            value = task._get_internal_data("event_value")
            if value is None:
                continue
            given = held_deadlines.deadline_of(instance, value, self.ctx.functions.given)
            row = earlier.get(guid) or Timer(instance_id=instance.id, guid=guid)  # a reopened step waits again
            row.spec_id, row.name = task.task_spec.bpmn_id or task.task_spec.name, task.task_spec.bpmn_name or ""
            row.due_at, row.status, row.fired_at = timer_due_at(value), states.TIMER_WAITING, None
            row.provisional = bool(given and given.provisional)
            row.basis = given.basis() if given else None
            self.db.add(row)
        for guid, row in rows.items():
            if guid in waiting:
                self._cycle_fired(instance, waiting[guid], row)
                continue
            task = find_task(workflow, guid)
            fired = task is not None and timer_fired(task)
            row.status = states.TIMER_FIRED if fired else states.TIMER_CANCELLED
            if not fired:
                continue
            row.fired_at = self.ctx.clock.now()
            outcome = task.task_spec.extensions.get("properties", {}).get("outcome", "")
            self.ctx.history.record("timer_fired", instance.id, spec_id=row.spec_id, name=row.name,
                                    data={"due_at": row.due_at.isoformat(), "outcome": outcome})
            if not outcome:
                continue
            # The activity the timer is attached to: what hangs under the boundary split, less the
            # timer's own path (which may already hold new tasks).
            own_path = {t.id for t in workflow.get_tasks(first_task=task)}
            attached = [t for t in workflow.get_tasks(first_task=task.parent) if t.id not in own_path]
            if getattr(task.task_spec, "cancel_activity", True):
                outcomes.update({str(t.id): outcome for t in attached})
                # A multi-instance activity's instances are dropped from the tree when it is cancelled:
                # their open rows (e.g. P13's departments that never acknowledged) get the outcome too.
                activity = {s.bpmn_id for s in task.parent.task_spec.outputs if s is not task.task_spec}
                outcomes.update({guid: outcome for guid, row in task_rows.items()
                                 if row.spec_id in activity and find_task(workflow, guid) is None})
                continue
            # A non-interrupting timer leaves its activity open (still answerable, visibly overdue).
            for still_open in [task_rows[str(t.id)] for t in attached if str(t.id) in task_rows]:
                self.ctx.history.record(outcome, instance.id, task_id=still_open.id, spec_id=still_open.spec_id,
                                        name=still_open.name, data={
                                            "department": still_open.department,
                                            "due_at": still_open.due_at and still_open.due_at.isoformat()})
        return outcomes

    def _cycle_fired(self, instance: Instance, task, row: Timer) -> None:
        """A cycle timer that fired waits again for its next occurrence: log it and move its row on."""
        value = task._get_internal_data("event_value")
        if isinstance(value, dict) and timer_due_at(value) != row.due_at:
            self.ctx.history.record("timer_fired", instance.id, spec_id=row.spec_id, name=row.name,
                                    data={"due_at": row.due_at.isoformat(), "outcome": ""})
            row.due_at, row.fired_at = timer_due_at(value), self.ctx.clock.now()

    def _sync_tasks(self, instance: Instance, workflow: BpmnWorkflow, outcomes: dict[str, str],
                    rows: dict[str, HumanTask]) -> bool:
        """Open rows for newly ready tasks, close the rows of tasks no longer ready. Returns whether
        the matter still has an open task."""
        created = 0
        ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
        unseen = [guid for guid in ready if guid not in rows]
        # A ready task the matter had before this step may already have a closed row (e.g. reopened):
        # never two rows. A task made in this step has a new id: nothing to look up.
        earlier = getattr(workflow, "liandong_known_tasks", None)
        maybe_known = [g for g in unseen if earlier is None or UUID(g) in earlier]
        if unseen:
            known = set(self.db.execute(select(HumanTask.guid).where(
                HumanTask.instance_id == instance.id, HumanTask.guid.in_(maybe_known))).scalars()) if maybe_known else set()
            for guid in unseen:
                if guid not in known:
                    self.created.append(self._create_task(instance, workflow, ready[guid]))
                    created += 1
        for guid, row in rows.items():
            if row.state != states.TASK_OPEN:
                continue  # closed by the caller since the rows were read (the step being completed)
            task = find_task(workflow, guid)
            if task is not None and task.state == TaskState.READY:
                continue
            now = self.ctx.clock.now()
            outcome = outcomes.get(guid)
            if outcome == "deemed_received":
                row.state, row.completed_at = states.TASK_DEEMED, now
                self.ctx.history.record("deemed_received", instance.id, task_id=row.id, spec_id=row.spec_id,
                                        name=row.name, data={"department": row.department,
                                                             "due_at": row.due_at and row.due_at.isoformat()})
            elif task is not None and task.state == TaskState.COMPLETED:
                row.state, row.completed_at = states.TASK_COMPLETED, now
            else:
                row.state, row.completed_at = states.TASK_CANCELLED, now
                if outcome:  # closed by an interrupting timer: the missed limit stays on record (003 §3(3))
                    self.ctx.history.record(outcome, instance.id, task_id=row.id, spec_id=row.spec_id, name=row.name,
                                            data={"department": row.department, "closed": True,
                                                  "due_at": row.due_at and row.due_at.isoformat()})
            row.revision += 1
        return created > 0 or any(row.state == states.TASK_OPEN for row in rows.values())

    def _create_task(self, instance: Instance, workflow: BpmnWorkflow, task) -> HumanTask:
        if countersign.properties(task.task_spec).get("sign_mode"):
            task.data.setdefault("sign_tally", {"decided": False})  # read by the step's completion condition
        row = HumanTask(instance_id=instance.id, guid=str(task.id), state=states.TASK_OPEN, revision=0)
        return self.assign(instance, workflow, task, row, "task_ready")

    def _holders(self, instance: Instance, task, lane: specs.LaneSpec, engine) -> tuple:
        """(department, role, candidates, assignee) of a ready task from its lane: the lane's role in the
        department its expression names, narrowed by a named list or one named assignee."""
        role = lane.role or directory.STARTER
        if role == directory.STARTER:
            department, candidates = instance.department, [instance.started_by]
        else:
            department = str(engine.evaluate(task, lane.department, where=lane.label("department")))
            candidates = directory.holders(self.db, department, role)
        if lane.candidates:  # a narrower list named in the data, e.g. the staff a department named
            named = [str(p) for p in engine.evaluate(task, lane.candidates, where=lane.label("candidates")) or []]
            outsiders = [p for p in named if p not in candidates]
            if not named or outsiders:
                raise ScriptError(f"指定的办理人不是该泳道角色的人员：{outsiders or '（空）'}")
            candidates = named
        assignee = candidates[0] if len(candidates) == 1 else None
        wanted = engine.evaluate(task, lane.assignee, where=lane.label("assignee")) if lane.assignee else None
        if wanted:
            if wanted not in candidates and role != directory.STARTER:
                raise ScriptError(f"指定的办理人 {wanted} 不是该泳道角色的人员")
            assignee, candidates = wanted, [wanted]
        return department, role, candidates, assignee

    def _due(self, instance: Instance, task, props: specs.UserTaskSpec, engine) -> tuple:
        """(due_at, provisional, basis) of a ready task from its `due` expression, if it has one."""
        if not props.due:
            return None, False, None
        spec = task.task_spec
        value = engine.evaluate(task, props.due, where=f"元素“{spec.bpmn_name or spec.bpmn_id}”（{spec.bpmn_id}）的 due")
        given = held_deadlines.deadline_of(instance, value, self.ctx.functions.given)
        return parse_local(value), bool(given and given.provisional), given.basis() if given else None

    def assign(self, instance: Instance, workflow: BpmnWorkflow, task, row: HumanTask, event: str,
               prefer: str | None = None) -> HumanTask:
        """Decide who holds a ready task and by when, from its lane and properties, as of now.
        Used when a task becomes ready and when a sent-back or taken-back step reopens (`prefer`:
        the person who completed it, if they still hold the role)."""
        spec = task.task_spec
        process = specs.owner_of(self.ctx.repository.process_specs(instance.bundle), task.workflow)
        props = process.user_tasks.get(spec.bpmn_id) or specs.UserTaskSpec(spec.bpmn_id)
        lane = process.lane_of(spec.bpmn_id) or specs.LaneSpec("", role=directory.STARTER)
        # Reads only (directory, calendar): the step's changes go out together in the flush below.
        with self.db.no_autoflush:
            engine = workflow.script_engine
            department, role, candidates, assignee = self._holders(instance, task, lane, engine)
            if prefer and prefer in candidates:
                assignee = prefer
            due_at, provisional, basis = self._due(instance, task, props, engine)
        form_name = props.form
        row.spec_id, row.name, row.lane = spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, lane.name
        row.department, row.role, row.assignee = department, role, assignee
        row.form_key = str(instance.bundle["forms"].get(form_name, ""))
        row.deemed_received = props.deemed_received
        row.created_at, row.due_at, row.due_provisional, row.due_basis = self.ctx.clock.now(), due_at, bool(provisional), basis
        row.light, row.timeout_applied, row.paused_at, row.days_left_at_pause = "", False, None, None
        reopened = row.id is not None
        self.db.add(row)  # only now: the queries above must not flush a half-filled row
        self.db.flush()
        if reopened:
            self.db.execute(delete(TaskCandidate).where(TaskCandidate.task_id == row.id))
        for person in candidates:
            self.db.add(TaskCandidate(task_id=row.id, person_id=person))
        self.ctx.history.record(event, instance.id, task_id=row.id, spec_id=row.spec_id, name=row.name,
                                data={"department": department, "role": role, "assignee": assignee,
                                      "candidates": candidates, "due_at": due_at and due_at.isoformat()})
        return row


def find_task(workflow: BpmnWorkflow, guid: str):
    """The engine task with this id, or None if the workflow no longer has it (e.g. a loop reset it)."""
    try:
        return workflow.get_task_from_id(UUID(guid))
    except TaskNotFoundException:
        return None
