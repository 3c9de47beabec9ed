"""Official documents (engine/documents.py): rendering every template from scenario data to PDF and .docx,
document numbers under concurrency, corrections, and what deployment refuses.

GB/T 9704-2012 (党政机关公文格式) governs letters and decisions; minutes and records follow the common
government layout. The PDF is the record: fonts embedded, Chinese text extractable.
"""
import io
import re
import threading

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from engine import Liandong, authority_keys, document_layout, document_templates, documents
from engine.effects import ServiceCall
from engine.errors import DeploymentError, InvalidState
from engine.models import Document, Event
from tests import document_checks as seen
from tests.supervision_helpers import uscc

CHINESE_NUMERAL_DATE = re.compile(r"[〇一二三四五六七八九]{4}年")
PADDED_DATE = re.compile(r"\d{4}年0\d月|\d{1,2}月0\d日")
DRAW_DIGEST = "3f6c2a9e0b7d41c8a5e2f90d6b1c7a34e8d5f2b09c6a1e7d3b4f8c2a5e9d0b61"

SCENARIO_DOCS = {
    "official_letter": dict(
        department="approval_bureau.market", title="关于新址监管责任的函", recipients=["market_bureau"],
        body="我局于2026年9月28日核准某食品公司变更经营场所，新址位于铁东区。\n请贵局依职责开展事中事后监管，并于3个工作日内函复。\n特此函告。",
        contact="zhaomin"),
    "meeting_minutes": dict(
        department="market_bureau", title="关于建议撤销某食品公司食品经营许可的会商纪要",
        recipients=["market_bureau", "approval_bureau.market"], topic="建议撤销某食品公司食品经营许可",
        place="市行政审批局三楼会议室", held_at="2026-10-14T09:00:00+08:00",
        minutes="双方就撤销许可的事实和依据逐项核对。\n双方同意由市场准入审批科依法启动撤销程序。", outcome="settled",
        attendees="杨帆、徐明；刘红、赵敏"),
    "arbitration_opinion": dict(
        department="establishment_office", joint=["legal_office"], title="关于食品经营许可现场核查职责划分争议的评判裁决意见",
        recipients=["market_bureau", "approval_bureau.market"], route="opinion_agreed",
        dispute="审批科认为许可现场核查属于事中监管，市场监管局认为属于审批要件核查，双方协商未果。",
        decision="许可现场核查由市场准入审批科负责，核查中发现的违法线索移交市市场监督管理局。",
        grounds="鞍政发〔2017〕32号相对集中行政许可权改革方案及《移交协议书》职责划分条款",
        applicant="market_bureau", other="approval_bureau.market"),
    "government_decision": dict(  # P6 when the two sides do not agree: 报请本级政府裁决 (003 §3(2))
        department="municipal_government", title="关于食品经营许可现场核查职责划分争议的决定",
        recipients=["market_bureau", "approval_bureau.market"],
        dispute="许可现场核查属于事中监管还是审批要件核查，双方对评判裁决意见未能达成一致。",
        decision="许可现场核查由市场准入审批科负责。\n核查中发现的违法线索移交市市场监督管理局依法处理。",
        grounds="", applicant="market_bureau", other="approval_bureau.market"),
    "inspection_record": dict(
        department="approval_bureau.market", title="鞍山市恒信化工有限公司危险化学品经营许可联合勘验记录",
        section="approval_bureau.market", approval_item="危险化学品经营许可", site="铁西区工业园8号",
        inspection_date="2026-10-08", urgency="normal", reason="储存设施需现场核查",
        opinions=[{"department": "emergency_bureau", "staff": ["luoyi", "xiehua"], "conclusion": "agree_with_conditions",
                   "opinion": "甲类仓库防火间距不足，需整改后复查"},
                  {"department": "market_bureau", "staff": ["hujie"], "conclusion": "agree", "opinion": "经营场所与登记一致"}],
        summary="采纳应急局整改意见，整改复查合格后发证", decision="approve_after_rectification"),
    "contact_change_notice": dict(
        department="market_bureau", title="关于变更审批与监管联动联络人的函", recipients=["approval_bureau.market"],
        role="liaison", old_person_name="朱玲", new_person_name="钱宇", new_person_title="科员", section="登记注册科",
        phone="0412-5553103", reason="朱玲同志岗位调整。"),
    "penalty_decision": dict(  # P11, a heavy penalty after a hearing, legal review and collective discussion
        department="emergency_bureau", title="行政处罚决定书", case_subject="鞍山市丙化工有限公司未按规定进行危险作业审批",
        party="鞍山市丙化工有限公司", credit_code=uscc(3),
        address="鞍山市铁西区工业园8号", legal_representative="丙某某",
        findings="你单位于2026年10月9日在甲类仓库区域实施动火作业，未办理动火作业审批，未安排专门人员进行现场安全管理。\n"
                 "上述行为违反了《中华人民共和国安全生产法》第四十三条的规定。",
        evidence="1.现场检查笔录；\n2.执法记录仪视频2段、照片12张；\n3.询问笔录2份。",
        notice_no="鞍应急告〔2026〕58号", notice_served_on="2026-10-16", hearing_right=True, defence_status="stated",
        statement="要求听证", hearing_on="2026-10-20", major_decision=True, discussed_on="2026-10-23",
        penalty_kind="suspend_business", penalty_content="依据《中华人民共和国安全生产法》第一百零一条第（四）项的规定，"
        "责令你单位停产停业整顿一个月。", decided_on="2026-11-23", reconsideration_organ="municipal_government"),
    "draw_result": dict(  # P10, a joint draw of two departments on a city-county shared item
        department="emergency_bureau", joint=["market_bureau"], title="2026年第四季度安全生产“双随机”抽查结果公告",
        plan_name="2026年第四季度安全生产“双随机”抽查",
        plan_no="鞍应急随机〔2026〕4号", items=["safety_responsibility", "emergency_plan"], period_start="2026-10-12",
        period_end="2026-11-30", shared_item=True,
        draw={"draw_id": 7, "algorithm": "ld-sha256-rank/1", "seed": "鞍山公证处摇号-2026-10-09-0417",
              "digest": DRAW_DIGEST, "drawn_at": "2026-10-09T09:00:00+08:00", "drawn": 2, "unstaffed": [],
              "strata": [{"stratum": "A|low", "candidates": 2, "ratio": "1/3", "drawn": 1, "frequency_per_year": 1},
                         {"stratum": "B|medium", "candidates": 3, "ratio": "1/3", "drawn": 1, "frequency_per_year": 1}]},
        results={uscc(1): {"credit_code": uscc(1), "enterprise_name": "鞍山市甲机械有限公司", "officers": ["luoyi", "hujie"],
                           "result": "compliant", "inspected_on": "2026-10-20", "findings": "现场检查记录"},
                 uscc(4): {"credit_code": uscc(4), "enterprise_name": "鞍山市丁食品有限公司", "officers": ["hebin", "linna"],
                           "result": "rectification", "inspected_on": "2026-10-21", "findings": "应急预案未演练"}}),
}
EXPECTED = {  # kind -> (number, text the PDF must contain)
    "official_letter": ("鞍审批函〔2026〕1号", ["鞍山市行政审批局", "市市场监督管理局：", "特此函告。", "联系人：赵敏"]),
    "meeting_minutes": ("鞍市监会纪〔2026〕1号", ["审批与监管工作会商会议纪要", "2026年10月14日", "出席："]),
    "arbitration_opinion": ("鞍编办裁〔2026〕1号", ["中共鞍山市委机构编制委员会办公室", "鞍山市人民政府法制办公室",
                                                "二、评判裁决意见", "市场准入审批科负责",
                                                # 003 part 三 item （二） "公正评判裁决", by its name and number
                                                "依照《鞍山市人民政府办公厅关于加强集中审批与行业监管协调联动工作的实施意见》"
                                                "（鞍政办发〔2018〕66号）第三部分第（二）项申请第三方评判裁决"]),
    "government_decision": ("鞍政发〔2026〕1号", ["鞍山市人民政府", "市市场监督管理局、市行政审批局：",
                                                "报请本级政府裁决", "经研究，现决定如下：",
                                                "一、许可现场核查由市场准入审批科负责。", "二、核查中发现的违法线索",
                                                "三、本决定自印发之日起执行"]),
    "inspection_record": ("鞍审批勘〔2026〕1号", ["勘验人员", "罗毅、谢华", "有条件同意", "整改后准予许可"]),
    "contact_change_notice": ("鞍市监函〔2026〕1号", ["由朱玲同志变更为钱宇同志", "登记注册科科员", "请予备案。"]),
    "penalty_decision": ("鞍应急罚决〔2026〕1号", [
        "鞍山市应急管理局", "当事人：鞍山市丙化工有限公司", "本机关依法对“鞍山市丙化工有限公司未按规定进行危险作业审批”一案", f"统一社会信用代码：{uscc(3)}", "住所：鞍山市铁西区工业园8号", "法定代表人（负责人）：丙某某",
        "一、违法事实和证据", "未办理动火作业审批", "以上事实有下列证据证明：", "执法记录仪视频2段",
        "《行政处罚告知书》（鞍应急告〔2026〕58号）", "和要求听证的权利", "于2026年10月20日依法举行了听证",
        "你单位提出了陈述、申辩意见：要求听证。", "于2026年10月23日经本机关负责人集体讨论", "三、行政处罚的内容和依据", "第一百零一条第（四）项",
        "四、履行方式和期限", "申请人民法院强制执行", "六十日内向鞍山市人民政府申请行政复议", "六个月内依法向人民法院提起行政诉讼",
        "本决定不停止执行"]),
    "draw_result": ("鞍应急抽查〔2026〕1号", [
        "鞍山市应急管理局", "鞍山市市场监督管理局", "联合开展了2026年第四季度安全生产“双随机”抽查（抽查计划编号：鞍应急随机〔2026〕4号）", "2026年10月12日至2026年11月30日",
        "安全生产主体责任落实情况、应急预案及演练情况", "市县同权事项", "ld-sha256-rank/1", "鞍山公证处摇号-2026-10-09-0417",
        DRAW_DIGEST, "2026年10月9日", "鞍山市甲机械有限公司", uscc(1), "罗毅、胡杰", "何斌、林娜", "2026年10月21日", "未发现问题",
        "发现问题，责令限期整改", "对发现问题的企业，已责令限期整改", "特此公告。"]),
}


