"""P1: 行政许可 decisions published — the approval half of 双公示.

001 §4(3)5: "依法公开监测、抽检和监管执法的依据、内容、标准、程序和结果。加快推进行政许可和行政处罚等信用信息“双公示”制度"。
004 §4(3): "除涉及国家秘密、商业秘密、个人隐私等依法不予公开的信息外，应将行政执法基本信息和结果信息向社会公开"。
"""
from engine.models import PublicNotice
from tests.supervision_helpers import rows
from tests.test_p01_approval_result_push import CREDIT_CODE, PROCESS, PUSH, start_data
from tests.test_public_pages import WebUser, site  # noqa: F401  (the fixture)


def test_the_licence_decision_is_published_with_what_may_be_published_only(site):  # noqa: F811
    """001 §4(3)5: once the approval section pushes the result, the public pages show the licence decision
    next to the penalty decisions: holder, credit code, document number, the decision with its content and
    validity, date and the licensing authority. The approval documents — here the legal representative's
    ID card — and the changes of standard elements are not published."""
    s, app = site
    s.at("2026-09-30 16:30")
    m = s.start(PROCESS, by="sunli", data=start_data())
    m.complete("push_result", by="sunli", data={
        **PUSH, "approval_documents": "营业执照、法定代表人身份证210302198001011234",
        "standard_element_changes": "储存场所由铁西区迁至立山区", "licence_content": "经营（带有储存设施）：硫酸、盐酸",
        "valid_until": "2029-09-29"})
    [notice] = rows(s, PublicNotice, kind="licence", instance_id=m.id)
    assert (notice.enterprise_name, notice.credit_code, notice.item, notice.result, str(notice.on_date),
            notice.department) == ("鞍山市某化工有限公司", CREDIT_CODE, "鞍审批危化经字〔2026〕118号",
                                   "准予许可：经营（带有储存设施）：硫酸、盐酸；有效期至2029-09-29", "2026-09-30",
                                   "approval_bureau")

    page = WebUser(app).get("/public/results?kind=licence").get_data(as_text=True)
    for shown in ("行政许可决定", "鞍山市某化工有限公司", CREDIT_CODE, "鞍审批危化经字〔2026〕118号",
                  "准予许可：经营（带有储存设施）：硫酸、盐酸；有效期至2029-09-29", "2026-09-30", "市行政审批局"):
        assert shown in page, shown
    for hidden in ("210302198001011234", "身份证", "储存场所由铁西区迁至立山区", "营业执照"):
        assert hidden not in page, hidden
    # the penalty tab does not mix them
    assert "鞍审批危化经字" not in WebUser(app).get("/public/results?kind=penalty").get_data(as_text=True)


def test_without_a_stated_content_the_item_itself_is_published(site):  # noqa: F811
    s, app = site
    s.at("2026-09-30 16:30")
    m = s.start(PROCESS, by="sunli", data=start_data(subject="鞍山市某化工有限公司危险化学品经营许可变更"))
    m.complete("push_result", by="sunli", data={**PUSH, "approval_result": "changed"})
    [notice] = rows(s, PublicNotice, kind="licence", instance_id=m.id)
    assert notice.result == "准予变更：鞍山市某化工有限公司危险化学品经营许可变更"
