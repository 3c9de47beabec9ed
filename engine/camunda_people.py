"""Who does a task in a Camunda diagram: lanes named `role@department`, `camunda:candidateGroups`,
`camunda:assignee` and `camunda:candidateUsers`, mapped to Liandong's lane properties (role,
department, assignee, candidates) or refused with what to write (processes/README.md,
"从 Camunda Modeler 迁移" step 1). A role written without its department is mapped when one
department of the directory holds it; several named people when they share a role in a department."""
from .bpmn_xml import XmlProblem
from .camunda_base import BPMN, SIMPLE_JUEL, STARTER_JUEL, Mapping, attr, properties, set_property
from .directory import ROLES, STARTER


def map_lanes(process, people: dict, mapping: Mapping, departments: set[str] | None = None) -> set[str]:
    """Lanes named `role@department` get those properties; returns the ids of nodes in lanes that say
    who works in them (the tasks there keep their lane)."""
    decided = set()
    for lane in process.iter(BPMN + "lane"):
        nodes = {(ref.text or "").strip() for ref in lane.iterfind(BPMN + "flowNodeRef")}
        name = (lane.get("name") or "").strip()
        if "role" not in properties(lane) and name.partition("@")[0].strip() in ROLES:
            found = _group(name, people, departments)
            if isinstance(found, str):
                mapping.problems.append(XmlProblem(f"泳道“{name}”{found}", lane.sourceline, lane.get("id")))
                decided |= nodes  # its tasks are not the starter's: the lane names a role
                continue
            role, department, how = found
            set_property(lane, "role", role)
            set_property(lane, "department", repr(department))
            mapping.note(lane, f"泳道“{name}”", f"由 {department} 的{ROLES[role]}（{role}）办理{how}")
            mapping.changed = True
        if "role" in properties(lane):
            decided |= nodes
        elif nodes:
            mapping.note(lane, f"泳道“{lane.get('name') or lane.get('id')}”", "不是目录角色：其中的任务按任务自己的 "
                         "camunda:assignee/candidateGroups 分派，没有的由发起人办理；要按角色办理，把泳道命名为 角色@部门")
    return decided


def _group(group: str, people: dict, departments: set[str] | None) -> tuple[str, str, str] | str:
    """`role@department`, or a role alone when one department holds it, as (role, department, how);
    else why not and what to write (processes/README.md, "从 Camunda Modeler 迁移" step 1)."""
    role, _, department = (part.strip() for part in group.partition("@"))
    if role not in ROLES:
        return f"不是 Liandong 目录中的角色：写成 角色@部门代码，如 liaison@market_bureau（角色：{'、'.join(ROLES)}）"
    if department and departments is not None and department not in departments:
        return f"的部门代码“{department}”不在目录中：写 directory.yaml 中的部门代码，如 {role}@{sorted(departments)[0] if departments else 'market_bureau'}"
    if department:
        return role, department, ""
    held = sorted({dept for roles in people.values() for held_role, dept in roles if held_role == role})
    if len(held) == 1:
        return role, held[0], "（目录中只有这个部门有此角色）"
    where = f"目录中 {len(held)} 个部门有此角色（{'、'.join(held[:10])}{'等' if len(held) > 10 else ''}）" if held else "目录中无人担任此角色"
    return f"只写了角色“{role}”，没有写部门，{where}：写明部门，如 {role}@{held[0] if held else '部门代码'}"


