"""What moving a running matter to another version of its process would do, worked out before it is
done: the administrator reads it on the 迁移 page first, and Management.migrate refuses what it finds
incompatible (a step the matter has taken or holds open that the version lacks, or has as another kind)."""
from dataclasses import dataclass

from . import states
from .errors import InvalidState, NotFound
from .models import Definition, HumanTask, Instance, Timer


@dataclass
class MigrationPlan:
    matter: Instance
    target: Definition
    bundle: dict  # the matter's bundle pointing at the target version
    done: list[HumanTask]  # kept as they are
    open: list[HumanTask]  # go on in the target version with their holder and deadline
    timers: list[Timer]  # keep their time
    problems: list[str]  # why it cannot be done; empty when it can

    @property
    def possible(self) -> bool:
        return not self.problems


def plan(ctx, instance: Instance, to_version: int) -> MigrationPlan:
    if instance.status in states.ENDED:
        raise InvalidState("已结束的事项不能迁移版本")
    target = next((d for d in ctx.repository.versions("bpmn", instance.process_key) if d.version == to_version), None)
    if target is None:
        raise NotFound(f"流程 {instance.process_key} 没有版本 {to_version}")
    if target.id == instance.definition_id:
        raise InvalidState("事项已在该版本上")
    old_workflow = ctx.runtime.load(instance)
    bundle = dict(instance.bundle)
    bundle["bpmn"] = {**bundle["bpmn"], instance.process_key: target.id}
    new_spec, new_subprocess_specs = ctx.repository.specs(bundle)
    new_specs = {new_spec.name: new_spec, **new_subprocess_specs}
    problems = []
    for task in old_workflow.get_tasks():
        new = new_specs.get(task.workflow.spec.name)
        new_task_spec = new.task_specs.get(task.task_spec.name) if new else None
        if new_task_spec is None:
            problems.append(task.task_spec.bpmn_name or task.task_spec.name)
        elif type(new_task_spec) is not type(task.task_spec):
            problems.append(f"{task.task_spec.bpmn_name or task.task_spec.name}（类型不同）")
    tasks = ctx.tasks.of_instance(instance.id)
    return MigrationPlan(
        matter=instance, target=target, bundle=bundle,
        done=[t for t in tasks if t.state != states.TASK_OPEN], open=[t for t in tasks if t.state == states.TASK_OPEN],
        timers=ctx.monitoring.pending_timers(instance.id), problems=sorted(set(problems)))


def refusal(found: MigrationPlan) -> str:
    return "新版本与事项当前进度不兼容，缺少或改变了：" + "、".join(found.problems[:10])
