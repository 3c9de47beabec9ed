"""Layout rules of GB/T 9704-2012 that the browser-style line breaker cannot keep by itself: where a
title breaks (§7.3.1) and where signatures, seals and the date stand (§7.3.5.1). Both return HTML for
the templates (functions `title_html` and `signature_block`); the .docx writer reads the same HTML.
"""
import functools
import logging
import math

from markupsafe import Markup

from .seal_image import DIAMETER_MM, seal_data_url

PT_PER_MM = 72 / 25.4
BLOCK_PT = 156 * PT_PER_MM  # the text block: 156 mm
CHAR_PT = BLOCK_PT / 28  # 3号 body, 28 characters a line
LINE_PT = 28.95  # 22 lines a page
SEAL_PT = DIAMETER_MM * PT_PER_MM
SEAL_GAP_PT = 6  # seals of joint issuers never touch (§7.3.5.1: 互不相交或相切)
NO_LINE_START = set("的”’）》〕」』，。、；：？！")
NO_LINE_END = set("“‘（《〔「『")
# Where a title breaks best: after 关于 and 的, after a company's name, around a quotation or a list.
BREAK_AFTER = {"关于", "的", "公司", "有限公司", "、", "”", "与", "和", "及"}
BREAK_BEFORE = {"“", "关于"}
WEAK_BREAK = 9  # as costly as a line 3 characters off the even length
# Terms of this domain the general dictionary splits ("危险/化学品"): never broken.
TERMS = ["安全生产", "危险化学品", "评判裁决", "现场核查", "联合勘验", "会商纪要", "行政审批", "行政处罚",
         "事中事后", "食品经营", "双随机", "联络人", "责任人"]


# --- titles (§7.3.1: 回行时，要做到词意完整，排列对称，长短适宜) ---

@functools.cache
def _segmenter():
    import jieba  # a dictionary of words: a title breaks only where a word ends

    jieba.setLogLevel(logging.WARNING)
    for term in TERMS:
        jieba.add_word(term, freq=10_000_000)
    return jieba


def words(text: str) -> list[str]:
    return list(_segmenter().cut(str(text), HMM=False))


