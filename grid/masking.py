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
