"""Every read of the lawyer Q&A, already scoped to the reader.

Lawyers see only the questions routed to them and the ones they answered; citizens only
their own; staff by region (grid.permissions.region_q over ``region_code``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Prefetch, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from analysis import kpis
from grid import permissions, privacy
from legalqa.fields_of_law import active_fields
from legalqa.lawyers.models import (
    COMMISSION_OPEN_TO_LAWYERS,
    Answer,
    Attachment,
    AwardEntry,
    CallbackRequest,
    CallLog,
    Commission,
    DocumentTemplate,
    LawyerProfile,
    LitigationGuide,
    QAConfig,
    Question,
    QuestionRoute,
    QuestionState,
    Reply,
    ServiceApplication,
)
from legalqa.models import FieldOfLaw


def questions_visible_to(user):
    qs = Question.objects.all()
    if permissions.is_centre_or_admin(user):
        return qs.filter(permissions.region_q(user))
    if permissions.is_lawyer(user):
        # Answering needs a routing row, so "routed to me" already covers "answered by me";
        # (question, lawyer) is unique, so the join yields each question once.
        return qs.filter(routings__lawyer=user)
    if user is not None and user.is_authenticated:
        return qs.filter(asker=user)
    return qs.none()


def questions_waiting_for_routing(user):
    """The staff's re-routing page: unanswered open questions that no lawyer of their field
    could take (fallback pool or nobody) or that waited past both reminders, oldest first."""
    return (questions_visible_to(user)
            .filter(state=QuestionState.OPEN, first_answer_at__isnull=True)
            .filter(Q(route__in=[QuestionRoute.FALLBACK, QuestionRoute.STAFF]) | Q(escalation_level__gte=2))
            .select_related("field", "region").order_by("created_at"))


def routable_lawyers():
    """Every verified, active lawyer with their fields, for the staff's choice."""
    return (LawyerProfile.objects.verified().select_related("user").prefetch_related("fields")
            .order_by("name", "pk"))


def question_list(user, *, state: str = "", field: str = ""):
    qs = questions_visible_to(user).select_related("field", "region")
    if state:
        qs = qs.filter(state=state)
    if field:
        qs = qs.filter(field__code=field)
    return qs.order_by("-created_at", "-pk")


def lawyer_inbox(user):
    """Questions routed to this lawyer that are still open to answers and not yet answered
    by them, oldest first (the ones at risk of missing the 10 minutes on top)."""
    return (Question.objects.filter(routings__lawyer=user, answers_closed=False)
            .exclude(state=QuestionState.CLOSED).exclude(answers__lawyer=user)
            .select_related("field", "region").order_by("created_at", "pk"))


def question_detail(user, pk: int) -> Question:
    replies = Reply.objects.select_related("author").prefetch_related("attachments")
    answers = Answer.objects.select_related("lawyer", "lawyer__lawyer_profile").prefetch_related(
        Prefetch("replies", queryset=replies))
    # The question's own material only: a follow-up's photos show under that follow-up.
    own = Attachment.objects.filter(reply__isnull=True)
    return (questions_visible_to(user).select_related("field", "region", "asker")
            .prefetch_related(Prefetch("answers", queryset=answers), Prefetch("attachments", queryset=own))
            .get(pk=pk))


def thread_for(user, question: Question) -> list:
    """The answers the reader may see with their threads: the asker and staff see all; a
    lawyer sees every answer (to learn from colleagues) but only the replies under their own."""
    answers = list(question.answers.all())
    if permissions.is_lawyer(user):
        for a in answers:
            a.visible_replies = list(a.replies.all()) if a.lawyer_id == user.pk else []
    else:
        for a in answers:
            a.visible_replies = list(a.replies.all())
    return answers


SIMILAR_WINDOW = 3000


QUESTION_TONES = {QuestionState.OPEN: "warning", QuestionState.ANSWERED: "success", QuestionState.CLOSED: "secondary"}


def question_display(q: Question) -> dict:
    """How the question page shows the question's state and routing, so the template compares
    no state: badge tone, still waiting for a first answer, closed (ratings shown), and whether
    it went to the fallback lawyer or waits for staff to assign one."""
    return {
        "tone": QUESTION_TONES.get(q.state, "secondary"),
        "waiting": q.state == QuestionState.OPEN,
        "closed": q.state == QuestionState.CLOSED,
        "to_fallback": q.route == QuestionRoute.FALLBACK,
        "to_staff": q.route == QuestionRoute.STAFF,
    }


def similar_answered(text: str, field: FieldOfLaw | None = None, limit: int = 5):
    """Answered questions that share words with the draft (the "maybe already answered" list)."""
    words = [w for w in _keywords(text)][:6]
    if not words:
        return Question.objects.none()
    cond = Q()
    for w in words:
        cond |= Q(title__icontains=w) | Q(body__icontains=w)
    # Look only at the most recent answered questions of the field (index question_field_idx),
    # so the word match scans a bounded window however large the table grows.
    recent = Question.objects.filter(answer_count__gt=0)
    if field is not None:
        recent = recent.filter(field=field)
    window = recent.order_by("-created_at").values("pk")[:SIMILAR_WINDOW]
    qs = Question.objects.filter(cond, pk__in=window)
    return qs.select_related("field").order_by("-answer_count", "-created_at")[:limit]


