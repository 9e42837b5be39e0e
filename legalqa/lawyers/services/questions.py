"""Questions routed by field of law, answers, replies, and escalation of unanswered questions."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import uploads
from grid.models import Region
from legalqa.lawyers import citing
from legalqa.lawyers.models import (
    Answer,
    Attachment,
    LawyerProfile,
    QAConfig,
    Question,
    QuestionRoute,
    QuestionRouting,
    QuestionState,
    Reply,
    ReplyKind,
)
from legalqa.lawyers.services.common import (
    QAError,
    _check_text,
    _citations_ok,
    _notify,
    lawyer_name,
    supervising_staff,
)
from legalqa.lawyers.services.profiles import _lawyer_profile
from legalqa.models import FieldOfLaw


def expected_response(field: FieldOfLaw, at: datetime.datetime | None = None) -> dict:
    """The immediate feedback: how many lawyers of the field are on duty now and the expected
    response time (the escalation limit while someone is on duty, else the next shift)."""
    at = at or timezone.now()
    cfg = QAConfig.get()
    verified = LawyerProfile.objects.verified().in_field(field)
    on_duty = verified.on_duty(at).count()
    if on_duty:
        return {"on_duty": on_duty, "minutes": cfg.escalation_minutes, "next_shift": None}
    local = timezone.localtime(at)
    best = None
    for p in verified.only("duty_days", "duty_start", "duty_end"):
        for d in range(8):
            day = local.date() + datetime.timedelta(days=d)
            if str(day.isoweekday()) not in p.duty_days:
                continue
            start = timezone.make_aware(datetime.datetime.combine(day, p.duty_start), local.tzinfo)
            if start > local and (best is None or start < best):
                best = start
                break
    return {"on_duty": 0, "minutes": cfg.escalation_minutes, "next_shift": best}


def _attach(question: Question, files: Sequence, reply: Reply | None = None) -> None:
    """Photos and voice through the upload gate (policy "qa"); the device's file name is not kept."""
    try:
        checked = uploads.ensure_all(files, policy="qa")
    except ValidationError as exc:
        raise QAError(exc.messages[0]) from exc
    for clean in checked:
        att = Attachment(question=question, reply=reply, kind=clean.kind, content_type=clean.content_type,
                         size=clean.size)
        att.file.save(clean.storage_name, clean.content, save=True)


@transaction.atomic
def ask_question(*, asker, field: FieldOfLaw, title: str, body: str, region: Region, files: Sequence = (),
                 client_key: str = "") -> Question:
    """A citizen's question goes to the verified lawyers of its field only, never to everyone;
    each of them gets an in-site message and an SMS through the outbox. A draft sent again
    with the same ``client_key`` (grid.idempotency) returns the question asked the first time."""
    from grid import idempotency

    if asker is None or not asker.is_authenticated:
        raise QAError(_("请先登录后再提问。"))
    filed = idempotency.claim(asker, "question", client_key)
    if filed is not None:
        return Question.objects.get(pk=filed)
    if not field.active:
        raise QAError(_("该领域暂不接受咨询。"))
    if any(getattr(f, "kind", None) == uploads.AUDIO for f in files or ()):
        # 按住说话: someone who cannot type may leave the text empty; the lawyer listens.
        title = (title or "").strip() or _("语音提问")
        body = (body or "").strip() or _("（以语音提问，请收听录音）")
    title = _check_text(title, _("请填写标题。"))[:100]
    body = _check_text(body, _("请描述您的问题。"))
    cfg = QAConfig.get()
    now = timezone.now()
    q = Question(asker=asker, field=field, title=title, body=body, region=region, region_code=region.code,
                 created_at=now, respond_due_at=now + datetime.timedelta(minutes=cfg.escalation_minutes))
    lawyers = list(LawyerProfile.objects.verified().in_field(field).select_related("user").order_by("pk"))
    if not lawyers:
        # No verified lawyer in the field: the fallback pool (兜底律师), else the centre's
        # staff route it by hand (route_question); the page tells the citizen which.
        lawyers = list(LawyerProfile.objects.verified().filter(takes_unmatched=True).select_related("user")
                       .order_by("pk"))
        q.route = QuestionRoute.FALLBACK if lawyers else QuestionRoute.STAFF
    q.save()
    _attach(q, files)
    idempotency.bind(asker, "question", client_key, q.pk)
    QuestionRouting.objects.bulk_create(
        [QuestionRouting(question=q, lawyer=p.user, routed_at=now) for p in lawyers], ignore_conflicts=True)
    _notify(key=f"qa-q{q.pk}-routed", template="qa_question_routed",
            context={"field": field.name, "title": title}, users=[p.user for p in lawyers],
            link=reverse("lawyers:question", args=[q.pk]))
    if q.route == QuestionRoute.STAFF:
        _notify(key=f"qa-q{q.pk}-unrouted", template="qa_unrouted_staff",
                context={"field": field.name, "title": title, "region": region.name},
                users=supervising_staff(region.code), link=reverse("lawyers:routing"))
    return q


