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
RESUMABLE = (SUSPENDED, ERROR)  # what an administrator's 激活 applies to (挂起 applies to ACTIVE)

UNFINISHED = (RUNNING, WAITING, SUSPENDED, ERROR, STALLED)  # not ended: counted as 办理中 on a version

# A step's row (human_task.state)
TASK_OPEN = "ready"
TASK_COMPLETED = "completed"
TASK_DEEMED = "deemed_received"  # closed by its timer: 超时默认接收
TASK_CANCELLED = "cancelled"     # closed with its matter, by a boundary event or a 撤回
TASK_SENT_BACK = "sent_back"     # 退回: the step went back to an earlier holder
TASK = {
    TASK_OPEN: "办理中", TASK_COMPLETED: "已办理", TASK_DEEMED: "超时默认接收", TASK_CANCELLED: "已取消",
    TASK_SENT_BACK: "已退回",
}
TASK_HANDLED = (TASK_COMPLETED, TASK_SENT_BACK)  # 已办: a 退回 is also a step its holder handled

# A timer's row (timer.status)
TIMER_WAITING = "waiting"
TIMER_FIRED = "fired"
TIMER_CANCELLED = "cancelled"
TIMER = {TIMER_WAITING: "等待中", TIMER_FIRED: "已触发", TIMER_CANCELLED: "已取消"}

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

# The event log's kinds (event.kind) as the 办理记录 names them
EVENTS = {
    "started": "发起", "task_ready": "任务到达", "task_claimed": "认领", "task_unclaimed": "退回待认领",
    "task_handed_over": "转交", "task_completed": "办理完成", "timer_fired": "定时器触发",
    "deemed_received": "超时默认接收", "overdue_escalated": "超期上报", "service_called": "系统操作",
    "message": "消息", "error": "错误", "suspended": "挂起", "resumed": "激活", "terminated": "终止",
    "completed": "办结", "deadline_recomputed": "期限重算", "calendar_imported": "导入工作日历",
    "directory_changed": "目录变更", "deployed": "部署", "document_issued": "印发公文", "task_reassigned": "改派", "data_edited": "修改数据",
    "retried": "重试", "stalled": "停滞", "repaired": "自动修复", "timer_forced": "立即触发定时器", "migrated": "迁移版本", "reminded": "催办",
    "sent_back": "退回", "taken_back": "撤回", "task_reopened": "重新办理", "cancelled": "撤销",
    "delegated": "委派", "delegation_returned": "委派交回", "signers_added": "加签", "signer_removed": "减签",
    "signed": "签署意见", "held_for_signers": "提交后等待加签意见", "copied": "抄送", "light_yellow": "预警（黄灯）",
    "light_red": "超期（红灯）", "clock_stopped": "补正暂停计时", "clock_resumed": "补正后恢复计时",
    "extension_requested": "申请延期", "extended": "批准延期", "extension_refused": "不予延期",
    "completed_by_default": "超时默认办结",
    "votes_counted": "计票", "accountability_requested": "提请市政府予以问责",
    "enforcement_accountability_referred": "执法责任追究", "abnormal_listed": "列入经营异常名录",
    "abnormal_removed": "移出经营异常名录", "abnormal_referred": "经营异常名录满三年移送", "transferred": "转办",
    "attachment_added": "添加附件", "identity_refused": "查看举报人信息被拒绝",
}

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
    "inspection.feed_back": "向市行政审批局反馈检查情况", "licence.publish": "公示行政许可决定", "directory.paired_section": "查找对应审批科室",
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
