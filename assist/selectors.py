"""Reads of the assistant's pages, scoped through grid.permissions."""

from __future__ import annotations

from assist.models import AlertStatus, SpikeAlert
from grid import permissions


def can_view_alerts(user) -> bool:
    return permissions.is_admin(user) or permissions.is_centre(user)


def alerts_visible_to(user):
    """Alerts about the user's region subtree (centre staff and leaders, administrators)."""
    if not can_view_alerts(user):
        return SpikeAlert.objects.none()
    return SpikeAlert.objects.filter(permissions.region_q(user)).select_related("category", "handled_by")


def open_alerts(user):
    return alerts_visible_to(user).filter(status=AlertStatus.OPEN)
