"""Who is watching: the user id, or a random id kept in a signed cookie (no database row)."""

from __future__ import annotations

import secrets

COOKIE = "pufa_viewer"
SALT = "pufa_media.viewer"
MAX_AGE = 365 * 24 * 3600


def viewer_key(request) -> tuple[str, str | None]:
    """(key, new cookie value or None). Authenticated users are counted by id."""
    if request.user.is_authenticated:
        return f"u{request.user.pk}", None
    value = request.get_signed_cookie(COOKIE, default=None, salt=SALT)
    if value:
        return f"c{value}", None
    value = secrets.token_hex(12)
    return f"c{value}", value


def remember(response, new_value: str | None):
    if new_value:
        response.set_signed_cookie(COOKIE, new_value, salt=SALT, max_age=MAX_AGE, httponly=True, samesite="Lax")
    return response


def client_address(request) -> str:
    """The address for rate limiting (grid.client_address: the trusted-proxy rule)."""
    from grid.client_address import client_ip

    return client_ip(request) or ""


def allow(address: str, limit_per_minute: int) -> bool:
    """A fixed-window rate limit per address: one pipelined round trip to Redis when it is
    configured (the beacon's hot path), grid.throttle otherwise. Never a database write
    while Redis answers; raises redis' errors when it does not (the beacon then declines)."""
    import time

    from django.conf import settings

    from pufa_media import conf

    if settings.REDIS_URL:
        from pufa_media.playcount import redis_client

        key = f"{conf.get('PUFA_REDIS_PREFIX')}:rl:{address}:{int(time.time() // 60)}"
        pipe = redis_client().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, 90)
        count = pipe.execute()[0]
        return count <= limit_per_minute

    from grid import throttle

    return throttle.hit(f"pufa-beacon:{address}", window=60) <= limit_per_minute
