"""In a real browser: the drawn officer's P10 task names the enterprise to inspect and the officers who go.

001 §4(3)1: "对抽中对象实施检查"; 004 §4(1): "随机抽取检查对象、随机选派执法检查人员". The draw sets the
target (`assignment`); the form's x-context titles it, so the officer reads the enterprise's name, credit
code, grade and risk, and both officers by name — on a phone too."""
from engine.models import Person, TargetEntry
from tests.browser_support import needs_chromium, serving_prepared, shot, sign_in
from tests.supervision_helpers import uscc
from tests.test_p10_staff_pages import PLAN

pytestmark = needs_chromium


def test_the_inspector_reads_the_drawn_enterprise_on_the_task_page(page, tmp_path, processes_template):
    def prepare(e):
        e.db.add(TargetEntry(department="emergency_bureau", credit_code=uscc(81), enterprise_name="鞍山市浏览81号有限公司",
                             sector="machinery", credit_grade="B", risk_level="medium", added_at=e.clock.now()))
        e.db.flush()
        matter = e.runtime.start("p10_double_random_inspection", PLAN, "hebin")
        task = next(t for t in e.tasks.of_instance(matter.id, open_only=True) if t.spec_id == "inspect_target")
        officers = e.visibility.task_data(task, "admin")["assignment"]["officers"]
        holder = task.assignee or e.tasks.candidates(task.id)[0]
        return task.id, holder, [e.db.get(Person, o).name for o in officers]

    with serving_prepared(tmp_path, processes_template, prepare, at="2026-10-09 09:00") as (base, (task_id, holder, names)):
        sign_in(page, base, holder)
        page.goto(f"{base}/tasks/{task_id}")
        info = page.locator("section.card", has_text="事项信息")
        target = info.locator("dt:text-is('检查对象') + dd").inner_text()
        assert "企业：鞍山市浏览81号有限公司" in target and f"统一社会信用代码：{uscc(81)}" in target
        assert "风险程度：风险一般" in target and "检查部门：市应急管理局" in target
        assert "检查人员：" + "、".join(names) in target
        assert "assignment" not in info.inner_text() and "emergency_bureau" not in info.inner_text()
        shot(page, "p10_inspector_target")
        page.set_viewport_size({"width": 390, "height": 844})
        assert info.locator("dt:text-is('检查对象') + dd").is_visible()
        shot(page, "p10_inspector_target_phone")
