"""Staff logins, recorded for 工作人员登录率 (seed 004: the monthly report states it).

Connected to Django's ``user_logged_in`` signal in AppConfig.ready: recording a login is
bookkeeping of this app, not domain logic, and the audit log listens to the same signal
for its own purpose. One row per staff member and local day; a second login that day
changes nothing.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from analysis.models import StaffLogin
from grid import permissions


def record_login(sender=None, request=None, user=None, **kwargs) -> None:
    if user is None or user.role not in permissions.UNIT_ROLES or not user.unit_id:
        return
    day = timezone.localdate()
    if StaffLogin.objects.filter(user_id=user.pk, day=day).exists():
        return
    try:
        with transaction.atomic():
            StaffLogin.objects.create(user_id=user.pk, day=day, unit_id=user.unit_id,
                                      region_code=user.unit.region_code)
    except IntegrityError:
        pass  # the same person logged in twice at once
