"""Shared pieces of the benchmarks: fresh PostgreSQL databases, verdicts, percentiles, the extra
departments a 30-department P1 needs, and the real procedures' steps (from the scenario tests)."""
import json
import os
import statistics
import time
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from engine.models import Department, Person, RoleAssignment

PG_URL = os.environ.get("LIANDONG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SUPERVISION = ["emergency_bureau", "market_bureau", "housing_bureau", "ecology_bureau", "health_commission"]


def bearer(client, person: str) -> str:
    """An API token for a demo person, asked for as a script would (POST /api/v1/token)."""
    from engine.directory import DEMO_PASSWORD

    response = client.post("/api/v1/token", json={"id": person, "password": DEMO_PASSWORD})
    assert response.status_code == 200, (person, response.status_code, response.get_json())
    return f"Bearer {response.get_json()['token']}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "SHORT"


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB, from /proc. Not getrusage's ru_maxrss:
    that survives exec, so a worker started by a big parent would report the parent's peak."""
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def median(values) -> float:
    return statistics.median(values)


def pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})


def create_pg(name: str) -> str | None:
    """A new empty PostgreSQL database; its URL, or None (said why) when no server answers."""
    try:
        admin = pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as err:
        print(f"(PostgreSQL skipped: {type(err).__name__}: {str(err).splitlines()[0][:120]})")
        return None
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg(url: str | None) -> None:
    if not url:
        return
    name = url.rsplit("/", 1)[1]
    admin = pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def timed(label: str):
    started = time.perf_counter()
    print(f"{label} …", flush=True)
    yield
    print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)


# --- extra supervision departments (benchmark databases only) ---
def extra_department_codes(count: int) -> list[str]:
    return [f"bench_dept_{i:02d}" for i in range(1, count + 1)]


def add_departments(session, count: int, people_per_department: int = 1) -> list[str]:
    """`count` supervision departments, each with a liaison (`<code>_liaison`) and, when more people
    are asked for, staff holding responsible_person / enforcement_officer roles."""
    codes = extra_department_codes(count)
    password = session.execute(text("SELECT password_hash FROM person WHERE id = 'zhuling'")).scalar() or ""
    for i, code in enumerate(codes, 1):
        session.add(Department(code=code, name=f"基准监管部门{i:02d}", kind="supervision"))
    session.flush()
    for code in codes:
        for k in range(people_per_department):
            pid = f"{code}_liaison" if k == 0 else f"{code}_p{k:02d}"
            role = "liaison" if k == 0 else ("responsible_person" if k == 1 else "enforcement_officer")
            session.add(Person(id=pid, name=f"人员{pid[-6:]}", password_hash=password, system_roles=[]))
            session.add(RoleAssignment(person_id=pid, department=code, role=role))
    session.flush()
    return codes


def widened_p1_start_form(codes: list[str]) -> tuple[str, bytes]:
    """P1's start form with the extra departments in its department list (deployed as a new version)."""
    from engine.bootstrap import PROCESSES

    form = json.loads((PROCESSES / "forms" / "p01_start.json").read_text(encoding="utf-8"))
    items = form["properties"]["departments"]["items"]
    items["enum"] = items["enum"] + codes
    items["x-enum-titles"] = items["x-enum-titles"] + [f"基准监管部门{i:02d}" for i in range(1, len(codes) + 1)]
    return "p01_start.json", json.dumps(form, ensure_ascii=False, indent=2).encode()


# --- the real procedures as steps: (spec id, department or None, person, form data) ---
P4_START = ("p4_communication_ladder", "sunli", {
    "subject": "某化工公司危化品经营许可变更后的监管衔接", "sending_department": "approval_bureau.market",
    "receiving_department": "market_bureau", "start_rung": "platform",
    "matter_description": "许可变更后经营场所迁址，需明确新址的日常监管责任和检查时间。"})
REPORT = {"reported_on": "2026-11-02", "main_leader_reported": True, "deputy_leader_reported": True,
          "report_summary": "会商情况"}  # P5: each side's responsible person reports to their leaders (003 §2(2))
