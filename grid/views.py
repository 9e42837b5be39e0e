from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from grid import selectors
from grid.forms import DirectorySearchForm
from grid.models import UnitKind

PAGE_SIZE = 20


def home(request):
    return render(request, "home.html")


@require_POST
def toggle_large_text(request):
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    response = HttpResponseRedirect(nxt)
    on = request.COOKIES.get("large_text") != "1"
    response.set_cookie("large_text", "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _directory(request, kind, template):
    form = DirectorySearchForm(request.GET or None)
    region = form.region if form.is_bound else None
    keyword = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    units = selectors.directory_units(kind=kind, region=region, keyword=keyword)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@require_GET
def department_directory(request):
    return _directory(request, UnitKind.DEPARTMENT, "grid/department_directory.html")


@require_GET
def mediation_directory(request):
    return _directory(request, UnitKind.MEDIATION, "grid/mediation_directory.html")


@require_GET
def region_children(request):
    """Cascading region picker: the children of a region code (or the roots)."""
    regions = selectors.region_children(request.GET.get("parent", "").strip() or None)
    return JsonResponse({"regions": [{"code": r.code, "name": r.name, "level": r.level} for r in regions]})
