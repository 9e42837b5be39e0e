"""Brute-force protection for every login door, on top of django-axes.

Each failed sign-in (password form, admin login, SMS code check) is one failure counted
per account and per client address (``grid.client_address``). ``LOGIN_FAILURE_LIMIT``
failures on one account lock it; ``LOGIN_FAILURES_PER_ADDRESS`` failures from one address
lock that address (higher: many citizens share a carrier-NAT address). A lock lasts
``AXES_COOLOFF_TIME`` and is lifted early in the admin (用户 → 解除登录锁定, or the axes
"access attempts" list). While locked, even the right password is refused.

The typed identifier is mapped to the account it names, so trying a staff member's
username and then their phone number counts against the same account.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpResponse
from django.utils.translation import gettext as _

_ACCOUNT = "_grid_lockout_accounts"


def account_key(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the account's username for what was typed (username or phone)."""
    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "POST", {}).get("username") if request is not None else None
    typed = (typed or "").strip()
    if not typed:
        return None
    memo = getattr(request, _ACCOUNT, None) if request is not None else None
    if memo is not None and typed in memo:
        return memo[typed]
    from grid.models import User

    found = User.objects.filter(Q(username=typed) | Q(phone=typed)).values_list("username", flat=True).first()
    key = found or typed
    if request is not None:
        if memo is None:
            memo = {}
            setattr(request, _ACCOUNT, memo)
        memo[typed] = key
    return key


def _minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


class LoginLockoutHandler(AxesDatabaseHandler):
    """Per-account and per-address counts with their own limits (axes has one limit)."""

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (
            qs.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for qs in self.get_user_attempts(request, credentials)
        )
        limit = settings.AXES_FAILURE_LIMIT
        if by_account >= limit:
            request.grid_locked_by = "account"
            return by_account
        if by_address >= settings.LOGIN_FAILURES_PER_ADDRESS:
            request.grid_locked_by = "address"
            return max(by_address, limit)
        return by_account


    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in forget this account's failures only. axes would also
        drop every failure from the address, so signing in to one's own account between
        guesses would reset the count against somebody else's."""
        from axes.helpers import get_client_username
        from axes.models import AccessAttempt

        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_message(request) -> str:
    if getattr(request, "grid_locked_by", "account") == "address":
        return _("当前网络登录失败次数过多，已暂停从该网络登录，请%(m)d分钟后再试。") % {"m": _minutes()}
    return _("登录失败次数过多，该账号已被锁定，%(m)d分钟后自动解锁；如需立即解锁，请联系综治中心管理员。") % {
        "m": _minutes()}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE. The login forms already show ``lockout_message`` beside what
    was typed (``LockoutMessageMixin``); keep that page and only say 429."""
    if original_response is not None and original_response.get("Content-Type", "").startswith("text/html"):
        original_response.status_code = settings.AXES_HTTP_RESPONSE_CODE
        return original_response
    return HttpResponse(lockout_message(request), status=settings.AXES_HTTP_RESPONSE_CODE,
                        content_type="text/plain; charset=utf-8")


class LockoutMessageMixin:
    """For AuthenticationForm subclasses: a locked account or address gets its own message."""

    def get_invalid_login_error(self):
        from django.core.exceptions import ValidationError

        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(self.request), code="locked")
        return super().get_invalid_login_error()


class LockoutBackend(AxesStandaloneBackend):
    """First in AUTHENTICATION_BACKENDS: refuses every sign-in while the account or the
    address is locked. axes' own backend, except that a call without a request (Django's
    test client; every login view passes one) is left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def is_locked(request, identifier: str) -> bool:
    """For doors that do not go through authenticate() (the SMS code check)."""
    locked = not AxesProxyHandler.is_allowed(request, get_credentials(identifier))
    if locked:
        request.axes_locked_out = True
    return locked


def record_failure(request, identifier: str, sender: str) -> None:
    """Count a failed SMS code like a wrong password (and tell the audit trail)."""
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(sender=sender, credentials={"username": identifier}, request=request)


def unlock(username: str) -> int:
    """Forget the failures of an account (all addresses)."""
    return AxesProxyHandler.reset_attempts(username=username)
