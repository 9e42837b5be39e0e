"""Every write of the lawyer Q&A and public legal services (DOMAIN.md §7).

One function per use-case, keyword-only arguments, the acting user first; permission is
checked through grid.permissions; state changes go through the models' @transition
methods; messages go through the notifications outbox (``notify``) in the same
transaction, each keyed by the event so a retry never sends twice. A refusal is a
``QAError`` whose message is Chinese and shown as is.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

import nh3
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import permissions
from grid.models import Region, Role, UnitKind
from legalqa.lawyers import citing, docs, uploads
from legalqa.lawyers.models import (
    Answer,
    Attachment,
    AwardEntry,
    AwardRate,
    CallbackRequest,
    CallLog,
    Commission,
    CommissionOffer,
    CommissionState,
    DocumentTemplate,
    Field,
    LawyerProfile,
    LitigationGuide,
    OfferStage,
    QAConfig,
    Question,
    QuestionRouting,
    QuestionState,
    Rating,
    Reply,
    ReplyKind,
    ServiceApplication,
    ServiceKind,
    ServiceState,
    licence_validator,
)


class QAError(Exception):
    """A refusal with a message for the person who acted."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


# Message texts (plain text; staff may edit them in the notifications admin once written).
MESSAGES = {
    "qa_question_routed": "【在线问法】{{ field }}领域有新的咨询：{{ title }}，请及时解答。{{ link }}",
    "qa_answered": "【在线问法】{{ lawyer }}律师已解答您的咨询“{{ title }}”。{{ link }}",
    "qa_follow_up": "【在线问法】咨询人对“{{ title }}”提出了追问，请查看。{{ link }}",
    "qa_ask_back": "【在线问法】{{ lawyer }}律师就“{{ title }}”向您追问或补充说明，请查看。{{ link }}",
    "qa_escalate_lawyers": "【在线问法】咨询“{{ title }}”已{{ minutes }}分钟无人解答，请值班律师尽快解答。{{ link }}",
    "qa_escalate_staff": "【在线问法督办】{{ region }}的咨询“{{ title }}”已{{ minutes }}分钟无人解答，请协调律师解答。{{ link }}",
    "qa_best_answer": "【在线问法】您对“{{ title }}”的解答被评为最佳答案（中标），报酬{{ amount }}元已记入台账。",
    "qa_commission_offer": "【律师委托】{{ field }}领域有新的委托：{{ matter }}，请查看并决定是否接受。{{ link }}",
    "qa_commission_accepted": "【律师委托】{{ lawyer }}律师已接受您的委托，将通过{{ phone }}与您联系。{{ link }}",
    "qa_commission_declined": "【律师委托】{{ lawyer }}律师未能接受您的委托，您可另选律师。{{ link }}",
    "qa_callback": "【专家速应】群众请求回拨：{{ phone }}（{{ field }}）{{ note }}，请确认并尽快回拨。{{ link }}",
    "qa_callback_ack": "【专家速应】{{ lawyer }}律师已收到您的回拨请求，将尽快来电。",
    "qa_callback_overdue": "【专家速应督办】{{ lawyer }}律师{{ minutes }}分钟内未确认群众的回拨请求（{{ phone }}，{{ field }}），请协调。{{ link }}",
    "qa_service_review": "【公共法律服务】您的{{ kind }}：{{ result }}{{ link }}",
    "qa_service_new": "【公共法律服务】新的{{ kind }}待审核：{{ name }}。{{ link }}",
    "qa_service_overdue": "【公共法律服务督办】{{ kind }}（{{ name }}）已超过3天未答复，请尽快审核。{{ link }}",
}


def _notify(*, key: str, template: str, context: dict, users=(), link: str = "", channels=("site", "sms")):
    from grid.notifications.services import notify

    url = f"{_site()}{link}" if link else ""
    return notify(key=key, template=template, context=context, users=[u for u in users if u],
                  channels=channels, link=url, text=MESSAGES[template])


def _site() -> str:
    from django.conf import settings

    return getattr(settings, "SITE_URL", "").rstrip("/")


def _is_staff(user) -> bool:
    return permissions.is_admin(user) or permissions.is_centre(user)


