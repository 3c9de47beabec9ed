"""P10 on the staff pages: what the key-supervision arranger, the inspector and the publisher read of the
values the draw and the inspections set (form `x-context`, web/matter_context.py).

004 §4(1): "随机抽取检查对象、随机选派执法检查人员，抽查情况及查处结果及时向社会公开。除危险化学品、非煤矿山、
金属冶炼等重点领域外……原则上应采取“双随机、一公开”方式进行"。
001 §4(3)1: "对抽中对象实施检查……及时公开抽查结果"。
"""
from engine.models import HumanTask, Person
from tests.supervision_helpers import add_targets, uscc
from tests.staff_pages import facts
from tests.test_public_pages import site  # noqa: F401  (the fixture)

PLAN = {"subject": "2026年第四季度抽查", "plan_no": "鞍应急随机〔2026〕9号", "department": "emergency_bureau",
        "partner_departments": [], "items": ["licence_conditions"], "shared_item": False,
        "period_start": "2026-10-12", "period_end": "2026-11-30", "publish_within_days": 20, "seed_source": "system"}


def names(s, ids) -> list[str]:
    return s.run(lambda e: [e.db.get(Person, i).name for i in ids])


def test_the_inspector_reads_which_enterprise_to_inspect_and_with_whom(site):  # noqa: F811
    """001 §4(3)1 / 004 §4(1): the drawn officer's task names the drawn enterprise (name, credit code, its
    credit grade and risk level) and both drawn officers by name — not the raw `assignment` record."""
    s, app = site
    add_targets(s, "emergency_bureau", [(51, "鞍山市检查51号有限公司", "machinery", "B", "medium")])
    m = s.start("p10_double_random_inspection", by="hebin", data=PLAN)
    task = m.task("inspect_target")
    officers = m.data["draw"]["inspections"][uscc(51)]["officers"]
    seen = facts(app, task.assignee or task.candidates[0], task)
    assert seen["检查对象"] == ("企业：鞍山市检查51号有限公司；统一社会信用代码：" + uscc(51) + "；信用等级：B；"
                              "风险程度：风险一般；检查部门：市应急管理局；检查人员：" + "、".join(names(s, officers)))
    assert seen["牵头部门"] == "市应急管理局" and "抽查部门" not in seen  # the start form names them already
    assert not any("assignment" in label or "_" in value for label, value in seen.items())


def test_the_publisher_reads_every_result_before_approving_publication(site):  # noqa: F811
    """001 §4(3)1 "及时公开抽查结果": the reviewer who approves publication reads each enterprise's result
    in words, its date and findings, and when the inspections were all done (the limit counts from it)."""
    s, app = site
    add_targets(s, "emergency_bureau", [(61, "鞍山市公开61号有限公司", "machinery", "D", "high"),
                                        (62, "鞍山市公开62号有限公司", "food", "D", "high")])
    m = s.start("p10_double_random_inspection", by="hebin", data=PLAN)
    findings = {uscc(61): ("compliant", "证照齐全，未发现问题"), uscc(62): ("rectification", "应急预案未按期演练")}
    s.at("2026-10-20 15:00")
    for task in [t for t in m.open_tasks() if t.spec_id == "inspect_target"]:
        code = s.run(lambda e, t=task: e.visibility.task_data(e.db.get(HumanTask, t.id), "admin"))["assignment"]["credit_code"]
        result, text = findings.pop(code)
        extra = {"rectification_deadline": "2026-11-10"} if result == "rectification" else {}
        s.run(lambda e, t=task, r=result, x=text, more=extra: e.tasks.complete(
            t.id, t.assignee or t.candidates[0], {"result": r, "inspected_on": "2026-10-20", "findings": x,
                                                  "co_inspectors_present": True, **more}, t.revision))
    seen = facts(app, "hebin", m.task("publish_results"))
    lines = seen["抽查结果"].splitlines()
    assert len(lines) == 2
    first, second = sorted(lines)
    assert first.startswith("企业：鞍山市公开61号有限公司；统一社会信用代码：" + uscc(61) + "；检查人员：")
    assert first.endswith("；检查结果：未发现问题；检查日期：2026-10-20；检查情况及发现的问题：证照齐全，未发现问题")
    assert second.startswith("企业：鞍山市公开62号有限公司")
    assert "检查结果：发现问题，责令限期整改" in second and "应急预案未按期演练" in second
    assert seen["检查全部完成时间"] == "2026-10-20 15:00"


def test_the_arranger_reads_the_enterprises_kept_out_of_the_draw(site):  # noqa: F811
    """004 §4(1): high-risk sectors go to key supervision; the form's "已将上列企业纳入重点监管" needs the
    list above it: each such enterprise with its credit code and why it is kept out of the draw."""
    s, app = site
    add_targets(s, "emergency_bureau", [(71, "鞍山市重点71号化工有限公司", "hazardous_chemicals", "B", "high"),
                                        (72, "鞍山市随机72号有限公司", "machinery", "B", "medium")])
    m = s.start("p10_double_random_inspection", by="hebin", data=PLAN)
    seen = facts(app, "hebin", m.task("arrange_key_supervision"))
    assert seen["检查对象库"] == ("参加随机抽取的企业（户）：1\n重点监管对象（不参加随机抽取）：\n"
                             "企业：鞍山市重点71号化工有限公司；统一社会信用代码：" + uscc(71) + "；列为重点监管的原因：重点领域（危险化学品）")
