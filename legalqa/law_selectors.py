"""Reads of the law library for pages, the admin and the JSON endpoints (the lawyer Q&A part
of legalqa keeps its own selectors module)."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.http import Http404

from grid import permissions
from grid.permissions import can_read_regional

from .models import Article, CitationLink, Law, LawCategory, LawStatus
from .numerals import parse_label

POPULAR = ["民法典", "劳动合同法", "消费者权益保护法", "道路交通安全法", "刑法", "治安管理处罚法",
           "未成年人保护法", "反家庭暴力法", "劳动法", "社会保险法", "食品安全法", "法律援助法"]


def categories() -> list[dict]:
    counts = dict(
        Law.objects.readable().filter(is_current_text=True).values_list("category").annotate(n=Count("id"))
    )
    return [{"value": v, "label": label, "count": counts.get(v, 0)} for v, label in LawCategory.choices]


def popular_laws() -> list[Law]:
    laws = {law.short_title: law for law in Law.objects.filter(short_title__in=POPULAR, is_current_text=True)}
    return [laws[name] for name in POPULAR if name in laws]


def reader_region(user):
    """What region-bound content (local regulations) this reader sees: grid.permissions
    decides; a citizen's place is that of their latest appeal."""
    place = None
    if permissions.is_citizen(user) or permissions.is_grid_worker(user):
        from grievances.models import Grievance

        place = (Grievance.objects.filter(reporter_id=user.pk).order_by("-id")
                 .values_list("region_code", flat=True).first())
    return permissions.reader_region(user, place)


def laws_in_category(category: str, reader=None) -> list[Law]:
    """Laws of a category; a local regulation bound to a region only for readers there
    (``reader`` is grid.permissions.reader_region(user))."""
    if category not in LawCategory.values:
        raise Http404
    qs = Law.objects.readable().filter(category=category).order_by("-is_current_text", "short_title", "-version_date")
    return [law for law in qs if can_read_regional(reader, law.region_code)]


def law_by_slug(slug: str, reader=None) -> Law:
    """The law at this address; a local regulation of another region is not found."""
    law = Law.objects.filter(slug=slug).first()
    if law is None or not can_read_regional(reader, law.region_code):
        raise Http404
    return law


def other_versions(law: Law) -> list[Law]:
    return list(Law.objects.filter(title=law.title).exclude(pk=law.pk).order_by("-version_date"))


def law_toc(law: Law) -> tuple[list[Article], list[dict]]:
    """All articles in order and a table of contents: 编 → 章 → 节 with the first article of
    each, built in one query."""
    articles = list(law.articles.order_by("position"))
    toc: list[dict] = []
    last = (None, None, None)
    for a in articles:
        key = (a.part, a.chapter, a.section)
        if key == last:
            continue
        if a.part and a.part != last[0]:
            toc.append({"level": 1, "title": a.part, "anchor": a.anchor})
        if a.chapter and (a.chapter != last[1] or a.part != last[0]):
            toc.append({"level": 2, "title": a.chapter, "anchor": a.anchor})
        if a.section and key != last:
            toc.append({"level": 3, "title": a.section, "anchor": a.anchor})
        last = key
    return articles, toc


def article_by_key(law: Law, key: str) -> Article:
    try:
        if "-" in key:
            number, suffix = (int(x) for x in key.split("-", 1))
        else:
            number, suffix = int(key), 0
    except ValueError:
        parsed = parse_label(key)
        if not parsed:
            raise Http404 from None
        number, suffix = parsed
    article = Article.objects.filter(law=law, number=number, suffix=suffix).select_related("law").first()
    if article is None:
        raise Http404
    return article


def neighbours(article: Article) -> tuple[Article | None, Article | None]:
    qs = Article.objects.filter(law_id=article.law_id).only("number", "suffix", "label", "law_id")
    prev = qs.filter(position__lt=article.position).order_by("-position").first()
    nxt = qs.filter(position__gt=article.position).order_by("position").first()
    return prev, nxt


def related_for_article(article: Article, limit: int = 20) -> list[dict]:
    """What other apps published that cites this article (answers, videos, case explanations),
    found through the citation index; objects that say they are not public are left out."""
    links = list(
        CitationLink.objects.filter(article=article, verdict="valid").order_by("-created_at")[: limit * 2]
    )
    by_type: dict[int, list[str]] = OrderedDict()
    for link in links:
        by_type.setdefault(link.content_type_id, []).append(link.object_id)
    out: list[dict] = []
    seen = set()
    for ct_id, ids in by_type.items():
        ct = ContentType.objects.get_for_id(ct_id)
        model = ct.model_class()
        if model is None:
            continue
        for obj in model._default_manager.filter(pk__in=ids):
            if getattr(obj, "is_public", True) is False or (ct_id, obj.pk) in seen:
                continue
            seen.add((ct_id, obj.pk))
            url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
            out.append({"kind": str(model._meta.verbose_name), "title": str(obj), "url": url})
    return out[:limit]


def articles_for_hits(hits) -> dict[int, Article]:
    ids = [h.article_id for h in hits]
    return {a.pk: a for a in Article.objects.filter(pk__in=ids).select_related("law")}


def is_repealed(law: Law) -> bool:
    return law.status == LawStatus.REPEALED
