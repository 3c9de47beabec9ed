"""P10 double random, one public (双随机、一公开): the two libraries, a checkable draw, its replay, publication.

Sources: 001 §4(3)1 (random checks, results published), 001 §4(3)2 (only certified officers enforce),
004 §1(2)3 ("两库": enforcement-target library and enforcement-officer library; joint draws across
departments), 004 §1(3)2 (city-county shared items sampled at no less than one third), 004 §4(1)
(ratio and frequency follow credit grade and risk level; hazardous chemicals, non-coal mines and metal
smelting are under key supervision, not random sampling), 002 (results published).

The draw (algorithm ``ld-sha256-rank/1``) is a pure function of recorded inputs and a seed, so anyone
holding the record can re-run it and must get the same targets and officers:

1. Candidate targets: the union of the departments' target libraries, one entry per credit code, sorted
   by credit code. The libraries are filled by P1's receipts: the approval section registers the sector,
   the receiving department the risk level and the supervision measure. Enterprises of high-risk sectors,
   and those a department put under key supervision, are set aside for key supervision. Each target keeps
   the worst credit grade and the highest risk level any department gave it; its credit grade is lowered
   by the credit records (P13, P11): C after a violation of the last three years or while on the 经营异常名录,
   D after a serious one or while blacklisted.
2. Strata: targets are grouped by (credit grade, risk level). The stratum's ratio comes from the DMN
   table p10_sampling_ratio (recorded in the inputs); for city-county shared items the ratio is raised to
   at least 1/3. The stratum draws k = ceil(n × ratio) targets (at least 1 when n > 0 and ratio > 0).
   The table's frequency (checks per year) caps how often one enterprise is drawn: a target already drawn
   that many times in the calendar year (by earlier recorded draws, counted into the inputs) is not drawn
   again that year (so k is at most the number still eligible).
3. Ranking: every candidate gets the key SHA-256(seed | "target" | credit code) (hex); the k lowest keys
   are drawn. Ranking by a hash of the seed, not by the order of a list, makes the result independent of
   database order and of the Python version.
4. Officers: for each drawn target (in credit-code order) and each department of the plan (in plan
   order), the eligible officers are that department's enforcement officers who hold a certificate and
   have not declared a conflict of interest with the target; they are ranked by
   SHA-256(seed | "officer" | credit code | person id) and the lowest ones taken: two from a single
   department, one from each department in a joint draw (so never fewer than two per target). A target
   that cannot be staffed that way is listed as unstaffed, never given an ineligible officer.
"""
import hashlib
import json
import math
import secrets
from fractions import Fraction

from datetime import datetime, timedelta

from sqlalchemy import select

from .. import directory
from . import penalty, public_notices
from ..clock import SHANGHAI, local
from ..errors import ScriptError
from ..models import (AbnormalListing, BlacklistEntry, ConflictDeclaration, InspectionDraw, TargetEntry,
                     ViolationRecord)

ALGORITHM = "ld-sha256-rank/2"
# /1 had no frequency cap; its records hold no "drawn_this_year", which /2 reads as "none yet".
REPLAYABLE = {"ld-sha256-rank/1", ALGORITHM}
OFFICERS_PER_TARGET = 2
SHARED_ITEM_MIN_RATIO = Fraction(1, 3)  # 004 §1(3)2
# 004 §4(1): key supervision, not random sampling. Codes and the Chinese names both match.
HIGH_RISK_SECTORS = {
    "hazardous_chemicals": "危险化学品", "non_coal_mine": "非煤矿山", "metal_smelting": "金属冶炼",
}
GRADES = ["A", "B", "C", "D"]  # A: good credit … D: violating, untrustworthy (违法失信)
RISKS = ["low", "medium", "high"]
ITEMS = {
    "safety_responsibility": "安全生产主体责任落实情况",
    "licence_conditions": "安全生产许可条件保持情况",
    "hazardous_operations": "危险作业管理情况",
    "emergency_plan": "应急预案及演练情况",
    "safety_training": "从业人员安全培训情况",
}
RESULTS = {"compliant": "未发现问题", "rectification": "发现问题，责令限期整改",
           "penalty_case": "发现违法行为，已立案查处", "not_found": "查无下落"}


def is_high_risk(sector: str) -> bool:
    return bool(sector) and (sector in HIGH_RISK_SECTORS or sector in HIGH_RISK_SECTORS.values())


