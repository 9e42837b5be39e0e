"""Every read of pufa_media for pages and the admin; query counts do not grow with rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from grid import permissions
from legalqa.fields_of_law import all_fields
from pufa_media.models import (
    Audience,
    CaseExplanation,
    Playlist,
    PlaylistItem,
    ProcessingStatus,
    Topic,
    Video,
    VideoQuestion,
)


def can_see_staff_view(user) -> bool:
    return permissions.is_centre_or_admin(user)


def public_videos(*, field: str = "", topic: str = "", audience: str = "", q: str = ""):
    qs = Video.objects.public().select_related("field", "topic", "lawyer", "series")
    if field:
        qs = qs.filter(field__code=field)
    if topic:
        qs = qs.filter(topic__code=topic)
    if audience:
        qs = qs.filter(audiences__code=audience)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    return qs.order_by("-published_at", "-id")


def keyset_page(qs, token: str, size: int):
    """One page of a feed ordered by (-published_at, -id), continuing after ``token``.

    Keyset pagination: the cost of page 800 is the cost of page 1 (no growing OFFSET, no
    COUNT). Returns (rows, next token or "").
    """
    import datetime as dt

    if token:
        try:
            stamp, _, pk = token.rpartition("_")
            when = dt.datetime.fromisoformat(stamp)
            qs = qs.filter(Q(published_at__lt=when) | Q(published_at=when, pk__lt=int(pk)))
        except ValueError:
            pass
    rows = list(qs.order_by("-published_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    nxt = f"{rows[-1].published_at.isoformat()}_{rows[-1].pk}" if more and rows[-1].published_at else ""
    return rows, nxt


def staff_videos(user):
    if permissions.is_admin(user):
        return Video.objects.all()
    return Video.objects.filter(permissions.region_q(user) | Q(region_code=""))


def video_for_page(pk: int, user) -> Video | None:
    """A published video for everybody; an unpublished one only for staff who may edit it."""
    base = Video.objects.public()
    if can_see_staff_view(user):
        base = staff_videos(user)
    return (base.select_related("field", "topic", "lawyer", "series")
            .prefetch_related("renditions", "subtitles", "audiences",
                              Prefetch("questions", queryset=VideoQuestion.objects.prefetch_related("choices")),
                              Prefetch("articles", queryset=CaseExplanation.objects.public()))
            .filter(pk=pk).first())


def related_videos(video: Video, limit: int = 4):
    """Videos citing the same law articles first, then the same field, then the same topic."""
    from pufa_media import citations

    same_articles = citations.objects_citing_same_articles(video, Video)
    out = list(Video.objects.public().filter(pk__in=same_articles).exclude(pk=video.pk)
               .select_related("field").order_by("-published_at")[:limit]) if same_articles else []
    if len(out) < limit:
        out += list(Video.objects.public().filter(field_id=video.field_id)
                    .exclude(pk__in=[video.pk, *[v.pk for v in out]])
                    .select_related("field").order_by("-published_at")[:limit - len(out)])
    if len(out) < limit and video.topic_id:
        out += list(Video.objects.public().filter(topic_id=video.topic_id)
                    .exclude(pk__in=[video.pk, *[v.pk for v in out]])
                    .select_related("field").order_by("-published_at")[:limit - len(out)])
    return out


def videos_for_field(field_code: str, limit: int = 4):
    return list(Video.objects.public().filter(field__code=field_code).select_related("field")
                .order_by("-published_at")[:limit])


def articles_for_field(field_code: str, limit: int = 4):
    return list(CaseExplanation.objects.public().filter(field__code=field_code).select_related("field")
                .order_by("-published_at")[:limit])


@dataclass
class QuestionRate:
    id: int
    text: str
    answered: int
    correct: int

    @property
    def rate(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    @property
    def rate_display(self) -> str:
        return f"{self.rate * 100:.0f}%" if self.answered else "—"


def question_rates(video: Video) -> list[QuestionRate]:
    rows = (VideoQuestion.objects.filter(video=video).order_by("order", "id")
            .annotate(n=Count("answers"), c=Count("answers", filter=Q(answers__is_correct=True)))
            .values_list("pk", "text", "n", "c"))
    return [QuestionRate(*row) for row in rows]


def public_articles(*, kind: str = "", field: str = ""):
    qs = CaseExplanation.objects.public().select_related("field", "series")
    if kind:
        qs = qs.filter(kind=kind)
    if field:
        qs = qs.filter(field__code=field)
    return qs.order_by("-published_at", "-id")


def article_for_page(pk: int, user) -> CaseExplanation | None:
    qs = CaseExplanation.objects.all() if can_see_staff_view(user) else CaseExplanation.objects.public()
    return (qs.select_related("field", "series")
            .prefetch_related(Prefetch("related_videos", queryset=Video.objects.public()))
            .filter(pk=pk).first())


def filter_choices():
    return {
        "fields": list(all_fields()),
        "topics": list(Topic.objects.all()),
        "audiences": list(Audience.objects.all()),
    }


def playlist_for_screen(pk: int) -> tuple[Playlist | None, list[Video]]:
    playlist = Playlist.objects.filter(pk=pk, is_active=True).first()
    if playlist is None:
        return None, []
    items = (PlaylistItem.objects.filter(playlist=playlist, video__is_published=True,
                                         video__status=ProcessingStatus.READY)
             .select_related("video").prefetch_related("video__renditions", "video__subtitles")
             .order_by("order", "id"))
    return playlist, [item.video for item in items]


@dataclass
class HotField:
    code: str
    name: str
    questions: int = 0
    grievances: int = 0
    videos: int = 0
    articles: int = 0

    @property
    def demand(self) -> int:
        return self.questions + self.grievances

    @property
    def covered(self) -> bool:
        return bool(self.videos or self.articles)


def hot_fields(user, days: int = 90) -> list[HotField]:
    """The fields of law people in the staff member's region ask and complain about most
    (legal questions by field; grievances by category, matched to a field through
    pufa_media.reference.GRIEVANCE_CATEGORY_FIELDS, then by code or name),
    beside how many published videos and articles cover each: targeted 普法 (DOMAIN.md §7–8).
    A fixed number of grouped queries, whatever the volume."""
    from django.utils import timezone

    from grievances.models import Grievance
    from legalqa.lawyers.models import Question
    from pufa_media.reference import GRIEVANCE_CATEGORY_FIELDS

    since = timezone.now() - timezone.timedelta(days=days)
    fields = {f.code: HotField(code=f.code, name=f.name) for f in all_fields()}
    by_name = {h.name: h for h in fields.values()}
    scope = permissions.region_q(user)
    for row in (Question.objects.filter(scope, created_at__gte=since).values("field__code")
                .annotate(n=Count("id"))):
        if row["field__code"] in fields:
            fields[row["field__code"]].questions += row["n"]
    for row in (Grievance.objects.filter(scope, created_at__gte=since, category__isnull=False)
                .values("category__code", "category__name").annotate(n=Count("id"))):
        code = GRIEVANCE_CATEGORY_FIELDS.get(row["category__code"], row["category__code"])
        target = fields.get(code) or by_name.get(row["category__name"])
        if target is not None:
            target.grievances += row["n"]
    for row in Video.objects.public().values("field__code").annotate(n=Count("id")):
        fields[row["field__code"]].videos = row["n"]
    for row in CaseExplanation.objects.public().values("field__code").annotate(n=Count("id")):
        fields[row["field__code"]].articles = row["n"]
    return sorted(fields.values(), key=lambda h: (-h.demand, h.covered, h.name))