def issue(scenario, kind, by="wangjianguo", **params):
    def act(e: Liandong):
        return documents.issue(ServiceCall(e, None, by), kind=kind, **{**SCENARIO_DOCS[kind], **params})

    return scenario.run(act)


def stored(scenario, document_id) -> Document:
    return scenario.run(lambda e: e.db.get(Document, document_id))


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat_text(data: bytes) -> str:
    """The PDF's text without the line breaks of the layout and the page numbers (— 1 —) that the
    extraction puts wherever a page ends, mid-sentence included."""
    return re.sub(r"—\d+—", "", "".join(pdf_text(data).split()))


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """Base font name -> whether its program is embedded, for every font the PDF uses."""
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def test_cn_date_and_signature_layout():
    # GB/T 9704-2012 §7.3.5.1: Arabic numerals, the year in full, month and day without a leading zero.
    assert document_templates.cn_date("2026-11-23") == "2026年11月23日"
    assert document_templates.cn_date("2026-10-01T09:00:00+08:00") == "2026年10月1日"
    assert document_templates.cn_date("2030-12-10") == "2030年12月10日"
    assert document_templates.cn_date("2026-02-20") == "2026年2月20日"
    # GB/T 9704-2012 §7.3.5.1 (sealed): the date right 4 characters, the name centred over it, the
    # seal centred on both a little above their middle; joint issuers whose names fit stand in a row.
    single = document_layout.signature_layout(["鞍山市行政审批局"], "2026年11月23日")
    char = document_layout.CHAR_PT
    date = single["date"]
    assert round(document_layout.BLOCK_PT - date["left"] - date["width"], 1) == round(4 * char, 1)
    [name] = single["issuers"]
    assert abs((name["left"] + name["width"] / 2) - (date["left"] + date["width"] / 2)) < 0.1
    assert abs(name["seal_left"] + document_layout.SEAL_PT / 2 - (date["left"] + date["width"] / 2)) < 0.1
    row = document_layout.signature_layout(["鞍山市应急管理局", "鞍山市市场监督管理局"], "2026年11月23日")["issuers"]
    assert row[0]["top"] == row[1]["top"] and row[1]["seal_left"] - row[0]["seal_left"] > document_layout.SEAL_PT
    stacked = document_layout.signature_layout(["中共鞍山市委机构编制委员会办公室", "鞍山市人民政府法制办公室"],
                                         "2026年11月23日")["issuers"]
    assert stacked[1]["seal_top"] - stacked[0]["seal_top"] > document_layout.SEAL_PT  # seals never touch


