"""What the product cites, by its real name: the seed documents (shared/seeds/) behind the rules.

Code, BPMN documentation and forms refer to a seed by its code and paragraph ("003 §2(3)": seed 003,
part 二, item （三）). People read the document's name and number instead: `cite("003 §2(3)")` gives
《鞍山市人民政府办公厅关于加强集中审批与行业监管协调联动工作的实施意见》（鞍政办发〔2018〕66号）第二部分第（三）项.
A 实施意见 is divided into parts (一、), items (（一）) and points (1.), never 条 (articles are for laws
and regulations), so a citation names 部分, 项 and 点.

Only 003 binds Anshan's departments: 000 is a draft for comment (征求意见稿) that was never issued, and
001, 002 and 004 are other places' documents and work reports kept as examples of practice. Staff pages
show every source by name; public pages cite only sources for which `binds()` holds.
"""
import re
from dataclasses import dataclass

CN_NUMBERS = "〇一二三四五六七八九十"


@dataclass(frozen=True)
class Source:
    title: str
    number: str = ""  # 发文字号, where the document has one
    binds_anshan: bool = False

    @property
    def name(self) -> str:
        return f"《{self.title}》" + (f"（{self.number}）" if self.number else "")


SOURCES = {
    "000": Source("鞍山市应急管理局关于加强行政审批事中事后监管工作的实施意见（征求意见稿）"),
    "001": Source("兰州市七里河区人民政府办公室关于加强行政审批事中事后监管的实施意见"),
    "002": Source("省安全生产监督管理局2016年法治建设工作情况"),
    "003": Source("鞍山市人民政府办公厅关于加强集中审批与行业监管协调联动工作的实施意见", "鞍政办发〔2018〕66号",
                  binds_anshan=True),
    "004": Source("济宁市应急管理局2020年法治政府建设工作报告"),
}

# "003 §2(3)1", "003 §2", "§2(5)" (continuing the document just named), or a bare "002".
_PARAGRAPH = r"§(\d{1,2})(?:\((\d{1,2})\))?(\d{1,2})?"
_CITATION = re.compile(rf"(?<![\d-])(00[0-4])(?:\s*{_PARAGRAPH})?(?![\d-])")
_CONTINUATION = re.compile(rf"(、|，|和)\s*{_PARAGRAPH}")


def _cn(n: int) -> str:
    """1..99 in Chinese numerals, as part and item numbers are written (十二, 二十一)."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else CN_NUMBERS[tens]) + "十" if tens else "") + (CN_NUMBERS[ones] if ones else "")


def paragraph(part, item=None, point=None) -> str:
    """第二部分第（三）项第1点."""
    text = f"第{_cn(int(part))}部分"
    if item:
        text += f"第（{_cn(int(item))}）项"
    if point:
        text += f"第{int(point)}点"
    return text


def cite(reference: str) -> str:
    """One reference such as "003 §3(2)" as people read it; a bare "002" gives the document's name."""
    match = _CITATION.fullmatch(reference.strip())
    if not match:
        raise ValueError(f"不是依据编号：{reference!r}")
    code, part, item, point = match.groups()
    return SOURCES[code].name + (paragraph(part, item, point) if part else "")


def binds(reference: str) -> bool:
    match = _CITATION.fullmatch(reference.strip())
    return match is not None and SOURCES[match.group(1)].binds_anshan


def expand(text) -> str:
    """Text with every seed reference replaced by its citation; "003 §2(4)、§2(5)" names the
    document once and then its parts."""
    text = "" if text is None else str(text)
    out, at = [], 0
    for match in _CITATION.finditer(text):
        code, part, item, point = match.groups()
        cited, end = SOURCES[code].name + (paragraph(part, item, point) if part else ""), match.end()
        while (more := _CONTINUATION.match(text, end)) is not None:
            cited += more.group(1) + paragraph(*more.groups()[1:])
            end = more.end()
        out += [text[at:match.start()], cited]
        at = end
    out.append(text[at:])
    return "".join(out)
