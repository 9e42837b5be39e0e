"""Template helpers of pufa_media.

{{ text|cited_text }}: the text with its law references linked (the law library's
link_citations filter when it is installed, plain escaped text otherwise).
{% pufa_for_field "labour" %}: the videos and case explanations of a field, for the pages of
other apps (a grievance's category, a legal question's field): targeted 普法.
"""

from django import template
from django.template.defaultfilters import linebreaksbr

from pufa_media import selectors

register = template.Library()


def _link_citations():
    try:
        from legalqa.templatetags.citations import link_citations
    except ImportError:
        return None
    return link_citations


@register.filter
def cited_text(text):
    linker = _link_citations()
    if linker is not None:
        return linker(text)
    return linebreaksbr(text, autoescape=True)


@register.inclusion_tag("pufa_media/includes/for_field.html")
def pufa_for_field(field_code, limit=4):
    """field_code: a field of law (the Q&A's codes) or a grievance category code."""
    from pufa_media.reference import GRIEVANCE_CATEGORY_FIELDS

    code = str(getattr(field_code, "code", field_code) or "")
    code = GRIEVANCE_CATEGORY_FIELDS.get(code, code)
    return {
        "videos": selectors.videos_for_field(code, limit=limit) if code else [],
        "articles": selectors.articles_for_field(code, limit=limit) if code else [],
    }