def _rank(seed: str, *parts: str) -> str:
    return hashlib.sha256("|".join([seed, *parts]).encode("utf-8")).hexdigest()


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(inputs: dict, seed: str, result: dict) -> str:
    return hashlib.sha256(_canonical({"algorithm": ALGORITHM, "inputs": inputs, "seed": seed,
                                      "result": result}).encode("utf-8")).hexdigest()


# --- the two libraries ---
CREDIT_LOOKBACK_YEARS = 3  # violations older than this no longer lower the grade


def credit_grades(db, codes: list[str], now: datetime) -> dict[str, str]:
    """The grade the credit records give (P13 violation database and blacklist; P11 decisions feed them):
    D while blacklisted or after a serious violation, C after any violation, of the last three years, and
    C while on the 经营异常名录 (engine/procedures/abnormal_list.py)."""
    if not codes:
        return {}
    since = now - timedelta(days=365 * CREDIT_LOOKBACK_YEARS)
    grades: dict[str, str] = {}
    for code, severity in db.execute(select(ViolationRecord.credit_code, ViolationRecord.severity).where(
            ViolationRecord.credit_code.in_(codes), ViolationRecord.recorded_at >= since)).all():
        grade = "D" if severity == "serious" else "C"
        grades[code] = max(grades.get(code, grade), grade, key=GRADES.index)
    for (code,) in db.execute(select(AbnormalListing.credit_code).where(  # 经营异常名录 (001 §4(4)2)
            AbnormalListing.credit_code.in_(codes), AbnormalListing.removed_at.is_(None))).all():
        grades[code] = max(grades.get(code, "C"), "C", key=GRADES.index)
    for (code,) in db.execute(select(BlacklistEntry.credit_code).where(
            BlacklistEntry.credit_code.in_(codes), BlacklistEntry.removed_at.is_(None))).all():
        grades[code] = "D"
    return grades


def drawn_this_year(db, codes: list[str], now: datetime) -> dict[str, int]:
    """How many recorded draws of the calendar year (Asia/Shanghai) selected each enterprise."""
    year_start = datetime(local(now).year, 1, 1, tzinfo=SHANGHAI)
    wanted, counts = set(codes), dict[str, int]()
    for (result,) in db.execute(select(InspectionDraw.result).where(InspectionDraw.drawn_at >= year_start)).all():
        for picked in result.get("selected", []):
            if picked["credit_code"] in wanted:
                counts[picked["credit_code"]] = counts.get(picked["credit_code"], 0) + 1
    return dict(sorted(counts.items()))


def _key_supervision_reason(entry: dict) -> str:
    if is_high_risk(entry["sector"]):
        return f"重点领域（{HIGH_RISK_SECTORS.get(entry['sector'], entry['sector'])}）"
    return "接收部门确定为重点监管（" + "、".join(entry["key_by"]) + "）"


def library(db, departments: list[str], now: datetime | None = None) -> dict:
    """Snapshot of both libraries for a plan: candidate targets, key-supervision targets, officers, conflicts."""
    merged: dict[str, dict] = {}
    for dept in departments:
        directory.department(db, dept)
        for row in db.execute(select(TargetEntry).where(TargetEntry.department == dept)).scalars():
            entry = merged.setdefault(row.credit_code, {
                "credit_code": row.credit_code, "enterprise_name": row.enterprise_name, "departments": [],
                "sector": row.sector or "", "credit_grade": row.credit_grade, "risk_level": row.risk_level,
                "key_by": []})
            entry["departments"].append(dept)
            entry["sector"] = entry["sector"] or row.sector or ""
            entry["credit_grade"] = max(entry["credit_grade"], row.credit_grade, key=GRADES.index)
            entry["risk_level"] = max(entry["risk_level"], row.risk_level, key=RISKS.index)
            if row.supervision_measure == "key_supervision":
                entry["key_by"].append(directory.department(db, dept).name)
    if now is not None:
        for code, grade in credit_grades(db, sorted(merged), now).items():
            merged[code]["credit_grade"] = max(merged[code]["credit_grade"], grade, key=GRADES.index)
    targets, key_supervision = [], []
    for code in sorted(merged):
        entry = merged[code]
        if is_high_risk(entry["sector"]) or entry["key_by"]:
            key_supervision.append({**entry, "reason": _key_supervision_reason(entry)})
        else:
            targets.append(entry)
    for entry in targets:
        del entry["key_by"]
    officers = {dept: directory.certified_officers(db, dept) for dept in departments}
    people = sorted({o["id"] for group in officers.values() for o in group})
    conflicts = sorted([p, c] for p, c in db.execute(
        select(ConflictDeclaration.person_id, ConflictDeclaration.credit_code)
        .where(ConflictDeclaration.person_id.in_(people))).all()) if people else []
    strata = sorted({(t["credit_grade"], t["risk_level"]) for t in targets},
                    key=lambda s: (GRADES.index(s[0]), RISKS.index(s[1])))
    return {"targets": targets, "key_supervision": key_supervision, "officers": officers,
            "conflicts": conflicts, "strata": [{"credit_grade": g, "risk_level": r} for g, r in strata]}


