"""Write use-cases of the law library (the lawyer Q&A part of legalqa keeps its own module)."""

from __future__ import annotations

import datetime
import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from .corpus import short_title_of
from .lawtext import parse_law_text
from .models import Article, CitationLink, Law, LawCategory, LawSource, LawStatus


class LawTextRefused(Exception):
    """The pasted text was not stored; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def record_citations(obj, text: str) -> list[CitationLink]:
    """Replace the citation index rows of ``obj`` with the references found in ``text``.
    Other apps call this when they publish (an answer, a video, a case explanation), so the
    article pages list them under "related" without anyone linking by hand."""
    from .citations import find_citations

    ct = ContentType.objects.get_for_model(obj)
    found = find_citations(text or "")
    with transaction.atomic():
        CitationLink.objects.filter(content_type=ct, object_id=str(obj.pk)).delete()
        rows = [
            CitationLink(
                content_type=ct, object_id=str(obj.pk), article_id=c.article_id, law_title=c.law[:200],
                article_number=c.article, paragraph=c.paragraph, verdict=c.verdict, quote=c.quote[:200],
            )
            for c in found
        ]
        CitationLink.objects.bulk_create(rows)
    return rows


def forget_citations(obj) -> None:
    """Drop the citation rows of an object that is unpublished or deleted."""
    ct = ContentType.objects.get_for_model(obj)
    CitationLink.objects.filter(content_type=ct, object_id=str(obj.pk)).delete()


def add_law_from_text(
    *, title: str, text: str, category: str = LawCategory.LOCAL_REGULATION, doc_type: str = "",
    issuing_body: str = "", promulgated_on: datetime.date | None = None,
    effective_on: datetime.date | None = None, aliases: list[str] | None = None, region_code: str = "",
    replace: Law | None = None, rebuild_index: bool = True,
) -> Law:
    """Staff add a law the package lacks (a local regulation, a new amendment) by pasting its
    text. The parser splits 编/章/节/条/款; any problem (numbering gap, duplicate, unreadable
    heading) refuses the whole text and nothing is written. With ``replace`` the given
    staff-entered law gets the new text (its address stays)."""
    parsed = parse_law_text(text)
    problems = list(parsed.problems)
    title = (title or "").strip()
    if not title:
        problems.insert(0, _("请填写法律名称"))
    clash = Law.objects.filter(title=title, is_current_text=True)
    if replace is not None:
        clash = clash.exclude(pk=replace.pk)
        if replace.source != LawSource.STAFF:
            problems.insert(0, _("数据包导入的法律不能在此替换，请新增一个版本"))
    if title and clash.exists():
        problems.insert(0, _("已有同名法律《%(t)s》；如为新版本，请先将旧版本标为已修改") % {"t": title})
    if problems:
        raise LawTextRefused(problems)
    short = short_title_of(title)
    digest = hashlib.sha256(text.encode()).hexdigest()
    with transaction.atomic():
        if replace is None:
            base = short if len(short) <= 40 else f"local-{digest[:10]}"
            slug, n = base, 2
            while Law.objects.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            law = Law(source=LawSource.STAFF, source_id=f"staff-{digest[:16]}-{Law.objects.count() + 1}", slug=slug)
        else:
            law = replace
            law.articles.all().delete()
        law.title, law.short_title = title, short
        law.aliases = aliases or []
        law.category = category
        law.doc_type = doc_type or ("地方性法规" if category == LawCategory.LOCAL_REGULATION else "法律")
        law.issuing_body, law.promulgated_on, law.effective_on = issuing_body, promulgated_on, effective_on
        law.version_date = promulgated_on
        law.in_force_from = effective_on or promulgated_on
        law.status, law.is_current_text = LawStatus.IN_FORCE, True
        law.region_code, law.content_hash, law.article_count = region_code, digest, len(parsed.articles)
        law.save()
        Article.objects.bulk_create([
            Article(law=law, number=a.number, suffix=a.suffix, label=a.label, position=i + 1, part=a.part,
                    chapter=a.chapter, section=a.section, text=a.text, paragraphs=a.paragraphs)
            for i, a in enumerate(parsed.articles)
        ])
        if rebuild_index:
            transaction.on_commit(_rebuild_index)
    return law


def _rebuild_index():
    from .search.index import build_index

    build_index()
