"""Issued documents are listed on the task, matter and admin pages and download as PDF and Word,
for the people of the matter only."""
import shutil

import pytest

from engine import Liandong, documents
from engine.clock import FrozenClock
from engine.effects import ServiceCall
from tests.test_office import request
from tests.web_fixtures import WebUser
from web import create_app


@pytest.fixture
def app_with_letter(tmp_path, processes_template):
    target = tmp_path / "docs.sqlite3"
    shutil.copy(processes_template, target)
    clock = FrozenClock("2026-09-30 10:00")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "t", "CLOCK": clock})
    with app.extensions["liandong_sessions"]() as session, session.begin():
        engine = Liandong(session, clock)
        matter = engine.runtime.start("p3_consultation_request", request(), "sunli")
        letter = documents.issue(ServiceCall(engine, matter.id, "wangjianguo"), kind="official_letter", department="approval_bureau.market",
                                 title="关于新址监管责任的函", recipients=["market_bureau"], body="请贵局依职责开展监管。\n特此函告。",
                                 contact="zhaomin")
        task_id = engine.tasks.of_instance(matter.id, open_only=True)[0].id
    yield app, matter.id, letter, task_id
    app.extensions["liandong_engine"].dispose()


def test_documents_are_listed_and_downloaded_by_the_people_of_the_matter(app_with_letter):
    app, matter_id, letter, task_id = app_with_letter
    zhuling = WebUser(app, "zhuling")
    page = zhuling.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert letter["number"] in page and "关于新址监管责任的函" in page
    pdf = zhuling.get(f"/documents/{letter['document_id']}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "filename*=UTF-8''" in pdf.headers["Content-Disposition"]
    docx = WebUser(app, "sunli").get(f"/documents/{letter['document_id']}.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    assert letter["number"] in WebUser(app, "sunli").get(f"/matters/{matter_id}").get_data(as_text=True)
    assert letter["number"] in WebUser(app, "admin").get(f"/admin/instances/{matter_id}").get_data(as_text=True)


def test_others_cannot_download(app_with_letter):
    app, matter_id, letter, task_id = app_with_letter
    assert WebUser(app, "gaoyan").get(f"/documents/{letter['document_id']}.pdf").status_code == 403
    assert WebUser(app).get(f"/documents/{letter['document_id']}.pdf").status_code == 302
    assert WebUser(app, "zhuling").get(f"/documents/{letter['document_id']}.exe").status_code == 404


def test_forms_cite_the_seed_by_its_name_and_part(app_with_letter):
    """P7's start form says "003 §2(6)：…" in its definition; the page names the 实施意见 and its part."""
    app = app_with_letter[0]
    page = WebUser(app, "sunli").get("/start/p7_joint_site_inspection").get_data(as_text=True)
    assert ("《鞍山市人民政府办公厅关于加强集中审批与行业监管协调联动工作的实施意见》（鞍政办发〔2018〕66号）"
            "第二部分第（六）项：对专业要求高") in page
    assert "003 §" not in page