P4_STEPS = [  # tests/test_p04_communication_ladder.py: every rung answered "not settled", the meeting settles it
    ("send_platform_message", None, "sunli", {"platform_message": "请确认新址监管责任。"}),
    ("answer_platform", None, "zhuling", {"platform_answer": "需进一步协商。", "settled": False}),
    ("record_phone_call", None, "zhaomin", {
        "phone_called_at": "2026-10-09T10:30:00+08:00", "phone_callee": "徐明（登记注册科科长）",
        "phone_summary": "就新址监管责任交换意见。", "phone_result": "对方同意研究后书面答复。"}),
    ("confirm_phone_call", None, "xuming", {"phone_confirmation": "属实", "settled": False}),
    ("draft_oa_message", None, "zhaomin", {"oa_title": "关于新址监管责任的函商", "oa_content": "正文"}),
    ("approve_oa_message", None, "liuhong", {"oa_approved": True, "oa_approval_comment": "同意。"}),
    ("answer_oa_message", None, "xuming", {"oa_answer": "仍有不同意见。", "settled": False}),
    ("draft_official_letter", None, "zhaomin", {"letter_title": "关于新址监管责任的函", "letter_content": "正文"}),
    ("approve_official_letter", None, "wangjianguo", {
        "letter_approved": True, "letter_approval_comment": "同意以局名义发函。"}),
    ("answer_official_letter", None, "xuming", {"reply_title": "关于新址监管责任的复函", "letter_answer": "复函：不同意。",
                                                "settled": False}),
    ("approve_reply_letter", None, "huangtao", {"reply_approved": True, "reply_approval_comment": "同意。"}),
    ("request_meeting", None, "zhaomin", {"topic_category": 1, "topic": "新址监管责任划分"}),
    ("prepare_meeting", None, "zhaomin", {
        "meeting_agenda": "议定新址监管责任。", "meeting_at": "2026-11-02T09:00:00+08:00", "meeting_place": "三楼会议室"}),
    ("confirm_attendance", None, "xuming", {"attendance_confirmed": True}),
    ("ack_notice_calling_leader", None, "liuhong", {}),
    ("ack_notice_other_leader", None, "yangfan", {}),
    ("record_meeting", None, "zhaomin", {
        "meeting_held_at": "2026-11-02T09:00:00+08:00", "meeting_attendees": "双方分管领导及科室负责人",
        "meeting_record": "记录"}),
    ("write_minutes", None, "zhaomin", {"meeting_minutes": "纪要", "meeting_outcome": "settled"}),
    ("report_to_leaders_calling", None, "zhaomin", REPORT),
    ("report_to_leaders_other", None, "xuming", REPORT),
]


def p1_start(departments: list[str]) -> tuple[str, str, dict]:
    return ("p1_approval_result_push", "sunli", {
        "subject": "鞍山市某化工有限公司危险化学品经营许可", "enterprise_name": "鞍山市某化工有限公司",
        "credit_code": "91210300MA0Y8K3L7P", "sector": "hazardous_chemicals", "approval_section": "approval_bureau.market",
        "concluded_at": "2026-10-08T08:00:00+08:00", "departments": departments})


def p1_steps(departments: list[str], liaisons: dict[str, str]) -> list[tuple]:
    steps = [("push_result", None, "sunli", {
        "approval_document_no": "鞍审批危化经字〔2026〕118号", "approval_result": "granted",
        "approval_documents": "营业执照、安全评价报告、从业人员资格证书"})]
    for dep in departments:
        steps.append(("receive_push", dep, liaisons[dep], {"confirmed": True, "supervision_measure": "routine", "risk_level": "medium"}))
    return steps


DEMO_LIAISONS = {"emergency_bureau": "gaoyan", "market_bureau": "zhuling", "housing_bureau": "dengli",
                 "ecology_bureau": "yuanyuan", "health_commission": "kongning"}
