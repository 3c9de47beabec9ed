"""What an official document may load while it renders, checked twice.

A template is HTML and CSS, and both can name URLs: `<img src>`, `<link>`, `@import`, `url()`,
`@font-face`, SVG `href`. WeasyPrint's default fetcher would open any of them: `file:` reads the
server's files (a `<link rel="attachment">` puts them into the PDF) and `http:` calls any host.
A document may load only

- the fonts installed for the product (Debian's fonts-noto-cjk and the other system fonts, by `file:`
  URL under FONT_FOLDERS, font files only),
- `data:` URLs, which carry their content in themselves and read nothing, and
- fragments (`#id`), which point inside the document.

`check_template` refuses a template that names anything else when it is deployed (with the line);
`fetcher()` is the renderer's only way out at render time, so a URL made up while the template runs,
or a template stored before this check existed, loads nothing either.
"""
import functools
import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tinycss2
import tinyhtml5

log = logging.getLogger(__name__)

FONT_FOLDERS = (Path("/usr/share/fonts"),)
FONT_SUFFIXES = {".ttf", ".ttc", ".otf", ".otc", ".woff", ".woff2"}

# Elements that exist to pull in another resource or change how URLs resolve: never in a template.
REFUSED_ELEMENTS = {"script", "base", "link", "iframe", "frame", "frameset", "object", "embed", "applet",
                    "portal", "audio", "video", "source", "track"}
# Attributes whose value is a URL (any element, HTML or SVG; xlink:href counts as href).
URL_ATTRIBUTES = {"href", "src", "srcset", "data", "poster", "background", "action", "formaction", "cite",
                  "longdesc", "lowsrc", "dynsrc", "manifest", "codebase", "classid", "archive", "ping",
                  "icon", "profile", "usemap"}
# CSS functions whose string arguments are URLs.
URL_FUNCTIONS = {"url", "src", "image", "image-set", "-webkit-image-set", "cross-fade"}


def allowed(url: str) -> bool:
    """May a document load this (absolute or fragment) URL?"""
    url = url.strip()
    if url.startswith("#"):
        return True
    scheme = urlsplit(url).scheme.lower()
    if scheme == "data":
        return True
    if scheme == "file":
        return _font_file(url) is not None
    return False


def _font_file(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()  # symlinks and '..' resolved before the folder check
    if path.suffix.lower() not in FONT_SUFFIXES or not path.is_file():
        return None
    return path if any(path.is_relative_to(folder.resolve()) for folder in FONT_FOLDERS) else None


# --- at deployment ---

def check_template(text: str) -> None:
    """Raise ValueError (Chinese, with the line) if the template's HTML or CSS names anything a
    document may not load. The template's own text is read as the renderer will read it: entities
    decoded (tinyhtml5, WeasyPrint's HTML parser) and CSS escapes resolved (tinycss2)."""
    for element in tinyhtml5.parse(text).iter():
        if isinstance(element.tag, str):  # not a comment
            _check_element(text, element)


def _check_element(text: str, element) -> None:
    name = _local(element.tag)
    if name in REFUSED_ELEMENTS:
        raise _problem(text, (f"<{name}",), f"公文模板不能使用 <{name}> 元素引入外部内容")
    if name == "meta" and element.get("http-equiv"):
        raise _problem(text, ("http-equiv",), "公文模板不能使用 <meta http-equiv>")
    for attribute, value in element.attrib.items():
        _check_attribute(text, name, _local(attribute), value)
    if name == "style":
        _check_css(text, tinycss2.parse_stylesheet(element.text or ""), "<style")


def _check_attribute(text: str, name: str, attribute: str, value: str) -> None:
    if attribute in URL_ATTRIBUTES:
        for url in _attribute_urls(attribute, value):
            if not allowed(url):
                raise _problem(text, (value, f"<{name}"), f"公文模板不能引用外部地址：{attribute}=\"{_short(url)}\"")
    elif attribute == "style":
        _check_css(text, tinycss2.parse_blocks_contents(value), f"<{name}")
    elif "(" in value:  # SVG presentation attributes: fill="url(#gradient)", escapes included
        _check_css(text, tinycss2.parse_component_value_list(value), f"<{name}")


def _attribute_urls(attribute: str, value: str) -> list[str]:
    if attribute == "srcset":  # "a.png 1x, b.png 2x"
        return [part.split()[0] for part in value.split(",") if part.split()]
    return [value]


def _check_css(text: str, nodes, where: str) -> None:
    for node in _walk(nodes):
        kind = getattr(node, "type", "")
        if kind == "at-rule" and node.lower_at_keyword == "import":
            raise _problem(text, ("@import", where), "公文模板不能用 @import 引入样式表")
        if kind == "url" and not allowed(node.value):
            raise _problem(text, (node.value, where), f"公文模板不能引用外部地址：url({_short(node.value)})")
        if kind == "function" and node.lower_name in URL_FUNCTIONS:
            for argument in node.arguments:
                if getattr(argument, "type", "") == "string" and not allowed(argument.value):
                    raise _problem(text, (argument.value, where),
                                   f"公文模板不能引用外部地址：{node.lower_name}(\"{_short(argument.value)}\")")
        if kind == "function" and node.lower_name == "attr" and any(
                getattr(a, "type", "") == "ident" and a.lower_value == "url" for a in node.arguments):
            raise _problem(text, ("attr(", where), "公文模板不能把属性值当作地址加载（attr(… url)）")


def _walk(nodes):
    for node in nodes or []:
        yield node
        for part in ("prelude", "content", "arguments", "value"):
            inner = getattr(node, part, None)
            if isinstance(inner, list):
                yield from _walk(inner)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "…"


def _problem(text: str, needles: tuple[str, ...], reason: str) -> ValueError:
    """The reason with the line where the first of `needles` appears as written (an entity-encoded
    value does not: then the element's tag is looked for)."""
    lowered = text.lower()
    for needle in needles:
        at = lowered.find(needle.lower()) if needle else -1
        if at >= 0:
            return ValueError(f"第{text.count(chr(10), 0, at) + 1}行：{reason}")
    return ValueError(reason)


# --- at rendering ---

@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher  # WeasyPrint loads Pango: imported when a document is rendered

    class ProductResourcesOnly(URLFetcher):
        """Serves fonts and data: URLs with WeasyPrint's own fetcher; refuses everything else before
        anything is opened (the renderer logs the refusal and leaves the resource out)."""

        def fetch(self, url, headers=None):
            if not allowed(url) or url.startswith("#"):
                log.warning("公文渲染拒绝加载外部资源：%s", _short(url))
                raise ValueError(f"公文不加载外部资源：{_short(url)}")
            return super().fetch(url, headers)

    return ProductResourcesOnly


def fetcher():
    """The `url_fetcher` for weasyprint.HTML: only what `allowed` accepts is ever opened."""
    return _fetcher_class()(timeout=5, allow_redirects=False)
