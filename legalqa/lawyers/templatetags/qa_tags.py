"""{% load qa_tags %}: answer texts with statute references linked (the law library's
link_citations) and line breaks kept; stars as ★ characters."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter(is_safe=True, needs_autoescape=True)
def cite(value, autoescape=True):
    try:
        from legalqa.templatetags.citations import link_citations
    except ImportError:
        html = conditional_escape("" if value is None else str(value))
    else:
        html = link_citations(value, autoescape=autoescape)
    return mark_safe(str(html).replace("\n", "<br>"))  # noqa: S308 — escaped above


@register.filter
def stars(value) -> str:
    try:
        n = int(round(float(value or 0)))
    except (TypeError, ValueError):
        n = 0
    return "★" * n + "☆" * (5 - n)