def _keywords(text: str) -> list[str]:
    """Two-character chunks of the Chinese text and whole Latin words, most telling first."""
    import re

    text = (text or "").strip()
    out: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]+|[A-Za-z0-9]{3,}", text):
        if re.match(r"[\u4e00-\u9fff]", run):
            stop = {"我们", "请问", "一个", "怎么", "什么", "可以", "没有", "已经", "现在", "如何", "是否", "问题"}
            for i in range(0, max(len(run) - 1, 1), 2):
                chunk = run[i:i + 2]
                if len(chunk) == 2 and chunk not in stop and chunk not in out:
                    out.append(chunk)
        elif run not in out:
            out.append(run)
    return out


def public_lawyers(*, field: str = "", region_prefix: str = ""):
    qs = LawyerProfile.objects.verified().select_related("region").prefetch_related("fields")
    if field:
        qs = qs.filter(fields__code=field)
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    return qs.by_stars()


def on_duty_by_field(at: datetime.datetime | None = None) -> list[dict]:
    """专家速应: each field with its lawyers on duty now."""
    fields = list(active_fields())
    on_duty = (LawyerProfile.objects.verified().on_duty(at).select_related("user")
               .prefetch_related("fields").by_stars())
    by_field = defaultdict(list)
    for p in on_duty:
        for f in p.fields.all():
            by_field[f.pk].append(p)
    return [{"field": f, "lawyers": by_field.get(f.pk, [])} for f in fields]


def commissions_visible_to(user):
    qs = Commission.objects.select_related("field", "lawyer", "chosen_lawyer", "citizen")
    if permissions.is_centre_or_admin(user):
        return qs.filter(permissions.region_q(user))
    if permissions.is_lawyer(user):
        return qs.filter(offers__lawyer=user)  # the handling lawyer always had an offer
    if user is not None and user.is_authenticated:
        return qs.filter(citizen=user)
    return qs.none()


def lawyer_offers(user):
    return (Commission.objects.filter(offers__lawyer=user, offers__declined_at__isnull=True,
                                      state__in=COMMISSION_OPEN_TO_LAWYERS)
            .select_related("field").order_by("created_at"))


def lawyer_callbacks(user):
    return CallbackRequest.objects.filter(lawyer=user).select_related("field", "citizen").order_by(
        F("acknowledged_at").asc(nulls_first=True), "-created_at")[:50]


def callback_privacy_subject(cb: CallbackRequest) -> privacy.Subject:
    return privacy.Subject("lawyers.callbackrequest", cb.pk, f"回拨请求 {cb.pk}", cb.citizen_id)


def commission_privacy_subject(c) -> privacy.Subject:
    return privacy.Subject("lawyers.commission", c.pk, f"委托 {c.pk}", c.citizen_id)


def application_privacy_subject(app: ServiceApplication) -> privacy.Subject:
    return privacy.Subject("lawyers.serviceapplication", app.pk, f"服务申请 {app.pk}", app.applicant_id)


def my_services(user):
    return ServiceApplication.objects.filter(applicant=user).select_related("grievance").order_by("-created_at")


def applications_for_staff(user):
    return ServiceApplication.objects.filter(permissions.region_q(user)).select_related("applicant")


def templates(*, q: str = "", field: str = "", doc_type: str = ""):
    qs = DocumentTemplate.objects.filter(published=True).select_related("field")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if field:
        qs = qs.filter(field__code=field)
    if doc_type:
        qs = qs.filter(doc_type=doc_type)
    return qs


def guides(case_type: str = ""):
    qs = LitigationGuide.objects.filter(published=True)
    return qs.filter(case_type=case_type) if case_type else qs


def undecided_questions(user, limit: int = 50):
    """Answered questions whose citizen chose no best answer within N days: staff decide."""
    cutoff = QAConfig.get().staff_decision_cutoff()
    return (questions_visible_to(user).filter(answer_count__gt=0, created_at__lte=cutoff, award__isnull=True)
            .select_related("field", "region").order_by("created_at")[:limit])


def awards_visible_to(user):
    if permissions.is_lawyer(user):
        return AwardEntry.objects.filter(lawyer=user)
    return AwardEntry.objects.filter(permissions.region_q(user))


def monthly_statement(user, period: str) -> list[dict]:
    """Per-lawyer award totals for one month (YYYY-MM), for the finance office."""
    rows = (awards_visible_to(user).filter(period=period)
            .values("lawyer_id", "lawyer__display_name", "lawyer__lawyer_profile__licence_no",
                    "lawyer__lawyer_profile__firm")
            .annotate(count=Count("id"), total=Sum("amount")).order_by("lawyer__display_name"))
    return [{"lawyer": r["lawyer__display_name"], "licence_no": r["lawyer__lawyer_profile__licence_no"] or "",
             "firm": r["lawyer__lawyer_profile__firm"] or "", "count": r["count"], "total": r["total"]}
            for r in rows]


