"""Catalog words in the reader's language: ``{{ theme|theme_label }}``."""

from django import template

from tongban.catalog.constants import theme_label as _theme_label

register = template.Library()


@register.filter
def theme_label(theme: str) -> str:
    return _theme_label(theme)