@pytest.mark.parametrize("kind", sorted(SCENARIO_DOCS))
def test_each_kind_renders_to_pdf_and_docx(scenario, kind):
    """Every template, filled from a scenario's data and the directory, gives a PDF that opens, embeds
    its fonts, carries the number, the Chinese date and extractable Chinese text, and a .docx that
    python-docx opens with the title in it."""
    scenario.at("2026-11-23 10:00")
    result = issue(scenario, kind)
    number, phrases = EXPECTED[kind]
    assert result["number"] == number
    doc = stored(scenario, result["document_id"])
    assert (doc.kind, doc.number, doc.year, doc.seq, doc.issued_by) == (kind, number, 2026, 1, "wangjianguo")
    assert documents.verify(doc)

    assert doc.pdf.startswith(b"%PDF")
    fonts = embedded_fonts(doc.pdf)
    assert fonts and all(fonts.values()), fonts
    assert any("Noto-Serif-CJK-SC" in name for name in fonts)
    text = flat_text(doc.pdf)  # lines and table cells wrap where the layout wraps them
    assert number in text
    assert doc.title in text or doc.title[:12] in text
    for phrase in phrases:
        assert phrase in text, phrase
    if kind != "meeting_minutes":
        assert "2026年11月23日" in text
    # Every date, 成文日期 and body alike, in Arabic numerals without padding (GB/T 9704-2012 §7.3.5.1).
    assert not CHINESE_NUMERAL_DATE.search(text) and not PADDED_DATE.search(text), text

    word = WordDocument(io.BytesIO(doc.docx))
    paragraphs = [p.text.replace("\n", "") for p in word.paragraphs]  # the title's line breaks
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert doc.title in paragraphs
    assert number in paragraphs + cells
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]


