"""The mediation refusal and small input helpers shared by every topic module."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from grid import uploads


class MediationError(Exception):
    """A refusal of mediation, the risk register or legal aid, with a Chinese message shown as is."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


class MediationPermissionError(MediationError):
    """The person may not act on this case, risk or application (never shadows Django's
    ``PermissionDenied``)."""


def _refuse_from(exc) -> MediationError:
    """A grievance-loop refusal, passed on with its own message."""
    return MediationError(getattr(exc, "message", str(exc)))


def _text(value, message) -> str:
    value = (value or "").strip()
    if not value:
        raise MediationError(message)
    return value


def _checked(f, policy: str):
    """A file through the upload gate (forms pass it through already; raw files from other
    callers are checked here, a refusal becoming the service's error)."""
    if isinstance(f, uploads.CleanFile):
        return f
    try:
        return uploads.check(f, policy=policy)
    except ValidationError as exc:
        raise MediationError(" ".join(exc.messages)) from exc
