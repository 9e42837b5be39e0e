from django.urls import path, re_path

from api import views

app_name = "api"

FMT = r"\.(?P<fmt>[a-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[\w.-]+?)" + FMT, views.service_definition, name="service_definition"),
    # open311 1.1 (Python) asks for service/<code>.<format>, without the s.
    re_path(r"^service/(?P<code>[\w.-]+?)" + FMT, views.service_definition),
    re_path(r"^requests" + FMT, views.requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[\w-]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]+?)" + FMT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.updates, name="updates"),
    path("openapi.json", views.openapi_json, name="openapi"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