def _check_text(text: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise QAError(message)
    return text


def _citations_ok(text: str) -> None:
    try:
        citing.check_citations(text)
    except ValidationError as exc:
        raise QAError("；".join(exc.messages)) from exc


# ---------------------------------------------------------------- lawyers

def _lawyer_profile(user) -> LawyerProfile | None:
    if not permissions.is_lawyer(user):
        return None
    return LawyerProfile.objects.filter(user=user).first()


@transaction.atomic
def verify_lawyer(*, actor, profile: LawyerProfile) -> LawyerProfile:
    """Staff check the licence and firm before a lawyer may answer (DOMAIN.md §7)."""
    if not _is_staff(actor) or not (permissions.is_admin(actor)
                                    or permissions.can_see_region_code(actor, profile.region_code)):
        raise QAError(_("只有辖区综治中心工作人员可以审核律师。"))
    if profile.user.role != Role.LAWYER:
        raise QAError(_("该账号不是律师角色，不能审核为律师。"))
    try:
        licence_validator(profile.licence_no)
    except ValidationError as exc:
        raise QAError(exc.messages[0]) from exc
    LawyerProfile.objects.filter(pk=profile.pk, verified_at__isnull=True).update(
        verified_at=timezone.now(), verified_by=actor)
    profile.refresh_from_db()
    return profile


@transaction.atomic
def revoke_lawyer(*, actor, profile: LawyerProfile) -> None:
    if not _is_staff(actor):
        raise QAError(_("只有综治中心工作人员可以撤销律师审核。"))
    LawyerProfile.objects.filter(pk=profile.pk).update(verified_at=None, verified_by=None)


def refresh_rating(lawyer_id: int) -> None:
    """The star rating is the mean of all citizens' ratings of this lawyer."""
    agg = Rating.objects.filter(lawyer_id=lawyer_id).aggregate(avg=Avg("score"), n=Count("id"))
    LawyerProfile.objects.filter(user_id=lawyer_id).update(
        rating_avg=Decimal(str(round(agg["avg"] or 0, 2))), rating_count=agg["n"])


# ---------------------------------------------------------------- asking

def expected_response(field: Field, at: datetime.datetime | None = None) -> dict:
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
    try:
        checked = uploads.classify(files)
    except ValidationError as exc:
        raise QAError(exc.messages[0]) from exc
    for kind, ctype, f in checked:
        f.seek(0)
        Attachment.objects.create(question=question, reply=reply, kind=kind, content_type=ctype, size=f.size,
                                  file=ContentFile(f.read(), name=f.name.rsplit("/", 1)[-1][:80]))


@transaction.atomic
def ask_question(*, asker, field: Field, title: str, body: str, region: Region, files: Sequence = ()) -> Question:
    """A citizen's question goes to the verified lawyers of its field only, never to everyone;
    each of them gets an in-site message and an SMS through the outbox."""
    if asker is None or not asker.is_authenticated:
        raise QAError(_("请先登录后再提问。"))
    if not field.active:
        raise QAError(_("该领域暂不接受咨询。"))
    title = _check_text(title, _("请填写标题。"))[:100]
    body = _check_text(body, _("请描述您的问题。"))
    cfg = QAConfig.get()
    now = timezone.now()
    q = Question(asker=asker, field=field, title=title, body=body, region=region, region_code=region.code,
                 created_at=now, respond_due_at=now + datetime.timedelta(minutes=cfg.escalation_minutes))
    q.save()
    _attach(q, files)
    lawyers = list(
        LawyerProfile.objects.verified().in_field(field).select_related("user").order_by("pk")
    )
    QuestionRouting.objects.bulk_create(
        [QuestionRouting(question=q, lawyer=p.user, routed_at=now) for p in lawyers], ignore_conflicts=True)
    _notify(key=f"qa-q{q.pk}-routed", template="qa_question_routed",
            context={"field": field.name, "title": title}, users=[p.user for p in lawyers],
            link=reverse("lawyers:question", args=[q.pk]))
    return q


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
            context={"lawyer": lawyer.display_name, "title": question.title}, users=[question.asker],
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
            context={"title": question.title, "lawyer": answer.lawyer.display_name}, users=[to], link=link)
    return reply


# ---------------------------------------------------------------- best answer and ledger

def award_amount(day: datetime.date) -> Decimal:
    rate = AwardRate.objects.filter(start__lte=day, end__gte=day).order_by("-start").first()
    return rate.amount if rate else QAConfig.get().default_award_amount


