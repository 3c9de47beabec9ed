"""The event log: append-only, each entry chained to the previous one by SHA-256.

It is the evidence trail the seeds ask for (002: full-process record). Nothing in the product edits
or deletes it; `verify` recomputes the chain so an auditor can see any tampering.
"""
import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import Event

CHAIN_LOCK = 0x4C44_4556  # "LDEV": the PostgreSQL advisory lock that serialises appends to the chain

KINDS = {
    "started": "发起", "task_ready": "任务到达", "task_claimed": "认领", "task_unclaimed": "退回待认领",
    "task_handed_over": "转交", "task_completed": "办理完成", "timer_fired": "定时器触发",
    "deemed_received": "超时默认接收", "overdue_escalated": "超期上报", "service_called": "系统操作",
    "message": "消息", "error": "错误", "suspended": "挂起", "resumed": "激活", "terminated": "终止",
    "completed": "办结", "deadline_recomputed": "期限重算", "calendar_imported": "导入工作日历",
    "directory_changed": "目录变更", "deployed": "部署", "document_issued": "印发公文", "task_reassigned": "改派", "data_edited": "修改数据",
    "retried": "重试", "timer_forced": "立即触发定时器", "migrated": "迁移版本", "reminded": "催办",
    "sent_back": "退回", "taken_back": "撤回", "task_reopened": "重新办理", "cancelled": "撤销",
    "delegated": "委派", "delegation_returned": "委派交回", "signers_added": "加签", "signer_removed": "减签",
    "signed": "签署意见", "held_for_signers": "提交后等待加签意见", "copied": "抄送", "light_yellow": "预警（黄灯）",
    "light_red": "超期（红灯）", "clock_stopped": "补正暂停计时", "clock_resumed": "补正后恢复计时",
    "extension_requested": "申请延期", "extended": "批准延期", "completed_by_default": "超时默认办结",
    "votes_counted": "计票",
}


def _digest(prev_hash: str, event: Event) -> str:
    body = json.dumps(
        [prev_hash, event.instance_id, event.at.isoformat(), event.actor, event.kind, event.task_id,
         event.spec_id, event.name, event.data],
        ensure_ascii=False, sort_keys=True, default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class History:
    def __init__(self, session: Session, clock):
        self.db = session
        self.clock = clock

    def record(self, kind: str, instance_id: int | None = None, actor: str = "system", task_id=None,
               spec_id: str = "", name: str = "", data: dict | None = None, at: datetime | None = None) -> Event:
        # Writers append one at a time so two entries never share a predecessor. On PostgreSQL a
        # transaction-scoped advisory lock, taken before the head is read, does it: a row lock on the
        # last entry would not (a waiter gets that same row once the holder commits, not the new head).
        # SQLite writers are serialised by BEGIN IMMEDIATE (engine/db.py).
        if self.db.get_bind().dialect.name == "postgresql":
            self.db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        last = self.db.execute(select(Event).order_by(Event.id.desc()).limit(1)).scalar_one_or_none()
        event = Event(
            instance_id=instance_id, at=(at or self.clock.now()).astimezone(UTC), actor=actor, kind=kind, task_id=task_id,
            spec_id=spec_id, name=name, data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
        )
        event.prev_hash = last.hash if last else ""
        event.hash = _digest(event.prev_hash, event)
        self.db.add(event)
        self.db.flush()
        return event

    def events(self, instance_id: int, kind: str | None = None) -> list[Event]:
        query = select(Event).where(Event.instance_id == instance_id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(self.db.execute(query.order_by(Event.id)).scalars())

    def verify(self) -> list[str]:
        """Problems in the chain (empty when intact)."""
        problems, prev = [], ""
        for event in self.db.execute(select(Event).order_by(Event.id)).scalars():
            if event.prev_hash != prev:
                problems.append(f"事件 {event.id}：前序哈希不符（记录被删除或插入）")
            if _digest(event.prev_hash, event) != event.hash:
                problems.append(f"事件 {event.id}：内容与哈希不符（记录被修改）")
            prev = event.hash
        return problems
