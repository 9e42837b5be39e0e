"""Public pages (phone first) and the player's small JSON endpoints. Thin: selectors read,
services write; a page load never writes to the database."""

from __future__ import annotations

import json
import logging
import sys

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from pufa_media import citations, conf, posters, selectors, services
from pufa_media.models import ArticleKind, Video, VideoQuestion
from pufa_media.playcount import get_counter, is_public_video
from pufa_media.viewer import allow, client_address, remember, viewer_key

PAGE_SIZE = 12
logger = logging.getLogger(__name__)


def _is_redis_error(exc: Exception) -> bool:
    """A Redis client error, without importing redis here: the package costs a web worker about
    6 MB (benchmarks/README.md, "Memory of a web worker"), and only the Redis play counter and
    the beacon's rate limit use it, which import it themselves; before they have, no Redis
    error can have been raised."""
    errors = sys.modules.get("redis.exceptions")
    return errors is not None and isinstance(exc, errors.RedisError)


def _page(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@require_GET
def video_list(request):
    current = {k: request.GET.get(k, "").strip()[:40] for k in ("field", "topic", "audience", "q")}
    after = request.GET.get("after", "")[:64]
    videos, next_token = selectors.keyset_page(selectors.public_videos(**current), after, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "pufa_media/video_list.html", {
        "videos": videos, "next_token": next_token, "query": query.urlencode(), "is_continued": bool(after),
        "current": current, **selectors.filter_choices(),
    })


@ensure_csrf_cookie  # the quiz posts answers with the CSRF token read from the cookie
@require_GET
def video_detail(request, pk: int):
    video = selectors.video_for_page(pk, request.user)
    if video is None:
        raise Http404(_("视频不存在或尚未发布。"))
    renditions = [{"name": r.name, "label": conf.rendition_label(r.name, r.label), "url": r.file.url, "height": r.height}
                  for r in video.renditions.all()]
    questions = [{
        "id": q.pk, "text": q.text, "kind": q.kind,
        "choices": [{"id": c.pk, "text": c.text} for c in q.choices.all()],
        "url": reverse("pufa_media:answer", args=[q.pk]),
    } for q in video.questions.all()]
    staff = selectors.can_see_staff_view(request.user)
    key, new_cookie = viewer_key(request)
    response = render(request, "pufa_media/video_detail.html", {
        "video": video,
        "subtitles": [s for s in video.subtitles.all() if s.vtt],
        "player": {
            "videoId": video.pk,
            "renditions": renditions,
            "playUrl": reverse("pufa_media:play", args=[video.pk]),
            "playAfter": conf.get("PUFA_PLAY_AFTER_SECONDS"),
            "questions": questions,
            "labels": {
                "correct": _("回答正确！"), "wrong": _("回答错误。"), "answer": _("正确答案："),
                "submit": _("提交答案"), "basis": _("法律依据："), "choose": _("请选择答案。"),
                "done": _("感谢作答！"),
            },
        },
        "related": selectors.related_videos(video),
        "cited": citations.cited_articles(video),
        "rates": selectors.question_rates(video) if staff else None,
        "is_staff_view": staff,
        "articles": list(video.articles.all()),
    })
    return remember(response, new_cookie)


@csrf_exempt  # a beacon carries no authority: it only counts once per viewer per day, rate limited
@require_POST
def play(request, pk: int):
    """Counted by the player after a few seconds of playback, never by a page load."""
    try:
        if not allow(client_address(request), conf.get("PUFA_BEACON_RATE_PER_MINUTE")):
            return JsonResponse({"counted": False, "error": _("请求过于频繁。")}, status=429)
        if not is_public_video(pk):
            return JsonResponse({"counted": False}, status=404)
        key, new_cookie = viewer_key(request)
        counted = get_counter().record(pk, key, timezone.localdate())
    except Exception as exc:
        if not _is_redis_error(exc):
            raise
        # Redis down: decline (fail closed) rather than count without a limit or answer 500.
        logger.warning("play beacon declined: Redis unreachable", exc_info=True)
        return JsonResponse({"counted": False, "error": _("播放计数暂时不可用。")}, status=503)
    return remember(JsonResponse({"counted": counted}), new_cookie)


@require_POST
def answer(request, pk: int):
    question = (VideoQuestion.objects.filter(pk=pk, video__in=Video.objects.public())
                .prefetch_related("choices").first())
    if question is None and selectors.can_see_staff_view(request.user):
        question = VideoQuestion.objects.filter(pk=pk).prefetch_related("choices").first()
    if question is None:
        raise Http404
    try:
        payload = json.loads(request.body or b"{}")
        choice_ids = [int(x) for x in payload.get("choices", [])]
    except (ValueError, TypeError, AttributeError):
        return HttpResponseBadRequest(_("请求格式错误。"))
    key, new_cookie = viewer_key(request)
    try:
        result = services.record_answer(question=question, choice_ids=choice_ids, user=request.user, viewer=key)
    except services.PufaMediaError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return remember(JsonResponse({
        "correct": result.is_correct,
        "correct_choices": services.correct_choice_ids(question),
        "explanation": question.explanation,
        "article": question.article,
    }), new_cookie)


@require_GET
def article_list(request):
    kind = request.GET.get("kind", "")
    field = request.GET.get("field", "")[:40]
    kind = kind if kind in ArticleKind.values else ""
    page, query = _page(request, selectors.public_articles(kind=kind, field=field))
    return render(request, "pufa_media/article_list.html", {
        "page": page, "query": query, "kinds": ArticleKind.choices, "kind": kind, "field": field,
        "fields": selectors.filter_choices()["fields"],
    })


@require_GET
def article_detail(request, pk: int):
    article = selectors.article_for_page(pk, request.user)
    if article is None:
        raise Http404(_("文章不存在或尚未发布。"))
    return render(request, "pufa_media/article_detail.html", {
        "article": article, "cited": citations.cited_articles(article), "related": selectors.articles_for_field(article.field.code, limit=5),
    })


@require_GET
def screen(request, pk: int):
    """The service hall's display: a full-screen looping playlist, no clicks needed."""
    playlist, videos = selectors.playlist_for_screen(pk)
    if playlist is None:
        raise Http404(_("播放列表不存在或未启用。"))
    items = []
    for v in videos:
        renditions = list(v.renditions.all())
        if not renditions:
            continue
        best = renditions[-1]
        page_url = posters.absolute_url(reverse("pufa_media:video", args=[v.pk]))
        items.append({
            "title": v.title, "url": best.file.url,
            "poster": v.poster.url if v.poster else "",
            "subtitles": [s.vtt.url for s in v.subtitles.all() if s.vtt][:1],
            "qr": posters.qr_svg(page_url, module=3),
        })
    return render(request, "pufa_media/screen.html", {
        "playlist": playlist, "items": items,
    })


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_GET
def video_poster_pdf(request, pk: int):
    video = selectors.video_for_page(pk, request.user)
    if video is None:
        raise Http404
    url = posters.absolute_url(reverse("pufa_media:video", args=[video.pk]))
    text = video.summary or _("扫码观看普法小剧场")
    return _pdf(posters.poster_pdf(title=video.title, text=text, url=url, footer=_("普法小剧场 · 有事找综治中心")),
                f"pufa-video-{video.pk}.pdf")


@require_GET
def article_poster_pdf(request, pk: int):
    article = selectors.article_for_page(pk, request.user)
    if article is None:
        raise Http404
    url = posters.absolute_url(reverse("pufa_media:article", args=[article.pk]))
    return _pdf(posters.poster_pdf(title=article.title, text=article.summary or article.get_kind_display(),
                                   url=url, footer=_("以案释法 · 有事找综治中心")),
                f"pufa-article-{article.pk}.pdf")


@login_required
@require_GET
def page_poster_pdf(request):
    """A poster for any page of this site (the submission form, the tracking lookup …): staff only."""
    if not selectors.can_see_staff_view(request.user):
        raise PermissionDenied
    path = request.GET.get("path", "/")
    title = request.GET.get("title", "")[:60] or _("有事找综治中心")
    if not path.startswith("/") or path.startswith("//"):
        return HttpResponseBadRequest(_("只能为本站页面制作海报。"))
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return HttpResponseBadRequest(_("页面地址不存在。"))
    text = request.GET.get("text", "")[:200] or _("手机扫码，随时反映问题、查询办理进度。")
    return _pdf(posters.poster_pdf(title=title, text=text, url=posters.absolute_url(path),
                                   footer=_("综治中心一站式服务平台")), "poster.pdf")


def _staff_only(request):
    if not request.user.is_authenticated:
        return False
    if not selectors.can_see_staff_view(request.user):
        raise PermissionDenied
    return True


@login_required
@require_GET
def hot_fields(request):
    """Staff: the hot fields of their region beside the content that covers each."""
    _staff_only(request)
    try:
        days = max(7, min(365, int(request.GET.get("days", 90))))
    except ValueError:
        days = 90
    rows = selectors.hot_fields(request.user, days=days)
    return render(request, "pufa_media/hot_fields.html", {"rows": rows, "days": days})


POSTER_PAGES = [
    ("grievances:submit", _l("我要反映问题"), _l("手机扫码，随时反映问题、化解纠纷。")),
    ("grievances:lookup", _l("办理进度查询"), _l("扫码输入受理编号，随时查看办理进度。")),
    ("pufa_media:videos", _l("普法小剧场"), _l("三分钟看懂身边的法。")),
    ("pufa_media:articles", _l("以案释法"), _l("真实案例讲法律。")),
]


@login_required
@require_GET
def poster_index(request):
    """Staff: ready-made posters for the pages a printed guide should lead to."""
    from django.urls import NoReverseMatch

    _staff_only(request)
    items = []
    for name, title, text in POSTER_PAGES:
        try:
            path = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"title": str(title), "path": path, "url": posters.absolute_url(path), "text": str(text)})
    return render(request, "pufa_media/poster_index.html", {"items": items})
