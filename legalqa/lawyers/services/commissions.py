"""Commissions (律师委托): offered to a widening circle of lawyers, accepted, completed, rated."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from grid.models import Region
from legalqa.lawyers.hooks import decided
from legalqa.lawyers.models import (
    COMMISSION_OPEN_TO_LAWYERS,
    Commission,
    CommissionOffer,
    CommissionState,
    LawyerProfile,
    OfferStage,
    QAConfig,
    Question,
    Rating,
)
from legalqa.lawyers.services.common import QAError, _check_text, _notify, lawyer_name
from legalqa.lawyers.services.profiles import _lawyer_profile, refresh_rating
from legalqa.models import FieldOfLaw


@transaction.atomic
def create_commission(*, citizen, field: FieldOfLaw, matter: str, phone: str, region: Region,
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


# ------------------------------------------------------------------ who may do what, now
# Each check returns None when the user may act, else the reason shown to them. The same
# functions drive the buttons (``commission_allowed_actions``) and the services' refusals.


def _accept_check(user, c: Commission) -> str | None:
    profile = _lawyer_profile(user)
    if profile is None or not profile.is_verified:
        return _("只有已审核的律师可以接受委托。")
    if not c.offers.filter(lawyer=user, declined_at__isnull=True).exists():
        return _("该委托未推送给您。")
    if not can_proceed(c.accept):
        return _("该委托已由其他律师接受或已结束。")
    return None


def _decline_check(user, c: Commission) -> str | None:
    if not c.offers.filter(lawyer=user, declined_at__isnull=True).exists():
        return _("该委托未推送给您或您已谢绝。")
    if c.state not in COMMISSION_OPEN_TO_LAWYERS:
        return _("该委托已由其他律师接受或已结束。")
    return None


def _complete_check(user, c: Commission) -> str | None:
    if user.pk not in (c.lawyer_id, c.citizen_id):
        return _("只有委托双方可以办结委托。")
    if not can_proceed(c.complete):
        return _("只有已接受的委托可以办结。")
    return None


def _cancel_check(user, c: Commission) -> str | None:
    if user.pk != c.citizen_id:
        return _("只有委托人可以撤销委托。")
    if not can_proceed(c.cancel):
        return _("律师已接受的委托不能撤销。")
    return None


def _rate_check(user, c: Commission) -> str | None:
    if user.pk != c.citizen_id:
        return _("只有委托人可以评价。")
    if c.state != CommissionState.COMPLETED:
        return _("委托办结后才能评价。")
    if c.rating:
        return _("您已评价过该委托。")
    return None


def _choose_another_check(user, c: Commission) -> str | None:
    if user.pk != c.citizen_id or c.state != CommissionState.DECLINED:
        return _("只有被谢绝的委托可以另选律师。")
    return None


COMMISSION_ACTIONS = {
    "accept": _accept_check,
    "decline": _decline_check,
    "complete": _complete_check,
    "cancel": _cancel_check,
    "rate": _rate_check,
    "choose_another": _choose_another_check,
}


def commission_allowed_actions(user, commission: Commission) -> list[str]:
    """What this user may do with this commission now (its page shows exactly these)."""
    if not (user and user.is_authenticated):
        return []
    return [name for name, check in COMMISSION_ACTIONS.items() if check(user, commission) is None]


def _require(check, user, c: Commission) -> None:
    message = check(user, c)
    if message:
        raise QAError(message)


@transaction.atomic
def accept_commission(*, lawyer, commission: Commission) -> Commission:
    c = _lock_commission(commission)
    _require(_accept_check, lawyer, c)
    profile = _lawyer_profile(lawyer)
    c.accept(lawyer)
    c.save()
    _notify(key=f"qa-c{c.pk}-accepted", template="qa_commission_accepted",
            context={"lawyer": lawyer_name(lawyer), "phone": profile.phone}, users=[c.citizen],
            link=reverse("lawyers:commission", args=[c.pk]))
    decided("commission_accepted", actor=lawyer, subject=c, reference=f"委托 {c.pk}")
    return c


@transaction.atomic
def decline_commission(*, lawyer, commission: Commission) -> Commission:
    c = _lock_commission(commission)
    _require(_decline_check, lawyer, c)
    c.offers.filter(lawyer=lawyer, declined_at__isnull=True).update(declined_at=timezone.now())
    if c.state == CommissionState.DIRECT:
        c.decline()
        c.save()
        _notify(key=f"qa-c{c.pk}-declined", template="qa_commission_declined",
                context={"lawyer": lawyer_name(lawyer)}, users=[c.citizen],
                link=reverse("lawyers:commission", args=[c.pk]))
    decided("commission_declined", actor=lawyer, subject=c, reference=f"委托 {c.pk}")
    return c


@transaction.atomic
def complete_commission(*, actor, commission: Commission) -> Commission:
    c = _lock_commission(commission)
    _require(_complete_check, actor, c)
    c.complete()
    c.save()
    decided("commission_completed", actor=actor, subject=c, reference=f"委托 {c.pk}")
    return c


@transaction.atomic
def cancel_commission(*, citizen, commission: Commission) -> Commission:
    c = _lock_commission(commission)
    _require(_cancel_check, citizen, c)
    c.cancel()
    c.save()
    decided("commission_cancelled", actor=citizen, subject=c, reference=f"委托 {c.pk}")
    return c


@transaction.atomic
def rate_commission(*, citizen, commission: Commission, rating: int, comment: str = "") -> Commission:
    c = _lock_commission(commission)
    _require(_rate_check, citizen, c)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise QAError(_("请打1到5星。"))
    c.rating, c.comment = rating, (comment or "").strip()
    c.save(update_fields=["rating", "comment"])
    Rating.objects.create(lawyer_id=c.lawyer_id, commission=c, score=Decimal(rating))
    refresh_rating(c.lawyer_id)
    decided("commission_rated", actor=citizen, subject=c, reference=f"委托 {c.pk}", rating=rating,
            comment=c.comment)
    return c
