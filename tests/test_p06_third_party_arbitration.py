"""P6 第三方评判裁决 — 003 §3(2).

003 §3(2): "对审批与监管过程中出现的问题，一般由市行政审批局与各行业监管部门协商解决，双方协商存在异议的，
由第三方评判裁决。审批与监管双方均可以提出第三方评判裁决申请，对于不涉及专业技术的问题，如职能、法规类，
由市编委办、市政府法制办代表市政府行使第三方评判裁决职能，采取一事一议原则，形成评判裁决意见，经审批与监管双方
同意后实施，协调无法达成一致的，报请本级政府裁决。对于专业性、技术性较强的问题，交由行业权威技术机构进行第三方
评判裁决，技术机构的选定由审批与监管双方共同协商决定。"
"""
import pytest

from engine.errors import FormInvalid, NotCandidate

PROCESS = "p6_third_party_arbitration"


def document_text(scenario, document_id) -> str:
    """The issued PDF's text without the layout's line breaks."""
    import io

    from pypdf import PdfReader

    from engine.models import Document

    pdf = scenario.run(lambda e: e.db.get(Document, document_id).pdf)
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def start_data(**overrides) -> dict:
    data = {
        "subject": "食品经营许可现场核查职责划分争议",
        "applicant_department": "market_bureau",
        "other_department": "approval_bureau.market",
        "matter_type": "non_technical",
        "dispute_description": "审批科认为许可现场核查属于事中监管，市场监管局认为属于审批要件核查，双方协商未果。",
    }
    data.update(overrides)
    return data


def opinion_drafted(m, text):
    task = m.task("draft_arbitration_opinion")
    assert (task.assignee, task.department, task.role) == ("yaozhi", "establishment_office", "arbiter")
    m.complete("draft_arbitration_opinion", by="yaozhi", data={
        "arbitration_opinion": text,
        "arbitration_basis": "鞍政发〔2017〕32号相对集中行政许可权改革方案及《移交协议书》职责划分条款",
    })


def countersigned(m, agreed, comment):
    task = m.task("countersign_opinion")
    assert (task.assignee, task.department, task.role) == ("qinlu", "legal_office", "arbiter")
    m.complete("countersign_opinion", by="qinlu", data={"opinion_countersigned": agreed, "countersign_comment": comment})


def implemented(m):
    applicant = m.task("implement_applicant")
    other = m.task("implement_other")
    m.complete("implement_applicant", by=applicant.assignee, data={"applicant_implementation": "已按裁决调整工作分工。"})
    m.complete("implement_other", by=other.assignee, data={"other_implementation": "已按裁决执行并告知经办人员。"})