def _award(answer: Answer, *, by_staff: bool, actor=None) -> AwardEntry:
    question = _lock_question(answer.question)
    if AwardEntry.objects.filter(question=question).exists() or question.answers.filter(is_best=True).exists():
        raise QAError(_("该咨询已选出最佳答案，不能重复选择。"))
    if answer.question_id != question.pk:
        raise QAError(_("解答不属于该咨询。"))
    today = timezone.localdate()
    Answer.objects.filter(pk=answer.pk).update(is_best=True)
    try:
        with transaction.atomic():
            entry = AwardEntry.objects.create(
                question=question, answer=answer, lawyer=answer.lawyer, amount=award_amount(today),
                period=today.strftime("%Y-%m"), decided_by_staff=by_staff, decided_by=actor,
                region_code=question.region_code)
    except IntegrityError as exc:
        raise QAError(_("该咨询已选出最佳答案，不能重复选择。")) from exc
    _notify(key=f"qa-award{entry.pk}", template="qa_best_answer",
            context={"title": question.title, "amount": entry.amount}, users=[answer.lawyer])
    return entry


@transaction.atomic
def mark_best_answer(*, citizen, answer: Answer) -> AwardEntry:
    """中标: the citizen marks the best answer once; only that lawyer is paid (one ledger row)."""
    if citizen.pk != answer.question.asker_id:
        raise QAError(_("只有提问人可以选择最佳答案。"))
    return _award(answer, by_staff=False)


@transaction.atomic
def decide_best_answer(*, actor, answer: Answer) -> AwardEntry:
    """Staff decide the best answer of a question the citizen left undecided for N days."""
    question = answer.question
    if not (_is_staff(actor) and permissions.can_see_region_code(actor, question.region_code)):
        raise QAError(_("只有辖区综治中心工作人员可以评定最佳答案。"))
    days = QAConfig.get().decide_after_days
    if timezone.now() - question.created_at < datetime.timedelta(days=days):
        raise QAError(_("提问%(days)d天后群众仍未选择最佳答案，工作人员方可评定。") % {"days": days})
    return _award(answer, by_staff=True, actor=actor)


@transaction.atomic
def close_question(*, citizen, question: Question, professional: int, speed: int, useful: int,
                   suggestion: str = "", resolved: bool = True) -> Question:
    """Result feedback: the citizen closes the question and rates professionalism, speed and
    usefulness (1–5 each) with a suggestion; the ratings feed the lawyers' stars."""
    question = _lock_question(question)
    if citizen.pk != question.asker_id:
        raise QAError(_("只有提问人可以结束咨询并评价。"))
    if question.state == QuestionState.CLOSED:
        raise QAError(_("该咨询已结束。"))
    scores = [professional, speed, useful]
    if any(not isinstance(s, int) or not 1 <= s <= 5 for s in scores):
        raise QAError(_("请为专业度、响应速度、实用性各打1到5星。"))
    question.close()
    question.rating_professional, question.rating_speed, question.rating_useful = scores
    question.suggestion = (suggestion or "").strip()
    question.resolved = bool(resolved)
    question.save()
    answers = list(question.answers.all())
    best = [a for a in answers if a.is_best]
    rated = best or answers
    score = Decimal(sum(scores)) / 3
    for a in rated:
        Rating.objects.get_or_create(lawyer_id=a.lawyer_id, question=question, defaults={"score": score})
        refresh_rating(a.lawyer_id)
    return question


# ---------------------------------------------------------------- escalation

def supervising_staff(region_code: str) -> list:
    """The staff of the nearest centre, at or above the question's place, that has staff."""
    from grid.models import PREFIX_LENGTH, User

    codes = {region_code[:n].ljust(12, "0") for n in PREFIX_LENGTH.values()}
    staff = list(User.objects.filter(
        unit__kind=UnitKind.CENTRE, unit__region__code__in=codes, is_active=True,
        role__in=[Role.CENTRE_STAFF, Role.CENTRE_LEADER]).select_related("unit__region"))
    if not staff:
        return []
    level = max(u.unit.region.level for u in staff)
    return [u for u in staff if u.unit.region.level == level]


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


# ---------------------------------------------------------------- commissions

