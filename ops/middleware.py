"""Request context, the access log line and request metrics, in one middleware placed
first in MIDDLEWARE so it times everything below it."""

from __future__ import annotations

import logging
import time

from django.db import connections

from ops import context, metrics

access_log = logging.getLogger("zongzhi.access")

# Probes and scrapes would drown the access log and the latency histograms.
QUIET_PATHS = ("/healthz", "/readyz", "/metrics", "/static/")


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context_):
        self.count += 1
        return execute(sql, params, many, context_)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = context.new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        tokens = [context.request_id.set(request_id), context.user_id.set(""), context.role.set("")]
        counter = _QueryCounter()
        started = time.perf_counter()
        status = 500
        try:
            with _count_queries(counter):
                response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            seconds = time.perf_counter() - started
            if not request.path.startswith(QUIET_PATHS):
                view = _view_name(request)
                metrics.observe(view, request.method, status, seconds, counter.count)
                self._log(request, view, status, seconds, counter.count)
            context.request_id.reset(tokens[0])
            context.user_id.reset(tokens[1])
            context.role.reset(tokens[2])

    def process_view(self, request, view_func, view_args, view_kwargs):
        """After authentication: from here on, every log line of the request names its user."""
        _set_user(request)
        return None

    def _log(self, request, view, status, seconds, queries):
        _set_user(request)
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        # The path only: query strings can carry phone numbers or tracking numbers.
        access_log.log(level, "%s %s %s", request.method, request.path, status, extra={
            "method": request.method, "path": request.path, "status": status, "view": view,
            "duration_ms": round(seconds * 1000, 2), "queries": queries,
        })


def _set_user(request) -> None:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        context.user_id.set(str(user.pk))
        context.role.set(getattr(user, "role", ""))


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or match._func_path


class _count_queries:  # noqa: N801 - used as a context manager
    def __init__(self, counter):
        self.counter = counter
        self.stack = []

    def __enter__(self):
        for conn in connections.all():
            wrapper = conn.execute_wrapper(self.counter)
            wrapper.__enter__()
            self.stack.append(wrapper)

    def __exit__(self, *exc):
        while self.stack:
            self.stack.pop().__exit__(*exc)
        return False