def title_lines(title: str, size_pt: float = 22, spacing_pt: float = 0) -> list[str]:
    """The title in as few lines as fit the text block, broken only between words and as evenly as
    the words allow; no line starts with 的 or closing punctuation, none ends with opening punctuation."""
    title = str(title).strip()
    per_line = max(1, int(BLOCK_PT // (size_pt + spacing_pt)))
    if len(title) <= per_line:
        return [title] if title else []
    pieces = words(title)
    if any(len(piece) > per_line for piece in pieces):  # a "word" longer than a line: characters, then
        pieces = list(title)
    cuts, strong = [0], set()
    for i, piece in enumerate(pieces):
        cuts.append(cuts[-1] + len(piece))
        if piece in BREAK_AFTER or (i + 1 < len(pieces) and pieces[i + 1] in BREAK_BEFORE):
            strong.add(cuts[-1])
    count = math.ceil(len(title) / per_line)
    while True:
        best = _balanced(title, cuts, strong, count, per_line)
        if best is not None:
            return best
        count += 1


def _balanced(title: str, cuts: list[int], strong: set[int], count: int, per_line: int) -> list[str] | None:
    """The split into `count` lines at word boundaries with the least uneven lengths (dynamic programming)."""
    target = len(title) / count

    def cost(start: int, end: int) -> float | None:
        return _line_cost(title, start, end, target, strong, per_line)

    @functools.cache
    def best(i: int, lines: int):  # (cost, ends) for title[cuts[i]:] in `lines` lines
        if lines == 1:
            c = cost(cuts[i], len(title))
            return None if c is None else (c, (len(title),))
        found = None
        for j in range(i + 1, len(cuts) - 1):
            if cuts[j] - cuts[i] > per_line:
                break
            c = cost(cuts[i], cuts[j])
            if c is None:
                continue
            rest = best(j, lines - 1)
            if rest is not None and (found is None or c + rest[0] < found[0]):
                found = (c + rest[0], (cuts[j],) + rest[1])
        return found

    result = best(0, count)
    if result is None:
        return None
    starts = (0,) + result[1][:-1]
    return [title[a:b] for a, b in zip(starts, result[1], strict=True)]


def _line_cost(title: str, start: int, end: int, target: float, strong: set[int], per_line: int) -> float | None:
    """How uneven title[start:end] is as one line (None: it cannot be one), with penalties for a
    mark that may not start or end a line and for a break at a weak word boundary."""
    line = title[start:end]
    if not line or len(line) > per_line:
        return None
    penalty = (len(line) - target) ** 2
    if start and line[0] in NO_LINE_START:
        penalty += 1000
    if end < len(title) and line[-1] in NO_LINE_END:
        penalty += 1000
    if end < len(title) and end not in strong:
        penalty += WEAK_BREAK
    return penalty


def title_html(title: str, size_pt: float = 22, spacing_pt: float = 0) -> Markup:
    """The title's lines, each kept whole (white-space: nowrap), joined by line breaks."""
    return Markup("<br>").join(Markup('<span class="title-line">{}</span>').format(line)
                               for line in title_lines(title, size_pt, spacing_pt))


# --- signatures, seals and the date (§7.3.5.1 加盖印章的公文) ---

def signature_layout(names, when: str) -> dict:
    """Where each issuer's name, its seal and the date stand, in pt from the left of the text block.

    成文日期 right 4 characters; the name centred over it; the seal centred on both, a little above
    their middle ("使发文机关署名和成文日期居印章中心偏下位置"). Joint issuers stand in one row in their
    order, each seal on its name and the last on the name and the date, seals apart; if their names
    do not fit one row, one issuer a row."""
    names = [str(n) for n in names]
    date_width = len(when) * CHAR_PT
    centre = BLOCK_PT - 4 * CHAR_PT - date_width / 2
    row = [centre]
    for left, right in zip(reversed(names[:-1]), reversed(names[1:]), strict=True):
        pitch = max(SEAL_PT + SEAL_GAP_PT, (len(left) + len(right)) / 2 * CHAR_PT + 2 * CHAR_PT)
        row.insert(0, row[0] - pitch)
    one_row = all(c - SEAL_PT / 2 >= 0 and c - len(n) * CHAR_PT / 2 >= 0 for c, n in zip(row, names, strict=True))
    placed = []
    for i, name in enumerate(names):
        top = 0 if one_row else i * (SEAL_PT + SEAL_GAP_PT)
        x = row[i] if one_row else centre
        width = len(name) * CHAR_PT
        left = min(max(0.0, x - width / 2), BLOCK_PT - width)
        placed.append({"name": name, "left": left, "top": top, "width": width,
                       "seal_left": x - SEAL_PT / 2, "seal_top": top + 0.75 * LINE_PT - SEAL_PT / 2})
    last = placed[-1]
    height = last["seal_top"] + SEAL_PT
    return {"issuers": placed, "date": {"left": centre - date_width / 2, "top": last["top"] + LINE_PT,
                                        "width": date_width},
            "height": height, "lift": -placed[0]["seal_top"]}


def signature_block(issuers, when: str) -> Markup:
    """HTML of the signature block: `issuers` are (name as signed, authority whose seal it is).
    One unbreakable box kept with the text before it, so the date never stands alone on a page
    (§7.3.5.4). The .docx gets the names and the date right-aligned (margin-right) and no seal: the
    seal belongs to the signed PDF."""
    issuers = [(str(i), str(i)) if isinstance(i, str) else (str(i[0]), str(i[1])) for i in issuers]
    layout = signature_layout([name for name, _ in issuers], when)
    parts = []
    for (name, _), spot in zip(issuers, layout["issuers"], strict=True):
        parts.append(Markup(
            '<p class="signature" style="position: absolute; left: {:.1f}pt; top: {:.1f}pt; width: {:.1f}pt; '
            'margin: 0; margin-right: {}em">{}</p>').format(
            spot["left"], spot["top"], spot["width"],
            max(0, round((BLOCK_PT - spot["left"] - spot["width"]) / CHAR_PT)), name))
    date = layout["date"]
    parts.append(Markup(
        '<p class="date" style="position: absolute; left: {:.1f}pt; top: {:.1f}pt; width: {:.1f}pt; '
        'margin-right: 4em">{}</p>').format(date["left"], date["top"], date["width"], when))
    for (_, seal), spot in zip(issuers, layout["issuers"], strict=True):
        parts.append(Markup(
            '<img class="seal pdf-only" alt="{}印章" src="{}" style="left: {:.1f}pt; top: {:.1f}pt">').format(
            seal, seal_data_url(seal), spot["seal_left"], spot["seal_top"]))
    return Markup('<div class="signing" style="height: {:.1f}pt; margin-top: {:.1f}pt">{}</div>').format(
        layout["height"], layout["lift"] + 4, Markup("").join(parts))

