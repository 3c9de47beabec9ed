"""What a reader of an issued PDF sees, page by page: its lines with their positions (pdftotext
-bbox-layout) and where the red seal is (the page rendered by pdftoppm). Used to check GB/T 9704-2012's
layout rules on every document kind."""
import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from PIL import Image

from engine.models import Document

PAGE_NUMBER = re.compile(r"^—\s*\d+\s*—$")
MM = 72 / 25.4
TEXT_BOTTOM_PT = (297 - 35) * MM  # the text block ends 35 mm above the page's foot


@dataclass
class Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


def pages(pdf: bytes) -> list[list[Line]]:
    """Each page's lines, top to bottom, in pt from the page's top left corner."""
    out = subprocess.run(["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    root = etree.fromstring(re.sub(rb"<!DOCTYPE[^>]*>", b"", out))
    result = []
    for page in root.iter("{*}page"):
        lines = []
        for line in page.iter("{*}line"):
            text = "".join(w.text or "" for w in line.iter("{*}word"))
            lines.append(Line(text, *(float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))))
        result.append(sorted(lines, key=lambda ln: (round(ln.y0), ln.x0)))
    return result


def assert_official_letter(s, m, letter: dict, variable: str, number: str, title: str, department: str,
                           issued_by: str, *phrases: str) -> None:
    """`letter` (one of m.documents()) is a 公函 issued as `number` with `title` in `department`'s name,
    signed off by `issued_by`, its files intact; the matter keeps its number in `variable`; and a reader of
    the PDF finds each of `phrases`."""
    assert (letter["kind"], letter["number"], letter["title"], letter["department"], letter["issued_by"]) == (
        "official_letter", number, title, department, issued_by)
    assert letter["intact"] and m.data[variable]["number"] == number
    pdf = s.run(lambda e: e.db.get(Document, letter["id"]).pdf)
    text = "".join(line.text for page in pages(pdf) for line in page)
    for phrase in phrases:
        assert phrase in text, phrase


def render(pdf: bytes, page: int) -> Image.Image:
    """Page `page` (from 1) at 72 dpi: one pixel a point."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", str(page), "-l", str(page), "-", f"{folder}/p"],
                       input=pdf, check=True)
        [png] = list(Path(folder).glob("p*.png"))
        return Image.open(io.BytesIO(png.read_bytes())).convert("RGB")


def red_box(image: Image.Image, box: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
    """Bounding box of the seal-red pixels inside `box` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = (int(max(0, v)) for v in box)
    found = None
    pixels = image.load()
    for y in range(y0, min(y1, image.height)):
        for x in range(x0, min(x1, image.width)):
            r, g, b = pixels[x, y]
            if r > 180 and g < 120 and b < 120:
                found = (x, y, x, y) if found is None else (
                    min(found[0], x), min(found[1], y), max(found[2], x), max(found[3], y))
    return found