@transaction.atomic
def create_commission(*, citizen, field: Field, matter: str, phone: str, region: Region,
                      question: Question | None = None, lawyer=None) -> Commission:
    """委托: pushed first to the top-rated lawyers of the field for a window, then to all of
    the field; or, 点单式, sent to the one lawyer the citizen picked by stars and specialty."""
    if citizen is None or not citizen.is_authenticated:
        raise QAError(_("请先登录。"))
    matter = _check_text(matter, _("请填写委托事项。"))
    if question is not None and question.asker_id != citizen.pk:
        raise QAError(_("只能就自己的咨询发起委托。"))
    cfg = QAConfig.get()
    now = timezone.now()
    verified = LawyerProfile.objects.verified().in_field(field).select_related("user")
    c = Commission(citizen=citizen, field=field, matter=matter, phone=phone, region=region,
                   region_code=region.code, question=question, created_at=now)
    if lawyer is not None:
        if not verified.filter(user=lawyer).exists():
            raise QAError(_("所选律师不在该领域的已审核律师中。"))
        c.chosen_lawyer = lawyer
        c.save()
        Commission.objects.filter(pk=c.pk).update(state=CommissionState.DIRECT)
        c.refresh_from_db()
        targets, stage = [lawyer], OfferStage.DIRECT
    else:
        c.widen_at = now + datetime.timedelta(minutes=cfg.commission_window_minutes)
        c.save()
        targets = [p.user for p in verified.by_stars()[: cfg.commission_top_n]]
        stage = OfferStage.TOP
    _offer(c, targets, stage)
    return c


def _offer(c: Commission, lawyers, stage: str) -> None:
    now = timezone.now()
    CommissionOffer.objects.bulk_create(
        [CommissionOffer(commission=c, lawyer=u, stage=stage, offered_at=now) for u in lawyers],
        ignore_conflicts=True)
    _notify(key=f"qa-c{c.pk}-{stage}", template="qa_commission_offer",
            context={"field": c.field.name, "matter": c.matter[:30]}, users=lawyers,
            link=reverse("lawyers:commission", args=[c.pk]))


def widen_commissions(now: datetime.datetime | None = None) -> int:
    """After the window, a commission nobody took goes to every verified lawyer of the field."""
    now = now or timezone.now()
    done = 0
    ids = Commission.objects.filter(state=CommissionState.PUSHING_TOP, widen_at__lte=now).values_list("pk", flat=True)
    for cid in list(ids[:500]):
        with transaction.atomic():
            if not Commission.objects.filter(pk=cid, state=CommissionState.PUSHING_TOP).update(
                    state=CommissionState.PUSHING_ALL):
                continue
            c = Commission.objects.select_related("field").get(pk=cid)
            declined = c.offers.filter(declined_at__isnull=False).values_list("lawyer_id", flat=True)
            lawyers = [p.user for p in LawyerProfile.objects.verified().in_field(c.field)
                       .exclude(user_id__in=declined).select_related("user")]
            _offer(c, lawyers, OfferStage.ALL)
            done += 1
    return done


def _lock_commission(c: Commission) -> Commission:
    return Commission.objects.select_for_update().get(pk=c.pk)


@transaction.atomic
def accept_commission(*, lawyer, commission: Commission) -> Commission:
    c = _lock_commission(commission)
    profile = _lawyer_profile(lawyer)
    if profile is None or not profile.is_verified:
        raise QAError(_("只有已审核的律师可以接受委托。"))
    offer = c.offers.filter(lawyer=lawyer, declined_at__isnull=True).first()
    if offer is None:
        raise QAError(_("该委托未推送给您。"))
    if c.state not in (CommissionState.PUSHING_TOP, CommissionState.PUSHING_ALL, CommissionState.DIRECT):
        raise QAError(_("该委托已由其他律师接受或已结束。"))
    c.accept(lawyer)
    c.save()
    _notify(key=f"qa-c{c.pk}-accepted", template="qa_commission_accepted",
            context={"lawyer": lawyer.display_name, "phone": profile.phone}, users=[c.citizen],
            link=reverse("lawyers:commission", args=[c.pk]))
    return c


@transaction.atomic
def decline_commission(*, lawyer, commission: Commission) -> Commission:
    c = _lock_commission(commission)
    updated = c.offers.filter(lawyer=lawyer, declined_at__isnull=True).update(declined_at=timezone.now())
    if not updated:
        raise QAError(_("该委托未推送给您或您已谢绝。"))
    if c.state == CommissionState.DIRECT:
        c.decline()
        c.save()
        _notify(key=f"qa-c{c.pk}-declined", template="qa_commission_declined",
                context={"lawyer": lawyer.display_name}, users=[c.citizen],
                link=reverse("lawyers:commission", args=[c.pk]))
    return c


