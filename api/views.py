"""Open311 GeoReport v2 endpoints under /open311/v2/ (docs/open311.md): thin callers of
api.selectors and api.services that turn an ``ApiError`` into the spec's error body."""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from api import openapi, selectors, services
from api.render import FORMATS, error, respond
from api.services import ApiError
from grid.client_address import client_ip

logger = logging.getLogger(__name__)


def _anonymous_limit() -> int:
    return int(getattr(settings, "OPEN311_ANONYMOUS_RATE", 300))


def _raw_key(request) -> str:
    # open311 1.1 puts api_key (and jurisdiction_id) in the query string of its POST.
    return (request.POST.get("api_key") or request.GET.get("api_key") or request.headers.get("X-Api-Key") or "")


def endpoint(methods=("GET",), key_required=False):
    """Format check, method check, key and rate limit, and ApiError → the spec's body."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, fmt: str, **kwargs):
            if fmt not in FORMATS:
                return error("xml", 400, _("不支持的格式“%(fmt)s”，请使用xml或json。") % {"fmt": fmt})
            if request.method not in methods:
                response = error(fmt, 405, _("不支持该请求方法。"))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                raw = _raw_key(request)
                key = services.authenticate(raw) if (raw or key_required) else None
                services.check_rate(key=key, address=client_ip(request), anonymous_limit=_anonymous_limit())
                # An unknown jurisdiction is a 404 on every call (empty means absent).
                selectors.jurisdiction_prefix(request.POST.get("jurisdiction_id")
                                              or request.GET.get("jurisdiction_id"))
                return view(request, *args, fmt=fmt, key=key, **kwargs)
            except ApiError as exc:
                return error(fmt, exc.status, exc.message)

        return wrapper

    return decorate


def _absolute(request):
    return request.build_absolute_uri


@endpoint()
def discovery(request, *, fmt, key):
    base = request.build_absolute_uri(reverse("api:services", kwargs={"fmt": "xml"})).rsplit("/", 1)[0]
    value = {
        "changeset": openapi.CHANGESET,
        "contact": _("请联系所在地综治中心。"),
        "key_service": _("接口密钥由综治中心在管理后台为每个渠道创建（python manage.py open311_key create）。"),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2", "url": base, "changeset": openapi.CHANGESET,
            "type": "production", "formats": ["text/xml", "application/json"],
        }],
    }
    return respond(fmt, "discovery", value)


@endpoint()
def service_list(request, *, fmt, key):
    return respond(fmt, "services", selectors.service_list())


@endpoint()
def service_definition(request, code, *, fmt, key):
    return respond(fmt, "service_definition", selectors.service_definition(code))


@endpoint(methods=("GET", "POST"))
def requests_view(request, *, fmt, key):
    if request.method == "POST":
        if key is None:
            raise ApiError(403, _("缺少api_key，无法提交。"))
        req, created = services.file_request(key=key, data=request.POST, files=request.FILES)
        value = [{
            "service_request_id": req.grievance.tracking_no, "token": req.token,
            "service_notice": _("已转%(centre)s受理，受理编号%(no)s。") % {
                "centre": req.grievance.centre.name, "no": req.grievance.tracking_no},
            "account_id": request.POST.get("account_id") or None,
        }]
        return respond(fmt, "service_requests", value, status=201 if created else 200)
    rows = selectors.requests(request.GET, key=key, absolute=_absolute(request))
    return respond(fmt, "service_requests", rows)


@endpoint()
def request_detail(request, service_request_id, *, fmt, key):
    return respond(fmt, "service_requests",
                   selectors.request_detail(service_request_id, key=key, absolute=_absolute(request)))


@endpoint()
def token(request, token, *, fmt, key):
    return respond(fmt, "service_requests", selectors.token_lookup(token))


@endpoint(key_required=True)
def updates(request, *, fmt, key):
    return respond(fmt, "service_request_updates", selectors.updates(request.GET, key=key))


def openapi_json(request):
    return JsonResponse(openapi.document(request.build_absolute_uri("/open311/v2")),
                        json_dumps_params={"ensure_ascii": False, "indent": 1})


def not_found(request, rest=""):
    return error("xml", 404, _("没有这个接口，请查看 /open311/v2/discovery.xml。"))

