"""Management: the timer sweep, calendar import with deadline recomputation, repair actions."""
import logging

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from . import calendar as calendar_module
from . import matter_lock, migration_plan, spec_links, stalls, states, step_budget, task_tree
from .budget import SandboxRefusal
from .clock import parse_local
from .errors import InvalidState, LiandongError, NotFound
from .runtime import find_task
from .timers import fire_now, set_due
from .models import HumanTask, Instance, Person, TaskCandidate, Timer

log = logging.getLogger(__name__)
SWEEPABLE = states.ACTIVE


def import_summary(result: dict) -> str:
    """What an import of a year's schedule did (Management.import_calendar), as the page and CLI say it."""
    return (f"已导入 {result['year']} 年工作日历；重算期限：任务 {result['tasks']} 个，定时器 {result['timers']} 个，"
            f"事项期限 {result['matter_deadlines']} 个")


class Management:
    def __init__(self, ctx):
        self.ctx = ctx
        self.db = ctx.db

    def fire_due_timers(self, limit: int = 50, budget: float | None = None) -> int:
        """Fire every due timer of up to `limit` matters; returns how many matters moved.

        Matters are locked with SKIP LOCKED, so several workers share the work and each timer fires
        once: firing is a state change of the matter itself, made under its row lock. A matter that
        fails, or runs longer than `budget` seconds, is marked as in error and logged; the sweep goes
        on with the rest.
        """
        due = select(Timer.instance_id).where(Timer.status == states.TIMER_WAITING, Timer.due_at < self.ctx.clock.now())
        instances = matter_lock.lock_free(self.db, Instance.id.in_(due), Instance.status.in_(SWEEPABLE), limit=limit)
        if not instances:
            return 0
        try:
            # Usually nothing fails: fire the whole batch under one savepoint, reading every matter's
            # open rows in two queries and writing all changes in one flush.
            with self.db.begin_nested():
                open_rows = self.ctx.runtime.open_rows([i.id for i in instances])
                for instance in instances:
                    self._fire(instance, open_rows[instance.id], budget)
            return len(instances)
        except Exception:  # noqa: BLE001 — find the broken matter below, one savepoint each
            log.info("a timer batch failed; firing its %d matters one at a time", len(instances))
        return sum(1 for _ in self.each_apart(instances, lambda i: self._fire(i, budget=budget), "timer sweep"))

    def _fire(self, instance: Instance, open_rows=None, budget: float | None = None) -> None:
        with step_budget.limit(budget):
            workflow = self.ctx.runtime.load(instance, reuse=True)
            self.ctx.runtime.advance(instance, workflow, "system", open_rows)
        # A due timer the step did not fire would be picked again at once, for ever: set it aside.
        still_due = self.db.execute(select(Timer.name, Timer.spec_id).where(
            Timer.instance_id == instance.id, Timer.status == states.TIMER_WAITING, Timer.due_at < self.ctx.clock.now())).all()
        if still_due:
            names = "、".join(name or spec_id for name, spec_id in still_due)
            raise InvalidState(f"到期的定时器未能触发：{names}")

    # --- matters with nothing to wait on (stalls.py) ---
    def stall_candidates(self):
        """Unfinished matters with no open task row and no waiting timer row, changed since they were
        last found able to go on (a message wait may hold them: only loading them tells)."""
        open_task = select(HumanTask.id).where(HumanTask.instance_id == Instance.id, HumanTask.state == states.TASK_OPEN)
        waiting_timer = select(Timer.id).where(Timer.instance_id == Instance.id, Timer.status == states.TIMER_WAITING)
        unchecked = (Instance.stall_checked.is_(None)) | (Instance.stall_checked != Instance.revision)
        return [Instance.status.in_(SWEEPABLE), unchecked, ~open_task.exists(), ~waiting_timer.exists()]

    def sweep_stalled(self, after: int = 0, limit: int = 50) -> int | None:
        """Move on, or mark 停滞, the next `limit` candidates after matter id `after`; returns the last id
        looked at (None when there were none)."""
        instances = matter_lock.lock_free(self.db, Instance.id > after, *self.stall_candidates(), limit=limit)
        if not instances:
            return None
        list(self.each_apart(instances, lambda i: self.unstall(i, "system"), "stall sweep"))
        return instances[-1].id

    def unstall(self, instance: Instance, user: str, workflow=None) -> bool:
        """Try to move a matter on (repair what earlier versions left, bring rows in line); if it still
        has nothing to wait on, mark it 停滞. Returns whether it was marked."""
        workflow = workflow or self.ctx.runtime.load(instance)
        moved = spec_links.merge_orphans(workflow)
        if moved:
            self.ctx.history.record("repaired", instance.id, user, data={"merged": moved})
        self.ctx.runtime.advance(instance, workflow, user)
        if instance.status not in SWEEPABLE:
            return False
        timer_rows, task_rows = self.ctx.runtime.open_rows([instance.id])[instance.id]
        found = stalls.problems(workflow, set(task_rows), set(timer_rows))
        if not found:
            instance.stall_checked = instance.revision
            return False
        instance.status, instance.error = states.STALLED, "；".join(found)
        self.ctx.history.record("stalled", instance.id, user, data={"problems": found})
        return True

    def each_apart(self, instances: list[Instance], action, what: str):
        """`action(instance)` for each matter under its own savepoint, yielding what it returns. A matter
        whose action fails is marked as in error and logged, and the rest go on."""
        for instance in instances:
            try:
                with self.db.begin_nested():
                    result = action(instance)
            except Exception as err:  # noqa: BLE001 — one broken matter must not stop the others
                log.exception("%s failed for instance %s", what, instance.id)
                self.mark_error(instance, err)
                continue
            yield result

    def record_refusal(self, err: Exception) -> bool:
        """After a step the sandbox refused was rolled back: mark its matter 出错 with the refusal
        (element and limit), in the caller's new transaction. False if there is no such matter
        (e.g. it was being started, so nothing of it was stored)."""
        instance_id = getattr(err, "instance_id", None)
        if not isinstance(err, SandboxRefusal) or instance_id is None:
            return False
        instance = matter_lock.lock(self.db, instance_id)
        if instance is None or instance.status in states.ENDED:
            return False
        self.mark_error(instance, err)
        return True

    def mark_error(self, instance: Instance, err: Exception) -> None:
        message = err.message if isinstance(err, LiandongError) else f"{type(err).__name__}: {err}"
        instance.status, instance.error = states.ERROR, message
        self.ctx.history.record("error", instance.id, data={"message": message})
        self.db.flush()

    def import_calendar(self, text: str, source: str, user: str) -> dict:
        """Import a year's official schedule and recompute every provisional deadline it touches."""
        year = calendar_module.import_schedule(self.db, text, source, user, self.ctx.clock.now())
        self.ctx.calendar_changed()
        self.ctx.history.record("calendar_imported", None, user, data={"year": year, "source": source})
        return {"year": year, **self.recompute_provisional(user)}

    def recompute_provisional(self, user: str = "system") -> dict:
        cal = self.ctx.calendar
        tasks = timers = 0
        for task in self.db.execute(
            select(HumanTask).where(HumanTask.state == states.TASK_OPEN, HumanTask.due_provisional.is_(True))
            .order_by(HumanTask.instance_id, HumanTask.id)  # matters locked in id order, as the workers do
        ).scalars():
            if not task.due_basis:
                continue
            deadline = cal.recompute(task.due_basis)  # in the limit's own unit
            self.ctx.history.record("deadline_recomputed", task.instance_id, user, task_id=task.id, spec_id=task.spec_id,
                                    name=task.name, data={"old": task.due_at.isoformat(), "new": deadline.iso(),
                                                          "provisional": deadline.provisional})
            task.due_at, task.due_provisional = deadline.at, deadline.provisional
            tasks += 1
        pending = list(self.db.execute(
            select(Timer).where(Timer.status == states.TIMER_WAITING, Timer.provisional.is_(True))).scalars())
        holding = set(self.db.execute(select(Instance.id).where(
            Instance.matter_deadline_basis.is_not(None), Instance.status.in_(states.UNFINISHED))).scalars())
        matter_deadlines = 0
        for instance_id in sorted({t.instance_id for t in pending} | holding):
            instance = self.ctx.runtime.instance(instance_id, lock=True)
            workflow = self.ctx.runtime.load(instance)
            for timer in [t for t in pending if t.instance_id == instance_id and t.basis]:
                deadline = cal.recompute(timer.basis)
                engine_task = find_task(workflow, timer.guid)
                if engine_task is not None:
                    set_due(engine_task, deadline.iso())
                self.ctx.history.record("deadline_recomputed", instance_id, user, spec_id=timer.spec_id,
                                        name=timer.name, data={"old": timer.due_at.isoformat(), "new": deadline.iso(),
                                                               "provisional": deadline.provisional})
                timer.due_at, timer.provisional = deadline.at, deadline.provisional
                timers += 1
            if instance_id in holding:
                matter_deadlines += self._recompute_matter_deadline(instance, workflow, user)
            self.ctx.runtime.save(instance, workflow)
        self.db.flush()
        return {"tasks": tasks, "timers": timers, "matter_deadlines": matter_deadlines}

    def _recompute_matter_deadline(self, instance: Instance, workflow, user: str) -> int:
        """The matter deadline its data holds (P11's decision_due), computed again and written where the
        open steps carry it, so the step that later carries it reads the new one. Returns 1 if it moved."""
        basis, instance.matter_deadline_basis = instance.matter_deadline_basis or {}, None
        process = self.ctx.repository.process_of(instance)
        field = process.matter_deadline
        if not field or not basis or self.ctx.runtime.data(instance, workflow).get(field) != basis["at"]:
            return 0  # the data no longer holds that deadline: nothing of it is left to recompute
        deadline = self.ctx.calendar.recompute(basis)
        for holder in [workflow, *workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR)]:
            if holder.data.get(field) == basis["at"]:
                holder.data[field] = deadline.iso()
        if deadline.provisional:
            instance.matter_deadline_basis = {"at": deadline.iso(), **deadline.basis()}
        self.ctx.history.record("deadline_recomputed", instance.id, user, name=process.matter_deadline_label or field,
                                data={"field": field, "old": parse_local(basis["at"]).isoformat(),
                                      "new": deadline.iso(), "provisional": deadline.provisional})
        return 1

    # --- repair actions on one matter (administrators; the starter's section head for 10.3 later) ---
    def suspend(self, instance_id: int, user: str, reason: str = "") -> Instance:
        instance = self.ctx.runtime.instance(instance_id, lock=True)
        if instance.status not in SWEEPABLE:
            raise InvalidState(f"事项状态为“{instance.status}”，不能挂起")
        instance.status = states.SUSPENDED
        self.ctx.history.record("suspended", instance.id, user, data={"reason": reason,
                                                                       "notify": self._holders(instance.id, user)})
        return instance

    def _holders(self, instance_id: int, user: str) -> list[str]:
        """Who holds an open step of the matter (assignees, else candidates), to be told what happened to
        it; not the person who did it."""
        people = set()
        for task in self.db.execute(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                            HumanTask.state == states.TASK_OPEN)).scalars():
            people.update(self.ctx.tasks.holders(task))
        return sorted(people - {user})

    def resume(self, instance_id: int, user: str) -> Instance:
        instance = self.ctx.runtime.instance(instance_id, lock=True)
        if instance.status not in states.RESUMABLE:
            raise InvalidState(f"事项状态为“{instance.status}”，无需激活")
        instance.status, instance.error = states.RUNNING, None
        self.ctx.history.record("resumed", instance.id, user, data={"notify": self._holders(instance.id, user)})
        workflow = self.ctx.runtime.load(instance)
        self.ctx.runtime.advance(instance, workflow, user)  # timers that fell due meanwhile fire now
        return instance

    def terminate(self, instance_id: int, user: str, reason: str, as_status: str = states.TERMINATED) -> Instance:
        """终止 (or, as_status="cancelled", the starter's 撤销): close every open task and timer."""
        if not reason or not reason.strip():
            raise InvalidState("终止事项须填写原因")
        instance = self.ctx.runtime.instance(instance_id, lock=True)
        if instance.status in states.ENDED:
            raise InvalidState("事项已结束，不能终止或撤销")
        workflow = self.ctx.runtime.load(instance)
        workflow.cancel()
        told = self._holders(instance.id, user)  # before their steps are closed
        now = self.ctx.clock.now()
        for task in self.db.execute(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.state == states.TASK_OPEN)).scalars():
            task.state, task.completed_at = states.TASK_CANCELLED, now
            task.revision += 1
        for timer in self.db.execute(select(Timer).where(
                Timer.instance_id == instance.id, Timer.status == states.TIMER_WAITING)).scalars():
            timer.status = states.TIMER_CANCELLED
        instance.status, instance.ended_at = as_status, now
        self.ctx.history.record(as_status, instance.id, user, data={"reason": reason.strip(), "notify": told})
        self.ctx.runtime.save(instance, workflow)
        return instance

    def reassign(self, task_id: int, to_user: str, user: str, reason: str) -> HumanTask:
        """An administrator gives an open task to someone else (e.g. the holder left)."""
        if not reason or not reason.strip():
            raise InvalidState("改派须填写原因")
        task = self.ctx.tasks.get(task_id)
        self.ctx.runtime.instance(task.instance_id, lock=True)
        self.db.refresh(task)
        if task.state != states.TASK_OPEN:
            raise InvalidState("只能改派未办结的任务")
        if self.db.get(Person, to_user) is None:
            raise NotFound(f"目录中没有人员“{to_user}”")
        old, holders = task.assignee, self.ctx.tasks.holders(task)
        task.assignee = to_user
        task.revision += 1
        if to_user not in self.ctx.tasks.candidates(task.id):
            self.db.add(TaskCandidate(task_id=task.id, person_id=to_user))
        self.ctx.history.record("task_reassigned", task.instance_id, user, task_id=task.id, spec_id=task.spec_id,
                                name=task.name, data={"from": old, "to": to_user, "reason": reason.strip(),
                                      "notify": sorted({to_user, *holders})})  # both the old and new holder are told
        return task

    def edit_data(self, instance_id: int, key: str, value, user: str, reason: str) -> Instance:
        """Correct one field of a matter's data (e.g. before retrying an errored step); logged with the old value."""
        if not key or not key.isidentifier() or key.startswith("_"):
            raise InvalidState("字段名无效")
        if not reason or not reason.strip():
            raise InvalidState("修改数据须填写原因")
        instance = self.ctx.runtime.instance(instance_id, lock=True)
        workflow = self.ctx.runtime.load(instance)
        old = self.ctx.runtime.data(instance, workflow).get(key)
        workflow.data[key] = value
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR):
            task.data[key] = value
        self.ctx.history.record("data_edited", instance.id, user, data={
            "key": key, "old": old, "new": value, "reason": reason.strip()})
        self.ctx.runtime.save(instance, workflow)
        return instance

    def retry(self, instance_id: int, user: str) -> Instance:
        """Run an errored or stalled matter again (after its data was fixed)."""
        instance = self.ctx.runtime.instance(instance_id, lock=True)
        if instance.status not in states.REPAIRABLE:
            raise InvalidState("只有出错或停滞的事项可以重试")
        instance.status, instance.error = states.RUNNING, None
        workflow = self.ctx.runtime.load(instance)
        task_tree.ready_again(workflow)
        self.ctx.history.record("retried", instance.id, user)
        if self.unstall(instance, user, workflow):
            raise InvalidState(f"重试后事项仍无法继续：{instance.error}")
        return instance

    def fire_timer_now(self, timer_id: int, user: str) -> Instance:
        """Fire one pending timer at once, as if its time had come."""
        timer = self.db.get(Timer, timer_id)
        if timer is None or timer.status != states.TIMER_WAITING:
            raise InvalidState("该定时器不存在或已触发")
        instance = self.ctx.runtime.instance(timer.instance_id, lock=True)
        if instance.status not in SWEEPABLE:
            raise InvalidState(f"事项状态为“{instance.status}”，不能触发定时器")
        workflow = self.ctx.runtime.load(instance)
        task = find_task(workflow, timer.guid)
        if task is None:
            raise InvalidState("流程中已没有该定时器")
        fire_now(task)
        self.ctx.history.record("timer_forced", instance.id, user, spec_id=timer.spec_id, name=timer.name,
                                data={"due_at": timer.due_at.isoformat()})
        self.ctx.runtime.advance(instance, workflow, user)
        return instance

    def migrate(self, instance_id: int, to_version: int, user: str) -> Instance:
        """Move a running matter to another version of its process when every step it has taken or
        holds open exists, of the same kind, in that version (engine/migration_plan.py); otherwise
        refuse and say which do not."""
        instance = self.ctx.runtime.instance(instance_id, lock=True)
        found = migration_plan.plan(self.ctx, instance, to_version)
        if not found.possible:
            raise InvalidState(migration_plan.refusal(found))
        bundle, target = found.bundle, found.target
        bundle["forms"] = {**bundle.get("forms", {}), **self.ctx.repository.bundle(instance.process_key)["forms"]}
        old_version = instance.version
        instance.bundle, instance.definition_id, instance.version = bundle, target.id, target.version
        workflow = self.ctx.runtime.load(instance)  # the stored state read against the new version's spec
        self.ctx.history.record("migrated", instance.id, user, data={"from": old_version, "to": target.version})
        self.ctx.runtime.save(instance, workflow)
        return instance
