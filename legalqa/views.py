"""Law library pages and JSON endpoints (thin: reads come from law_selectors, ranking from
legalqa.search, checking from legalqa.citations)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import law_selectors as sel
from .citations import find_citations
from .models import LawCategory

MAX_QUERY = 200
MAX_TEXT = 20000


def library_home(request):
    return render(request, "legalqa/library_home.html", {
        "categories": sel.categories(), "popular": sel.popular_laws(),
    })


def category_detail(request, category):
    laws = sel.laws_in_category(category, sel.reader_region(request.user))
    return render(request, "legalqa/category.html", {
        "category": LawCategory(category), "laws": laws,
    })


def law_detail(request, law):
    law_obj = sel.law_by_slug(law, sel.reader_region(request.user))
    articles, toc = sel.law_toc(law_obj)
    return render(request, "legalqa/law_detail.html", {
        "law": law_obj, "articles": articles, "toc": toc, "versions": sel.other_versions(law_obj),
    })


def article_detail(request, law, article):
    law_obj = sel.law_by_slug(law, sel.reader_region(request.user))
    art = sel.article_by_key(law_obj, article)
    prev, nxt = sel.neighbours(art)
    return render(request, "legalqa/article_detail.html", {
        "law": law_obj, "article": art, "prev": prev, "next": nxt,
        "related": sel.related_for_article(art), "versions": sel.other_versions(law_obj),
        "paragraphs": [(i, p.split("\n")) for i, p in enumerate(art.paragraphs or [art.text], start=1)],
    })


def _limit(request, default=10):
    try:
        return max(1, min(int(request.GET.get("limit", default)), 50))
    except ValueError:
        return default


def search_page(request):
    from .answer_selectors import build_answer
    from .search.engine import search

    q = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    result = answer = None
    if q:
        result = search(q, limit=20, reader=sel.reader_region(request.user))
        answer = build_answer(result, sel.articles_for_hits(result.hits))
    return render(request, "legalqa/search.html", {"q": q, "answer": answer, "result": result})


def search_api(request):
    from .search.engine import search

    q = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    if not q:
        return JsonResponse({"error": _("请输入要查询的问题或法条")}, status=400)
    result = search(q, limit=_limit(request, 5), reader=sel.reader_region(request.user))
    return JsonResponse(result.as_json(), json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # read-only check, no state changes; lets other apps' editors call it with fetch()
@require_http_methods(["GET", "POST"])
def citations_api(request):
    if request.method == "POST":
        if request.content_type == "application/json":
            try:
                text = json.loads(request.body or b"{}").get("text", "")
            except (ValueError, AttributeError):
                return JsonResponse({"error": _("请求格式不正确")}, status=400)
        else:
            text = request.POST.get("text", "")
    else:
        text = request.GET.get("text", "")
    text = str(text)[:MAX_TEXT]
    return JsonResponse({"citations": [c.as_json() for c in find_citations(text)]},
                        json_dumps_params={"ensure_ascii": False})


@require_http_methods(["GET", "POST"])
def request_law(request):
    """A reader asks the library to add a law it does not hold (linked from references
    marked 本库未收录). GET confirms the name; POST records the request."""
    name = (request.POST.get("name") if request.method == "POST" else request.GET.get("name")) or ""
    name = name.strip().strip("《》")[:200]
    if request.method == "POST" and name:
        from .library_services import request_law as record

        done = request.session.setdefault("law_requests", [])
        if name not in done:  # one count per reader and name
            record(name)
            request.session["law_requests"] = [*done, name][-50:]
        messages.success(request, _("已收到您对《%(name)s》的收录请求，工作人员会尽快核实补充。") % {"name": name})
        return redirect("legalqa:library")
    return render(request, "legalqa/request_law.html", {"name": name})
