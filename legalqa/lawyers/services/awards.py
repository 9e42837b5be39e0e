"""The best answer (中标), its award in the ledger, and closing a question with a rating."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import permissions
from legalqa.lawyers.hooks import decided
from legalqa.lawyers.models import (
    Answer,
    AwardEntry,
    AwardRate,
    QAConfig,
    Question,
    QuestionState,
    Rating,
)
from legalqa.lawyers.services.common import QAError, _notify
from legalqa.lawyers.services.profiles import refresh_rating
from legalqa.lawyers.services.questions import _lock_question, can_answer


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
            context={"title": question.title, "amount": entry.amount}, users=[answer.lawyer],
            link=reverse("lawyers:question", args=[question.pk]))
    decided("best_answer_by_staff" if by_staff else "best_answer", actor=actor if by_staff else question.asker,
            subject=answer, reference=question.title, question_id=question.pk, lawyer_id=answer.lawyer_id,
            amount=str(entry.amount), period=entry.period)
    return entry


@transaction.atomic
def mark_best_answer(*, citizen, answer: Answer) -> AwardEntry:
    """中标: the citizen marks the best answer once; only that lawyer is paid (one ledger row)."""
    if citizen.pk != answer.question.asker_id:
        raise QAError(_("只有提问人可以选择最佳答案。"))
    return _award(answer, by_staff=False)


def _decide_best_check(user, question: Question) -> str | None:
    """The one statement of "staff may pick the best answer after N days": staff of the
    question's region, on an answered question without a best answer, asked at least
    ``QAConfig.decide_after_days`` days ago."""
    if not (permissions.is_centre_or_admin(user) and permissions.can_see_region_code(user, question.region_code)):
        return _("只有辖区综治中心工作人员可以评定最佳答案。")
    config = QAConfig.get()
    if question.created_at > config.staff_decision_cutoff():
        return _("提问%(days)d天后群众仍未选择最佳答案，工作人员方可评定。") % {"days": config.decide_after_days}
    if not question.answer_count:
        return _("该咨询还没有律师解答。")
    if question.answers.filter(is_best=True).exists():
        return _("该咨询已选出最佳答案，不能重复选择。")
    return None


@transaction.atomic
def decide_best_answer(*, actor, answer: Answer) -> AwardEntry:
    """Staff decide the best answer of a question the citizen left undecided for N days."""
    message = _decide_best_check(actor, answer.question)
    if message:
        raise QAError(message)
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
    decided("question_closed", actor=citizen, subject=question, reference=question.title,
            professional=professional, speed=speed, useful=useful, resolved=question.resolved,
            suggestion=question.suggestion)
    return question


# ------------------------------------------------------------------ who may do what on a question


def _answer_check(user, q: Question) -> str | None:
    return can_answer(user, q) if permissions.is_lawyer(user) else _("只有律师可以解答咨询。")


def _follow_up_check(user, q: Question) -> str | None:
    if user.pk != q.asker_id:
        return _("只有提问人可以追问。")
    return _("该咨询已结束，不能再追问。") if q.state == QuestionState.CLOSED else None


def _ask_back_check(user, q: Question) -> str | None:
    if not q.answers.filter(lawyer=user).exists():
        return _("只有解答了该咨询的律师可以补充说明。")
    return _("该咨询已结束，不能再追问。") if q.state == QuestionState.CLOSED else None


def _mark_best_check(user, q: Question) -> str | None:
    if user.pk != q.asker_id:
        return _("只有提问人可以选择最佳答案。")
    if q.answers.filter(is_best=True).exists():
        return _("该咨询已选出最佳答案，不能重复选择。")
    return None


def _close_check(user, q: Question) -> str | None:
    if user.pk != q.asker_id:
        return _("只有提问人可以结束咨询并评价。")
    return _("该咨询已结束。") if q.state == QuestionState.CLOSED else None


def _commission_check(user, q: Question) -> str | None:
    return None if user.pk == q.asker_id else _("只能就自己的咨询发起委托。")


# The same checks drive the question page and the services' refusals.
QUESTION_ACTIONS = {
    "answer": _answer_check,
    "follow_up": _follow_up_check,
    "ask_back": _ask_back_check,
    "mark_best": _mark_best_check,
    "decide_best": _decide_best_check,
    "close": _close_check,
    "commission": _commission_check,
}


def question_allowed_actions(user, question: Question) -> list[str]:
    """What this user may do on this question now (the question page shows exactly these)."""
    if not (user and user.is_authenticated):
        return []
    return [name for name, check in QUESTION_ACTIONS.items() if check(user, question) is None]
