"""Inbox and admin lists at 100 000 matters on PostgreSQL.

A generator fills a fresh database fast: a few hundred real matters of the bundled procedures run
through the engine (realistic state text, task, candidate, timer and event rows), then their rows are
cloned with COPY into 100 000 matters (~300 000 human_task rows) spread over 60 departments and
2 000 people, dates shifted over the past year. Then it times, over many queries each:
"my tasks" (Tasks.inbox 'mine'), "my groups' tasks" ('group'), the admin matter list with filters and
keyset paging (Monitoring.instances + overdue_ids, as the admin page calls them), the overdue filter,
and the deadline compliance report (Monitoring.compliance). Last, it counts the SQL statements of
the web inbox page for a person with a few hundred open tasks (N+1 check).

    .venv/bin/python bench/inbox_scale.py [--instances 100000] [--queries 200] [--keep]

Targets: inbox p95 ≤ 15 ms (issue 22; was 30), admin list p95 ≤ 100 ms. The inbox target is measured on
twenty people who each hold exactly 25 open tasks and 25 group tasks however many matters there are
(run it with --instances 10000 and 100000 to see table growth alone); the sampled people's inboxes grow
with the matters and are shown beside them without a target.
"""
import argparse
import io
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text  # noqa: E402

from bench import common  # noqa: E402
from engine import Liandong, db  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.models import Base  # noqa: E402
from engine.monitoring import InstanceFilter  # noqa: E402

TARGET_INBOX_MS = 15.0  # issue 22 (was 30)
TARGET_ADMIN_MS = 100.0
RUN_CLOCK = FrozenClock("2026-10-08 09:00")  # when the template matters run
NOW = FrozenClock("2026-12-01 10:00")  # when the queries run
DEPARTMENTS = 60
PEOPLE = 2000
HEAVY_USER = "zhuling"  # gets a few hundred open tasks: the N+1 check's inbox
HEAVY_MINE, HEAVY_GROUP = 400, 150
# The target's people: each holds exactly FIXED_SIZE open tasks of their own and FIXED_SIZE group tasks
# whatever the number of matters, so their timings show table growth apart from result size (issue 22).
FIXED_PEOPLE = [f"fixed_{k:02d}" for k in range(20)]
FIXED_SIZE = 25
TEMPLATES_PER_KIND = 20


def _tests_data():
    from tests import test_p02_supervision_info_push as p2, test_p03_consultation_request as p3
    from tests import test_p06_third_party_arbitration as p6, test_p07_joint_site_inspection as p7
    return p2.start_data(), p3.request(), p6.start_data(), dict(p7.START)


# --- kinds of template matter: (name, weight in the mix, process, starter, data, steps) ---
def template_kinds() -> list[tuple]:
    p2, p3, p6, p7 = _tests_data()
    p1_start = common.p1_start(["emergency_bureau", "market_bureau"])
    p1_steps = common.p1_steps(["emergency_bureau", "market_bureau"], common.DEMO_LIAISONS)
    p4_settled = common.P4_STEPS[:1] + [("answer_platform", None, "zhuling",
                                         {"platform_answer": "已确认，由我局负责。", "settled": True})]
    p4 = common.P4_START
    return [
        ("P1 pushed, received", 0.33, *p1_start, p1_steps),
        ("P1 concluded, push due", 0.04, *p1_start, []),
        ("P1 pushed, receipts open", 0.06, *p1_start, p1_steps[:1]),
        ("P4 settled on platform", 0.25, *p4, p4_settled),
        ("P4 ladder to meeting", 0.025, *p4, common.P4_STEPS),
        ("P4 platform open", 0.05, *p4, []),
        ("P4 answer open", 0.04, *p4, common.P4_STEPS[:1]),
        ("P4 phone rung", 0.03, *p4, common.P4_STEPS[:3]),
        ("P4 OA awaiting leader", 0.02, *p4, common.P4_STEPS[:5]),
        ("P4 letter answer open", 0.015, *p4, common.P4_STEPS[:9]),
        ("P2 started", 0.05, "p2_supervision_info_push", "gaoyan", p2, []),
        ("P3 started", 0.05, "p3_consultation_request", "sunli", p3, []),
        ("P6 started", 0.02, "p6_third_party_arbitration", "xuming", p6, []),
        ("P7 started", 0.03, "p7_joint_site_inspection", "sunli", p7, []),
    ]


