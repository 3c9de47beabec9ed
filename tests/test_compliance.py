"""期限考核 — 003 §3(3) "对落实制度不力、工作敷衍的部门提请市政府予以问责".

Every missed limit counts against the department that held the task, whatever closed it, and the
report's figures are the event log's: recomputed here from the log alone, they must agree.
"""
from collections import Counter
from datetime import datetime

from sqlalchemy import select

from engine.models import Event
from tests.test_office import ANSWER, P3, request
from tests.test_p04_communication_ladder import PROCESS as P4, platform_round, start_data as p4_start

MISSED = ("late", "deemed_received", "closed_overdue", "open_overdue")


def missed_from_the_log(s) -> Counter:
    """(department, process) -> limits missed, from the event log only: a task's limit is the due_at of
    its arrival (or of its last approved extension); it is missed when the event that closed the task
    (done, deemed received, closed by a timer, or its matter cancelled or terminated) came after it, or
    when nothing has closed it and the limit has passed."""
    events, processes, now = s.run(_read_log)
    due, owner, closed = _limits_and_closings(events, processes)
    missed = Counter()
    for task, limit in due.items():
        if limit is not None and closed.get(task, now) > limit:
            missed[owner[task][:2]] += 1
    return missed


def _read_log(e):
    events = list(e.db.execute(select(Event).order_by(Event.id)).scalars())
    processes = {i: e.runtime.instance(i).process_key for i in {ev.instance_id for ev in events if ev.instance_id}}
    return events, processes, e.clock.now()


def _limits_and_closings(events, processes):
    """Per task: its limit, its (department, process, matter), and when it was closed."""
    due, owner, closed = {}, {}, {}
    for ev in events:
        data = ev.data or {}
        if ev.kind in ("task_ready", "task_reopened") and ev.task_id:
            due[ev.task_id] = datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None
            owner[ev.task_id] = (data["department"], processes[ev.instance_id], ev.instance_id)
            closed.pop(ev.task_id, None)
        elif ev.kind == "extended":
            due[ev.task_id] = datetime.fromisoformat(data["new"])
        elif ev.task_id and (ev.kind in ("task_completed", "deemed_received") or data.get("closed")):
            closed.setdefault(ev.task_id, ev.at)
        elif ev.kind in ("cancelled", "terminated") and not ev.task_id:
            _close_matter(owner, closed, ev)
    return due, owner, closed


def _close_matter(owner, closed, ev) -> None:
    """A cancelled or terminated matter closes every task of it not closed already."""
    for task, (_, _, matter) in owner.items():
        if matter == ev.instance_id:
            closed.setdefault(task, ev.at)


def missed_in_the_report(s) -> Counter:
    return Counter({(r["department"], r["process_key"]): r["missed"]
                    for r in s.run(lambda e: e.monitoring.compliance()) if r["missed"]})


def test_every_missed_limit_counts_against_its_department_whatever_closed_it(scenario):
    """003 §2(3) limits, §2(4) the product's per-rung limit, §3(3) the report:
    - 市市场监督管理局 answers a 商请 sent Wed 30 Sep (due Sat 10 Oct) on Mon 12 Oct: late, even though
      the overdue timer escalated it to its responsible person first;
    - the answer pushed back to 市场准入审批科 is not acknowledged: deemed received, a missed limit of the
      approval section;
    - 市市场监督管理局 never answers P4's platform message: the interrupting timer closes its task and the
      matter climbs — the silent department still has its row;
    - a second 商请 is cancelled (撤销) by its starter after its answer was overdue: withdrawn, still missed;
    - a third 商请 is cancelled before its limit: counted nowhere.
    The report's figures per department equal the log's."""
    s = scenario
    s.at("2026-09-30 10:00")
    late = s.start(P3, by="sunli", data=request())
    withdrawn = s.start(P3, by="sunli", data=request())
    in_time = s.start(P3, by="sunli", data=request())
    s.at("2026-10-09 09:00")
    s.run(lambda e: e.office.cancel(in_time.id, "sunli", "企业撤回申请"))
    ladder = s.start(P4, by="sunli", data=p4_start())
    platform_round(ladder)  # due 3 working days after Fri 9 Oct: Tue 13 Oct (Sat 10 is a make-up day)
    s.advance_to("2026-10-12 09:00")
    late.complete("answer_request", by="zhuling", data=ANSWER)
    s.run(lambda e: e.office.cancel(withdrawn.id, "sunli", "已电话沟通，无需书面答复"))
    s.advance_to("2026-10-15 00:00")  # the answer is deemed received; the platform rung is overdue
    assert ladder.data["rung"] == "phone"

    rows = {(r["department"], r["process_key"]): r for r in s.run(lambda e: e.monitoring.compliance())}
    market_p3 = rows[("market_bureau", P3)]
    assert (market_p3["late"], market_p3["closed_overdue"], market_p3["on_time"], market_p3["missed"]) == (1, 1, 0, 2)
    section_p3 = rows[("approval_bureau.market", P3)]
    assert (section_p3["deemed_received"], section_p3["missed"]) == (1, 1)
    market_p4 = rows[("market_bureau", P4)]
    assert (market_p4["closed_overdue"], market_p4["missed"]) == (1, 1)
    assert missed_in_the_report(s) == missed_from_the_log(s)


def test_one_reminder_is_counted_once_on_the_row_of_its_task(scenario):
    """003 §3(3): the accountability figures must be exact. 督查室's one 催办 of 市市场监督管理局's 商请
    answer counts once, on that department's 商请 row — not again on its rows of other procedures."""
    s = scenario
    s.at("2026-10-09 09:00")
    consultation = s.start(P3, by="sunli", data=request())
    ladder = s.start(P4, by="sunli", data=p4_start())
    platform_round(ladder)
    s.run(lambda e: e.office.remind(consultation.task("answer_request").id, "duxin", "请尽快答复"))
    rows = {(r["department"], r["process_key"]): r["reminders"] for r in s.run(lambda e: e.monitoring.compliance())}
    assert rows[("market_bureau", P3)] == 1
    assert rows[("market_bureau", P4)] == 0
    assert sum(rows.values()) == 1
