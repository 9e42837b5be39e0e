"""Reads for notifications, always for one user."""

from __future__ import annotations

from grid.notifications.models import Message


def unread_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    return Message.objects.unread_for(user).count()


def site_messages(user):
    """The user's in-site messages, newest first (served by the (user, -created_at) index)."""
    return Message.objects.site_for(user).only(
        "id", "title", "text", "link", "created_at", "read_at"
    ).order_by("-created_at", "-id")


def site_message(user, message_id: int) -> Message | None:
    return Message.objects.site_for(user).filter(pk=message_id).first()
