"""P10 双随机、一公开 — 001 §4(3)1, 001 §4(3)2, 004 §1(2)3, 004 §1(3)2, 004 §4(1), 002.

004 §4(1): "在安全生产监管领域实行随机抽取检查对象、随机选派执法检查人员，抽查情况及查处结果及时向社会公开。
除危险化学品、非煤矿山、金属冶炼等重点领域外，其他一般行业领域的涉企检查原则上应采取“双随机、一公开”方式进行。
……将随机抽查的比例频次、被抽查概率与抽查对象的信用等级、风险程度挂钩"。
004 §1(3)2: "以不低于三分之一的比例对市县同权事项开展执法抽查"。001 §4(3)2: "未通过执法资格考试者，不得从事执法活动"。
"""
import pytest
import io
import math

from pypdf import PdfReader

from engine.procedures import inspection
from engine.models import Document, InspectionDraw, Instance, PublicNotice
from tests.supervision_helpers import add_targets, declare, end_of, rows, uscc

PROCESS = "p10_double_random_inspection"
CERTIFIED = {"emergency_bureau": {"hebin", "luoyi", "tangjun", "xiehua"}, "market_bureau": {"hujie", "linna"}}


def plan(**overrides) -> dict:
    data = {"subject": "2026年第四季度安全生产“双随机”抽查", "plan_no": "鞍应急随机〔2026〕4号",
            "department": "emergency_bureau", "partner_departments": [], "items": ["safety_responsibility", "emergency_plan"],
            "shared_item": False, "period_start": "2026-10-12", "period_end": "2026-11-30",
            "publish_within_days": 20, "seed_source": "public", "draw_seed": "鞍山公证处摇号-2026-10-09-0417"}
    data.update(overrides)
    return data


def inspect_all(m, result_for, on="2026-10-20"):
    done = {}
    for task in m.open_tasks():
        if task.spec_id != "inspect_target":
            continue
        code = next(c for c, a in m.data["draw"]["inspections"].items() if set(a["lead_officers"]) == set(task.candidates)
                    and c not in done)
        person = task.assignee or task.candidates[0]
        result = result_for(code)
        data = {"result": result, "inspected_on": on, "findings": "现场检查记录", "co_inspectors_present": True}
        if result == "rectification":
            data["rectification_deadline"] = "2026-11-10"
        m.scenario.run(lambda e, t=task, p=person, d=data: e.tasks.complete(t.id, p, d, t.revision))
        done[code] = person
    return done


