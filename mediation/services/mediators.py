"""The mediator directory: each mediator's own profile."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from grid import permissions
from grid.models import Role, User
from mediation.models import (
    MediatorProfile,
)
from mediation.services.errors import MediationError, MediationPermissionError


@transaction.atomic
def save_mediator_profile(*, actor, user: User, title: str = "", expertise: str = "", languages: str = "",
                          bio: str = "", years: int = 0, is_public: bool = True) -> MediatorProfile:
    """A mediator keeps their own directory entry; centre staff and the admin may edit it too."""
    if user.role != Role.MEDIATOR:
        raise MediationError(_("只有调解员可以建立调解员档案。"))
    if not (actor.pk == user.pk or permissions.is_admin(actor) or (
            permissions.is_centre(actor) and user.unit_id and permissions.can_see_region_code(
                actor, user.unit.region_code))):
        raise MediationPermissionError(_("您无权修改该调解员的档案。"))
    profile = MediatorProfile.objects.filter(user=user).first() or MediatorProfile(user=user)
    profile.title, profile.expertise, profile.bio = title.strip(), expertise.strip(), bio.strip()
    profile.languages = languages.strip() or "普通话"
    profile.years, profile.is_public = int(years or 0), bool(is_public)
    profile.save()
    return profile