def waiting_for_routing(question: Question) -> bool:
    return question.route in (QuestionRoute.FALLBACK, QuestionRoute.STAFF)


@transaction.atomic
def route_question(*, actor, question: Question, lawyer) -> QuestionRouting:
    """Staff send a waiting question (no lawyer of its field, or unanswered for long) to a
    verified lawyer of their choice; the lawyer is told at once."""
    from grid import permissions

    question = _lock_question(question)
    if not (permissions.is_admin(actor) or (permissions.is_centre(actor)
                                             and permissions.can_see_region_code(actor, question.region_code))):
        raise QAError(_("只有辖区综治中心工作人员可以分派咨询。"))
    if question.state == QuestionState.CLOSED or question.answers_closed:
        raise QAError(_("该咨询已结束或已收到足够解答，无需再分派。"))
    profile = _lawyer_profile(lawyer)
    if profile is None or not profile.is_verified or not lawyer.is_active:
        raise QAError(_("只能分派给已通过审核的律师。"))
    routing, created = QuestionRouting.objects.get_or_create(question=question, lawyer=lawyer)
    if not created:
        raise QAError(_("该咨询已分派给这位律师。"))
    question.route = QuestionRoute.MANUAL
    question.save(update_fields=["route"])
    _notify(key=f"qa-q{question.pk}-routed-{lawyer.pk}", template="qa_question_routed",
            context={"field": question.field.name, "title": question.title}, users=[lawyer],
            link=reverse("lawyers:question", args=[question.pk]))
    return routing


def _lock_question(question: Question) -> Question:
    return Question.objects.select_for_update().get(pk=question.pk)


def can_answer(lawyer, question: Question) -> str | None:
    """None when the lawyer may answer now, else the reason why not."""
    profile = _lawyer_profile(lawyer)
    if profile is None:
        return _("只有律师可以解答咨询。")
    if not profile.is_verified:
        return _("您的律师资料尚未通过审核，审核通过后才能解答。")
    if not QuestionRouting.objects.filter(question=question, lawyer=lawyer).exists():
        return _("该咨询未分派给您。")
    if question.state == QuestionState.CLOSED:
        return _("该咨询已结束。")
    if question.answers_closed:
        return _("该咨询已收到足够的解答，不再接受新的回答。")
    if Answer.objects.filter(question=question, lawyer=lawyer).exists():
        return _("您已解答过该咨询，可在您的解答下补充说明。")
    return None


@transaction.atomic
def answer_question(*, lawyer, question: Question, body: str) -> Answer:
    """A routed, verified lawyer answers; the answer limit (3–5, configurable) closes the
    question to further answers; the citizen is told once per answer."""
    question = _lock_question(question)
    reason = can_answer(lawyer, question)
    if reason:
        raise QAError(reason)
    body = _check_text(body, _("请填写解答内容。"))
    _citations_ok(body)
    now = timezone.now()
    answer = Answer.objects.create(question=question, lawyer=lawyer, body=body, created_at=now)
    question.answer_count = question.answers.count()
    if question.first_answer_at is None:
        question.first_answer_at = now
    if question.answer_count >= QAConfig.get().answer_limit:
        question.answers_closed = True
    if question.state == QuestionState.OPEN:
        question.mark_answered()
    question.save(update_fields=["answer_count", "first_answer_at", "answers_closed", "state"])
    citing.record(answer, body)
    _notify(key=f"qa-a{answer.pk}", template="qa_answered",
            context={"lawyer": lawyer_name(lawyer), "title": question.title}, users=[question.asker],
            link=reverse("lawyers:question", args=[question.pk]))
    return answer