@pytest.mark.across_processes
def test_joint_draw_excludes_high_risk_sectors_staffs_two_certified_officers_and_publishes(scenario):
    """A joint emergency + market draw on a city-county shared item.

    - The hazardous-chemicals enterprise is not drawn: it goes to key supervision (004 §4(1)).
    - Shared item: every stratum is sampled at no less than one third (004 §1(3)2), whatever the table says.
    - Each drawn target gets one certified officer from each department (two in all); 郭辉 has no
      certificate and 罗毅 declared a conflict with enterprise 3: neither is ever drawn for it.
    - The draw is recorded with seed, candidates and algorithm, and re-running it gives the same result.
    - A violation found on site opens a P11 penalty case; results are published within 20 working days.
    """
    s = scenario
    s.at("2026-10-09 09:00")
    add_targets(s, "emergency_bureau", [
        (1, "鞍山市甲机械有限公司", "machinery", "A", "low"), (2, "鞍山市乙建材有限公司", "building_materials", "B", "medium"),
        (3, "鞍山市丙化工有限公司", "hazardous_chemicals", "B", "high"), (4, "鞍山市丁食品有限公司", "food", "B", "medium"),
        (5, "鞍山市戊仓储有限公司", "warehousing", "B", "medium"), (6, "鞍山市己纺织有限公司", "textile", "C", "medium"),
        (7, "鞍山市庚冶炼有限公司", "金属冶炼", "D", "high")])
    add_targets(s, "market_bureau", [(2, "鞍山市乙建材有限公司", "building_materials", "C", "medium"),
                                     (8, "鞍山市辛商贸有限公司", "retail", "A", "low")])
    declare(s, "luoyi", 2)
    declare(s, "hujie", 4)

    m = s.start(PROCESS, by="hebin", data=plan(partner_departments=["market_bureau"], shared_item=True))

    # High-risk sectors go to key supervision, not to the draw.
    arrange = m.task("arrange_key_supervision")
    assert arrange.assignee == "hebin"
    key = m.data["libraries"]["key_supervision"]
    assert [k["credit_code"] for k in key] == [uscc(3), uscc(7)]
    m.complete("arrange_key_supervision", by="hebin", data={
        "key_supervision_plan": "两家企业纳入重点监管，每季度检查一次", "confirmed": True})

    draw = m.data["draw"]
    assert draw["algorithm"] == inspection.ALGORITHM and draw["seed"] == "鞍山公证处摇号-2026-10-09-0417"
    inspections = draw["inspections"]
    assert uscc(3) not in inspections and uscc(7) not in inspections
    # One third at least of each stratum (A|low 2→1, B|medium 2→1, C|medium 2→1; 1, 4, 5 … as ranked).
    for stratum in draw["strata"]:
        assert stratum["drawn"] >= math.ceil(stratum["candidates"] / 3)
    assert len(inspections) == sum(st["drawn"] for st in draw["strata"]) - len(draw["unstaffed"])
    for code, a in inspections.items():
        assert len(a["officers"]) == 2
        assert a["officers"][0] in CERTIFIED["emergency_bureau"] and a["officers"][1] in CERTIFIED["market_bureau"]
        assert "guohui" not in a["officers"]
        assert not (code == uscc(2) and "luoyi" in a["officers"])
        assert not (code == uscc(4) and "hujie" in a["officers"])
        assert a["lead_officers"] == a["officers"][:1]

    # The recorded draw re-runs to the same targets and officers.
    recorded = rows(s, InspectionDraw, id=draw["draw_id"])[0]
    assert recorded.inputs["conflicts"] == [["hujie", uscc(4)], ["luoyi", uscc(2)]]
    assert {t["credit_code"] for t in recorded.inputs["targets"]} == {uscc(n) for n in (1, 2, 4, 5, 6, 8)}
    assert recorded.inputs["officers"]["market_bureau"] == [{"id": "hujie", "certificate": "辽210300-2019-0203"},
                                                            {"id": "linna", "certificate": "辽210300-2020-0219"}]
    replayed = s.run(lambda e: inspection.replay(e.db, draw["draw_id"]))
    assert replayed["same"] and replayed["result"]["selected"] == [inspections[c] for c in sorted(inspections)]

    # Each drawn target is a task for its drawn lead officer; one finds a violation.
    tasks = [t for t in m.open_tasks() if t.spec_id == "inspect_target"]
    assert len(tasks) == len(inspections)
    assert all(t.role == "enforcement_officer" and t.department == "emergency_bureau" for t in tasks)
    assert all(t.due == end_of("2026-11-30") for t in tasks)
    codes = sorted(inspections)
    violator = codes[0]
    s.at("2026-10-20 15:00")
    inspect_all(m, lambda c: "penalty_case" if c == violator else ("rectification" if c == codes[-1] else "compliant"))

    cases = m.data["opened_cases"]["cases"]
    assert list(cases) == [violator]
    case = s.run(lambda e: e.runtime.instance(cases[violator]))
    assert (case.process_key, case.credit_code, case.status) == ("p11_penalty_case", violator, "running")
    assert s.matter(case.id).data["source_instance"] == m.id

    publish = m.task("publish_results")
    assert publish.due == end_of("2026-11-17")  # 20 working days after Tue 20 Oct 2026
    s.at("2026-11-02 10:00")
    m.complete("publish_results", by="hebin", data={"reviewed": True})
    # 000 §4(1)2: the results are fed back to 市行政审批局 — to 市场准入审批科, the section 市应急管理局 is
    # paired with (003 §2(2)) — whose liaison 孙丽 must receive them within 1 working day (003 §2(3)).
    feedback = m.task("receive_inspection_feedback")
    assert (feedback.department, feedback.assignee, feedback.due) == (
        "approval_bureau.market", "sunli", end_of("2026-11-03"))
    assert [(r["credit_code"], r["result"]) for r in m.data["feedback"]["results"]] == [
        (c, by) for c, by in ((c, "发现违法行为，已立案查处" if c == violator else
                               "发现问题，责令限期整改" if c == codes[-1] else "未发现问题") for c in codes)]
    m.complete("receive_inspection_feedback", by="sunli", data={"confirmed": True,
                                                                "feedback_note": "后续变更审批时关注整改情况"})
    assert m.status == "completed"
    assert (m.data["feedback_status"], m.data["feedback_note"]) == ("acknowledged", "后续变更审批时关注整改情况")
    notices = rows(s, PublicNotice, kind="inspection", instance_id=m.id)
    assert {n.credit_code for n in notices} == set(codes)
    by_code = {n.credit_code: n for n in notices}
    assert by_code[violator].result == "发现违法行为，已立案查处"
    assert by_code[codes[-1]].result == "发现问题，责令限期整改"
    assert by_code[violator].item == "安全生产主体责任落实情况、应急预案及演练情况"
    assert str(by_code[violator].on_date) == "2026-10-20"

    # 004 §4(1), 002: the results are also issued as a numbered announcement of both departments, with the
    # seed, algorithm and record digest anyone can re-run the draw against, the targets, officers and results.
    [doc] = m.documents()
    assert (doc["kind"], doc["number"], doc["title"], doc["department"], doc["issued_by"], doc["intact"]) == (
        "draw_result", "鞍应急抽查〔2026〕1号", "2026年第四季度安全生产“双随机”抽查结果公告", "emergency_bureau",
        "hebin", True)
    pdf = s.run(lambda e: e.db.get(Document, doc["id"]).pdf)
    text = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert m.data["draw"]["digest"] == recorded.digest
    for phrase in ("鞍山市应急管理局", "鞍山市市场监督管理局", "鞍应急随机〔2026〕4号", "安全生产主体责任落实情况",
                   "市县同权事项", inspection.ALGORITHM, "鞍山公证处摇号-2026-10-09-0417", recorded.digest,
                   "特此公告。", "2026年11月2日"):
        assert phrase in text, phrase
    officer_names = {"hebin": "何斌", "luoyi": "罗毅", "tangjun": "唐军", "xiehua": "谢华", "hujie": "胡杰", "linna": "林娜"}
    for code, a in inspections.items():
        assert a["enterprise_name"] in text and code in text
        assert all(officer_names[p] in text for p in a["officers"])
    assert "发现违法行为，已立案查处" in text and "发现问题，责令限期整改" in text
    assert "鞍山市丙化工有限公司" not in text  # key supervision, not drawn


