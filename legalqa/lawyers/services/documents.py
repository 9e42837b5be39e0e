"""Document templates (DOCX, filled in for the citizen) and litigation guides (sanitised HTML)."""

from __future__ import annotations

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from grid import permissions
from legalqa.lawyers import citing, docs
from legalqa.lawyers.models import (
    DocumentTemplate,
    LitigationGuide,
)
from legalqa.lawyers.services.common import QAError, _checked, _citations_ok


@transaction.atomic
def save_template(*, actor, template: DocumentTemplate, upload=None) -> DocumentTemplate:
    """Staff upload a DOCX; its marked fields are read from it; the description passes the
    citation check."""
    if not permissions.is_centre_or_admin(actor):
        raise QAError(_("只有工作人员可以维护文书模板。"))
    _citations_ok(template.description)
    if upload is not None:
        upload = _checked(upload, "template")
        try:
            names = docs.validate_template_file(upload.content)
        except ValidationError as exc:
            raise QAError(exc.messages[0]) from exc
        upload.content.seek(0)
        template.file.save(upload.storage_name, upload.content, save=False)
        template.placeholders = names
    elif template.file:
        with template.file.open("rb") as fh:
            template.placeholders = docs.placeholders(fh)
    template.save()
    citing.record(template, template.description)
    return template


def fill_template(*, template: DocumentTemplate, values: dict) -> bytes:
    """The citizen's values rendered into the DOCX; unknown keys are ignored."""
    clean = {name: str(values.get(name, "") or "").strip()[:500] for name in template.placeholders}
    with template.file.open("rb") as fh:
        data = docs.render(fh, clean)
    DocumentTemplate.objects.filter(pk=template.pk).update(downloads=F("downloads") + 1)
    return data


GUIDE_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "h3", "h4", "h5", "blockquote",
              "table", "thead", "tbody", "tr", "th", "td", "a"}


def sanitise(html: str) -> str:
    return nh3.clean(html or "", tags=GUIDE_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


@transaction.atomic
def save_guide(*, actor, guide: LitigationGuide) -> LitigationGuide:
    """诉讼指引: written by staff; the HTML is sanitised and the citations checked."""
    if not permissions.is_centre_or_admin(actor):
        raise QAError(_("只有工作人员可以维护诉讼指引。"))
    for name in ("body", "application_notes", "evidence_notes"):
        setattr(guide, name, sanitise(getattr(guide, name)))
        _citations_ok(getattr(guide, name))
    guide.save()
    citing.record(guide, " ".join([guide.body, guide.application_notes, guide.evidence_notes]))
    return guide
