"""Lawyer profiles: verification by the centre, revocation, the star rating."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import permissions
from grid.models import Role
from legalqa.lawyers.hooks import decided
from legalqa.lawyers.models import (
    LawyerProfile,
    Rating,
    licence_validator,
)
from legalqa.lawyers.services.common import QAError, _notify, supervising_staff

# What the centre checked when it verified the lawyer (DOMAIN.md §7): changing any of these
# withdraws the verification until staff check again.
VERIFIED_FACTS = ("licence_no", "firm", "region")
PROFILE_FIELDS = ("name", "licence_no", "firm", "years", "languages", "photo", "phone", "bio", "region",
                  "duty_days", "duty_start", "duty_end")


def _lawyer_profile(user) -> LawyerProfile | None:
    if not permissions.is_lawyer(user):
        return None
    return LawyerProfile.objects.filter(user=user).first()


@transaction.atomic
def save_lawyer_profile(*, lawyer, values: dict) -> LawyerProfile:
    """A lawyer keeps their own profile (the lawyer desk). A new profile waits for the centre's
    verification; on a verified profile, a change of licence number, firm or region withdraws
    the verification (the lawyer stops receiving questions and commissions) and the centre
    that verifies lawyers there is told to check again. ``values`` are a form's cleaned data:
    for the photo, ``None`` keeps the current file and ``False`` removes it."""
    if not permissions.is_lawyer(lawyer):
        raise QAError(_("只有律师账号可以填写律师资料。"))
    profile = LawyerProfile.objects.select_for_update().filter(user=lawyer).first()
    is_new = profile is None
    profile = profile or LawyerProfile(user=lawyer)
    before = {name: getattr(profile, f"{name}_id" if name == "region" else name) for name in VERIFIED_FACTS}
    for name in PROFILE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "photo":
            if value is None:
                continue
            value = value or ""
        setattr(profile, name, value)
    after = {name: getattr(profile, f"{name}_id" if name == "region" else name) for name in VERIFIED_FACTS}
    withdrawn = not is_new and profile.is_verified and before != after
    if withdrawn:
        profile.verified_at, profile.verified_by = None, None
    profile.save()
    if "fields" in values:
        profile.fields.set(values["fields"])
    if withdrawn:
        changed = "、".join(str(LawyerProfile._meta.get_field(n).verbose_name) for n in VERIFIED_FACTS
                           if before[n] != after[n])
        _notify(key=f"qa-lawyer{profile.pk}-reverify-{int(timezone.now().timestamp())}",
                template="qa_lawyer_reverify", context={"lawyer": profile.name or lawyer.display_name,
                                                        "changed": changed},
                users=supervising_staff(profile.region_code),
                link=reverse("admin:lawyers_lawyerprofile_change", args=[profile.pk]), channels=("site",))
    return profile


@transaction.atomic
def verify_lawyer(*, actor, profile: LawyerProfile) -> LawyerProfile:
    """Staff check the licence and firm before a lawyer may answer (DOMAIN.md §7)."""
    if not permissions.is_centre_or_admin(actor) or not (permissions.is_admin(actor)
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
    decided("lawyer_verified", actor=actor, subject=profile, reference=profile.name, licence_no=profile.licence_no)
    return profile


@transaction.atomic
def revoke_lawyer(*, actor, profile: LawyerProfile) -> None:
    if not permissions.is_centre_or_admin(actor):
        raise QAError(_("只有综治中心工作人员可以撤销律师审核。"))
    LawyerProfile.objects.filter(pk=profile.pk).update(verified_at=None, verified_by=None)
    decided("lawyer_revoked", actor=actor, subject=profile, reference=profile.name, licence_no=profile.licence_no)


def refresh_rating(lawyer_id: int) -> None:
    """The star rating is the mean of all citizens' ratings of this lawyer."""
    agg = Rating.objects.filter(lawyer_id=lawyer_id).aggregate(avg=Avg("score"), n=Count("id"))
    LawyerProfile.objects.filter(user_id=lawyer_id).update(
        rating_avg=Decimal(str(round(agg["avg"] or 0, 2))), rating_count=agg["n"])
