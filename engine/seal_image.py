"""The seal (印章) of an issuing authority, drawn from its name: round, red, a five-pointed star in the
middle and the name along the upper arc, as the seals of Chinese government organs are cut.

The picture is an SVG of paths only: the name's characters are the outlines of the installed Noto Serif
CJK SC Bold glyphs (fontTools), so the seal adds no text to the PDF (a reader extracting the 成文日期
under it reads the date, not the seal) and the renderer loads nothing to draw it. It is what the
reader sees; what proves the document is the authority's digital signature (engine/authority_keys.py).
"""
import base64
import functools
import math

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.ttLib import TTCollection

FONT_FILE = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
FONT_NAME = "Noto Serif CJK SC"
RED = "#e60012"
DIAMETER_MM = 42  # 国家行政机关印章: 直径4.2厘米 (a 市人民政府's is 4.5; one size keeps the layout simple)
SIZE = 420  # drawing units: 0.1 mm


@functools.cache
def _font():
    for font in TTCollection(FONT_FILE).fonts:
        if font["name"].getDebugName(1) == FONT_NAME:
            return font
    raise RuntimeError(f"缺少印章字体 {FONT_NAME}（{FONT_FILE}）")


@functools.cache
def _glyph(char: str) -> tuple[str, float]:
    """SVG path of one character in font units (y up) and its advance width."""
    font = _font()
    name = font.getBestCmap().get(ord(char))
    if name is None:
        raise ValueError(f"印章字体缺少字符“{char}”")
    glyphs = font.getGlyphSet()
    pen = SVGPathPen(glyphs)
    glyphs[name].draw(pen)
    return pen.getCommands(), glyphs[name].width


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append(f"{cx + radius * math.cos(angle):.1f},{cy + radius * math.sin(angle):.1f}")
    return f'<polygon points="{" ".join(points)}" fill="{RED}"/>'


def seal_svg(name: str) -> str:
    """The seal of `name` as an SVG document, 42 mm across. The characters are 7 mm tall and stand
    on a circle inside the ring; they share at most 250° of the upper arc, each as wide as its share
    allows (a long name has narrow characters, as a seal engraver cuts them)."""
    centre, ring, height = SIZE / 2, 12, 70
    chars = [c for c in str(name) if not c.isspace()]
    if not chars:
        raise ValueError("印章须有机关名称")
    top = centre - ring - 8  # the characters' tops stay 0.8 mm inside the ring
    baseline = top - 0.88 * height  # CJK glyphs stand from -0.12 to 0.88 em
    middle = baseline + 0.38 * height
    step = min(32.0, 250.0 / len(chars))  # degrees per character
    width = min(0.95 * height, middle * math.radians(step) * 0.88)
    parts = []
    for i, char in enumerate(chars):
        path, advance = _glyph(char)
        angle = step * (i - (len(chars) - 1) / 2)
        # Rotate about the centre, move up to the baseline circle, flip the glyph (font units are y up).
        parts.append(
            f'<path transform="translate({centre},{centre}) rotate({angle:.2f}) translate(0,{-baseline:.1f}) '
            f'scale({width / 1000:.4f},{-height / 1000:.4f}) translate({-advance / 2:.1f},0)" d="{path}" '
            f'fill="{RED}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{DIAMETER_MM}mm" height="{DIAMETER_MM}mm" '
        f'viewBox="0 0 {SIZE} {SIZE}">'
        f'<circle cx="{centre}" cy="{centre}" r="{centre - ring / 2}" fill="none" stroke="{RED}" '
        f'stroke-width="{ring}"/>'
        + _star(centre, centre + 10, 68) + "".join(parts) + "</svg>")


@functools.cache
def seal_data_url(name: str) -> str:
    """The seal as a data: URL, the only kind of image a document may load (engine/document_resources.py)."""
    return "data:image/svg+xml;base64," + base64.b64encode(seal_svg(name).encode()).decode()
