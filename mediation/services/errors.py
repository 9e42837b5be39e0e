"""The mediation refusal and small input helpers shared by every topic module."""

from __future__ import annotations


class MediationError(Exception):
    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


class PermissionDenied(MediationError):
    pass


def _refuse_from(exc) -> MediationError:
    """A grievance-loop refusal, passed on with its own message."""
    return MediationError(getattr(exc, "message", str(exc)))


def _text(value, message) -> str:
    value = (value or "").strip()
    if not value:
        raise MediationError(message)
    return value


def _gsvc():
    from grievances import services

    return services
