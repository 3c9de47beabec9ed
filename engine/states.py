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