# Titles of more than one line break between words, as evenly as the words allow (§7.3.1).
TITLE_LINES = {
    "arbitration_opinion": ["关于食品经营许可现场核查", "职责划分争议的评判裁决意见"],
    "government_decision": ["关于食品经营许可现场核查", "职责划分争议的决定"],
    "draw_result": ["2026年第四季度安全生产", "“双随机”抽查结果公告"],
    "inspection_record": ["鞍山市恒信化工有限公司", "危险化学品经营许可联合勘验记录"],
    "meeting_minutes": ["关于建议撤销某食品公司", "食品经营许可的会商纪要"],
}
WITH_IMPRINT = {"arbitration_opinion", "government_decision", "draw_result", "meeting_minutes"}  # 文件格式, 纪要
UNSEALED = {"meeting_minutes"}  # 纪要 carry neither signature nor seal (§10.3)


def title_on_page_one(lines, title) -> list[str]:
    """The lines of page 1 that together read as the title."""
    texts = ["".join(ln.text.split()) for ln in lines]
    for start in range(len(texts)):
        for end in range(start + 1, min(start + 4, len(texts)) + 1):
            if "".join(texts[start:end]) == title:
                return texts[start:end]
    return []


@pytest.mark.parametrize("kind", sorted(SCENARIO_DOCS))
def test_each_kind_is_laid_out_sealed_and_signed_as_gbt9704_says(scenario, kind):
    """For every kind, as the PDF is seen: the title breaks only between words; the 成文日期 is never
    alone on its page; the seal is pressed on the date, centred on it, the date below the seal's middle
    (§7.3.5.1); the 版记 closes the last page where the format has one (§7.4); and the PDF carries its
    issuers' signatures, which one changed byte breaks."""
    scenario.at("2026-11-23 10:00")
    doc = stored(scenario, issue(scenario, kind)["document_id"])
    laid = seen.pages(doc.pdf)

    expected = TITLE_LINES.get(kind, [doc.title])
    assert title_on_page_one(laid[0], doc.title) == expected
    assert document_layout.title_html(doc.title).count("<br>") == len(expected) - 1

    date = "2026年11月23日"
    signers = scenario.run(lambda e: documents.signers_of(e.db, doc))
    if kind not in UNSEALED:
        [(at, date_line)] = [(n, ln) for n, page in enumerate(laid) for ln in page if ln.text == date]
        others = [ln for ln in laid[at] if ln.y1 < date_line.y0 and not seen.PAGE_NUMBER.match(ln.text)
                  and not any(name in ln.text for _, name in signers) and "（" + signers[0][1] not in ln.text]
        assert others, f"{kind}: the signature and date stand alone on page {at + 1}"
        cx, cy = date_line.centre
        box = seen.red_box(seen.render(doc.pdf, at + 1), (cx - 75, cy - 80, cx + 75, cy + 72))
        assert box, f"{kind}: no seal on the date"
        width, height = box[2] - box[0], box[3] - box[1]
        assert 112 <= width <= 124 and 112 <= height <= 124, box  # 42 mm across
        seal_x, seal_y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        assert abs(seal_x - cx) < 4, (box, date_line)
        assert seal_y < cy < seal_y + 30, (box, date_line)  # 居印章中心偏下

    last = laid[-1]
    printed = [ln for ln in last if ln.text.endswith(f"{date}印发")]
    if kind in WITH_IMPRINT:
        office = documents.printing_office(signers[0][1])
        assert printed and any(office in ln.text for ln in last), [ln.text for ln in last]
        assert printed[-1].y1 > seen.TEXT_BOTTOM_PT - 30  # at the foot of the last page
    else:
        assert not printed

    assert scenario.run(lambda e: documents.verify(e.db.get(Document, doc.id), e.db))
    assert authority_keys.verify(doc.pdf, signers)
    for at in (len(doc.pdf) // 3, len(doc.pdf) // 2, 200):
        tampered = bytearray(doc.pdf)
        tampered[at] ^= 0x01
        assert not authority_keys.verify(bytes(tampered), signers), at


def test_joint_documents_are_signed_by_every_issuer_in_order(scenario):
    """A joint opinion carries 市编委办's signature, then 市政府法制办's; either alone, or in the
    other order, does not verify."""
    scenario.at("2026-11-23 10:00")
    doc = stored(scenario, issue(scenario, "arbitration_opinion")["document_id"])
    signers = scenario.run(lambda e: documents.signers_of(e.db, doc))
    assert signers == [("establishment_office", "中共鞍山市委机构编制委员会办公室"),
                       ("legal_office", "鞍山市人民政府法制办公室")]
    assert authority_keys.verify(doc.pdf, signers)
    assert not authority_keys.verify(doc.pdf, signers[::-1])
    assert not authority_keys.verify(doc.pdf, signers[:1])


def test_authority_keys_live_outside_the_database_readable_by_the_owner_only(monkeypatch, tmp_path):
    """Without an installed certificate an authority gets a demo key and certificate in its name,
    made once (mode 0600); with LIANDONG_AUTHORITY_KEYS_DEMO=0 a missing certificate is refused."""
    import stat

    monkeypatch.setenv("LIANDONG_AUTHORITY_KEYS", str(tmp_path / "keys"))
    pdf = documents.to_pdf("<p>测试</p>")
    signed = authority_keys.sign(pdf, "market_bureau", "鞍山市市场监督管理局", reason="测试")
    path = tmp_path / "keys" / "market_bureau.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    assert authority_keys.verify(signed, [("market_bureau", "鞍山市市场监督管理局")])
    assert authority_keys.certificate("market_bureau", "鞍山市市场监督管理局").subject.native["common_name"] == (
        "鞍山市市场监督管理局")
    assert path.read_bytes() == first
    monkeypatch.setenv("LIANDONG_AUTHORITY_KEYS_DEMO", "0")
    with pytest.raises(authority_keys.SigningKeyMissing) as err:
        authority_keys.sign(pdf, "legal_office", "鞍山市人民政府法制办公室", reason="测试")
    assert "没有安装签名证书" in err.value.message
    path.unlink()  # a key that is not the one the document was signed with: the signature fails
    monkeypatch.setenv("LIANDONG_AUTHORITY_KEYS_DEMO", "1")
    assert not authority_keys.verify(signed, [("market_bureau", "鞍山市市场监督管理局")])


def test_numbers_count_per_issuer_series_and_year(scenario):
    """Letters of one bureau share a series whatever template (公函, 变更函) they use; a section issues
    in its bureau's series; another bureau and another series count separately; a new year restarts."""
    scenario.at("2026-12-31 16:00")
    assert issue(scenario, "official_letter")["number"] == "鞍审批函〔2026〕1号"
    assert issue(scenario, "contact_change_notice", department="approval_bureau.social")["number"] == "鞍审批函〔2026〕2号"
    assert issue(scenario, "inspection_record")["number"] == "鞍审批勘〔2026〕1号"
    assert issue(scenario, "contact_change_notice")["number"] == "鞍市监函〔2026〕1号"
    scenario.at("2027-01-04 09:00")
    assert issue(scenario, "official_letter")["number"] == "鞍审批函〔2027〕1号"


@pytest.mark.usefixtures("clock")
def test_two_issuers_at_once_never_repeat_or_skip_a_number(session_factory):
    """Two threads, each taking 8 numbers of one series in its own transactions at the same moment, on
    SQLite and PostgreSQL: together they get exactly 1..16."""
    per_thread, taken, errors = 8, [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait(timeout=10)
            for _ in range(per_thread):
                with session_factory() as session, session.begin():
                    taken.append(documents.next_number(session, "approval_bureau", 2026, "函"))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(taken) == list(range(1, 2 * per_thread + 1))


def test_a_rolled_back_issue_gives_its_number_back(session_factory):
    with session_factory() as session, session.begin():
        assert documents.next_number(session, "market_bureau", 2026, "函") == 1
    with session_factory() as session, session.begin():
        assert documents.next_number(session, "market_bureau", 2026, "函") == 2
        session.rollback()
    with session_factory() as session, session.begin():
        assert documents.next_number(session, "market_bureau", 2026, "函") == 2


def test_correction_is_a_new_number_that_names_the_old_document(scenario):
    scenario.at("2026-11-23 10:00")
    first = issue(scenario, "contact_change_notice", phone="0412-555310")
    old = stored(scenario, first["document_id"])

    # An issued document cannot be changed or removed, only corrected.
    def tamper(e):
        e.db.get(Document, old.id).title = "改过的标题"
        e.db.flush()

    with pytest.raises(InvalidState):
        scenario.run(tamper)
    with pytest.raises(InvalidState):
        scenario.run(lambda e: e.db.delete(e.db.get(Document, old.id)) or e.db.flush())
    with pytest.raises(InvalidState):
        scenario.run(lambda e: documents.correct(e, old.id, user="huangtao", reason=" ", changes={}))

    scenario.at("2026-11-24 09:00")
    fixed_id = scenario.run(lambda e: documents.correct(
        e, old.id, user="huangtao", reason="联系电话少一位", changes={"phone": "0412-5553103"}).id)
    fixed = stored(scenario, fixed_id)
    assert (fixed.number, fixed.corrects_id, fixed.kind, fixed.issued_by) == (
        "鞍市监函〔2026〕2号", old.id, "contact_change_notice", "huangtao")
    assert fixed.fields["phone"] == "0412-5553103" and fixed.title == old.title
    text = pdf_text(fixed.pdf).replace("\n", "")
    assert "0412-5553103" in text and "鞍市监函〔2026〕1号" in text and "2026年11月24日" in text
    again = stored(scenario, old.id)  # the old one is kept exactly as issued
    assert (again.pdf_sha256, again.number, again.fields["phone"]) == (old.pdf_sha256, old.number, "0412-555310")
    assert documents.verify(again)
    assert [d.id for d in scenario.run(lambda e: documents.corrections_of(e.db, old.id))] == [fixed.id]
    logged = scenario.run(lambda e: [ev.data for ev in e.db.query(Event).filter(Event.kind == "document_issued")
                                     .order_by(Event.id)])
    assert [(d["number"], d["corrects"], d["pdf_sha256"]) for d in logged] == [
        (old.number, None, old.pdf_sha256), (fixed.number, old.number, fixed.pdf_sha256)]


def test_deployment_checks_templates_and_the_sandbox_holds(scenario):
    header = '{#- liandong\nname: 测试\nnumber: "{code}测〔{year}〕{seq}号"\nseries: 测试\n-#}\n'
    with pytest.raises(DeploymentError) as err:
        scenario.run(lambda e: e.repository.deploy([("bad.html", b"<p>{{ doc.number </p>")]))
    assert "公文模板无效" in str(err.value.problems)
    with pytest.raises(DeploymentError) as err:
        scenario.run(lambda e: e.repository.deploy([("bad.html", (header + "{% if %}").encode())]))
    assert "第" in err.value.problems[0]["reason"]
    with pytest.raises(DeploymentError):
        scenario.run(lambda e: e.repository.deploy([("bad.html", header.replace("{seq}", "").encode())]))

    # A template that reaches for Python internals is stopped by the sandbox when it renders.
    evil = header + '{% extends "_gbt9704.html" %}{% block body %}{{ doc.__class__.__mro__ }}{{ cn_date.__globals__ }}{% endblock %}'
    scenario.run(lambda e: e.repository.deploy([("evil.html", evil.encode())]))
    from jinja2.exceptions import SecurityError

    def attempt(e):
        return documents.issue(ServiceCall(e, None, "admin"), kind="evil", department="market_bureau", title="测试")

    with pytest.raises(SecurityError):
        scenario.run(attempt)
    assert scenario.run(lambda e: e.db.query(Document).count()) == 0


def test_seed_references_read_as_the_documents_real_name_and_part():
    """Code says "003 §3(2)"; people read the 实施意见's title, number, part and item (it has no 条)."""
    from engine import citations

    assert citations.cite("003 §3(2)") == (
        "《鞍山市人民政府办公厅关于加强集中审批与行业监管协调联动工作的实施意见》（鞍政办发〔2018〕66号）第三部分第（二）项")
    assert citations.expand("003 §2(4)、§2(5)：提请会商；电话0412-5553103") == (
        "《鞍山市人民政府办公厅关于加强集中审批与行业监管协调联动工作的实施意见》（鞍政办发〔2018〕66号）"
        "第二部分第（四）项、第二部分第（五）项：提请会商；电话0412-5553103")
    assert citations.expand("001 §4(3)2；002“立案审批”") == (
        "《兰州市七里河区人民政府办公室关于加强行政审批事中事后监管的实施意见》第四部分第（三）项第2点；"
        "《省安全生产监督管理局2016年法治建设工作情况》“立案审批”")
    # Only 003 binds Anshan: 000 is a draft for comment, the others are other places' documents.
    assert [code for code in sorted(citations.SOURCES) if citations.binds(code)] == ["003"]


def test_a_letter_prints_its_recipient_line_once_and_the_form_says_it_is_added(scenario):
    """The layout prints 主送机关 from the receiving department; the P4 form says so, and a body that
    starts with the recipient line anyway does not print it twice."""
    import json
    from pathlib import Path

    from web.formview import fields

    schema = json.loads(Path("processes/forms/p04_draft_official_letter.json").read_text())
    [content] = [f for f in fields(schema) if f.name == "letter_content"]
    assert "主送机关" in content.description and "自动生成" in content.description

    scenario.at("2026-11-23 10:00")
    doc = stored(scenario, issue(scenario, "official_letter", body="市市场监督管理局：\n请贵局依职责开展监管。")["document_id"])
    text = flat_text(doc.pdf)
    assert text.count("市市场监督管理局：") == 1 and "请贵局依职责开展监管。" in text