@transaction.atomic
def complete_commission(*, actor, commission: Commission) -> Commission:
    c = _lock_commission(commission)
    if actor.pk not in (c.lawyer_id, c.citizen_id):
        raise QAError(_("只有委托双方可以办结委托。"))
    if c.state != CommissionState.ACCEPTED:
        raise QAError(_("只有已接受的委托可以办结。"))
    c.complete()
    c.save()
    return c


@transaction.atomic
def cancel_commission(*, citizen, commission: Commission) -> Commission:
    c = _lock_commission(commission)
    if citizen.pk != c.citizen_id:
        raise QAError(_("只有委托人可以撤销委托。"))
    if c.state not in (CommissionState.PUSHING_TOP, CommissionState.PUSHING_ALL, CommissionState.DIRECT,
                       CommissionState.DECLINED):
        raise QAError(_("律师已接受的委托不能撤销。"))
    c.cancel()
    c.save()
    return c


@transaction.atomic
def rate_commission(*, citizen, commission: Commission, rating: int, comment: str = "") -> Commission:
    c = _lock_commission(commission)
    if citizen.pk != c.citizen_id:
        raise QAError(_("只有委托人可以评价。"))
    if c.state != CommissionState.COMPLETED:
        raise QAError(_("委托办结后才能评价。"))
    if c.rating:
        raise QAError(_("您已评价过该委托。"))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise QAError(_("请打1到5星。"))
    c.rating, c.comment = rating, (comment or "").strip()
    c.save(update_fields=["rating", "comment"])
    Rating.objects.create(lawyer_id=c.lawyer_id, commission=c, score=Decimal(rating))
    refresh_rating(c.lawyer_id)
    return c


# ---------------------------------------------------------------- urgent channel

@transaction.atomic
def request_callback(*, citizen, field: Field, lawyer, phone: str, note: str = "") -> CallbackRequest:
    """专家速应: ask an on-duty lawyer to call back; the lawyer must acknowledge it."""
    profile = LawyerProfile.objects.verified().in_field(field).filter(user=lawyer).first()
    if profile is None:
        raise QAError(_("所选律师不在该领域的已审核律师中。"))
    if not profile.is_on_duty():
        raise QAError(_("该律师现在不在值班时间，请选择值班律师。"))
    if not phone:
        raise QAError(_("请填写回拨电话。"))
    cb = CallbackRequest.objects.create(field=field, lawyer=lawyer, citizen=citizen, phone=phone,
                                        note=(note or "")[:200], region_code=profile.region_code)
    _notify(key=f"qa-cb{cb.pk}", template="qa_callback",
            context={"phone": phone, "field": field.name, "note": cb.note}, users=[lawyer],
            link=reverse("lawyers:lawyer_desk"))
    return cb


@transaction.atomic
def acknowledge_callback(*, lawyer, callback: CallbackRequest, called: bool = False) -> CallbackRequest:
    if lawyer.pk != callback.lawyer_id:
        raise QAError(_("只能确认发给自己的回拨请求。"))
    now = timezone.now()
    first = CallbackRequest.objects.filter(pk=callback.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)
    if called:
        CallbackRequest.objects.filter(pk=callback.pk, called_at__isnull=True).update(called_at=now)
    callback.refresh_from_db()
    if first:
        _notify(key=f"qa-cb{callback.pk}-ack", template="qa_callback_ack",
                context={"lawyer": lawyer.display_name}, users=[callback.citizen])
    return callback


def remind_unacknowledged_callbacks(now: datetime.datetime | None = None) -> int:
    """A call-back request the lawyer has not acknowledged within the response limit goes
    once to the supervising staff of the lawyer's region (claimed by ``reminded_at``)."""
    now = now or timezone.now()
    minutes = QAConfig.get().escalation_minutes
    cutoff = now - datetime.timedelta(minutes=minutes)
    ids = CallbackRequest.objects.filter(acknowledged_at__isnull=True, reminded_at__isnull=True,
                                         created_at__lte=cutoff).values_list("pk", flat=True)
    done = 0
    for pk in list(ids[:500]):
        with transaction.atomic():
            if not CallbackRequest.objects.filter(pk=pk, acknowledged_at__isnull=True,
                                                  reminded_at__isnull=True).update(reminded_at=now):
                continue
            cb = CallbackRequest.objects.select_related("lawyer", "field").get(pk=pk)
            _notify(key=f"qa-cb{pk}-overdue", template="qa_callback_overdue",
                    context={"lawyer": cb.lawyer.display_name, "minutes": minutes, "phone": cb.phone,
                             "field": cb.field.name},
                    users=supervising_staff(cb.region_code) if cb.region_code else [],
                    link=reverse("admin:lawyers_callbackrequest_change", args=[pk]))
            done += 1
    return done


