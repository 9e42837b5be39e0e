"""/healthz, /readyz and /metrics (docs/operations.md)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from grid.client_address import client_ip
from ops import health, metrics


@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers. No dependency is touched, so a slow database does not
    get healthy workers restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Readiness: 200 when every dependency answers, 503 otherwise, each with its latency."""
    ready, checks = health.readiness()
    return JsonResponse({"status": "ok" if ready else "fail", "checks": checks}, status=200 if ready else 503)


@never_cache
@require_GET
def metrics_view(request):
    """Prometheus exposition. With METRICS_TOKEN set, a bearer token is required; without it
    only direct loopback clients are answered (nginx must not proxy /metrics: deploy/nginx)."""
    if not _may_scrape(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")


def _may_scrape(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        offered = request.headers.get("Authorization", "")
        return hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())
    if request.headers.get("X-Forwarded-For"):  # came through a proxy: not a local scraper
        return False
    return client_ip(request) in {"127.0.0.1", "::1"}
