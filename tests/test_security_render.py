"""Issue 16, rendering and page delivery: a document template reads no server file and calls no host
(when deployed and when it renders), only administrators and operators deploy templates, each file is
deployed as what its content is, every response carries the security headers, and trial-run
databases are private to their app instance."""
import contextlib
import io
import stat
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine import Liandong, db, documents
from engine.effects import ServiceCall
from engine.errors import DeploymentError
from engine.models import Definition, Document

pytest_plugins = ["tests.web_fixtures"]
HEADER = '{#- liandong\nname: 测试函\nnumber: "{code}测〔{year}〕{seq}号"\nseries: 测试\n-#}\n'


@pytest.fixture
def engine(tmp_path, engine_template, clock):
    """Deployment checks do not depend on the backend: one SQLite copy keeps this module fast."""
    target = tmp_path / "render.sqlite3"
    target.write_bytes(engine_template.read_bytes())
    eng = db.make_engine(f"sqlite:///{target}")
    with db.session_factory(eng)() as session:
        yield Liandong(session, clock)
    eng.dispose()


@contextlib.contextmanager
def listening():
    """A loopback HTTP server that records every request it receives (and answers with a tiny PNG-less 200)."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: red }")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()


def hostile_body(base: str) -> str:
    """Every way a template can name a file or a host: HTML elements, CSS, SVG, and data: URLs that
    themselves name files (WeasyPrint loads what an SVG image references through the same fetcher)."""
    svg = ('data:image/svg+xml;utf8,<svg xmlns="http://www.w3.org/2000/svg" '
           'xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
           f'<image width="10" height="10" xlink:href="{base}/svg-nested"/>'
           '<image width="10" height="10" href="file:///etc/passwd"/></svg>')
    return f"""<!DOCTYPE html><html><head>