def _map_users(task, users: str, people: dict, mapping: Mapping) -> bool:
    """camunda:candidateUsers: one person does it, or several who share a role in one department."""
    named = [u.strip() for u in users.split(",") if u.strip()]
    where = task.sourceline, task.get("id")
    unknown = [u for u in named if u not in people]
    if unknown or not named or "${" in users:
        mapping.problems.append(XmlProblem(f"camunda:candidateUsers=“{users}”中的 {'、'.join(unknown) or users} 不是目录中的人员 id："
                                           "改为 directory.yaml 中的人员 id，或改用 camunda:candidateGroups=角色@部门", *where))
        return False
    if len(named) == 1:
        set_property(task, "role", STARTER)
        set_property(task, "assignee", repr(named[0]))
        mapping.note(task, f"camunda:candidateUsers=“{users}”", f"由 {named[0]} 办理")
        return True
    shared = sorted(set.intersection(*(set(people[u]) for u in named)))
    if not shared:
        held = "；".join(f"{u}：{'、'.join(f'{r}@{d}' for r, d in sorted(people[u])) or '无角色'}" for u in named)
        mapping.problems.append(XmlProblem(f"camunda:candidateUsers=“{users}”中的人员没有共同的角色和部门（{held}）：Liandong 的组任务"
                                           "由同一部门同一角色的人员认领。请只写一人，或改用 camunda:candidateGroups=角色@部门", *where))
        return False
    role, department = shared[0]
    set_property(task, "role", role)
    set_property(task, "department", repr(department))
    set_property(task, "candidates", repr(named))
    mapping.note(task, f"camunda:candidateUsers=“{users}”", f"由 {department} 的{ROLES.get(role, role)} {'、'.join(named)} 认领办理")
    return True


def map_assignment(task, people: dict, mapping: Mapping, decided: set[str], departments: set[str] | None = None) -> None:
    """candidateGroups / assignee → who does the task (role and department, or a named person)."""
    if "role" in properties(task) or task.get("id") in decided:
        return
    groups = [g.strip() for g in (attr(task, "candidateGroups") or "").split(",") if g.strip()]
    assignee, users = attr(task, "assignee"), attr(task, "candidateUsers")
    if groups:
        mapped = _map_groups(task, groups, people, mapping, departments)
    elif assignee:
        mapped = _map_assignee(task, assignee, people, mapping)
    elif users:
        mapped = _map_users(task, users, people, mapping)
    else:
        set_property(task, "role", STARTER)
        mapping.note(task, "未设置办理人", "由发起人办理（role=starter）；要交给他人，设置 camunda:candidateGroups=角色@部门")
        mapped = True
    if mapped:
        mapping.changed = True


def _map_groups(task, groups: list[str], people: dict, mapping: Mapping, departments: set[str] | None) -> bool:
    group = groups[0]
    found = _group(group, people, departments)
    if isinstance(found, str):
        mapping.problems.append(XmlProblem(f"候选组 camunda:candidateGroups=“{group}”{found}；或把任务放进设置了 "
                                           "role 和 department 的泳道", task.sourceline, task.get("id")))
        return False
    role, department, how = found
    set_property(task, "role", role)
    set_property(task, "department", repr(department))
    mapping.note(task, f"camunda:candidateGroups=“{group}”", f"由 {department} 的{ROLES[role]}（{role}）办理{how}")
    if len(groups) > 1:
        mapping.note(task, f"camunda:candidateGroups 的其余 {len(groups) - 1} 个组", "只取第一个组（一个任务由一个角色办理）")
    return True


def _map_assignee(task, assignee: str, people: dict, mapping: Mapping) -> bool:
    where = task.sourceline, task.get("id")
    if STARTER_JUEL.fullmatch(assignee):
        set_property(task, "role", STARTER)
        mapping.note(task, f"camunda:assignee=“{assignee}”", "由发起人办理（role=starter）")
    elif simple := SIMPLE_JUEL.fullmatch(assignee):
        variable = simple.group(1)
        set_property(task, "role", STARTER)
        set_property(task, "assignee", variable)
        mapping.note(task, f"camunda:assignee=“{assignee}”", f"由数据 {variable} 指定的人员办理（assignee={variable}）")
    elif "${" in assignee or "#{" in assignee:
        mapping.problems.append(XmlProblem(f"camunda:assignee=“{assignee}”是 JUEL 表达式：Liandong 的 assignee 是"
                                           "给出人员 id 的 Python 表达式，如 requested_by", *where))
        return False
    elif assignee not in people:
        mapping.problems.append(XmlProblem(f"办理人 camunda:assignee=“{assignee}”不在 Liandong 的目录中：改为目录中的"
                                           "人员 id，或删去 camunda:assignee 由发起人办理", *where))
        return False
    else:
        set_property(task, "role", STARTER)
        set_property(task, "assignee", repr(assignee))
        mapping.note(task, f"camunda:assignee=“{assignee}”", f"由 {assignee} 办理")
    return True
