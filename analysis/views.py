"""The dashboard (驾驶舱), its JSON, reports and exports: thin callers of selectors/services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from analysis import exports as export_services
from analysis import reports as report_services
from analysis import selectors
from analysis.models import Export, ExportFormat, ExportStatus, Report, ReportKind
from grid import files


def _scope_and_period(request):
    scope = selectors.scope_for(request.user, request.GET.get("region") or None)
    period = selectors.period_for(request.GET.get("period"), request.GET.get("start"), request.GET.get("end"))
    return scope, period


def _refuse(request, message):
    return render(request, "analysis/refused.html", {"message": message}, status=403)


@login_required
def dashboard(request):
    """驾驶舱 / 一图可视: totals, KPIs, trends, breakdowns, map and drill-down for the scope."""
    if not selectors.can_view(request.user):
        return HttpResponseForbidden()
    try:
        scope, period = _scope_and_period(request)
    except selectors.NotAllowed as exc:
        return _refuse(request, exc.message)
    data = selectors.dashboard(scope, period)
    # What dashboard.js draws, embedded in the page: everything but the league, which the page
    # shows as a table (and data.json serves); at 10 M it was 60 % of the embedded JSON.
    charts = {k: v for k, v in data.items() if k != "league"}
    return render(request, "analysis/dashboard.html", {
        "scope": scope, "period": period, "data": data, "charts": charts, "kpis": data["kpis"],
        "children": data["children"], "league": data["league"], "periods": PERIODS, "links": _links(scope, period),
    })


def _links(scope, period) -> list[dict]:
    region = f"region={scope.code}&" if scope.code else ""
    out = []
    if not scope.is_unit:
        out.append({"label": _("分析报告"), "url": f"{reverse('analysis:reports')}?{region}"})
    out.append({"label": _("导出诉求清单"), "url": f"{reverse('analysis:exports')}?{region}period={period.code}"
                f"&start={period.start:%Y-%m-%d}&end={period.end:%Y-%m-%d}"})
    return out


PERIODS = (("today", _("今日")), ("week", _("本周")), ("month", _("本月")), ("last_month", _("上月")), ("year", _("本年")))


@login_required
def dashboard_data(request):
    if not selectors.can_view(request.user):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        scope, period = _scope_and_period(request)
    except selectors.NotAllowed as exc:
        return JsonResponse({"error": exc.message}, status=403)
    return JsonResponse(selectors.dashboard(scope, period), json_dumps_params={"ensure_ascii": False})


@login_required
def map_data(request):
    if not selectors.can_view(request.user):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        scope = selectors.scope_for(request.user, request.GET.get("region") or None)
    except selectors.NotAllowed as exc:
        return JsonResponse({"error": exc.message}, status=403)
    response = JsonResponse(selectors.map_features(scope), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def reports(request):
    """Reports of the viewer's region and below; centre staff may make one on demand."""
    if not selectors.can_view(request.user):
        return HttpResponseForbidden()
    try:
        scope = selectors.scope_for(request.user, request.GET.get("region") or None)
    except selectors.NotAllowed as exc:
        return _refuse(request, exc.message)
    if scope.is_unit:
        return _refuse(request, _("报告按区域生成，部门请查看本单位驾驶舱。"))
    today = timezone.localdate()
    return render(request, "analysis/reports.html", {
        "scope": scope, "reports": selectors.reports_for(scope), "kinds": ReportKind.choices,
        "today": today.isoformat(),
    })


@login_required
@require_POST
def report_make(request):
    if not selectors.can_view(request.user):
        return HttpResponseForbidden()
    try:
        scope = selectors.scope_for(request.user, request.POST.get("region") or None)
    except selectors.NotAllowed as exc:
        return _refuse(request, exc.message)
    back = redirect(f"{reverse('analysis:reports')}?region={scope.code}")
    kind = request.POST.get("kind")
    if scope.region is None or scope.is_unit or kind not in ReportKind.values:
        messages.error(request, _("请选择报告类型和区域。"))
        return back
    try:
        day = date.fromisoformat(request.POST.get("day") or "")
    except ValueError:
        messages.error(request, _("请填写正确的日期（例如 2026-10-01）。"))
        return back
    report = report_services.generate(kind=kind, region=scope.region, start=day, user=request.user)
    messages.success(request, _("报告“%(title)s”已生成。") % {"title": report.title})
    return back


@login_required
def report_file(request, pk: int, fmt: str):
    report = get_object_or_404(Report, pk=pk)
    if not selectors.report_visible(request.user, report):
        raise Http404
    if fmt not in ("docx", "xlsx") or not getattr(report, fmt):
        raise Http404
    return files.send(request, report, fmt, filename=report.title, as_attachment=True)


@login_required
def exports(request):
    """Start an export of the appeal list (filters from the dashboard) and follow its progress."""
    if not selectors.can_view(request.user):
        return HttpResponseForbidden()
    params = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        try:
            export_services.start_export(
                user=request.user, fmt=params.get("format"), region=params.get("region"),
                period=params.get("period"), start=params.get("start"), end=params.get("end"))
        except export_services.ExportError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("导出已开始，完成后可在下方下载。"))
        return redirect(f"{reverse('analysis:exports')}?{request.POST.urlencode()}")
    try:
        scope = selectors.scope_for(request.user, params.get("region") or None)
        period = selectors.period_for(params.get("period"), params.get("start"), params.get("end"))
    except selectors.NotAllowed as exc:
        return _refuse(request, exc.message)
    return render(request, "analysis/exports.html", {
        "scope": scope, "period": period, "formats": ExportFormat.choices,
        "exports": export_services.exports_of(request.user), "running": ExportStatus.RUNNING,
        "estimate": selectors.totals(scope, period)["n"],
    })


def _own_export(request, pk):
    export = get_object_or_404(Export, pk=pk)
    if export.user_id != request.user.pk:
        raise Http404
    return export


@login_required
def export_status(request, pk: int):
    export = _own_export(request, pk)
    return JsonResponse({"status": export.status, "status_label": str(export.get_status_display()),
                         "done": export.done, "total": export.total, "percent": export.percent,
                         "download": reverse("analysis:export_file", args=[export.pk])
                         if export.status == ExportStatus.DONE else ""})


@login_required
def export_file(request, pk: int):
    export = _own_export(request, pk)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    return files.send(request, export, "file", as_attachment=True,
                      filename=f"诉求清单-{export.filters.get('start')}-{export.filters.get('end')}.{export.format}")
