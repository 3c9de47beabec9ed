"""Document templates: the header a template file declares (checked at deployment), the sandboxed
Jinja2 environment that renders deployed templates, and the formatting helpers templates may call."""
import re
from datetime import date, datetime

import yaml
from jinja2 import BaseLoader, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select

from . import citations
from .clock import local, parse_local
from .document_layout import signature_block, signature_layout, title_html
from .models import Definition

HEADER = re.compile(r"\A\s*\{#-?\s*liandong[ \t]*\n(?P<meta>.*?)-?#\}", re.S)


# --- template files ---

def check_template(text: str) -> dict:
    """Validate a template file at deployment; returns its header (stored as the definition's meta)."""
    match = HEADER.match(text)
    if not match:
        raise ValueError("模板须以 {#- liandong … -#} 头注释开始（name、number、series）")
    try:
        meta = yaml.safe_load(match.group("meta")) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"头注释不是有效的 YAML：{err}") from None
    if not isinstance(meta, dict) or not meta.get("name"):
        raise ValueError("头注释缺少 name（文种名称）")
    if not meta.get("base"):
        number = meta.get("number")
        if not isinstance(number, str) or not meta.get("series"):
            raise ValueError("头注释缺少 number（文号格式）或 series（编号系列）")
        try:
            sample = number.format(code="鞍审批", year=2026, seq=1)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"文号格式只能使用 {{code}}、{{year}}、{{seq}}：{err}") from None
        if "{seq}" not in number or "{year}" not in number or sample == number:
            raise ValueError("文号格式须包含 {year} 和 {seq}")
    try:
        environment(_NoLoader()).parse(text)
    except TemplateSyntaxError as err:
        raise ValueError(f"第{err.lineno}行：{err.message}") from None
    if meta.get("imprint") not in (None, "file", "letter"):
        raise ValueError("头注释 imprint（版记）只能是 file（抄送、印发机关和印发日期）或 letter（仅抄送）")
    return {k: meta[k] for k in ("name", "number", "series", "base", "imprint") if k in meta}


class _NoLoader(BaseLoader):
    def get_source(self, _environment, template):
        raise TemplateNotFound(template)


class DeployedLoader(BaseLoader):
    """Latest deployed version of each template; remembers which versions a rendering used."""

    def __init__(self, db):
        self.db = db
        self.used: dict[str, int] = {}

    def row(self, name: str) -> Definition:
        row = self.db.execute(
            select(Definition).where(Definition.kind == "template", Definition.key == name)
            .order_by(Definition.version.desc()).limit(1)
        ).scalar_one_or_none()
        if row is None:
            raise TemplateNotFound(name)
        return row

    def get_source(self, _environment, template):
        row = self.row(template)
        self.used[template] = row.version
        return row.content, template, lambda: False


def environment(loader) -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["paragraphs"] = paragraphs
    env.filters["cn_date"] = cn_date
    env.globals["cn_date"] = cn_date
    env.globals["signature_layout"] = signature_layout
    env.globals["signature_block"] = signature_block
    env.globals["title_html"] = title_html
    env.globals["fit_pt"] = fit_pt
    env.globals["cite"] = citations.cite
    return env


# --- formatting helpers (also available in templates) ---

def cn_date(value) -> str:
    """2026年11月23日: GB/T 9704-2012 §7.3.5.1 "用阿拉伯数字将年、月、日标全，年份应标全称，月、日不编虚位"
    (成文日期, and the dates in the body follow the same practice)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = parse_local(value if len(value) > 10 else value + "T12:00:00")
    if isinstance(value, datetime):
        value = local(value).date()
    if not isinstance(value, date):
        raise ValueError(f"不是日期：{value!r}")
    return f"{value.year}年{value.month}月{value.day}日"


def paragraphs(text) -> list[str]:
    """A text field as paragraphs: one per non-empty line."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def fit_pt(lines, largest: float, width_pt: float = 440) -> int:
    """Font size (pt) at which the longest of `lines` fits the 156 mm text block on one line, at most
    `largest`: an issuer mark such as 中共鞍山市委机构编制委员会办公室 must not wrap (GB/T 9704-2012 §7.2.2)."""
    longest = max([len(str(x)) for x in lines] + [1])
    return int(min(largest, width_pt / longest))
