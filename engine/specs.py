"""The project's extensions of a BPMN process, typed: the process, its lanes and its user tasks.

`bpmn_xml.describe_bpmn` reads them from the file at deployment; the definition row stores that as
JSON (`Definition.meta`), and `of(definition)` turns it into these frozen specs once per content hash.
The values a property may take are stated here (or in `states` for the limit kinds) and checked in
one place (`lane_problems`, `task_problems`), which deployment calls. Who may start a process is `ProcessSpec.may_start`.
"""
import json
from dataclasses import dataclass, field

from . import states
from .calendar import CALENDAR_DAYS, WORKING_DAYS
from .directory import ROLES, STARTER

TIMEOUT_ACTIONS = {"remind": "提醒办理人", "escalate": "上报负责人", "complete_default": "按默认值办结"}
SIGN_MODES = {"all": "会签", "any": "或签", "share": "票签"}
OBLIGATED_SIDE = {"liaison", "responsible_person"}  # the section that owes the limit: never its own approver
DEFAULT_EXTENSION_APPROVER = "deputy_leader"
ROLE_CHOICES = "、".join([*(f"{name}（{code}）" for code, name in ROLES.items()), f"发起人（{STARTER}）"])


@dataclass(frozen=True)
class LaneSpec:
    """Who does the tasks in a lane: a directory role in a department (expressions of the diagram
    language), optionally narrowed to named candidates or one assignee."""
    id: str
    name: str = ""
    role: str = ""  # empty only in a file deployment refuses
    department: str = ""
    assignee: str = ""
    candidates: str = ""
    line: int | None = None

    @property
    def is_starters(self) -> bool:
        return (self.role or STARTER) == STARTER

    def label(self, key: str) -> str:
        """Where an expression of this lane comes from, for the sandbox's messages."""
        return f"泳道“{self.name or self.id}”（{self.id}）的 {key}"


@dataclass(frozen=True)
class UserTaskSpec:
    id: str
    name: str = ""
    form: str = ""
    due: str = ""  # an expression giving the limit, e.g. working_days_after(3)
    limit_kind: str = ""  # states.LIMIT_KINDS; required with `due`
    limit_unit: str = ""  # "calendar" when the law counts calendar days (行政处罚法第六十条); else working days
    deemed_received: bool = False  # its timer closes it as 超时默认接收 (003 §2(3))
    timeout_action: str = ""  # TIMEOUT_ACTIONS
    timeout_default: str = ""  # JSON values for complete_default
    extension_approver: str = ""
    sign_mode: str = ""  # SIGN_MODES
    sign_share: str = ""
    copy_to: str = ""
    line: int | None = None

    @property
    def kind_of_limit(self) -> str:
        """The limit's kind as the office operations read it: a task without one is internal."""
        return self.limit_kind or states.LIMIT_INTERNAL

    @property
    def approver_role(self) -> str:
        return self.extension_approver or DEFAULT_EXTENSION_APPROVER


@dataclass(frozen=True)
class ProcessSpec:
    process_id: str
    name: str
    documentation: str = ""
    start_event: str | None = None
    start_form: str | None = None
    start_lane_id: str | None = None
    lanes: dict[str, LaneSpec] = field(default_factory=dict)
    lanes_by_node: dict[str, str] = field(default_factory=dict)
    user_tasks: dict[str, UserTaskSpec] = field(default_factory=dict)
    calls: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    matter_deadline: str = ""  # e.g. P11's 90 days from filing, shown on the matter's pages
    matter_deadline_label: str = ""

    def lane_of(self, node_id: str) -> LaneSpec | None:
        lane_id = self.lanes_by_node.get(node_id)
        return self.lanes.get(lane_id) if lane_id else None

    @property
    def start_lane(self) -> LaneSpec | None:
        return self.lanes.get(self.start_lane_id) if self.start_lane_id else None

    @property
    def starter_role(self) -> str:
        lane = self.start_lane
        return lane.role if lane is not None and lane.role else STARTER

    def may_start(self, roles: set[str]) -> bool:
        """Who may start, by role: the role of the start event's lane, or anyone holding a role when
        that lane is the starter's own. The lane's department may depend on the start data, so it is
        checked when the matter starts (runtime.start)."""
        return bool(roles) if self.starter_role == STARTER else self.starter_role in roles


def owner_of(processes: dict[str, ProcessSpec], workflow) -> ProcessSpec:
    """The process whose file holds a (sub-)workflow's tasks, of a matter's `processes`
    (Repository.process_specs): an embedded subprocess's tasks belong to the enclosing file, a called
    process's to its own; the matter's own process at the top."""
    while workflow.spec.name not in processes and workflow.parent_workflow is not None:
        workflow = workflow.parent_workflow
    return processes[workflow.spec.name]


def user_task_of(processes: dict[str, ProcessSpec], engine_task) -> UserTaskSpec:
    """The properties of a SpiffWorkflow user (or manual) task as deployed, read where they were declared."""
    bpmn_id = engine_task.task_spec.bpmn_id
    return owner_of(processes, engine_task.workflow).user_tasks.get(bpmn_id) or UserTaskSpec(bpmn_id)


def _lane(info: dict) -> LaneSpec:
    return LaneSpec(id=info["id"], name=info.get("name", ""), role=info.get("role", ""),
                    department=info.get("department", ""), assignee=info.get("assignee", ""),
                    candidates=info.get("candidates", ""), line=info.get("line"))


def _user_task(task_id: str, info: dict) -> UserTaskSpec:
    text = {k: info.get(k, "") for k in ("name", "form", "due", "limit_kind", "limit_unit", "timeout_action", "timeout_default",
                                         "extension_approver", "sign_mode", "sign_share", "copy_to")}
    return UserTaskSpec(id=task_id, deemed_received=info.get("deemed_received") == "true", line=info.get("line"), **text)