def log_call(*, citizen, field: Field, lawyer) -> CallLog:
    return CallLog.objects.create(field=field, lawyer=lawyer,
                                  citizen=citizen if citizen and citizen.is_authenticated else None)


# ---------------------------------------------------------------- templates and guides

@transaction.atomic
def save_template(*, actor, template: DocumentTemplate, upload=None) -> DocumentTemplate:
    """Staff upload a DOCX; its marked fields are read from it; the description passes the
    citation check."""
    if not _is_staff(actor):
        raise QAError(_("只有工作人员可以维护文书模板。"))
    _citations_ok(template.description)
    if upload is not None:
        try:
            names = docs.validate_template_file(upload)
        except ValidationError as exc:
            raise QAError(exc.messages[0]) from exc
        upload.seek(0)
        template.file.save(upload.name.rsplit("/", 1)[-1], ContentFile(upload.read()), save=False)
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
    if not _is_staff(actor):
        raise QAError(_("只有工作人员可以维护诉讼指引。"))
    for name in ("body", "application_notes", "evidence_notes"):
        setattr(guide, name, sanitise(getattr(guide, name)))
        _citations_ok(getattr(guide, name))
    guide.save()
    citing.record(guide, " ".join([guide.body, guide.application_notes, guide.evidence_notes]))
    return guide


# ---------------------------------------------------------------- other public legal services

SERVICE_REQUIRED = {
    ServiceKind.NOTARISATION: ("office", "matter", "preferred_slot"),
    ServiceKind.MEDIATION: ("other_party", "matter"),
    ServiceKind.RECONSIDERATION: ("respondent_agency", "contested_decision", "request"),
}


@transaction.atomic
def submit_application(*, applicant, kind: str, region: Region, contact_name: str, contact_phone: str,
                       documents=None, **details) -> ServiceApplication:
    """公证预约, 人民调解申请, 行政复议申请. A people's mediation application becomes a 矛盾纠纷调解
    grievance through the grievances services, so it enters the seven-step loop."""
    if applicant is None or not applicant.is_authenticated:
        raise QAError(_("请先登录。"))
    if kind not in ServiceKind.values:
        raise QAError(_("请选择服务类型。"))
    for name in SERVICE_REQUIRED[kind]:
        if not (details.get(name) or "").strip():
            label = ServiceApplication._meta.get_field(name).verbose_name
            raise QAError(_("请填写%(field)s。") % {"field": label})
    now = timezone.now()
    app = ServiceApplication(
        kind=kind, applicant=applicant, region=region, region_code=region.code,
        contact_name=_check_text(contact_name, _("请填写联系人。")), contact_phone=contact_phone,
        created_at=now, interim_due_at=now + datetime.timedelta(days=3), due_at=now + datetime.timedelta(days=7),
        **{k: (v or "").strip() for k, v in details.items() if k in {
            "office", "matter", "preferred_slot", "other_party", "respondent_agency", "contested_decision",
            "request"}},
    )
    if documents:
        app.documents = documents
    app.save()
    if kind == ServiceKind.MEDIATION:
        from grievances import services as grievance_services

        try:
            g = grievance_services.submit_grievance(
                actor=applicant, kind="dispute", region=region,
                title=_("人民调解申请：与%(party)s的纠纷") % {"party": app.other_party}, description=app.matter,
                contact_name=app.contact_name, contact_phone=app.contact_phone,
                files=[documents] if documents else (),
            )
        except grievance_services.GrievanceError as exc:
            raise QAError(exc.message) from exc
        app.grievance = g
        app.transfer()
        app.save()
        return app
    staff = supervising_staff(region.code)
    _notify(key=f"qa-svc{app.pk}-new", template="qa_service_new",
            context={"kind": app.get_kind_display(), "name": app.contact_name}, users=staff,
            link=reverse("lawyers:service", args=[app.pk]), channels=("site",))
    return app


