"""The states a matter can be in, and their Chinese names: one list that the engine, pages, API and
reports read."""

RUNNING = "running"      # has an open task
WAITING = "waiting"      # waits for a timer or a message only
SUSPENDED = "suspended"  # 挂起 by an administrator
ERROR = "error"          # a step failed; an administrator retries it
STALLED = "stalled"      # 停滞: running, yet nothing it could wait on (found by the timer worker)
COMPLETED = "completed"
TERMINATED = "terminated"
CANCELLED = "cancelled"  # 撤销 by its starter

MATTER = {
    RUNNING: "办理中", WAITING: "等待中", SUSPENDED: "已挂起", ERROR: "出错", STALLED: "停滞",
    COMPLETED: "已办结", TERMINATED: "已终止", CANCELLED: "已撤销",
}
ACTIVE = (RUNNING, WAITING)  # matters the timer worker sweeps
ENDED = {COMPLETED, TERMINATED, CANCELLED}
REPAIRABLE = (ERROR, STALLED)  # what an administrator's 重试 applies to

# A step's row (human_task.state)
TASK_OPEN = "ready"
TASK = {
    TASK_OPEN: "办理中", "completed": "已办理", "deemed_received": "超时默认接收", "cancelled": "已取消",
    "sent_back": "已退回",
}

# A task's time limit, by whom it is owed (the `limit_kind` property of a user task with a `due`;
# processes/README.md “期限类型”). The office operations offered on the task follow it.
LIMIT_STATUTORY = "statutory"  # owed by one department to another under seed 003: no 补正, no 延期
LIMIT_APPLICANT = "applicant"  # owed to an applicant or reporter: 补正 and 延期 (approved outside the obligated side)
LIMIT_INTERNAL = "internal"    # the product's or the department's own limit: 延期 by the section head
LIMIT_KINDS = {
    LIMIT_STATUTORY: "法定时限（不可暂停、不可延期；部门间的超时默认照常生效）",
    LIMIT_APPLICANT: "对申请人（举报人）的时限（可补正、可延期，延期由办理科室以外的领导批准）",
    LIMIT_INTERNAL: "内部时限（可由本科室负责人批准延期）",
}
LIMIT_SHORT = {LIMIT_STATUTORY: "法定时限", LIMIT_APPLICANT: "对申请人时限", LIMIT_INTERNAL: "内部时限"}

# Who did it, when it was not a person of the directory (the event log's actor)
ACTORS = {"system": "系统", "public": "社会公众（网站举报）", "anonymous": "未登录访客"}

# Service operations (engine/effects.py) as the 办理记录 names them
SERVICES = {
    "target_library.add": "纳入监管对象库", "document.issue": "生成公文", "directory.change_role": "变更责任人或联络人",
    "inspection.library": "提取检查对象名录", "inspection.draw": "随机抽取检查对象和执法人员",
    "inspection.publish": "公示抽查结果", "inspection.open_cases": "对问题企业立案",
    "penalty.check_investigators": "核验执法人员资格", "penalty.archive_deadline": "计算归档期限",
    "penalty.open_case": "启动行政处罚案件", "penalty.publish": "公示处罚决定",
    "complaint.register_reporter": "登记举报人信息（密封）", "complaint.record_reward": "登记举报奖励",
    "credit.record_violation": "记录违法失信信息", "credit.add_to_blacklist": "列入黑名单",
    "credit.remove_from_blacklist": "移出黑名单",
}


def actor_name(actor: str, people: dict[str, str]) -> str:
    """A person's name, or the Chinese name of a non-person actor; operator:<login> is a deployment."""
    if actor in people:
        return people[actor]
    if actor.startswith("operator:"):
        return f"运维人员 {actor.split(':', 1)[1]}"
    return ACTORS.get(actor, actor)

# SpiffWorkflow's task states, for the counts on a matter's diagram
ENGINE_TASK = {"COMPLETED": "完成", "READY": "待办", "WAITING": "等待", "CANCELLED": "取消", "STARTED": "进行中",
               "ERROR": "出错", "LIKELY": "可能到达", "MAYBE": "可能到达", "FUTURE": "尚未到达"}
