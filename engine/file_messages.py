"""What the XML and JSON parsers say about an uploaded file, in Chinese with what to change.

libxml2 (through lxml), Python's json module and jsonschema speak English; the process owner reads
Chinese. Each known complaint is said again in Chinese; an unknown one gets a general Chinese
message (its English goes to the log for an administrator), never the raw text. A broken XML file
cannot be parsed, so the element is the nearest `id="…"` written at or before the line.
"""
import logging
import re

log = logging.getLogger(__name__)

_XML_TEXTS = [
    (r"Document is empty|Start tag expected, '<' not found", "文件是空的或不是 XML：请上传由建模器保存的 .bpmn/.dmn 文件"),
    (r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
     "结束标签 </{2}> 与第{1}行的开始标签 <{0}> 不成对：改正标签名，或补上缺少的结束标签"),
    (r"Premature end of data in tag (\S+) line (\d+)", "第{1}行的 <{0}> 没有结束：文件可能被截断，补上 </{0}> 或重新保存文件"),
    (r"Couldn't find end of Start Tag (\S+)", "开始标签 <{0}> 没有写完：补上 > 或 />，并检查属性值的引号"),
    (r"Attribute (\S+) redefined", "同一元素上属性 {0} 写了两次：删去其中一个"),
    (r"Entity '([^']+)' not defined", "未定义的实体 &{0};：文字中的 & 须写成 &amp;"),
    (r"xmlParseEntityRef: no name", "文字中单独的 & 须写成 &amp;"),
    (r"AttValue: \" or ' expected", "属性值须用引号括起来，如 name=\"审批\""),
    (r"attributes construct error|error parsing attribute name", "属性写法有误：属性之间要有空格，写成 名称=\"值\""),
    (r"Unescaped '<' not allowed in attributes values", "属性值里的 < 须写成 &lt;（条件表达式中的小于号也是）"),
    (r"StartTag: invalid element name", "这里的 < 不是标签的开始：文字中的 < 须写成 &lt;"),
    (r"Extra content at the end of the document", "根元素结束后还有内容：一个文件只能有一个 bpmn:definitions，删去多余的部分"),
    (r"Namespace prefix (\S+) on (\S+) is not defined",
     "前缀 {0}: 没有声明（元素 {1}）：在根元素上加 xmlns:{0}=\"…\"，或改用已声明的前缀"),
    (r"PCDATA invalid Char value (\d+)|Char 0x[0-9A-F]+ out of allowed range|invalid character",
     "文件含有 XML 不允许的控制字符：删去它（常见于从别处粘贴的文字）"),
    (r"XML declaration allowed only at the start of the document", "<?xml …?> 声明前面有别的内容：删去文件开头的空格或空行"),
    (r"Input is not proper UTF-8|Document labelled UTF-16 but has UTF-8 content|Unsupported encoding",
     "文件编码有误：请另存为 UTF-8 编码"),
]


def _nearest_id(content: bytes, line: int | None) -> str | None:
    """The id written last at or before `line` of a file that cannot be parsed."""
    if not line:
        return None
    head = b"\n".join(content.split(b"\n")[:line])
    found = re.findall(rb"\sid\s*=\s*[\"']([^\"'<>]+)[\"']", head)
    return found[-1].decode("utf-8", "replace") if found else None


def xml_syntax(err, content: bytes) -> tuple[str, int | None, str | None]:
    """(reason, line, element) for an lxml XMLSyntaxError."""
    message = re.sub(r", line \d+, column \d+$", "", (err.msg or "").strip())
    line, column = err.lineno, (err.position or (None, None))[1]
    where = f"第{line}行第{column}列" if line and column else (f"第{line}行" if line else "")
    for pattern, say in _XML_TEXTS:
        match = re.search(pattern, message)
        if match:
            return f"XML 格式错误（{where}）：" + say.format(*match.groups()), line, _nearest_id(content, line)
    log.warning("XML syntax error without a Chinese text: %s", message)
    return (f"XML 格式错误（{where}）：文件不是格式正确的 XML。请检查该处的标签是否成对、属性值是否加了引号、文字中的 & 和 < "
            "是否写成 &amp; 和 &lt;，或在建模器中打开后重新保存", line, _nearest_id(content, line))


_JSON_TEXTS = [
    (r"Expecting value", "这里缺少值（字符串要加双引号，末尾不能多逗号）"),
    (r"Expecting property name enclosed in double quotes", "属性名须用双引号括起来，且最后一项后面不能有逗号"),
    (r"Expecting ',' delimiter", "两项之间缺少逗号"),
    (r"Expecting ':' delimiter", "属性名后面缺少冒号"),
    (r"Unterminated string", "字符串没有结束的双引号"),
    (r"Invalid control character", "字符串中有换行或控制字符：换行写成 \\n"),
    (r"Invalid \\escape", "字符串中的反斜杠须写成 \\\\"),
    (r"Extra data", "JSON 对象结束后还有内容：一个表单文件只能有一个 {…}"),
]


def json_syntax(err, what: str = "表单") -> tuple[str, int | None]:
    """(reason, line) for a json.JSONDecodeError; `what`: what the JSON is, as the owner calls it."""
    for pattern, say in _JSON_TEXTS:
        if re.match(pattern, err.msg or ""):
            return f"{what}不是有效的 JSON（第{err.lineno}行第{err.colno}列）：{say}", err.lineno
    log.warning("JSON error without a Chinese text: %s", err.msg)
    return f"{what}不是有效的 JSON（第{err.lineno}行第{err.colno}列）：请检查该处的引号、逗号和括号", err.lineno


_SCHEMA_KEYWORDS = {
    "type": "类型须为 string、integer、number、boolean、array、object 之一",
    "required": "须为字段名的列表，如 [\"subject\"]", "enum": "须为非空的选项列表，如 [\"yes\", \"no\"]",
    "properties": "须为对象：字段名 → 字段定义", "maxLength": "须为非负整数", "minLength": "须为非负整数",
    "minimum": "须为数字", "maximum": "须为数字", "pattern": "须为正则表达式字符串", "format": "须为字符串，如 date",
    "title": "须为字符串", "items": "须为字段定义对象",
}


def schema_error(err) -> tuple[str, str | None]:
    """(reason, where) for a jsonschema SchemaError: the keyword that is wrong and how to write it."""
    path = [str(p) for p in err.path]
    keyword = path[-1] if path else (err.validator or "")
    where = ".".join(path) or None
    hint = _SCHEMA_KEYWORDS.get(keyword, "请按 JSON Schema（draft 2020-12）的写法改正，见 processes/README.md“Forms”")
    value = repr(err.instance)[:60]
    return f"表单的 JSON Schema 无效：{where or '表单'} 的值 {value} 不合规范：{keyword} {hint}", where