def remind_overdue_applications(now: datetime.datetime | None = None) -> int:
    """137 rule: an application not answered within 3 days is brought to the supervising
    staff once (claimed by a conditional UPDATE of ``reminded_at``)."""
    now = now or timezone.now()
    ids = ServiceApplication.objects.filter(state=ServiceState.SUBMITTED, reminded_at__isnull=True,
                                            interim_due_at__lte=now).values_list("pk", flat=True)
    done = 0
    for pk in list(ids[:500]):
        with transaction.atomic():
            if not ServiceApplication.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            app = ServiceApplication.objects.get(pk=pk)
            _notify(key=f"qa-svc{pk}-overdue", template="qa_service_overdue",
                    context={"kind": app.get_kind_display(), "name": app.contact_name},
                    users=supervising_staff(app.region_code), link=reverse("lawyers:service", args=[pk]))
            done += 1
    return done


def _review_check(actor, app: ServiceApplication) -> None:
    if not (_is_staff(actor) and permissions.can_see_region_code(actor, app.region_code)):
        raise QAError(_("只有辖区综治中心工作人员可以审核该申请。"))


def _tell_applicant(app: ServiceApplication, step: str, result: str) -> None:
    _notify(key=f"qa-svc{app.pk}-{step}-{app.reviewed_at:%Y%m%d%H%M%S}", template="qa_service_review",
            context={"kind": app.get_kind_display(), "result": result}, users=[app.applicant],
            link=reverse("lawyers:my_services"))


@transaction.atomic
def approve_application(*, actor, application: ServiceApplication, appointment_at, note: str = ""):
    app = ServiceApplication.objects.select_for_update().get(pk=application.pk)
    _review_check(actor, app)
    if appointment_at is None:
        raise QAError(_("请约定办理时间。"))
    if app.state not in (ServiceState.SUBMITTED, ServiceState.MISSING):
        raise QAError(_("该申请当前不能受理。"))
    app.approve()
    app.appointment_at, app.staff_note, app.reviewed_by, app.reviewed_at = appointment_at, note, actor, timezone.now()
    app.save()
    when = timezone.localtime(appointment_at).strftime("%Y-%m-%d %H:%M")
    _tell_applicant(app, "approved", _("已受理，请于%(when)s前来办理。") % {"when": when})
    return app


@transaction.atomic
def ask_missing_documents(*, actor, application: ServiceApplication, missing: str):
    app = ServiceApplication.objects.select_for_update().get(pk=application.pk)
    _review_check(actor, app)
    missing = _check_text(missing, _("请列出需要补齐的材料。"))
    if app.state != ServiceState.SUBMITTED:
        raise QAError(_("该申请当前不能要求补齐材料。"))
    app.ask_missing()
    app.missing_documents, app.reviewed_by, app.reviewed_at = missing, actor, timezone.now()
    app.save()
    _tell_applicant(app, "missing", _("请补齐材料：%(list)s") % {"list": missing})
    return app


@transaction.atomic
def refuse_application(*, actor, application: ServiceApplication, reason: str):
    app = ServiceApplication.objects.select_for_update().get(pk=application.pk)
    _review_check(actor, app)
    reason = _check_text(reason, _("请填写不予受理的理由。"))
    if app.state not in (ServiceState.SUBMITTED, ServiceState.MISSING):
        raise QAError(_("该申请当前不能作出不予受理决定。"))
    app.refuse()
    app.refuse_reason, app.reviewed_by, app.reviewed_at = reason, actor, timezone.now()
    app.save()
    _tell_applicant(app, "refused", _("不予受理，理由：%(reason)s") % {"reason": reason})
    return app


@transaction.atomic
def resubmit_application(*, applicant, application: ServiceApplication, documents=None, note: str = ""):
    app = ServiceApplication.objects.select_for_update().get(pk=application.pk)
    if applicant.pk != app.applicant_id:
        raise QAError(_("只能补充自己的申请。"))
    if app.state != ServiceState.MISSING:
        raise QAError(_("该申请不需要补齐材料。"))
    if documents:
        app.documents = documents
    if note:
        app.matter = f"{app.matter}\n{_('补充说明')}：{note.strip()}".strip()
    app.resubmit()
    app.save()
    return app

