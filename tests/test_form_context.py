"""Deploy-time check of a form's `x-context` (engine/forms.py): the process owner is told, in Chinese, when a
key's spec would leave a raw id or code on a page (processes/README.md "Forms")."""
import pytest

from engine import forms

FIELDS = {"confirmed": {"type": "boolean", "title": "已确认"}}


def form(shown: dict) -> dict:
    return {"type": "object", "properties": FIELDS, "x-context": shown}


def test_a_key_is_titled_by_a_string_or_a_spec_with_a_known_format():
    forms.check_schema(form({"assignment": {"title": "检查对象", "x-titles": {
        "enterprise_name": "企业", "officers": {"title": "检查人员", "format": "person"},
        "risk_level": {"title": "风险程度", "enum": ["low", "high"], "x-enum-titles": ["较低", "较高"]}}}}))
    with pytest.raises(ValueError, match="format 只能是 date、date-time、person、department"):
        forms.check_schema(form({"assignment": {"title": "检查对象", "x-titles": {"officers": {"title": "检查人员",
                                                                                         "format": "people"}}}}))
    with pytest.raises(ValueError, match="x-titles 须为"):
        forms.check_schema(form({"assignment": {"title": "检查对象", "x-titles": {"officers": {"format": "person"}}}}))
    with pytest.raises(ValueError, match="enum 与 x-enum-titles 须一一对应"):
        forms.check_schema(form({"rung": {"title": "方式", "enum": ["oa", "letter"], "x-enum-titles": ["OA"]}}))