def run_templates(factory) -> dict[str, list[int]]:
    """Drive TEMPLATES_PER_KIND real matters of each kind through the engine; kind -> instance ids."""
    result = {}
    for name, _weight, process, starter, data, steps in template_kinds():
        ids = []
        for _ in range(TEMPLATES_PER_KIND):
            with factory() as s, s.begin():
                instance_id = Liandong(s, RUN_CLOCK).runtime.start(process, data, starter).id
            for spec_id, department, user, values in steps:
                with factory() as s, s.begin():
                    engine = Liandong(s, RUN_CLOCK)
                    task = next(t for t in engine.tasks.of_instance(instance_id, open_only=True)
                                if t.spec_id == spec_id and (department is None or t.department == department))
                    engine.tasks.complete(task.id, user, values, task.revision)
            ids.append(instance_id)
        result[name] = ids
    return result


def add_directory(session) -> dict[str, list[str]]:
    """Fill the directory up to DEPARTMENTS departments and PEOPLE people; department -> people."""
    existing = [r[0] for r in session.execute(text("SELECT code FROM department ORDER BY code"))]
    codes = common.add_departments(session, DEPARTMENTS - len(existing), people_per_department=1)
    departments = existing + codes
    have = session.execute(text("SELECT count(*) FROM person")).scalar()
    password = session.execute(text("SELECT password_hash FROM person WHERE id = 'zhuling'")).scalar()
    people, roles = [], []
    roles_cycle = ["enforcement_officer", "inspection_staff", "liaison", "responsible_person"]
    for k in range(PEOPLE - have):
        dept = departments[k % len(departments)]
        pid = f"staff_{k:04d}"
        people.append((pid, f"职员{k:04d}", "科员", "", password, "[]", True))
        roles.append((pid, dept, roles_cycle[k % len(roles_cycle)], "", None, None))
    for k, pid in enumerate(FIXED_PEOPLE):  # not in `staff`: only the fixed assignments reach them
        people.append((pid, f"定量{k:02d}", "科员", "", password, "[]", True))
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cur:
        cur.executemany("INSERT INTO person (id, name, title, phone, password_hash, system_roles, active) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s)", people)
        cur.executemany("INSERT INTO role_assignment (person_id, department, role, certificate, since, until) "
                        "VALUES (%s, %s, %s, %s, %s, %s)", roles)
    staff: dict[str, list[str]] = {}
    for pid, dept in session.execute(text("SELECT DISTINCT person_id, department FROM role_assignment")):
        staff.setdefault(dept, []).append(pid)
    return {d: sorted(p) for d, p in staff.items()}


def _rows(conn, table: str, column: str, ids) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    result = conn.exec_driver_sql(f"SELECT * FROM {table} WHERE {column} = ANY(%(ids)s) ORDER BY id", {"ids": list(ids)})
    for row in result.mappings():
        out.setdefault(row[column], []).append(dict(row))
    return out


class Copier:
    """Rows to one table through COPY, flushed in chunks."""

    def __init__(self, raw, table: str):
        self.raw, self.table = raw, table
        self.columns = [c.name for c in Base.metadata.tables[table].columns]
        self.buffer, self.count = io.StringIO(), 0

    @staticmethod
    def _text(value) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        value = str(value)
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    def add(self, row: dict) -> None:
        self.buffer.write("\t".join(self._text(row[c]) for c in self.columns) + "\n")
        self.count += 1

    def flush(self) -> None:
        data = self.buffer.getvalue()
        if data:
            with self.raw.cursor() as cur, cur.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as cp:
                cp.write(data)
        self.buffer = io.StringIO()


