"""The masking rule for phone numbers, free of Django imports so that log formatting
(ops.logging, configured before the apps load) uses the same rule as the pages
(grid.privacy re-exports it)."""

from __future__ import annotations


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


def mask_id_number(value: str | None) -> str:
    """``110101199001011234`` → ``110***********1234``: the region prefix and the last 4 kept."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 7:
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
    return "*" * max(len(value) - 2, 2) + value[-2:]