# --- the draw: a pure function of (inputs, seed) ---
def stratum_key(credit_grade: str, risk_level: str) -> str:
    return f"{credit_grade}|{risk_level}"


def draw(inputs: dict, seed: str) -> dict:
    """Draw targets and officers. `inputs`: departments, targets, officers, conflicts, ratios
    ({"B|medium": {"sampling_ratio": 0.1, "frequency_per_year": 1}, ...}), shared_item."""
    departments = list(inputs["departments"])
    conflicts = {(p, c) for p, c in inputs.get("conflicts", [])}
    already = inputs.get("drawn_this_year", {})
    strata: dict[str, list[dict]] = {}
    for target in sorted(inputs["targets"], key=lambda t: t["credit_code"]):
        strata.setdefault(stratum_key(target["credit_grade"], target["risk_level"]), []).append(target)
    chosen, summary = [], []
    for key in sorted(strata):
        rule = inputs["ratios"].get(key)
        if rule is None or rule.get("sampling_ratio") is None:
            raise ScriptError(f"抽查比例表没有“{key}”档的比例，请流程管理员补充 p10_sampling_ratio 决策表")
        ratio = Fraction(str(rule["sampling_ratio"]))
        if inputs.get("shared_item"):
            ratio = max(ratio, SHARED_ITEM_MIN_RATIO)
        members = strata[key]
        frequency = rule.get("frequency_per_year")
        eligible = [t for t in members if frequency is None
                    or already.get(t["credit_code"], 0) < int(frequency)]
        k = min(len(eligible), math.ceil(len(members) * ratio)) if ratio > 0 else 0
        ranked = sorted(eligible, key=lambda t: _rank(seed, "target", t["credit_code"]))
        chosen += ranked[:k]
        summary.append({"stratum": key, "candidates": len(members), "ratio": str(ratio), "drawn": k,
                        "frequency_per_year": frequency, "at_frequency": len(members) - len(eligible)})
    per_department = max(1, math.ceil(int(inputs.get("officers_per_target", OFFICERS_PER_TARGET)) / len(departments)))
    selected, unstaffed = [], []
    for target in sorted(chosen, key=lambda t: t["credit_code"]):
        team: list[str] = []
        lead: list[str] = []
        for dept in departments:
            officer_ids = [o["id"] for o in inputs["officers"].get(dept, [])
                           if o.get("certificate") and (o["id"], target["credit_code"]) not in conflicts
                           and o["id"] not in team]
            by_rank = sorted(officer_ids, key=lambda pid: _rank(seed, "officer", target["credit_code"], pid))
            if len(by_rank) < per_department:
                team = []
                break
            team += by_rank[:per_department]
            lead = lead or by_rank[:per_department]
        if len(team) < int(inputs.get("officers_per_target", OFFICERS_PER_TARGET)):
            unstaffed.append(target["credit_code"])
            continue
        selected.append({"credit_code": target["credit_code"], "enterprise_name": target["enterprise_name"],
                         "department": departments[0], "officers": team, "lead_officers": lead,
                         "credit_grade": target["credit_grade"], "risk_level": target["risk_level"]})
    return {"selected": selected, "unstaffed": unstaffed, "strata": summary}


def replay(db, draw_id: int) -> dict:
    """Re-run a recorded draw from its stored inputs and seed; `same` says whether it matches the record."""
    row = db.get(InspectionDraw, draw_id)
    if row is None:
        raise ScriptError(f"抽取记录 {draw_id} 不存在")
    if row.algorithm not in REPLAYABLE:
        raise ScriptError(f"抽取记录使用算法 {row.algorithm}，本系统为 {ALGORITHM}")
    again = draw(row.inputs, row.seed)
    return {"draw_id": row.id, "same": again == row.result and digest(row.inputs, row.seed, again) == row.digest,
            "result": again, "recorded": row.result}


