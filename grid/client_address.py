"""The address of the person behind a request: the one place the code reads it.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's own address, so every visitor would
share one address and one visitor's throttle would lock out the whole site. Each trusted
proxy in front of the application appends the address it saw to ``X-Forwarded-For``
(nginx: ``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``). With
``TRUSTED_PROXY_COUNT = N`` the client is therefore the N-th entry from the right; entries
further left were written by the client itself and can be forged, so they are never used.
With N = 0 (the embedded default: no proxy) the header is ignored altogether.

Throttles, the play-count beacon, SMS code requests and django-axes
(``AXES_CLIENT_IP_CALLABLE``) all call ``client_ip``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's IP address, or None when there is none that can be trusted."""
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    entries = [e for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(entries) < count:
        # The request did not pass through every configured proxy: only the socket is known.
        return remote
    return _valid(entries[-count]) or remote

