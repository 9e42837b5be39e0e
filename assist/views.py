"""The assistant's pages: open early-warning alerts and their handling."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assist import alerts as alert_services
from assist import selectors
from assist.models import AlertStatus


def _staff_only(request):
    if not selectors.can_view_alerts(request.user):
        raise Http404


@login_required
def alerts(request):
    _staff_only(request)
    status = request.GET.get("status") if request.GET.get("status") in AlertStatus.values else AlertStatus.OPEN
    rows = list(selectors.alerts_visible_to(request.user).filter(status=status)[:200])
    for a in rows:
        a.appeals_url = alert_services.appeals_link(a)
    return render(request, "assist/alerts.html", {"alerts": rows, "status": status, "statuses": AlertStatus.choices})


@login_required
def alert(request, pk):
    _staff_only(request)
    a = selectors.alerts_visible_to(request.user).filter(pk=pk).first()
    if a is None:
        raise Http404
    a.appeals_url = alert_services.appeals_link(a)
    return render(request, "assist/alert.html", {"alert": a, "note": ""})


@login_required
@require_POST
def handle_alert(request, pk):
    _staff_only(request)
    a = selectors.alerts_visible_to(request.user).filter(pk=pk).first()
    if a is None:
        raise Http404
    try:
        alert_services.mark_handled(actor=request.user, alert=a, note=request.POST.get("note", ""))
    except alert_services.AlertError as exc:
        messages.error(request, exc.message)
        a.appeals_url = alert_services.appeals_link(a)
        return render(request, "assist/alert.html", {"alert": a, "note": request.POST.get("note", "")}, status=400)
    messages.success(request, _("预警已标记为已处置。"))
    return redirect("assist:alerts")


# ---------------------------------------------------------------------------------------
# duplicates: the citizen's form (我也遇到了) and the centre's item page (linking)


def _json_error(message, status=400):
    from django.http import JsonResponse

    return JsonResponse({"error": str(message)}, status=status)


SIMILAR_PER_MINUTE = 30


@login_required
def similar_json(request):
    """Open items like the one being typed (the submit form asks while the citizen writes)."""
    from django.http import JsonResponse

    from assist import related
    from grid import throttle

    # Asked while typing (debounced); a limit per person keeps it from being used to sweep
    # the province's open items.
    if throttle.hit(f"assist-similar:{request.user.pk}", window=60) > SIMILAR_PER_MINUTE:
        return _json_error(_("查询过于频繁，请稍后再试。"), status=429)
    q = request.GET
    items = related.for_citizen(request.user, region_code=q.get("region_code", ""), category_id=q.get("category"),
                                title=q.get("title", "")[:100], description=q.get("description", "")[:2000],
                                lat=q.get("lat") or None, lng=q.get("lng") or None)
    return JsonResponse({"items": items})


@login_required
@require_POST
def me_too(request, pk):
    """我也遇到了: add the citizen's voice to the item; nothing new is filed."""
    from grievances import services as grievance_services
    from grievances.models import Grievance

    g = Grievance.objects.filter(pk=pk).first()
    if g is None:
        raise Http404
    try:
        grievance_services.add_co_reporter(actor=request.user, grievance=g)
    except grievance_services.GrievanceError as exc:
        messages.error(request, exc.message)
        return redirect("grievances:submit")
    messages.success(request, _("已加入该诉求（编号%(no)s），办理进展会通过短信告诉您，无需重复提交。")
                     % {"no": g.tracking_no})
    return redirect("grievances:detail", pk=g.pk)


@login_required
@require_POST
def link(request, pk):
    """Staff accept a suggestion: link this item to another as a duplicate or as related."""
    from django.urls import reverse

    from grid import permissions
    from grievances import services as grievance_services
    from grievances.models import Grievance

    if not permissions.is_centre_or_admin(request.user):
        raise Http404
    visible = Grievance.objects.visible_to(request.user)
    g = visible.filter(pk=pk).first()
    other = visible.filter(pk=request.POST.get("other") or 0).first()
    if g is None or other is None:
        raise Http404
    kind = request.POST.get("kind", "")
    dup, main = (g, other)
    if kind == "duplicate_of_me":
        kind, dup, main = "duplicate", other, g
    try:
        grievance_services.link_grievances(actor=request.user, grievance=dup, main=main, kind=kind,
                                           note=request.POST.get("note", ""))
    except grievance_services.GrievanceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已关联。"))
    return redirect(reverse("admin:grievances_grievance_change", args=[g.pk]))
