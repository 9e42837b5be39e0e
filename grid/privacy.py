"""Personal data shown only where needed (PIPL): the one masking rule.

Lists (admin change lists, inboxes, case lists) show phone numbers masked as ``138****0001``;
the full number appears only on the item page, to the people who handle the item, and only
when the citizen did not ask to hide their identity from them. Pages and admin columns call
these functions and display what they return; no template decides.
"""

from __future__ import annotations

from dataclasses import dataclass


def mask_phone(phone: str | None) -> str:
    """``13800000001`` → ``138****0001``; shorter numbers keep at most their last 4 digits."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return "****"


@dataclass(frozen=True)
class ShownPhone:
    text: str
    full: bool

    def __str__(self) -> str:
        return self.text


def phone_for(viewer, phone: str | None, *, owner_id: int | None, handles: bool, hidden: bool = False) -> ShownPhone:
    """What ``viewer`` may see of ``phone`` on an item page: the owner sees their own number;
    someone who handles the item sees it in full unless the citizen hid it from them
    (``hidden``); everyone else sees it masked."""
    phone = (phone or "").strip()
    if not phone:
        return ShownPhone("", False)
    own = owner_id is not None and viewer is not None and viewer.pk == owner_id
    if own or (handles and not hidden):
        return ShownPhone(phone, True)
    return ShownPhone(mask_phone(phone), False)
