"""{% load citations %}{{ text|link_citations }}: valid statute references become links to the
article; bad ones are marked with their reason so no bad reference is shown unmarked."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from legalqa.citations import find_citations
from legalqa.models import Verdict

register = template.Library()


@register.filter(is_safe=True, needs_autoescape=True)
def link_citations(value, autoescape=True):
    text = "" if value is None else str(value)
    esc = conditional_escape if autoescape else (lambda x: x)
    out = []
    pos = 0
    for c in find_citations(text):
        if c.start < pos:
            continue
        out.append(esc(text[pos:c.start]))
        quote = text[c.start:c.end]
        if c.verdict == Verdict.VALID:
            out.append(format_html('<a class="law-cite" href="{}">{}</a>', c.url, quote))
        elif c.verdict == Verdict.NOT_COVERED:
            out.append(format_html(
                '<span class="law-cite law-cite-unverified" title="{}">{}</span>'
                '<a class="law-cite-request small text-muted" href="{}?{}">（{}）</a>',
                c.message, quote, reverse("legalqa:request_law"), urlencode({"name": c.law}), _("本库未收录 · 申请收录")))
        elif c.acknowledged:
            out.append(format_html('<span class="law-cite law-cite-old" title="{}">{}</span>', c.message, quote))
        else:
            out.append(format_html(
                '<span class="law-cite law-cite-bad text-danger" data-verdict="{}" title="{}">{}'
                '<sup class="badge text-bg-danger ms-1">{}</sup></span>',
                c.verdict, c.message, quote, _("引用有误：%(v)s") % {"v": c.verdict_label},
            ))
        pos = c.end
    out.append(esc(text[pos:]))
    return mark_safe("".join(str(x) for x in out))  # noqa: S308 - pieces escaped or format_html


@register.simple_tag
def citation_report(text):
    """The bad references of ``text`` (for an author's preview)."""
    return [c for c in find_citations(text or "") if c.is_bad]
