"""Next steps the lawyer Q&A offers on the law search's answer page (registered with
legalqa.answer_selectors in LawyersConfig.ready): ask a lawyer of the question's field with
the form pre-filled, and the most used document template of that field."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from legalqa.answer_selectors import Step


def lawyer_steps(code: str, label: str, question: str) -> list[Step]:
    from legalqa.fields_of_law import field_for_code

    from .models import DocumentTemplate

    field = field_for_code(code) or field_for_code("other", active_only=False)
    if field is None:
        return []
    steps = [Step("lawyer", _("问%(field)s律师") % {"field": label or field.name},
                  reverse("lawyers:ask") + "?" + urlencode({"field": field.code, "title": question[:100]}),
                  primary=True)]
    tpl = DocumentTemplate.objects.filter(field=field, published=True).order_by("-downloads", "title").first()
    if tpl is not None:
        steps.append(Step("template", _("文书模板：%(title)s") % {"title": tpl.title},
                          reverse("lawyers:template", args=[tpl.pk])))
    return steps