def declare_conflict(db, now, person_id: str, credit_code: str, reason: str = "") -> ConflictDeclaration:
    row = db.execute(select(ConflictDeclaration).where(ConflictDeclaration.person_id == person_id,
                                                       ConflictDeclaration.credit_code == credit_code)).scalar_one_or_none()
    if row is None:
        row = ConflictDeclaration(person_id=person_id, credit_code=credit_code, reason=reason, declared_at=now)
        db.add(row)
        db.flush()
    return row


# --- operations for service tasks ---
def op_library(ctx, departments: list) -> dict:
    """What the plan may draw from: the strata present (for the ratio table) and the key-supervision list."""
    snap = library(ctx.db, list(departments), ctx.clock.now())
    return {"candidates": len(snap["targets"]), "strata": snap["strata"],
            "key_supervision": [{"credit_code": t["credit_code"], "enterprise_name": t["enterprise_name"],
                                 "sector": t["sector"], "reason": t["reason"]} for t in snap["key_supervision"]],
            "officers": {d: [o["id"] for o in group] for d, group in snap["officers"].items()}}


def op_draw(ctx, plan_no: str, departments: list, ratios: dict, shared_item: bool = False,
            seed: str = "", drawn_by: str = "system") -> dict:
    """Take a fresh snapshot of both libraries, draw, and record everything needed to re-run it."""
    now = ctx.clock.now()
    snap = library(ctx.db, list(departments), now)
    inputs = {"departments": list(departments), "targets": snap["targets"], "officers": snap["officers"],
              "conflicts": snap["conflicts"], "ratios": ratios, "shared_item": bool(shared_item),
              "officers_per_target": OFFICERS_PER_TARGET,
              "drawn_this_year": drawn_this_year(ctx.db, [t["credit_code"] for t in snap["targets"]], now)}
    seed = (seed or "").strip() or secrets.token_hex(16)
    result = draw(inputs, seed)
    row = InspectionDraw(instance_id=ctx.instance_id, plan_no=plan_no or "", algorithm=ALGORITHM, seed=seed,
                         inputs=inputs, result=result, digest=digest(inputs, seed, result),
                         drawn_at=ctx.clock.now(), drawn_by=drawn_by or "system")
    ctx.db.add(row)
    ctx.db.flush()
    return {"draw_id": row.id, "algorithm": ALGORITHM, "seed": seed, "digest": row.digest,
            "drawn_at": local(row.drawn_at).isoformat(timespec="seconds"), "drawn": len(result["selected"]),
            "unstaffed": result["unstaffed"], "strata": result["strata"],
            "inspections": {t["credit_code"]: t for t in result["selected"]}}


def op_publish(ctx, department: str, results: dict, items: list) -> dict:
    """002, 001 §4(3)1: publish each inspected enterprise's result (enterprise, items, result, date)."""
    item_text = "、".join(ITEMS.get(i, i) for i in items)
    for code in sorted(results):
        r = results[code]
        public_notices.publish(ctx, "inspection", department, r["enterprise_name"], code, item_text,
                               RESULTS.get(r["result"], r["result"]), r["inspected_on"], ctx.instance_id)
    ctx.db.flush()
    return {"published": len(results)}


def op_open_cases(ctx, department: str, findings: dict, plan_no: str = "") -> dict:
    """001 §4(3)2 "有案必查": one P11 penalty case per target whose inspection found a violation."""
    opened = {}
    for code in sorted(findings):
        r = findings[code]
        opened[code] = penalty.op_open_case(
            ctx, opened_by=r["officers"][0], department=department,
            subject=f"{r['enterprise_name']}“双随机”抽查发现违法行为（{plan_no}）", enterprise_name=r["enterprise_name"],
            credit_code=code, case_source="double_random", facts=r.get("findings") or "")["case_instance"]
    return {"cases": opened}


def op_feed_back(ctx, department: str, results: dict) -> dict:
    """000 §4(1)2 "及时向市行政审批局……反馈监督检查情况": the results go to the approval section the
    department works with (003 §2(2) pairing), whose liaison receives them like any push (003 §2(3))."""
    section = directory.paired_section(ctx.db, department)
    return {"section": section.code, "section_name": section.name,
            "fed_back_at": local(ctx.clock.now()).isoformat(timespec="seconds"),
            "results": [{"credit_code": code, "enterprise_name": results[code]["enterprise_name"],
                         "result": RESULTS.get(results[code]["result"], results[code]["result"]),
                         "inspected_on": results[code]["inspected_on"]} for code in sorted(results)]}