def test_non_technical_one_opinion_per_matter_carried_out_once_both_sides_agree(scenario):
    """A question of functions goes to 市编委办 and 市政府法制办, who write one arbitration opinion for
    this one matter (一事一议). The legal office sends the first draft back; the second draft is
    countersigned. Both sides' responsible persons agree, so the opinion is carried out by both
    sides — the government is never asked. The applicant here is the supervision department
    (either side may apply)."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = s.start(PROCESS, by="xuming", data=start_data())

    assert [t.spec_id for t in m.open_tasks()] == ["draft_arbitration_opinion"]
    opinion_drafted(m, "初稿：现场核查由审批科负责。")
    countersigned(m, False, "应明确核查后发现问题的移交程序。")

    # Sent back: the establishment office redrafts; still one opinion for this matter.
    opinion_drafted(m, "许可现场核查由市场准入审批科负责，核查中发现的违法线索移交市市场监督管理局。")
    countersigned(m, True, "同意。")

    applicant = m.task("consider_opinion_applicant")
    other = m.task("consider_opinion_other")
    assert (applicant.assignee, applicant.department, applicant.role) == (
        "xuming", "market_bureau", "responsible_person")
    assert (other.assignee, other.department, other.role) == (
        "zhaomin", "approval_bureau.market", "responsible_person")
    with pytest.raises(NotCandidate):
        m.complete("consider_opinion_other", by="xuming", data={"other_agrees": True, "other_comment": "同意"})
    with pytest.raises(FormInvalid) as err:
        m.complete("consider_opinion_applicant", by="xuming", data={"applicant_comment": "同意"})
    assert "applicant_agrees" in err.value.errors

    m.complete("consider_opinion_applicant", by="xuming", data={"applicant_agrees": True, "applicant_comment": "同意"})
    assert [t.spec_id for t in m.open_tasks()] == ["consider_opinion_other"]  # both sides must agree
    m.complete("consider_opinion_other", by="zhaomin", data={"other_agrees": True, "other_comment": "同意"})

    assert sorted(t.spec_id for t in m.open_tasks()) == ["implement_applicant", "implement_other"]
    assert m.task("implement_applicant").assignee == "xuming"
    assert m.task("implement_other").assignee == "zhaomin"
    implemented(m)

    assert m.status == "completed"
    data = m.data
    assert data["arbitration_route"] == "opinion_agreed"
    assert data["arbitration_decision"] == "许可现场核查由市场准入审批科负责，核查中发现的违法线索移交市市场监督管理局。"
    completed = [(e["task_id"], e["actor"]) for e in m.events("task_completed")]
    assert completed == [
        ("draft_arbitration_opinion", "yaozhi"), ("countersign_opinion", "qinlu"),
        ("draft_arbitration_opinion", "yaozhi"), ("countersign_opinion", "qinlu"),
        ("consider_opinion_applicant", "xuming"), ("consider_opinion_other", "zhaomin"),
        ("implement_applicant", "xuming"), ("implement_other", "zhaomin"),
    ]
    assert "government_ruling" not in [t for t, _ in completed]
    # The agreed opinion is issued jointly: 市编委办 leads (its number), 市政府法制办 countersigned.
    [doc] = m.documents()
    assert (doc["kind"], doc["number"], doc["department"], doc["issued_by"]) == (
        "arbitration_opinion", "鞍编办裁〔2026〕1号", "establishment_office", "zhaomin")
    assert doc["title"] == "关于食品经营许可现场核查职责划分争议的评判裁决意见"


def test_non_technical_without_agreement_goes_to_the_same_level_government(scenario):
    """When either side does not agree with the opinion, "协调无法达成一致的，报请本级政府裁决":
    the municipal government's leader rules, and the ruling is carried out."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = s.start(PROCESS, by="zhaomin", data=start_data(
        applicant_department="approval_bureau.market", other_department="market_bureau"))
    opinion_drafted(m, "许可现场核查由市场准入审批科负责。")
    countersigned(m, True, "同意。")

    m.complete("consider_opinion_applicant", by="zhaomin", data={"applicant_agrees": True, "applicant_comment": "同意"})
    m.complete("consider_opinion_other", by="xuming",
               data={"other_agrees": False, "other_comment": "该意见与《移交协议书》第五条不一致。"})

    ruling = m.task("government_ruling")
    assert (ruling.assignee, ruling.department, ruling.role) == ("fanyong", "municipal_government", "main_leader")
    assert [t.spec_id for t in m.open_tasks()] == ["government_ruling"]
    with pytest.raises(NotCandidate):
        m.complete("government_ruling", by="yaozhi", data={"government_decision": "x"})
    m.complete("government_ruling", by="fanyong",
               data={"government_decision": "维持评判裁决意见，由市场准入审批科负责现场核查，自下月起执行。"})

    assert m.task("implement_applicant").assignee == "zhaomin"
    assert m.task("implement_other").assignee == "xuming"
    implemented(m)
    assert m.status == "completed"
    assert m.data["arbitration_route"] == "government_ruling"
    assert m.data["arbitration_decision"] == "维持评判裁决意见，由市场准入审批科负责现场核查，自下月起执行。"
    assert m.data["other_agrees"] is False
    [doc] = m.documents()  # the government decides: a 决定 under the government's 发 number
    assert (doc["kind"], doc["number"], doc["department"], doc["issued_by"]) == (
        "government_decision", "鞍政发〔2026〕1号", "municipal_government", "fanyong")
    assert doc["title"] == "关于食品经营许可现场核查职责划分争议的决定"
    text = document_text(s, doc["id"])
    assert "经研究，现决定如下：" in text and "一、维持评判裁决意见，由市场准入审批科负责现场核查" in text
    assert "评判裁决意见如下" not in text and "鞍山市人民政府" in text