def figures(user, *, since: datetime.datetime | None = None) -> dict:
    """The supervising staff's figures: hot fields by region and month, the 10-minute response
    rate, first-resolution rate, satisfaction, answers per lawyer, awards."""
    qs = questions_visible_to(user)
    if since:
        qs = qs.filter(created_at__gte=since)
    minutes = QAConfig.get().escalation_minutes
    total = qs.count()
    answered = qs.filter(first_answer_at__isnull=False)
    quick = answered.annotate(
        wait=ExpressionWrapper(F("first_answer_at") - F("created_at"), output_field=DurationField())
    ).filter(wait__lte=datetime.timedelta(minutes=minutes)).count()
    closed = qs.filter(state=QuestionState.CLOSED)
    n_closed = closed.count()
    resolved = closed.filter(resolved=True).count()
    rated = closed.filter(rating_professional__isnull=False)
    sat = rated.aggregate(p=Avg("rating_professional"), s=Avg("rating_speed"), u=Avg("rating_useful"))
    satisfied = rated.filter(rating_professional__gte=4, rating_speed__gte=4, rating_useful__gte=4).count()
    n_rated = rated.count()
    hot = list(qs.values("field__code", "field__name").annotate(n=Count("id")).order_by("-n")[:10])
    by_month = list(qs.annotate(month=TruncMonth("created_at")).values("month", "field__name")
                    .annotate(n=Count("id")).order_by("-month", "-n")[:60])
    by_region = list(qs.values("region__name", "field__name").annotate(n=Count("id")).order_by("-n")[:30])
    answers = Answer.objects.filter(question__in=qs.values("pk"))
    per_lawyer = list(answers.values("lawyer__display_name").annotate(
        n=Count("id"), best=Count("id", filter=Q(is_best=True))).order_by("-n")[:30])
    awards = awards_visible_to(user)
    if since:
        awards = awards.filter(created_at__gte=since)
    award_sum = awards.aggregate(n=Count("id"), total=Sum("amount"))

    callbacks = CallbackRequest.objects.filter(permissions.region_q(user))
    calls = CallLog.objects.filter(permissions.region_q(user, "lawyer__lawyer_profile__region_code"))
    if since:
        callbacks = callbacks.filter(created_at__gte=since)
        calls = calls.filter(created_at__gte=since)
    cb_total = callbacks.count()
    cb_quick = callbacks.annotate(
        wait=ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField())
    ).filter(acknowledged_at__isnull=False, wait__lte=datetime.timedelta(minutes=minutes)).count()

    # The rates are defined once, with the platform's other KPIs (analysis/kpis.py).
    return {
        "total": total, "answered": answered.count(), "quick": quick, "minutes": minutes,
        "response_rate": kpis.qa_response_rate(quick, total), "closed": n_closed,
        "first_resolution": kpis.qa_first_resolution_rate(resolved, n_closed),
        "satisfaction": kpis.qa_satisfaction_rate(satisfied, n_rated), "avg": sat, "hot": hot, "by_month": by_month,
        "by_region": by_region, "per_lawyer": per_lawyer, "awards": award_sum,
        "callbacks": cb_total, "callbacks_quick": kpis.percent(cb_quick, cb_total), "calls": calls.count(),
        "since": since or timezone.now() - datetime.timedelta(days=3650),
    }


# ----------------------------------------------------------------------------- files (grid.files asks these)


def qa_attachments_visible_to(user):
    """Photos and voice of the questions this person may read (questions_visible_to); a
    lawyer, like on the thread page (thread_for), not those of replies under another
    lawyer's answer."""
    qs = Attachment.objects.filter(question__in=questions_visible_to(user).values("pk"))
    if permissions.is_lawyer(user):
        qs = qs.filter(Q(reply__isnull=True) | Q(reply__answer__lawyer=user))
    return qs


def applications_visible_to(user):
    """Service applications as on service_detail: staff their region, everyone else their own."""
    if permissions.is_centre_or_admin(user):
        return applications_for_staff(user)
    if user is not None and user.is_authenticated:
        return ServiceApplication.objects.filter(applicant=user)
    return ServiceApplication.objects.none()


def template_files_visible_to(user):
    """Published templates for everyone (as on the template pages); drafts for staff."""
    if permissions.is_centre_or_admin(user):
        return DocumentTemplate.objects.all()
    return DocumentTemplate.objects.filter(published=True)


def lawyer_photos_visible_to(user):
    """Photos of the lawyers in the public directory (public_lawyers), the lawyer's own, and
    every profile for staff who verify them."""
    if permissions.is_centre_or_admin(user):
        return LawyerProfile.objects.all()
    own = Q(user=user) if user is not None and user.is_authenticated else Q(pk__in=[])
    return LawyerProfile.objects.filter(Q(pk__in=LawyerProfile.objects.verified().values("pk")) | own)

