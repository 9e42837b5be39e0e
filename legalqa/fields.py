"""The shared citation check for every text that carries statute references (lawyers'
answers, video descriptions, case explanations, litigation guides):

    from legalqa.fields import CitationCheckedTextField, validate_citations

    class AnswerForm(forms.ModelForm):
        body = CitationCheckedTextField(label="解答")

or ``validators=[validate_citations]`` on a model/form field. A text with a fabricated,
mistyped or repealed reference is refused with a Chinese message naming each bad reference
and its reason; references to texts the library does not hold (judicial interpretations,
local regulations) pass. When displaying, use {% load citations %}{{ text|link_citations }}."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .citations import Citation, find_citations


def citation_problems(text: str) -> list[Citation]:
    return [c for c in find_citations(text or "") if c.is_bad]


def validate_citations(value: str) -> None:
    """Raise ValidationError listing every bad statute reference in ``value``."""
    bad = citation_problems(value)
    if not bad:
        return
    messages = [
        ValidationError(
            _("“%(quote)s”：%(verdict)s。%(reason)s"),
            code=c.verdict,
            params={"quote": c.quote, "verdict": c.verdict_label, "reason": c.message},
        )
        for c in bad
    ]
    raise ValidationError(
        [ValidationError(_("文中有%(n)d处法条引用未通过核验，请修改后再发布：") % {"n": len(bad)}, code="citations"),
         *messages]
    )


class CitationCheckedTextField(forms.CharField):
    """A textarea whose statute references must all be real before the form is valid."""

    widget = forms.Textarea

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8}))
        super().__init__(*args, **kwargs)
        if validate_citations not in self.validators:
            self.validators.append(validate_citations)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["data-citation-check"] = "1"
        return attrs
