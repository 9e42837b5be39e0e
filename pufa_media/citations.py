"""The law library's citation check (legalqa), as pufa_media uses it.

Video descriptions and case explanations may cite statutes; a bad reference (unknown law,
no such article, repealed) is refused before publishing, and the references of published
content are recorded so the article pages of the law library link back to the video or
article ("both ways"). pufa_media carries no citation checker of its own.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType


def validate(text: str) -> None:
    """Raise ValidationError naming every bad statute reference in text."""
    from legalqa.fields import validate_citations

    if text:
        validate_citations(text)


def record(obj, text: str) -> None:
    from legalqa.citations import record_citations

    record_citations(obj, text or "")


def forget(obj) -> None:
    from legalqa.library_services import forget_citations

    forget_citations(obj)


def problems(text: str) -> list:
    from legalqa.fields import citation_problems

    return citation_problems(text or "")


def cited_articles(obj) -> list:
    """The law articles obj's recorded text cites (valid references only), in text order."""
    from legalqa.models import CitationLink

    ct = ContentType.objects.get_for_model(obj)
    links = (CitationLink.objects.filter(content_type=ct, object_id=str(obj.pk), verdict="valid",
                                         article__isnull=False)
             .select_related("article__law").order_by("pk"))
    seen, out = set(), []
    for link in links:
        if link.article_id in seen:
            continue
        seen.add(link.article_id)
        out.append(link.article)
    return out


def objects_citing_same_articles(obj, model) -> list[int]:
    """Primary keys of other model rows citing any article obj cites (for "related")."""
    from legalqa.models import CitationLink

    ct = ContentType.objects.get_for_model(obj)
    article_ids = CitationLink.objects.filter(content_type=ct, object_id=str(obj.pk), verdict="valid",
                                              article__isnull=False).values("article_id")
    other_ct = ContentType.objects.get_for_model(model)
    ids = (CitationLink.objects.filter(content_type=other_ct, article_id__in=article_ids)
           .exclude(content_type=ct, object_id=str(obj.pk)).values_list("object_id", flat=True)[:50])
    return [int(i) for i in ids if str(i).isdigit()]