def test_technical_matter_institution_chosen_jointly_after_a_disagreement(scenario):
    """A technical question goes to a sector technical institution that both sides choose together
    ("技术机构的选定由审批与监管双方共同协商决定"). The first proposal is refused with a counter-proposal;
    the applicant proposes again, the other side accepts, and that institution's arbiter rules.
    The establishment office and legal office are not involved."""
    s = scenario
    s.at("2026-10-12 09:00")
    m = s.start(PROCESS, by="hebin", data=start_data(
        subject="某化工项目安全设施设计专家意见分歧",
        applicant_department="emergency_bureau", other_department="approval_bureau.construction",
        matter_type="technical", dispute_description="对储罐区防火间距是否满足规范要求，双方技术意见不一致。"))

    propose = m.task("propose_institution")
    assert (propose.assignee, propose.department, propose.role) == ("hebin", "emergency_bureau", "responsible_person")
    with pytest.raises(FormInvalid):
        m.complete("propose_institution", by="hebin",
                   data={"tech_institution": "legal_office", "institution_reason": "x"})
    m.complete("propose_institution", by="hebin",
               data={"tech_institution": "tech_quality_center", "institution_reason": "具备建设工程检测资质。"})

    respond = m.task("respond_institution")
    assert (respond.assignee, respond.department) == ("zhouqiang", "approval_bureau.construction")
    m.complete("respond_institution", by="zhouqiang", data={
        "institution_accepted": False, "institution_counter": "tech_safety_center",
        "institution_response": "防火间距属安全生产技术问题，建议由市安全生产技术服务中心评判。"})

    # No agreement yet: the applicant proposes again; no institution has been asked to rule.
    assert [t.spec_id for t in m.open_tasks()] == ["propose_institution"]
    m.complete("propose_institution", by="hebin",
               data={"tech_institution": "tech_safety_center", "institution_reason": "采纳对方建议。"})
    m.complete("respond_institution", by="zhouqiang",
               data={"institution_accepted": True, "institution_response": "同意。"})

    ruling = m.task("technical_ruling")
    assert (ruling.assignee, ruling.department, ruling.role) == ("renhao", "tech_safety_center", "arbiter")
    with pytest.raises(NotCandidate):
        m.complete("technical_ruling", by="jinsong", data={"technical_decision": "x", "technical_basis": "x"})
    m.complete("technical_ruling", by="renhao", data={
        "technical_decision": "储罐区防火间距不满足GB 50160要求，应调整平面布置后重新审查。",
        "technical_basis": "GB 50160-2008(2018年版)第4.2.12条"})

    assert m.task("implement_applicant").assignee == "hebin"
    assert m.task("implement_other").assignee == "zhouqiang"
    implemented(m)
    assert m.status == "completed"
    data = m.data
    assert data["arbitration_route"] == "technical_ruling"
    assert data["tech_institution"] == "tech_safety_center"
    assert data["arbitration_decision"].startswith("储罐区防火间距不满足")
    done = [t.spec_id for t in m.done_tasks()]
    assert done.count("propose_institution") == 2 and done.count("respond_institution") == 2
    assert not {"draft_arbitration_opinion", "countersign_opinion", "government_ruling"} & set(done)
    # The jointly chosen institution's ruling is issued in its own name and number series.
    assert [(d["number"], d["issued_by"]) for d in m.documents()] == [("鞍安技裁〔2026〕1号", "renhao")]