def from_meta(meta: dict) -> ProcessSpec:
    """The typed spec of what `bpmn_xml.describe_bpmn` read (or the JSON stored from it)."""
    deadline = meta.get("matter_deadline") or {}
    return ProcessSpec(
        process_id=meta["process_id"], name=meta.get("name", meta["process_id"]),
        documentation=meta.get("documentation", ""), start_event=meta.get("start_event"),
        start_form=meta.get("start_form") or None, start_lane_id=meta.get("start_lane"),
        lanes={k: _lane(v) for k, v in meta.get("lanes", {}).items()}, lanes_by_node=dict(meta.get("lanes_by_node", {})),
        user_tasks={k: _user_task(k, v) for k, v in meta.get("user_tasks", {}).items()},
        calls=tuple(meta.get("calls", ())), decisions=tuple(meta.get("decisions", ())),
        matter_deadline=deadline.get("matter_deadline", ""), matter_deadline_label=deadline.get("matter_deadline_label", ""))


_CACHE: dict[str, ProcessSpec] = {}


def of(definition) -> ProcessSpec:
    """A deployed process's spec, built once per content (a version's file never changes)."""
    spec = _CACHE.get(definition.content_hash)
    if spec is None:
        if len(_CACHE) > 1024:
            _CACHE.clear()
        spec = _CACHE[definition.content_hash] = from_meta(definition.meta)
    return spec


def forget() -> None:
    _CACHE.clear()


# --- the rules on the values, checked at deployment: (reason, line, element) ---
Problem = tuple[str, int | None, str]


def task_problems(task: UserTaskSpec, lane: LaneSpec | None) -> list[str]:
    """What is wrong with a user task's own properties (its lane's are `lane_problems`)."""
    return limit_problems(task, lane.role if lane else None) + _task_value_problems(task)


def lane_problems(lane: LaneSpec) -> list[Problem]:
    """A lane says who does its tasks: a directory role, and (but for the starter) a department."""
    name = lane.name or lane.id
    if not lane.role:
        return [(f"泳道“{name}”没有设置办理角色：在泳道的扩展属性中设置 role（取值 {ROLE_CHOICES}）"
                 "和 department（部门表达式，如 'legal_office'）", lane.line, lane.id)]
    if lane.role not in ROLES and lane.role != STARTER:
        return [(f"泳道“{name}”的 role “{lane.role}”不是目录中的角色：请设为 {ROLE_CHOICES} 之一", lane.line, lane.id)]
    if lane.role != STARTER and not lane.department:
        return [(f"泳道“{name}”缺少 department 属性：设置部门表达式，如 'legal_office' 或 department", lane.line, lane.id)]
    return []


def limit_problems(task: UserTaskSpec, role: str | None) -> list[str]:
    """A time limit declares by whom it is owed (states.LIMIT_KINDS): that decides whether the holder
    may stop the clock (补正) or ask for more time (延期). Seed 003's limits between departments have
    neither, so a deemed receipt (003 §2(3) 超时默认) is always a statutory limit."""
    kind, found = task.limit_kind, []
    choices = "、".join(f"{k}（{v.split('（')[0]}）" for k, v in states.LIMIT_KINDS.items())
    if kind and kind not in states.LIMIT_KINDS:
        found.append(f"期限类型 limit_kind 无效：{kind!r}，只能是 {choices}")
    elif task.due and not kind:
        found.append(f"设置了办理期限（due）的任务须声明期限类型 limit_kind：{choices}")
    elif kind and not task.due:
        found.append("声明了期限类型 limit_kind 的任务须设置办理期限（due）")
    if task.limit_unit and task.limit_unit not in (WORKING_DAYS, CALENDAR_DAYS):
        found.append(f"期限单位 limit_unit 无效：{task.limit_unit!r}，只能是 working（工作日）或 calendar（自然日）")
    elif task.limit_unit and not task.due:
        found.append("声明了期限单位 limit_unit 的任务须设置办理期限（due）")
    if task.deemed_received and kind != states.LIMIT_STATUTORY:
        found.append("超时默认接收（deemed_received）的任务是部门间法定时限：limit_kind 须为 statutory")
    approver = task.extension_approver
    if approver and kind != states.LIMIT_APPLICANT:
        found.append("只有对申请人的时限（limit_kind=applicant）可以指定延期批准人 extension_approver")
    elif approver and approver not in ROLES:
        found.append(f"延期批准人 extension_approver 须是目录中的角色：{approver!r}")
    elif approver and approver in OBLIGATED_SIDE | {role}:
        found.append(f"延期批准人须在负有期限义务的科室以外（如分管领导 deputy_leader），不能是 {approver}")
    return found


def _task_value_problems(task: UserTaskSpec) -> list[str]:
    found = []
    if task.timeout_action and task.timeout_action not in TIMEOUT_ACTIONS:
        found.append("timeout_action 只能是 remind、escalate 或 complete_default")
    if task.sign_mode and task.sign_mode not in SIGN_MODES:
        found.append("sign_mode 只能是 all（会签）、any（或签）或 share（票签）")
    if task.sign_mode == "share":
        try:
            share = float(task.sign_share)
        except ValueError:
            share = 0.0
        if not 0 < share <= 1:
            found.append("票签须有 0 到 1 之间的 sign_share（通过所需票数比例）")
    if task.timeout_action == "complete_default":
        try:
            json.loads(task.timeout_default)
        except ValueError:
            found.append("complete_default 须有 JSON 格式的 timeout_default")
    return found