@transaction.atomic
def add_reply(*, author, answer: Answer, body: str, files: Sequence = ()) -> Reply:
    """In progress: the citizen's follow-up (追问) under a lawyer's answer notifies that lawyer;
    the lawyer's ask-back or further explanation notifies the citizen; each message once."""
    question = _lock_question(answer.question)
    if question.state == QuestionState.CLOSED:
        raise QAError(_("该咨询已结束，不能再追问。"))
    if not (body or "").strip() and not files:
        raise QAError(_("请填写内容或上传图片、语音。"))
    link = reverse("lawyers:question", args=[question.pk])
    if author.pk == question.asker_id:
        kind, template, to = ReplyKind.FOLLOW_UP, "qa_follow_up", answer.lawyer
    elif author.pk == answer.lawyer_id:
        kind, template, to = ReplyKind.ASK_BACK, "qa_ask_back", question.asker
        _citations_ok(body)
    else:
        raise QAError(_("只有提问人和该解答的律师可以在此留言。"))
    reply = Reply.objects.create(answer=answer, author=author, kind=kind, body=(body or "").strip())
    _attach(question, files, reply=reply)
    if kind == ReplyKind.ASK_BACK:
        citing.record(reply, reply.body)
    _notify(key=f"qa-r{reply.pk}", template=template,
            context={"title": question.title, "lawyer": lawyer_name(answer.lawyer)}, users=[to], link=link)
    return reply


def escalate_unanswered(now: datetime.datetime | None = None) -> dict:
    """Unanswered questions: after the limit (10 minutes by default) a reminder to the
    on-duty lawyers of the field, after twice the limit to the supervising staff. Each step
    happens once per question: a conditional UPDATE claims it, so scans running twice or in
    parallel do not repeat it."""
    now = now or timezone.now()
    minutes = QAConfig.get().escalation_minutes
    step = datetime.timedelta(minutes=minutes)
    counts = {"lawyers": 0, "staff": 0}
    base = Question.objects.filter(first_answer_at__isnull=True, state=QuestionState.OPEN)
    for qid in list(base.filter(escalation_level=0, respond_due_at__lte=now).values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if not Question.objects.filter(pk=qid, escalation_level=0, first_answer_at__isnull=True).update(
                    escalation_level=1):
                continue
            q = Question.objects.select_related("field").get(pk=qid)
            routed = QuestionRouting.objects.filter(question=q).values_list("lawyer_id", flat=True)
            on_duty = LawyerProfile.objects.verified().in_field(q.field).on_duty(now).filter(user_id__in=routed)
            users = [p.user for p in on_duty.select_related("user")]
            if not users:
                users = [p.user for p in LawyerProfile.objects.verified().in_field(q.field)
                         .filter(user_id__in=routed).select_related("user")]
            _notify(key=f"qa-q{qid}-esc1", template="qa_escalate_lawyers",
                    context={"title": q.title, "minutes": minutes}, users=users,
                    link=reverse("lawyers:question", args=[qid]))
            counts["lawyers"] += 1
    for qid in list(base.filter(escalation_level=1, respond_due_at__lte=now - step)
                    .values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if not Question.objects.filter(pk=qid, escalation_level=1, first_answer_at__isnull=True).update(
                    escalation_level=2):
                continue
            q = Question.objects.select_related("region").get(pk=qid)
            _notify(key=f"qa-q{qid}-esc2", template="qa_escalate_staff",
                    context={"title": q.title, "minutes": minutes * 2, "region": q.region.name},
                    users=supervising_staff(q.region_code),
                    link=reverse("lawyers:question", args=[qid]))
            counts["staff"] += 1
    return counts