def test_ratio_follows_credit_and_risk_and_publication_overdue_is_escalated(scenario):
    """Without the shared-item floor the DMN ratios apply (B|medium 10%, D|medium 50%); a plan may set
    its own publication period (10 working days); publishing late is recorded as overdue, not hidden."""
    s = scenario
    s.at("2026-10-09 09:00")
    add_targets(s, "emergency_bureau", [(100 + i, f"鞍山市测试{i}号有限公司", "machinery", "B", "medium") for i in range(10)]
                + [(200 + i, f"鞍山市失信{i}号有限公司", "machinery", "D", "medium") for i in range(4)])
    m = s.start(PROCESS, by="hebin", data=plan(publish_within_days=10, seed_source="system", items=["safety_training"]))
    draw = m.data["draw"]
    assert {st["stratum"]: (st["candidates"], st["drawn"], st["frequency_per_year"]) for st in draw["strata"]} == {
        "B|medium": (10, 1, 1), "D|medium": (4, 2, 3)}
    assert len(draw["seed"]) == 32  # a system seed, recorded
    assert m.data["libraries"]["key_supervision"] == []
    tasks = [t for t in m.open_tasks() if t.spec_id == "inspect_target"]
    assert len(tasks) == 3 and all(len(t.candidates) == 2 and set(t.candidates) <= CERTIFIED["emergency_bureau"]
                                   for t in tasks)
    s.at("2026-10-15 16:00")
    inspect_all(m, lambda _c: "compliant", on="2026-10-15")
    publish = m.task("publish_results")
    assert publish.due == end_of("2026-10-29")
    assert s.advance_to("2026-10-30 09:00") == 1
    assert [e["name"] for e in m.events("overdue_escalated")] == ["审核并公开抽查结果"]
    m.complete("publish_results", by="hebin", data={"reviewed": True})
    # 000 §4(1)2 + 003 §2(3): nobody at 市场准入审批科 opens the feedback; one working day after it was
    # sent (Fri 30 Oct) it is deemed received, and recorded so — not as acknowledged.
    assert m.task("receive_inspection_feedback").due == end_of("2026-11-02")
    assert s.advance_to("2026-11-02 23:59") == 0
    assert s.advance_to("2026-11-03 00:00") == 1
    assert m.status == "completed"
    assert (m.data["feedback_status"], m.data["feedback_received_at"]) == ("deemed_received", "2026-11-02T23:59:59+08:00")
    assert len(rows(s, PublicNotice, kind="inspection", instance_id=m.id)) == 3
    assert s.run(lambda e: inspection.replay(e.db, draw["draw_id"]))["same"]


def test_empty_library_draws_nothing_but_the_draw_is_still_recorded(scenario):
    """A department with nothing in its library: the draw is recorded (for audit) and the plan ends."""
    s = scenario
    s.at("2026-10-09 09:00")
    m = s.start(PROCESS, by="shiyu", data=plan(department="health_commission", plan_no="鞍卫随机〔2026〕2号"))
    assert m.status == "completed"
    assert m.data["draw"]["drawn"] == 0
    recorded = rows(s, InspectionDraw, instance_id=m.id)
    assert len(recorded) == 1 and recorded[0].inputs["targets"] == []
    assert rows(s, Instance, process_key="p11_penalty_case") == []
    assert m.documents() == []  # nothing drawn, nothing to announce
