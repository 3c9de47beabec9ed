"""000 §4(1)2 on the page: the approval section's liaison reads the inspection results fed back to her.

000 §4(1)2: "确定专人通过市审管互动平台及时掌握相关行业领域行政审批信息……及时向市行政审批局和市工商局反馈监督检查情况"。
"""
import pytest

from engine import forms
from tests.supervision_helpers import uscc
from tests.test_public_pages import WebUser, publish_inspection, site  # noqa: F401  (the fixture)


def test_the_paired_sections_liaison_reads_the_results_and_acknowledges_them(site):  # noqa: F811
    s, app = site
    m = publish_inspection(s, (41, 42), "鞍应急随机〔2026〕8号")
    task = m.task("receive_inspection_feedback")
    sunli = WebUser(app, "sunli")  # 市场准入审批科, paired with 市应急管理局
    assert f"/tasks/{task.id}" in sunli.get("/inbox/mine").get_data(as_text=True)
    page = sunli.get(f"/tasks/{task.id}").get_data(as_text=True)
    for shown in ("接收监督检查情况反馈", "鞍山市公示41号有限公司", "鞍山市公示42号有限公司", uscc(41), "未发现问题"):
        assert shown in page, shown
    assert WebUser(app, "wufang").get(f"/tasks/{task.id}").status_code in (403, 404)  # 工程建设审批科: not paired
    sunli.post(f"/tasks/{task.id}/complete", {"revision": str(task.revision), "confirmed": "true"})
    assert m.status == "completed" and m.data["feedback_status"] == "acknowledged"


def test_a_form_can_title_only_values_the_diagram_sets():
    """`x-context` shows what the holder reads; a field the holder enters cannot also be listed there."""
    fields = {"confirmed": {"type": "boolean", "title": "已确认"}}
    forms.check_schema({"type": "object", "properties": fields, "x-context": {"feedback": {"title": "反馈"}}})
    with pytest.raises(ValueError, match="既是填写字段又在 x-context 中"):
        forms.check_schema({"type": "object", "properties": fields, "x-context": {"confirmed": {"title": "已确认"}}})
    with pytest.raises(ValueError, match="x-context 须为"):
        forms.check_schema({"type": "object", "properties": fields, "x-context": {"feedback": {}}})