<link rel="attachment" href="file:///proc/self/environ">
<link rel="attachment" href="file:///etc/passwd" title="passwd">
<link rel="stylesheet" href="{base}/link-stylesheet">
<link rel="stylesheet" href="file:///etc/passwd">
<style>
  @import url("{base}/css-import");
  @import "file:///etc/passwd";
  @font-face {{ font-family: Evil; src: url({base}/font-face) }}
  body {{ background: url({base}/css-background) }}
  h1 {{ list-style-image: url(file:///etc/passwd) }}
</style></head>
<body>
<h1 style="background-image: url({base}/style-attribute)">标题</h1>
<p style="font-family: Evil">正文</p>
<img src="file:///etc/passwd"><img src="{base}/img"><img src="//127.0.0.1:1/protocol-relative">
<object data="{base}/object"></object><embed src="{base}/embed">
<a rel="attachment" href="file:///proc/self/environ">附件</a>
<a rel="attachment" href="{base}/a-attachment">附件</a>
<svg width="10" height="10"><image width="10" height="10" href="{base}/inline-svg-image"/></svg>
<img src='{svg}'>
</body></html>"""


def store_template(e, key: str, content: str) -> None:
    """A template row written straight to storage, as one stored before deploy-time checks existed:
    the render path must hold without them."""
    e.db.add(Definition(kind="template", key=key, version=1, name="测试函", filename=key, content=content,
                        content_hash=key, meta={"name": "测试函", "number": "{code}测〔{year}〕{seq}号",
                                                "series": "测试"},
                        deployed_at=datetime(2026, 1, 5, tzinfo=UTC), deployed_by="system"))


def issued_pdf(scenario, kind: str) -> bytes:
    def act(e):
        return documents.issue(ServiceCall(e, None, "wangjianguo"), kind=kind, department="approval_bureau.market", title="关于测试的函",
                               recipients=["market_bureau"], body="正文")

    result = scenario.run(act)
    return scenario.run(lambda e: e.db.get(Document, result["document_id"]).pdf)


def pdf_content(data: bytes) -> tuple[str, dict]:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages), reader.attachments


def decoded_streams(data: bytes) -> bytes:
    """Every stream of the PDF, decompressed: an embedded file would be in one of them."""
    reader = PdfReader(io.BytesIO(data))
    streams = []
    for number in range(1, int(reader.trailer["/Size"])):
        with contextlib.suppress(Exception):
            obj = reader.get_object(number)
            if hasattr(obj, "get_data"):
                streams.append(obj.get_data())
    return b"".join(streams)


def secrets_of_this_machine() -> list[bytes]:
    return [Path(p).read_bytes()[:48] for p in ("/etc/passwd", "/proc/self/environ")]


def test_a_stored_hostile_template_renders_without_reading_files_or_calling_hosts(scenario):
    with listening() as (base, received):
        scenario.run(lambda e: store_template(e, "hostile.html", HEADER + hostile_body(base)))
        pdf = issued_pdf(scenario, "hostile")
    text, attachments = pdf_content(pdf)
    assert "标题" in text and "正文" in text  # the document itself is rendered
    assert list(attachments) == []  # neither the environment nor /etc/passwd rides along
    streams = decoded_streams(pdf)
    assert all(secret not in streams and secret not in pdf for secret in secrets_of_this_machine())
    assert received == []  # no request reached the local server, whatever the vector


def test_rendering_still_embeds_the_product_fonts_and_data_images(scenario):
    """What a document may load still loads: a font of fonts-noto-cjk by file: URL, a data: image."""
    font = "file:///usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    template = HEADER + f"""<html><head><style>
@font-face {{ font-family: Product; src: url({font}) }}
p {{ font-family: Product }}
</style></head><body><p>允许的字体</p><img src="{pixel}" width="20"></body></html>"""
    scenario.run(lambda e: store_template(e, "allowed.html", template))
    pdf = issued_pdf(scenario, "allowed")
    reader = PdfReader(io.BytesIO(pdf))
    assert "允许的字体" in pdf_content(pdf)[0]
    page = reader.pages[0]
    fonts = [str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
    assert any("Product" in name for name in fonts), fonts  # the @font-face file was loaded and embedded
    assert page["/Resources"].get("/XObject"), "the data: image is drawn"


@pytest.mark.parametrize("url, ok", [
    ("#seal", True),
    ("data:image/png;base64,AAAA", True),
    ("file:///usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", True),
    ("file://localhost/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", True),
    ("file:///etc/passwd", False),
    ("file:///proc/self/environ", False),
    ("file:///usr/share/fonts/../../../etc/passwd", False),
    ("file:///usr/share/fonts/%2e%2e/%2e%2e/%2e%2e/etc/passwd", False),
    ("file:///usr/share/fonts/opentype/noto/missing.ttf", False),
    ("file://evil.example/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", False),
    ("FILE:///etc/passwd", False),
    ("http://127.0.0.1/", False),
    ("https://example.com/font.woff2", False),
    ("ftp://example.com/x", False),
    ("//example.com/x", False),
    ("seal.png", False),
    ("", False),
])
def test_what_a_document_may_load(url, ok):
    from engine.document_resources import allowed
    assert allowed(url) is ok


# --- deploying a template: its content decides its kind, only administrators deploy it, and it may
# name no file or host ------------------------------------------------------------------------------
def template_with(line: str) -> str:
    """A template whose 8th line is `line` (the header takes lines 1-5)."""
    return HEADER + "<html><body>\n<p>{{ doc.title }}</p>\n" + line + "\n</body></html>"


HOSTILE_TEMPLATES = {
    "link_attachment_environ": '<link rel="attachment" href="file:///proc/self/environ">',
    "link_stylesheet_loopback": '<link rel="stylesheet" href="http://127.0.0.1:8000/admin/">',
    "img_file": '<img src="file:///etc/passwd">',
    "img_loopback": '<img src="http://127.0.0.1:5432/">',
    "img_scheme_as_entities": '<img src="&#102;&#105;&#108;&#101;:///etc/passwd">',
    "img_upper_case": '<IMG SRC="FILE:///etc/passwd">',
    "img_protocol_relative": '<img src="//169.254.169.254/latest/meta-data/">',
    "img_relative_path": '<img src="../../instance/identity.key">',
    "img_srcset": '<img srcset="data:image/png;base64,AAAA 1x, http://127.0.0.1/2x.png 2x">',
    "img_made_by_jinja": "<img src=\"{{ 'file:///etc/' ~ 'passwd' }}\">",
    "input_image": '<input type="image" src="http://127.0.0.1/">',
    "object_data": '<object data="file:///etc/passwd"></object>',
    "embed_src": '<embed src="http://127.0.0.1/">',
    "iframe_src": '<iframe src="file:///etc/passwd"></iframe>',
    "script_src": '<script src="http://127.0.0.1/x.js"></script>',
    "base_href": '<base href="file:///etc/">',
    "meta_refresh": '<meta http-equiv="refresh" content="0; url=http://127.0.0.1/">',
    "video_poster": '<video poster="http://127.0.0.1/p.png"></video>',
    "a_attachment_loopback": '<a rel="attachment" href="http://127.0.0.1/">附件</a>',
    "a_external_link": '<a href="https://example.com/">链接</a>',
    "svg_image_href": '<svg><image href="file:///etc/passwd"/></svg>',
    "svg_image_xlink_href": '<svg xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://127.0.0.1/"/></svg>',
    "svg_use_external": '<svg><use href="file:///usr/share/x.svg#a"/></svg>',
    "svg_fill_external": '<svg><rect fill="url(http://127.0.0.1/#g)"/></svg>',
    "svg_style_import": "<svg><style>@import url(http://127.0.0.1/s.css);</style></svg>",
    "style_import_url": "<style>@import url(http://127.0.0.1/s.css);</style>",
    "style_import_string": '<style>@import "file:///etc/passwd";</style>',
    "style_background": "<style>body { background: url(http://127.0.0.1/bg.png) }</style>",
    "style_escaped_url": r"<style>body { background: u\72l(file:///etc/passwd) }</style>",
    "style_image_set": '<style>body { background: image-set("http://127.0.0.1/a.png" 1x) }</style>',
    "style_font_face_host": "<style>@font-face { font-family: X; src: url(https://127.0.0.1/x.woff2) }</style>",
    "style_font_face_other_file": "<style>@font-face { font-family: X; src: url(file:///etc/passwd) }</style>",
    "style_font_face_traversal": "<style>@font-face { font-family: X; src: url(file:///usr/share/fonts/../../../etc/passwd) }</style>",
    "style_attr_url": '<p style="background: url(http://127.0.0.1/)">正文</p>',
    "style_attr_url_as_entities": '<p style="background: &#117;rl(http://127.0.0.1/)">正文</p>',
    "style_attr_as_url": '<p data-x="file:///etc/passwd" style="content: attr(data-x url)">正文</p>',
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TEMPLATES))
def test_a_template_naming_a_file_or_host_is_refused_at_deployment_with_its_line(scenario, case):
    before = scenario.run(lambda e: e.db.query(Definition).count())
    with pytest.raises(DeploymentError) as refused:
        scenario.run(lambda e: e.repository.deploy([("hostile.html", template_with(HOSTILE_TEMPLATES[case]).encode())]))
    reason = refused.value.problems[0]["reason"]
    assert reason.startswith("公文模板无效：第8行：公文模板不能"), reason
    assert scenario.run(lambda e: e.db.query(Definition).count()) == before


def test_a_template_with_fonts_data_images_and_fragments_deploys(scenario):
    template = template_with(
        '<style>@font-face { font-family: P; src: url(file:///usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc) }'
        ' h2 { font-family: P }</style><a href="#seal">印章</a>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" style="width: {{ 3 }}em">'
        '<svg><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/></svg>')
    deployed = scenario.run(lambda e: e.repository.deploy([("clean.html", template.encode())]))
    assert [(d.kind, d.key, d.changed) for d in deployed] == [("template", "clean.html", True)]


W_REVIEW = (Path(__file__).parent / "data" / "web" / "w_review.bpmn").read_bytes()
DMN = (Path(__file__).resolve().parent.parent / "processes" / "p10_sampling_ratio.dmn").read_bytes()
FORM = '{"type": "object", "properties": {"note": {"type": "string", "title": "备注"}}}'.encode()
TEMPLATE = template_with("<p>正文</p>").encode()


@pytest.mark.parametrize("filename, content, found", [
    ("diagram.bpmn", TEMPLATE, "公文模板（HTML）"),
    ("diagram.bpmn", b"<!DOCTYPE html><html><body><p>x</p></body></html>", "公文模板（HTML）"),
    ("diagram.bpmn", FORM, "表单（JSON Schema）"),
    ("diagram.bpmn", DMN, "DMN 决策表"),
    ("table.dmn", W_REVIEW, "BPMN 流程图"),
    ("form.json", W_REVIEW, "BPMN 流程图"),
    ("letter.html", W_REVIEW, "BPMN 流程图"),
    ("letter.html", FORM, "表单（JSON Schema）"),
    ("letter.html", DMN, "DMN 决策表"),
])
def test_a_file_is_deployed_as_what_its_content_is(engine, filename, content, found):
    with pytest.raises(DeploymentError) as refused:
        engine.repository.deploy([(filename, content)])
    assert f"文件内容是{found}" in refused.value.problems[0]["reason"]
    assert "不符" in refused.value.problems[0]["reason"]
    assert engine.db.query(Definition).filter(Definition.filename == filename).count() == 0


def test_process_owners_deploy_diagrams_tables_and_forms_but_not_templates(engine):
    from engine.file_kinds import OWNER_KINDS
    with pytest.raises(DeploymentError) as refused:
        engine.repository.deploy([("letter.html", TEMPLATE)], "owner", OWNER_KINDS)
    assert refused.value.problems[0]["reason"] == "只有系统管理员可以部署公文模板"
    deployed = engine.repository.deploy([("note.json", FORM)], "owner", OWNER_KINDS)
    assert [(d.kind, d.changed) for d in deployed] == [("form", True)]


def definitions_named(backdoor, filename: str) -> int:
    return backdoor.run(lambda e: e.db.query(Definition).filter(Definition.filename == filename).count())


@pytest.mark.parametrize("route", ["/modeler/deploy", "/modeler/validate"])
@pytest.mark.parametrize("filename", ["evil.html", "diagram.bpmn", ""])
def test_a_process_owner_cannot_deploy_a_template_from_the_modeler(web, backdoor, route, filename):
    """The posted file name no longer decides the kind: a template is a template, and only
    administrators deploy templates (before, filename=evil.html deployed it)."""
    hostile = HEADER + "<html><body><p>{{ doc.title }}</p></body></html>"
    response = web("owner").post(route, {"xml": hostile, "filename": filename})
    problems = response.get_json()["problems"]
    assert response.get_json()["ok"] is False and len(problems) == 1
    if filename == "evil.html":
        assert problems[0]["reason"] == "只有系统管理员可以部署公文模板"
    else:
        assert "文件内容是公文模板（HTML）" in problems[0]["reason"]
    assert definitions_named(backdoor, "evil.html") == 0
    assert backdoor.run(lambda e: e.db.query(Definition).filter(Definition.kind == "template").count()) == 0


def test_an_administrator_who_owns_processes_deploys_a_checked_template_and_the_log_says_who(web, backdoor):
    from engine.models import Event, Person

    def grant(e):
        e.db.get(Person, "owner").system_roles = ["process_owner", "admin"]
    backdoor.run(grant)
    person = web("owner")
    refused = person.post("/modeler/deploy", {"xml": template_with('<img src="file:///etc/passwd">'),
                                              "filename": "letter.html"})
    assert refused.status_code == 422
    assert refused.get_json()["problems"][0]["reason"].startswith("公文模板无效：第8行：公文模板不能引用外部地址")
    deployed = person.post("/modeler/deploy", {"xml": TEMPLATE.decode(), "filename": "letter.html"})
    assert deployed.status_code == 200 and deployed.get_json()["key"] == "letter.html"
    logged = backdoor.run(lambda e: [(ev.actor, ev.data["kind"], ev.data["key"], ev.data["version"])
                                     for ev in e.db.query(Event).filter(Event.kind == "deployed")
                                     .filter(Event.data["key"].as_string() == "letter.html")])
    assert logged == [("owner", "template", "letter.html", 1)]


def test_the_command_line_deploys_templates_and_records_the_operator(tmp_path, engine_template):
    import getpass
    import subprocess
    import sys

    from sqlalchemy import select

    from engine.models import Event
    target = tmp_path / "cli.sqlite3"
    target.write_bytes(engine_template.read_bytes())
    url = f"sqlite:///{target}"
    (tmp_path / "letter.html").write_bytes(TEMPLATE)
    (tmp_path / "hostile.html").write_text(template_with('<link rel="attachment" href="file:///proc/self/environ">'))
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "USER": getpass.getuser()}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True,
                              env=env, timeout=120)

    refused = cli("deploy", str(tmp_path / "hostile.html"))
    assert refused.returncode == 2 and "第8行：公文模板不能使用 <link> 元素引入外部内容" in refused.stderr
    done = cli("deploy", str(tmp_path / "letter.html"))
    assert done.returncode == 0 and "template letter.html 版本 1（新版本）" in done.stdout
    eng = db.make_engine(url)
    with db.session_factory(eng)() as session:
        row = session.execute(select(Definition).where(Definition.key == "letter.html")).scalar_one()
        event = session.execute(select(Event).where(Event.kind == "deployed")
                                .order_by(Event.id.desc()).limit(1)).scalar_one()
    eng.dispose()
    operator = f"operator:{getpass.getuser()}"
    assert row.deployed_by == operator and (event.actor, event.data["key"]) == (operator, "letter.html")


# --- security headers and caching (item 8) -----------------------------------------------------------
def assert_secure(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and ("default-src 'self'" in csp or "default-src 'none'" in csp), csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_response_carries_the_security_headers_and_private_ones_are_not_stored(web, app):
    staff, owner, anonymous = web("zhuling"), web("owner"), web()
    token = app.test_client().post("/api/v1/token", json={"id": "zhuling", "password": "liandong2026"}).get_json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    private = {  # what each answers: pages, refusals, errors and the API alike
        200: [staff.get("/inbox/mine"), staff.get("/start"), owner.get("/modeler/"),
              staff.get("/public/results"), anonymous.get("/login"),
              app.test_client().get("/api/v1/processes", headers=bearer), app.test_client().get("/api/v1/openapi.json")],
        302: [staff.get("/"), anonymous.get("/inbox/mine")],
        401: [app.test_client().get("/api/v1/tasks")],
        403: [staff.get("/modeler/")],
        404: [staff.get("/no-such-page"), staff.get("/public/reporter/1")],  # no such complaint
    }
    for status, responses in private.items():
        for response in responses:
            assert response.status_code == status, (response.request.path, response.status_code)
            assert_secure(response)
            assert response.headers["Cache-Control"] == "no-store", response.request.path
    for path in ("/public/results", "/public/report"):
        response = anonymous.get(path)
        assert_secure(response)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, max-age=60"
    static = anonymous.get("/static/style.css")
    assert_secure(static)
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in staff.get("/").headers  # plain HTTP, no secure cookies


def test_diagram_xml_keeps_its_stricter_policy(web, backdoor):
    definition = backdoor.run(lambda e: e.repository.process("w_review").id)
    response = web("owner").get(f"/modeler/definitions/{definition}/xml?inline=1")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "no-store"


def test_documents_are_not_stored_by_browsers_or_proxies(web, backdoor):
    def arrange(e):
        e.repository.deploy([("letter.html", TEMPLATE)])
        return documents.issue(ServiceCall(e, None, "admin"), kind="letter", department="approval_bureau.market", title="关于测试的函")["document_id"]
    document_id = backdoor.run(arrange)
    admin = web("admin")
    for fmt in ("pdf", "docx"):
        response = admin.get(f"/documents/{document_id}.{fmt}")
        assert response.status_code == 200
        assert_secure(response)
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("secure_cookie, base_url, expected", [
    (True, "http://localhost", True), (False, "https://localhost", True), (False, "http://localhost", False)])
@pytest.mark.usefixtures("web")
def test_hsts_when_served_over_https(app, secure_cookie, base_url, expected):
    app.config["SESSION_COOKIE_SECURE"] = secure_cookie
    response = app.test_client().get("/login", base_url=base_url)
    assert ("Strict-Transport-Security" in response.headers) is expected
    if expected:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


# --- trial-run databases (item 9) --------------------------------------------------------------------
TWO_STEPS = (Path(__file__).parent / "data" / "two_steps.bpmn").read_text("utf-8")


def trial_run(app, backdoor) -> Path:
    """An owner tries a draft in this app; returns the trial run's folder."""
    from engine.models import Draft

    def add(e):
        draft = Draft(process_key="t_two_steps", content=TWO_STEPS, saved_by="owner", saved_at=e.clock.now())
        e.db.add(draft)
        e.db.flush()
        return draft.id
    from tests.web_fixtures import WebUser
    owner = WebUser(app, "owner")
    created = owner.post(f"/modeler/drafts/{backdoor.run(add)}/sandbox")
    assert created.status_code == 302, created.get_data(as_text=True)
    url = created.headers["Location"]
    assert owner.post(f"{url}/start", {"as_user": "zhuling", "extra_json": '{"department": "market_bureau"}'}
                      ).status_code == 302
    token = url.rstrip("/").rsplit("/", 1)[-1]
    with app.test_request_context():
        from web.modeler import sandbox
        return sandbox.Sandbox(token).folder


@pytest.fixture
def instance_folder(app, tmp_path, monkeypatch):
    """The app's instance folder in the test's own directory, and a system temp directory of its own in
    which someone pre-created the old shared folder, world-writable."""
    app.instance_path = str(tmp_path / "instance")
    app.config.pop("SANDBOX_DIR", None)
    shared_tmp = tmp_path / "tmp"
    (shared_tmp / "liandong-sandboxes").mkdir(parents=True)
    (shared_tmp / "liandong-sandboxes").chmod(0o777)
    monkeypatch.setattr("tempfile.tempdir", str(shared_tmp))
    return tmp_path / "instance"


def test_trial_runs_are_private_files_under_the_instance_folder(app, backdoor, instance_folder, tmp_path):
    folder = trial_run(app, backdoor)
    assert folder.is_relative_to(instance_folder / "sandboxes")
    assert list((tmp_path / "tmp" / "liandong-sandboxes").iterdir()) == []  # the pre-created folder is not used
    files = [p for p in folder.iterdir()]
    assert {p.name for p in files} >= {"meta.json", "sandbox.sqlite3"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), {p.name: oct(p.stat().st_mode) for p in files}
    for parent in (folder, folder.parent, folder.parent.parent):
        assert stat.S_IMODE(parent.stat().st_mode) == 0o700, parent


@pytest.mark.usefixtures("instance_folder")
def test_one_app_instances_cleanup_never_removes_anothers_trial_runs(app, backdoor, tmp_path,
                                                                     web_template, clock):
    import os
    import shutil
    import time

    from tests.web_fixtures import Backdoor
    from web import create_app
    shutil.copy(web_template, tmp_path / "other.sqlite3")
    other = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}",
                        "SECRET_KEY": "test-secret", "CLOCK": clock})
    other.instance_path = app.instance_path  # same installation folder, another database
    try:
        theirs = trial_run(other, Backdoor(other))
        two_days_ago = time.time() - 2 * 24 * 3600
        os.utime(theirs / "meta.json", (two_days_ago, two_days_ago))
        ours = trial_run(app, backdoor)  # creating one cleans up this app's old trial runs
        assert ours.parent != theirs.parent
        assert (theirs / "meta.json").exists()
        with other.test_request_context():  # the other app's own cleanup does remove it
            from web.modeler import sandbox
            sandbox._clean_old()
        assert not theirs.exists() and ours.exists()
    finally:
        other.extensions["liandong_engine"].dispose()


@pytest.mark.usefixtures("app")
def test_a_folder_planted_as_a_link_is_refused_not_followed(web, backdoor, instance_folder, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    instance_folder.mkdir()
    (instance_folder / "sandboxes").symlink_to(elsewhere)
    from engine.models import Draft

    def add(e):
        e.db.add(Draft(process_key="t_two_steps", content=TWO_STEPS, saved_by="owner", saved_at=e.clock.now()))
        e.db.flush()
        return e.db.query(Draft).one().id
    draft = backdoor.run(add)
    response = web("owner").post(f"/modeler/drafts/{draft}/sandbox")
    assert response.status_code == 500 and "不是本应用自己的目录" in response.get_data(as_text=True)
    assert list(elsewhere.iterdir()) == []
