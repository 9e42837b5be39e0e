"""Pages for pausing clocks and for extensions: thin callers of services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grievances.deadlines import selectors, services
from grievances.deadlines.forms import DecisionForm, ExtensionForm, PauseForm
from grievances.deadlines.models import ExtensionRequest
from grievances.models import Grievance


def _grievance(request, pk):
    g = Grievance.objects.visible_to(request.user).select_related("handling_unit", "centre").filter(pk=pk).first()
    if g is None:
        raise Http404
    return g


def _back(request, g):
    """Back to the page the action started from (a local URL), else the item's work page."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(services.staff_link(g))


def _form_page(request, g, form, title, submit):
    return render(request, "deadlines/form.html", {
        "form": form, "grievance": g, "title": title, "submit": submit,
        "next": request.POST.get("next") or request.GET.get("next") or "",
        "clock": selectors.clock_view(g, request.user),
    })


@login_required
def pause(request, pk):
    g = _grievance(request, pk)
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pause_clock(actor=request.user, grievance=g, **form.cleaned_data)
        except services.DeadlineError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已暂停计时。"))
            return _back(request, g)
    return _form_page(request, g, form, _("暂停计时（专家咨询/鉴定）"), _("暂停计时"))


@login_required
@require_POST
def resume(request, pk):
    g = _grievance(request, pk)
    try:
        services.resume_clock(actor=request.user, grievance=g)
    except services.DeadlineError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已恢复计时，暂停期间不计入办理时限。"))
    return _back(request, g)


@login_required
def extend(request, pk):
    g = _grievance(request, pk)
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_extension(actor=request.user, grievance=g, **form.cleaned_data)
        except services.DeadlineError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("延期申请已提交，等待本单位领导审核。"))
            return _back(request, g)
    return _form_page(request, g, form, _("申请延期"), _("提交申请"))


@login_required
def decide(request, pk):
    ext = ExtensionRequest.objects.select_related("clock").filter(pk=pk).first()
    if ext is None:
        raise Http404
    g = _grievance(request, ext.clock_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            if approve:
                services.approve_extension(actor=request.user, extension=ext, note=form.cleaned_data["note"])
            else:
                services.refuse_extension(actor=request.user, extension=ext, note=form.cleaned_data["note"])
        except services.DeadlineError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已审核延期申请。"))
            return _back(request, g)
    title = _("审核延期申请：%(days)d天，理由：%(reason)s") % {"days": ext.days, "reason": ext.reason}
    return _form_page(request, g, form, title, _("提交审核"))


@login_required
def extensions(request):
    """Extension requests waiting for this unit leader's decision."""
    rows = selectors.pending_extensions(request.user)
    return render(request, "deadlines/extensions.html", {"rows": rows})
