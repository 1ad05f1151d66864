"""What a person reads when data fails a JSON Schema: a sentence in the request's language naming the field by
its title — "请填写「企业名称」", "「手机号码」格式不正确" — never the validator's English
(``'company_name' is a required property``) or a regular expression.

A schema may say it better itself. On the property (or the schema at the error's place), ``errorMessage`` or
``x-message`` is either one text for every rule, or an object by rule (``{"pattern": "…", "required": "…"}``);
a text may also be an object by language (``{"zh-hans": "…", "en": "…"}``). A property's title in another
language is ``x-title-<lang>`` (``x-title-en``); without it the title is shown as written."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

CUSTOM_KEYS = ("errorMessage", "x-message")

# Formats a person knows by name; any other format is "格式不正确".
_FORMATS = {
    "date": lambda t: _("「%(title)s」须为有效日期，如 2026-01-31") % t,
    "date-time": lambda t: _("「%(title)s」须为有效的日期和时间") % t,
    "time": lambda t: _("「%(title)s」须为有效的时间，如 09:30") % t,
    "email": lambda t: _("「%(title)s」须为有效的电子邮箱地址") % t,
    "uri": lambda t: _("「%(title)s」须为有效的网址") % t,
}

_TYPES = {
    "string": lambda t: _("「%(title)s」须为文字") % t,
    "number": lambda t: _("「%(title)s」须为数字") % t,
    "integer": lambda t: _("「%(title)s」须为整数") % t,
    "boolean": lambda t: _("「%(title)s」须为“是”或“否”") % t,
    "array": lambda t: _("「%(title)s」须为一组选项") % t,
}


def _language() -> str:
    return (get_language() or "zh-hans").lower()


def _in_language(text: Any) -> str | None:
    """A text, or the text for the request's language from ``{"zh-hans": …, "en": …}``."""
    if isinstance(text, str):
        return text
    if isinstance(text, dict):
        lang = _language()
        for key in (lang, lang.split("-")[0], "zh-hans", "zh"):
            if isinstance(text.get(key), str):
                return text[key]
    return None


def _subschema(schema: dict, path: list) -> dict | None:
    """The schema of the value at ``path`` (through ``properties`` and ``items``), or None."""
    node: Any = schema
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get("items") if isinstance(part, int) else (node.get("properties") or {}).get(part)
    return node if isinstance(node, dict) else None


def field_title(schema: dict, path: list) -> str:
    """The field's title in the request's language, else its title, else its key."""
    node = _subschema(schema, path) or {}
    lang = _language().split("-")[0]
    title = node.get(f"x-title-{lang}") if lang != "zh" else None
    title = title or node.get("title")
    if isinstance(title, str) and title:
        return title
    keys = [str(p) for p in path if not isinstance(p, int)]
    return keys[-1] if keys else _("表单")


def _custom(node: dict | None, rule: str) -> str | None:
    if not node:
        return None
    for key in CUSTOM_KEYS:
        given = node.get(key)
        if given is None:
            continue
        if isinstance(given, dict) and rule in given:
            given = given[rule]
        text = _in_language(given)
        if text:
            return text
    return None


def _generic(rule: str, title: str, error) -> str:
    v = error.validator_value
    t = {"title": title}
    if rule == "required":
        return _("请填写「%(title)s」") % t
    if rule == "pattern":
        return _("「%(title)s」格式不正确") % t
    if rule == "format":
        known = _FORMATS.get(str(v))
        return known(t) if known else _("「%(title)s」格式不正确") % t
    if rule == "minLength":
        return _("「%(title)s」至少填写 %(n)s 个字") % {**t, "n": v}
    if rule == "maxLength":
        return _("「%(title)s」最多填写 %(n)s 个字") % {**t, "n": v}
    if rule in ("enum", "const"):
        return _("「%(title)s」须从给出的选项中选择") % t
    if rule == "minimum":
        return _("「%(title)s」不能小于 %(n)s") % {**t, "n": v}
    if rule == "maximum":
        return _("「%(title)s」不能大于 %(n)s") % {**t, "n": v}
    if rule == "exclusiveMinimum":
        return _("「%(title)s」须大于 %(n)s") % {**t, "n": v}
    if rule == "exclusiveMaximum":
        return _("「%(title)s」须小于 %(n)s") % {**t, "n": v}
    if rule == "multipleOf":
        return _("「%(title)s」须为 %(n)s 的整数倍") % {**t, "n": v}
    if rule == "minItems":
        return _("「%(title)s」至少选择 %(n)s 项") % {**t, "n": v}
    if rule == "maxItems":
        return _("「%(title)s」最多选择 %(n)s 项") % {**t, "n": v}
    if rule == "uniqueItems":
        return _("「%(title)s」中有重复的选项") % t
    if rule == "type":
        kinds = v if isinstance(v, list) else [v]
        said = _TYPES.get(str(kinds[0]))
        return said(t) if said else _("「%(title)s」填写有误") % t
    if rule == "additionalProperties":
        return _("申请表中有不认识的项目")
    return _("「%(title)s」填写有误") % t


def error_field(error) -> list:
    """The path of the field an error is about: for ``required``, the missing property (under the object
    that lacks it)."""
    path = list(error.absolute_path)
    if error.validator == "required":
        # one error per missing property, each saying ``'<key>' is a required property``
        missing = next(
            (k for k in error.validator_value if str(error.message).startswith(f"{k!r} ")),
            None,
        )
        if missing is not None:
            path.append(missing)
    return path


