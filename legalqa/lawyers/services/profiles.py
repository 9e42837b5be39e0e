"""Lawyer profiles: verification by the centre, revocation, the star rating."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import permissions
from grid.models import Role
from legalqa.lawyers.models import (
    LawyerProfile,
    Rating,
    licence_validator,
)
from legalqa.lawyers.services.common import QAError, _is_staff


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
