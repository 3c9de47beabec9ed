"""Issue 16, rendering and page delivery: a document template reads no server file and calls no host
(when deployed and when it renders), only administrators and operators deploy templates, each file is
deployed as what its content is, every response carries the security headers, and trial-run
databases are private to their app instance."""
import contextlib
import io
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine import documents
from engine.models import Definition, Document

HEADER = '{#- liandong\nname: 测试函\nnumber: "{code}测〔{year}〕{seq}号"\nseries: 测试\n-#}\n'


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
        e.actor = "wangjianguo"
        return documents.issue(e, kind=kind, department="approval_bureau.market", title="关于测试的函",
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
