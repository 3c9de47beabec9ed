"""In a real browser: 附件 on the start and task forms (issue 19 "also"), on P3 (商请, 003 §2(3)). 孙丽 starts a
request with a PDF of the inspection record; a file whose content is not what its name says is refused and
nothing is started; 朱玲 answers with a photo; the 办理记录 lists both with their SHA-256; 朱玲 downloads
孙丽's PDF; 高燕, of another bureau, may not."""
import hashlib

import pytest
from playwright.sync_api import expect

from tests.browser_support import make_app, needs_chromium, serving, shot, sign_in

pytestmark = needs_chromium
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def live(tmp_path, processes_template):
    with serving(make_app(tmp_path, processes_template)) as base:
        yield base


def fill_request(page):
    page.fill("[name=subject]", "商请核实某公司食品经营许可现场核查情况")
    page.fill("[name=enterprise_name]", "鞍山市某餐饮管理有限公司")
    page.fill("[name=credit_code]", "91210300MA0UB7CP9W")
    for name, value in (("requesting_side", "approval_bureau.market"), ("answering_side", "market_bureau"),
                        ("request_type", "information")):
        if page.locator(f"select[name={name}]").count():
            page.select_option(f"select[name={name}]", value)
        else:
            page.check(f"input[name={name}][value='{value}']")
    page.fill("[name=request_content]", "请提供该企业近一年食品安全监督检查记录。")


def test_attachments_on_start_and_task_forms(page, live):
    base = live
    sign_in(page, base, "sunli")
    page.goto(f"{base}/start")
    page.click("text=商请")
    fill_request(page)
    page.set_input_files("input[name=attachments]", files=[
        {"name": "检查记录.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}])
    page.click("button[type=submit]:has-text('发起')")
    assert "内容与文件类型不符" in page.content()  # refused: nothing started
    page.set_input_files("input[name=attachments]", files=[
        {"name": "检查记录.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("button[type=submit]:has-text('发起')")
    assert "已发起" in page.content()
    page.click("nav >> text=我发起的")
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    page.click("button:has-text('退出')")

    sign_in(page, base, "zhuling")
    page.click("text=答复商请")
    assert "检查记录.pdf" in page.locator("#attachments").inner_text()
    page.fill("textarea[name=answer_content]", "该企业近一年无处罚记录，现场照片附后。")
    page.check("input[name=cooperation_done][value=true]")
    page.set_input_files("input[name=attachments]", files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("button[type=submit]:has-text('提交')")
    page.click("nav >> text=已办")
    page.click("a.task-link:has-text('答复商请')")
    assert "现场照片.png" in page.locator("#attachments").inner_text()
    record = page.locator("section.card", has_text="办理记录").inner_text()
    assert "添加附件" in record and hashlib.sha256(PDF).hexdigest() in record and hashlib.sha256(PNG).hexdigest() in record
    shot(page, "attachments_task")
    link = page.locator("#attachments a", has_text="检查记录.pdf").get_attribute("href")
    with page.expect_download() as download:
        page.click("#attachments a:has-text('检查记录.pdf')")
    assert download.value.suggested_filename == "检查记录.pdf"
    page.click("button:has-text('退出')")

    sign_in(page, base, "gaoyan")
    assert page.request.get(base + link).status == 403  # not her matter