def error_message(schema: dict, error) -> str:
    """The sentence for one ``jsonschema`` ValidationError of ``schema``."""
    path = error_field(error)
    rule = str(error.validator)
    node = _subschema(schema, path)
    # A custom message of the field, else one the schema at the error's place gives for the rule.
    custom = _custom(node, rule) or (_custom(error.schema, rule) if rule != "required" else None)
    if custom:
        return custom
    return _generic(rule, field_title(schema, path), error)


# --- the API's own validation (django-ninja / pydantic) -------------------------------------------------
_PYDANTIC = {
    "missing": lambda f, c: _("缺少必填项「%(field)s」") % {"field": f},
    "string_type": lambda f, c: _("「%(field)s」须为文字") % {"field": f},
    "string_too_short": lambda f, c: (
        _("「%(field)s」至少 %(n)s 个字符") % {"field": f, "n": c.get("min_length")}
    ),
    "string_too_long": lambda f, c: (
        _("「%(field)s」最多 %(n)s 个字符") % {"field": f, "n": c.get("max_length")}
    ),
    "string_pattern_mismatch": lambda f, c: _("「%(field)s」格式不正确") % {"field": f},
    "int_type": lambda f, c: _("「%(field)s」须为整数") % {"field": f},
    "int_parsing": lambda f, c: _("「%(field)s」须为整数") % {"field": f},
    "int_from_float": lambda f, c: _("「%(field)s」须为整数") % {"field": f},
    "float_type": lambda f, c: _("「%(field)s」须为数字") % {"field": f},
    "float_parsing": lambda f, c: _("「%(field)s」须为数字") % {"field": f},
    "decimal_parsing": lambda f, c: _("「%(field)s」须为数字") % {"field": f},
    "bool_type": lambda f, c: _("「%(field)s」须为 true 或 false") % {"field": f},
    "bool_parsing": lambda f, c: _("「%(field)s」须为 true 或 false") % {"field": f},
    "date_type": lambda f, c: _("「%(field)s」须为有效日期，如 2026-01-31") % {"field": f},
    "date_parsing": lambda f, c: _("「%(field)s」须为有效日期，如 2026-01-31") % {"field": f},
    "date_from_datetime_parsing": lambda f, c: _("「%(field)s」须为有效日期，如 2026-01-31") % {"field": f},
    "date_from_datetime_inexact": lambda f, c: _("「%(field)s」须为有效日期，如 2026-01-31") % {"field": f},
    "datetime_type": lambda f, c: _("「%(field)s」须为有效的日期和时间") % {"field": f},
    "datetime_parsing": lambda f, c: _("「%(field)s」须为有效的日期和时间") % {"field": f},
    "datetime_from_date_parsing": lambda f, c: _("「%(field)s」须为有效的日期和时间") % {"field": f},
    "uuid_type": lambda f, c: _("「%(field)s」须为有效的 UUID") % {"field": f},
    "uuid_parsing": lambda f, c: _("「%(field)s」须为有效的 UUID") % {"field": f},
    "greater_than": lambda f, c: _("「%(field)s」须大于 %(n)s") % {"field": f, "n": c.get("gt")},
    "greater_than_equal": lambda f, c: _("「%(field)s」不能小于 %(n)s") % {"field": f, "n": c.get("ge")},
    "less_than": lambda f, c: _("「%(field)s」须小于 %(n)s") % {"field": f, "n": c.get("lt")},
    "less_than_equal": lambda f, c: _("「%(field)s」不能大于 %(n)s") % {"field": f, "n": c.get("le")},
    "enum": lambda f, c: (
        _("「%(field)s」须为以下之一：%(options)s") % {"field": f, "options": c.get("expected")}
    ),
    "literal_error": lambda f, c: (
        _("「%(field)s」须为以下之一：%(options)s") % {"field": f, "options": c.get("expected")}
    ),
    "list_type": lambda f, c: _("「%(field)s」须为列表") % {"field": f},
    "too_short": lambda f, c: _("「%(field)s」至少 %(n)s 项") % {"field": f, "n": c.get("min_length")},
    "too_long": lambda f, c: _("「%(field)s」最多 %(n)s 项") % {"field": f, "n": c.get("max_length")},
    "dict_type": lambda f, c: _("「%(field)s」须为对象") % {"field": f},
    "model_type": lambda f, c: _("「%(field)s」须为对象") % {"field": f},
    "model_attributes_type": lambda f, c: _("「%(field)s」须为对象") % {"field": f},
    "extra_forbidden": lambda f, c: _("不接受的字段「%(field)s」") % {"field": f},
    "url_parsing": lambda f, c: _("「%(field)s」须为有效的网址") % {"field": f},
    "url_type": lambda f, c: _("「%(field)s」须为有效的网址") % {"field": f},
}

LOCATION_PARTS = {"body", "payload", "query", "path", "header", "cookie", "form", "params", "data"}


def input_message(err: dict) -> str:
    """The sentence for one pydantic error of an API request (as django-ninja lists them), in the request's
    language, naming the field by its key in the request."""
    loc = [str(part) for part in err.get("loc", ()) if str(part) not in LOCATION_PARTS]
    field = ".".join(loc)
    kind = str(err.get("type", ""))
    if kind == "json_invalid" or (not field and kind in ("model_attributes_type", "dict_type", "model_type")):
        return _("请求体须为有效的 JSON 对象")
    if kind in ("string_too_short", "too_short") and (err.get("ctx") or {}).get("min_length") == 1:
        kind = "missing"  # an empty value: say it is missing, not "at least 1 character"
    said = _PYDANTIC.get(kind)
    if said is not None:
        return said(field or _("请求"), err.get("ctx") or {})
    return _("「%(field)s」填写有误") % {"field": field or _("请求")}