def generate(url: str, count: int, seed: int = 2026) -> dict:
    rng = random.Random(seed)
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    with common.timed("directory: 60 departments, 2 000 people"), factory() as s, s.begin():
        staff = add_directory(s)
    with common.timed(f"template matters: {TEMPLATES_PER_KIND} of each of {len(template_kinds())} kinds through the engine"):
        templates = run_templates(factory)
    kinds = template_kinds()
    weights = [k[1] for k in kinds]
    departments = sorted(staff)
    now = NOW.now().replace(tzinfo=None)
    with eng.connect() as conn:
        all_ids = [i for ids in templates.values() for i in ids]
        inst = {r["id"]: r for r in conn.exec_driver_sql(
            "SELECT * FROM instance WHERE id = ANY(%(ids)s)", {"ids": all_ids}).mappings()}
        inst = {k: dict(v) for k, v in inst.items()}
        tasks = _rows(conn, "human_task", "instance_id", all_ids)
        timers = _rows(conn, "timer", "instance_id", all_ids)
        events = _rows(conn, "event", "instance_id", all_ids)
        next_ids = {t: conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").scalar()
                    for t in ("instance", "human_task", "timer", "event")}
    sizes = sorted(len(inst[i]["state"]) for i in all_ids)
    print(f"state text per template matter: median {sizes[len(sizes) // 2] / 1024:.0f} KB, max {sizes[-1] / 1024:.0f} KB")

    started = time.perf_counter()
    raw_conn = eng.raw_connection()
    raw = raw_conn.driver_connection
    copiers = {t: Copier(raw, t) for t in ("instance", "human_task", "task_candidate", "timer", "event")}
    heavy_mine = heavy_group = 0
    fixed_mine = fixed_group = 0
    fixed_total = len(FIXED_PEOPLE) * FIXED_SIZE
    fixed_rate = min(1.0, 4 * fixed_total / max(count, 1))  # spread over the first quarter of the matters
    shift_fields = ("created_at", "due_at", "completed_at", "paused_at", "started_at", "ended_at", "fired_at", "at")
    for n in range(count):
        kind = rng.choices(range(len(kinds)), weights)[0]
        source = inst[rng.choice(templates[kinds[kind][0]])]
        running = source["status"] != "completed"
        # open matters: most started in the last few days, some weeks ago (overdue); closed ones over a year
        age = timedelta(days=rng.uniform(0, 3) if running and rng.random() < 0.75 else
                        rng.uniform(3, 40) if running else rng.uniform(0, 365), minutes=rng.randint(0, 600))
        delta = (now - age) - source["started_at"]
        dmap: dict[str, str] = {}

        def dept(code: str, dmap=dmap) -> str:
            if code not in dmap:
                dmap[code] = rng.choice(departments)
            return dmap[code]

        def shift(row: dict, delta=delta) -> dict:
            for f in shift_fields:
                if row.get(f) is not None:
                    row[f] = row[f] + delta
            return row

        iid = next_ids["instance"] + n
        row = shift(dict(source))
        row.update(id=iid, department=dept(source["department"]) if source["department"] else "",
                   started_by=rng.choice(staff[dept(source["department"] or "approval_bureau.market")]),
                   subject=f"{source['subject'][:40]}（{n}）", enterprise_name=f"鞍山市第{n}号示例有限公司",
                   credit_code=f"912103{n:012d}"[:18])
        copiers["instance"].add(row)
        task_map = {}
        for t in tasks.get(source["id"], []):
            new = shift(dict(t))
            new["id"] = next_ids["human_task"]
            next_ids["human_task"] += 1
            task_map[t["id"]] = new["id"]
            new["instance_id"] = iid
            code = dept(t["department"]) if t["department"] else ""
            new["department"] = code
            people = staff.get(code) or staff[departments[0]]
            if t["state"] == "ready" and fixed_mine < fixed_total and rng.random() < fixed_rate:
                new["assignee"] = FIXED_PEOPLE[fixed_mine % len(FIXED_PEOPLE)]
                who, fixed_mine = [new["assignee"]], fixed_mine + 1
            elif t["state"] == "ready" and fixed_group < fixed_total and rng.random() < fixed_rate:
                new["assignee"] = None
                who = rng.sample(people, min(2, len(people))) + [FIXED_PEOPLE[fixed_group % len(FIXED_PEOPLE)]]
                fixed_group += 1
            elif t["state"] == "ready" and heavy_mine < HEAVY_MINE and rng.random() < 0.05:
                new["assignee"], who = HEAVY_USER, [HEAVY_USER]
                heavy_mine += 1
            elif t["state"] == "ready" and rng.random() < 0.3:  # a group task: several holders of the role
                new["assignee"], who = None, rng.sample(people, min(3, len(people)))
                if heavy_group < HEAVY_GROUP and rng.random() < 0.05:
                    who, heavy_group = who + [HEAVY_USER], heavy_group + 1
            else:
                new["assignee"] = rng.choice(people) if t["assignee"] else None
                who = [new["assignee"]] if new["assignee"] else rng.sample(people, min(2, len(people)))
            if new["completed_by"]:
                new["completed_by"] = new["assignee"] or who[0]
            copiers["human_task"].add(new)
            for person in dict.fromkeys(who):
                copiers["task_candidate"].add({"task_id": new["id"], "person_id": person})
        for t in timers.get(source["id"], []):
            new = shift(dict(t))
            new.update(id=next_ids["timer"], instance_id=iid)
            next_ids["timer"] += 1
            copiers["timer"].add(new)
        for e in events.get(source["id"], []):
            new = shift(dict(e))
            new.update(id=next_ids["event"], instance_id=iid, task_id=task_map.get(e["task_id"]))
            next_ids["event"] += 1
            copiers["event"].add(new)
        if (n + 1) % 5000 == 0:  # parents before children (foreign keys)
            for c in copiers.values():
                c.flush()
            raw.commit()
            if (n + 1) % 10000 == 0:
                print(f"  {n + 1:>7} matters cloned, {time.perf_counter() - started:5.1f} s", flush=True)
    for c in copiers.values():
        c.flush()
    with raw.cursor() as cur:
        for t in ("instance", "human_task", "timer", "event"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
    raw.commit()
    with raw.cursor() as cur:
        raw.autocommit = True
        cur.execute("VACUUM ANALYZE")
    raw_conn.close()
    counts = {t: c.count for t, c in copiers.items()}
    print(f"cloned in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    if fixed_mine < fixed_total or fixed_group < fixed_total:
        print(f"  fewer fixed tasks than asked ({fixed_mine} mine, {fixed_group} group of {fixed_total} each)")
    eng.dispose()
    return {"departments": departments, "staff": staff}


# --- timing ---
def timed_ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def report(label: str, values: list[float], target: float | None) -> bool:
    p50, p95 = common.pct(values, 50), common.pct(values, 95)
    ok = target is None or p95 <= target
    goal = f"target p95 ≤ {target:g} ms  {common.verdict(ok)}" if target else "(no target)"
    print(f"{label:<44} n={len(values):>4}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(values):7.1f} ms  {goal}")
    return ok


def measure(url: str, info: dict, queries: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    people = sorted({p for ps in info["staff"].values() for p in ps})
    users = [HEAVY_USER if i % 20 == 0 else rng.choice(people) for i in range(queries)]
    results = {}
    with factory() as s:
        engine = Liandong(s, NOW)
        sizes = [len(engine.tasks.inbox(u, "mine")) for u in users[:50]]
        print(f"inbox sizes (mine) of sampled people: median {sorted(sizes)[len(sizes) // 2]}, max {max(sizes)} ({HEAVY_USER}: "
              f"{len(engine.tasks.inbox(HEAVY_USER, 'mine'))} mine, {len(engine.tasks.inbox(HEAVY_USER, 'group'))} group)")
        fixed = [FIXED_PEOPLE[i % len(FIXED_PEOPLE)] for i in range(queries)]
        print(f"fixed inboxes: {len(engine.tasks.inbox(fixed[0], 'mine'))} mine, "
              f"{len(engine.tasks.inbox(fixed[0], 'group'))} group each ({len(FIXED_PEOPLE)} people)")
        for scope in ("mine", "group"):
            results[f"inbox {scope}, {FIXED_SIZE} tasks each"] = [
                timed_ms(lambda u=u, scope=scope: engine.tasks.inbox(u, scope)) for u in fixed]
            s.rollback()
        for scope in ("mine", "group"):
            results[f"  inbox {scope}, sampled people"] = [
                timed_ms(lambda u=u, scope=scope: engine.tasks.inbox(u, scope)) for u in users]
            s.rollback()
        filters = []
        for _ in range(queries):
            choice = rng.randrange(6)
            f = InstanceFilter()
            if choice == 1:
                f.status = rng.choice(["running", "completed", "waiting"])
            elif choice == 2:
                f.department = rng.choice(info["departments"])
            elif choice == 3:
                f.overdue = True
            elif choice == 4:
                f.status, f.department = "running", rng.choice(info["departments"])
            elif choice == 5:
                f.overdue, f.department = True, rng.choice(info["departments"])
            filters.append(f)

        def admin_page(f: InstanceFilter, pages: int = 3) -> None:
            for _ in range(pages):  # first page, then keyset pages
                rows = engine.monitoring.instances(f)
                engine.monitoring.overdue_ids([r.id for r in rows])
                if len(rows) < f.limit:
                    break
                f.before_id = rows[-1].id

        admin, by_kind = [], {}
        for f in filters:
            kind = ("overdue " if f.overdue else "") + ("status " if f.status else "") + ("department" if f.department else "")
            started = time.perf_counter()
            before = f.before_id
            rows = engine.monitoring.instances(f)
            engine.monitoring.overdue_ids([r.id for r in rows])
            ms = (time.perf_counter() - started) * 1000
            admin.append(ms)
            by_kind.setdefault(kind.strip() or "no filter", []).append(ms)
            if len(rows) == f.limit:  # and the next page by keyset
                f.before_id = rows[-1].id
                ms = timed_ms(lambda f=f: engine.monitoring.overdue_ids([r.id for r in engine.monitoring.instances(f)]))
                admin.append(ms)
                by_kind.setdefault("next page (keyset)", []).append(ms)
            f.before_id = before
            s.rollback()
        results["admin list (all filters, pages 1–2)"] = admin
        for kind, values in sorted(by_kind.items()):
            results[f"  admin list: {kind}"] = values
        reps = max(3, queries // 40)
        results["compliance report (all procedures)"] = [timed_ms(lambda: engine.monitoring.compliance())
                                                         for _ in range(reps)]
        results["compliance report (P4, last 90 days)"] = [timed_ms(lambda: engine.monitoring.compliance(
            "p4_communication_ladder", NOW.now() - timedelta(days=90))) for _ in range(reps)]
    eng.dispose()
    return results


def explain(url: str, info: dict) -> None:
    """EXPLAIN ANALYZE of the list queries, printed for the slow ones."""
    eng = db.make_engine(url)
    factory = db.session_factory(eng)
    with factory() as s:
        engine = Liandong(s, NOW)
        captured = []
        listener = lambda _conn, _cursor, statement, params, *_: captured.append((statement, params))  # noqa: E731
        event.listen(eng, "before_cursor_execute", listener)
        engine.tasks.inbox(HEAVY_USER, "mine")
        engine.tasks.inbox(HEAVY_USER, "group")
        engine.monitoring.instances(InstanceFilter(overdue=True))
        engine.monitoring.instances(InstanceFilter(department=info["departments"][-1]))
        engine.monitoring.instances(InstanceFilter(overdue=True, department=info["departments"][-1]))
        event.remove(eng, "before_cursor_execute", listener)
        for statement, params in captured:
            plan = s.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS OFF) " + statement, params).scalars().all()
            print("\n" + statement.replace("\n", " ")[:300])
            print("\n".join("    " + line for line in plan))
    eng.dispose()


def web_statements(url: str) -> None:
    """SQL statements of the web inbox page ('mine' and 'group') for the person with the most tasks."""
    from web import create_app
    from engine.directory import DEMO_PASSWORD

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "CLOCK": NOW})
    eng = app.extensions["liandong_engine"]
    count = [0]
    event.listen(eng, "before_cursor_execute", lambda *_: count.__setitem__(0, count[0] + 1))
    client = app.test_client()
    client.post("/login", data={"person_id": HEAVY_USER, "password": DEMO_PASSWORD})
    for scope in ("mine", "group"):
        client.get(f"/inbox/{scope}")  # warm
        count[0] = 0
        started = time.perf_counter()
        response = client.get(f"/inbox/{scope}")
        ms = (time.perf_counter() - started) * 1000
        rows = response.get_data(as_text=True).count('class="task-link"')
        print(f"web inbox page /inbox/{scope} for {HEAVY_USER}: {response.status_code}, {rows} rows, "
              f"{count[0]} SQL statements, {ms:.0f} ms")
    eng.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    ap.add_argument("--reuse", help="measure an existing generated database (name), skip generation")
    ap.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the list queries")
    args = ap.parse_args()
    if args.reuse:
        url = common.PG_URL.rsplit("/", 1)[0] + f"/{args.reuse}"
    else:
        url = common.create_pg(f"liandong_bench_inbox_{os.getpid()}")
        if url is None:
            sys.exit("inbox_scale needs PostgreSQL")
    try:
        if not args.reuse:
            with common.timed("schema, calendar, directory, processes"):
                bootstrap(url, clock=RUN_CLOCK)
            info = generate(url, args.instances)
        else:
            eng = db.make_engine(url)
            with eng.connect() as conn:
                staff = {}
                for pid, dept in conn.exec_driver_sql("SELECT DISTINCT person_id, department FROM role_assignment"):
                    staff.setdefault(dept, []).append(pid)
            eng.dispose()
            info = {"departments": sorted(staff), "staff": staff}
        print(f"\nQueries at {args.instances:,} matters (PostgreSQL, clock {NOW.now():%Y-%m-%d %H:%M} UTC):")
        results = measure(url, info, args.queries)
        targets = {f"inbox mine, {FIXED_SIZE} tasks each": TARGET_INBOX_MS,
                   f"inbox group, {FIXED_SIZE} tasks each": TARGET_INBOX_MS,
                   "admin list (all filters, pages 1–2)": TARGET_ADMIN_MS}
        for label, values in results.items():
            # the admin list's target holds for each of its filters; the compliance report reads every
            # matter of the year and has none (the issue sets none for it)
            # the sampled people's inboxes grow with the matters: shown, no target
            target = targets.get(label, TARGET_ADMIN_MS if label.startswith("  admin list") else None)
            report(label, values, target)
        web_statements(url)
        if args.explain:
            explain(url, info)
    finally:
        if args.keep or args.reuse:
            print(f"database kept: {url}")
        else:
            common.drop_pg(url)


if __name__ == "__main__":
    main()
