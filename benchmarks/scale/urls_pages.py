import os

from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    return HttpResponse("hello")


def _inbox_page_size() -> None:
    """pages.py --inbox-size: the department inbox pages show this many rows instead of 20, so
    a unit with few items (15 at 10 k) and one with thousands (10 M) are compared at the same
    page size. Benchmark only: the selector's default argument is replaced in the workers."""
    size = os.environ.get("PAGES_INBOX_SIZE")
    if size:
        from grievances import selectors

        selectors.inbox.__kwdefaults__["size"] = int(size)


def _supervision_page_size() -> None:
    """pages.py --supervision-size: the 督办 pages show at most this many rows instead of 50, so
    a scope with few overdue items (the 10 k province: a handful) and one with hundreds (10 M)
    are compared at the same number of rows. Benchmark only: set on the registered admin."""
    size = os.environ.get("PAGES_SUPERVISION_SIZE")
    if size:
        from django.contrib import admin

        from grievances.deadlines.models import SupervisionItem

        admin.site._registry[SupervisionItem].list_per_page = int(size)


_inbox_page_size()
_supervision_page_size()

urlpatterns = [path("__hello__/", hello), path("", include("config.urls"))]
