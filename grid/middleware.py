"""Staff second factor: with STAFF_2FA_REQUIRED on, a staff session that has not confirmed
the sign-in with an authenticator code reaches nothing but the second-factor pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse

from grid import permissions

EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/i18n/", "/large-text/")


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.STAFF_2FA_REQUIRED and self._must_verify(request):
            from grid import accounts

            name = "grid:otp_verify" if accounts.has_second_factor(request.user) else "grid:otp_setup"
            return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _must_verify(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not permissions.requires_second_factor(user):
            return False
        if user.is_verified():
            return False
        path = request.path_info
        static = settings.STATIC_URL or "/static/"
        return not (path.startswith(EXEMPT_PREFIXES) or path.startswith(static))
