"""Pages: thin callers of selectors (reads) and services (writes).

Citizen pages are phone-first; department pages are the task inbox (我的办理事项 /
我们的工作任务). Every refusal from a service is shown as its Chinese message, and the
form is re-rendered with what the person typed.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grid import files, idempotency, permissions, throttle
from grid.client_address import client_ip
from grid.models import Grid
from grievances import forms, panels, selectors, services
from grievances.models import Channel, Grievance, GrievanceKind, Satisfaction, State

LOOKUP_SESSION_KEY = "grievances_lookup"
LOOKUP_FAILS_KEY = "grievances_lookup_fails"
# What a citizen typed into the generic form before choosing 法律援助申请: handed to the
# dedicated legal-aid application (mediation:legal_aid_apply), which prefills from it.
LEGAL_AID_DRAFT_KEY = "grievances_legal_aid_draft"
LOOKUP_MAX_FAILS = 10
LOOKUP_MAX_FAILS_PER_IP = 50  # an hour, whatever the session cookie says


def _query_without(request, *keys) -> str:
    q = request.GET.copy()
    for k in keys:
        q.pop(k, None)
    return q.urlencode()


# ---------------------------------------------------------------------------------------
# citizen: submit, confirmation, my list, detail, supplement, rating


@login_required
def submit(request):
    if not (permissions.is_citizen(request.user) or permissions.is_grid_worker(request.user)):
        messages.info(request, _("工作人员请在管理后台登记来电、来访事项。"))
    form = forms.SubmitForm(request.POST or None, request.FILES or None, initial={
        "contact_name": request.user.display_name, "contact_phone": request.user.phone or ""})
    if request.method == "POST" and request.POST.get("kind") == GrievanceKind.LEGAL_AID:
        return _to_legal_aid_application(request)
    key = request.POST.get("idempotency_key", "")
    already = idempotency.filed(request.user, "grievance", key) if request.method == "POST" else None
    if already is not None:  # a draft sent again (offline, weak signal): the appeal it filed
        return redirect("grievances:confirmation", pk=already)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            g = services.submit_grievance(
                actor=request.user, kind=d["kind"], category=d["category"], region=form.region,
                address=d["address"], title=d["title"], description=d["description"],
                contact_name=d["contact_name"], contact_phone=d["contact_phone"],
                hide_identity=d["hide_identity"], files=d["files"], channel=Channel.WEB,
                latitude=d.get("latitude"), longitude=d.get("longitude"), client_key=key,
            )
        except idempotency.StillFiling:
            return _still_filing()
        except services.GrievanceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("grievances:confirmation", pk=g.pk)
    if request.method == "POST" and form.errors:
        messages.error(request, _("提交未成功，请根据提示修改。已填写的内容和已上传的附件（显示缩略图的）都已保留。"))
    return render(request, "grievances/submit.html", {
        "form": form, "selected_region": json.dumps(_selected_region(form), ensure_ascii=False),
        "panels": panels.render("submit", request, form=form),
        "picker_labels": json.dumps([_("请选择市"), _("请选择县/区"), _("请选择乡镇/街道"), _("请选择村/社区")],
                                    ensure_ascii=False),
    })


@login_required
@require_POST
def stage_upload(request):
    """Upload first, then reference (grievances/forms.js): one file, already shrunk in the
    browser when it is a photo, answered with what the thumbnail list needs."""
    f = request.FILES.get("file")
    if f is None:
        return JsonResponse({"error": _("请选择文件。")}, status=400)
    try:
        st = services.stage_upload(actor=request.user, file=f, voice=request.POST.get("voice") == "1")
    except services.GrievanceError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(selectors.staged_item(st))


@login_required
@require_POST
def discard_upload(request, pk):
    services.discard_staged(actor=request.user, pk=pk)
    return JsonResponse({"ok": True})


def _still_filing():
    """The same draft arrived twice at once (the page and the service worker): the first is
    being filed; the second is told to try again shortly and will then be answered with it."""
    response = HttpResponse(_("正在提交，请稍候。"), status=409, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "3"
    return response


def _to_legal_aid_application(request):
    """法律援助 needs the applicant's identity, case type and hardship statement, which the
    legal-aid review works from: send the citizen to that form with what was typed."""
    keep = ("region_code", "address", "title", "description", "contact_name", "contact_phone")
    request.session[LEGAL_AID_DRAFT_KEY] = {k: request.POST.get(k, "").strip()[:5000] for k in keep}
    messages.info(request, _("法律援助申请需要填写身份证号、案件类型和经济困难情况，请在法律援助申请表中继续填写。"
                             "您已填写的内容已带入，附件需要重新上传。"))
    return redirect("mediation:legal_aid_apply")


def _selected_region(form):
    from grid.models import Region

    code = form.data.get("region_code") if form.is_bound else None
    region = Region.objects.filter(code=code).first() if code else None
    return [{"code": r.code, "name": r.name} for r in (region.ancestors() + [region])] if region else []


@login_required
def confirmation(request, pk):
    g = get_object_or_404(Grievance.objects.select_related("centre"), pk=pk, reporter=request.user)
    return render(request, "grievances/confirmation.html", {
        "g": g, "lookup_url": request.build_absolute_uri(reverse("grievances:lookup"))})


@login_required
@require_GET
def mine(request):
    page = selectors.my_grievances(request.user, before=selectors.parse_before(request.GET.get("before")))
    return render(request, "grievances/mine.html", {"page": page})


def _lookup_ids(request) -> list[int]:
    return request.session.get(LOOKUP_SESSION_KEY, [])


def _citizen_grievance(request, pk) -> Grievance:
    """The reporter's own item, or one found through tracking number + phone in this session."""
    if request.user.is_authenticated:
        g = Grievance.objects.visible_to(request.user).select_related(
            "category", "region", "centre", "handling_unit").filter(pk=pk).first()
        if g is not None:
            return g
    if pk in _lookup_ids(request):
        return get_object_or_404(Grievance.objects.select_related("category", "region", "centre",
                                                                  "handling_unit"), pk=pk)
    raise Http404


def detail(request, pk):
    user = request.user
    if not user.is_authenticated and pk not in _lookup_ids(request):
        # The link in our SMS, opened on a phone that is not logged in: ask for the code
        # sent to the number the item was registered for, then come back here.
        messages.info(request, _("为保护您的信息，请用登记诉求时留下的手机号码获取验证码，登录后即可查看办理进度和评价。"))
        return redirect(f"{reverse('grid:sms_login')}?{urlencode({'next': request.get_full_path()})}")
    g = _citizen_grievance(request, pk)
    if permissions.is_department(user) or permissions.is_mediator(user):
        return redirect("grievances:work_item", pk=pk)
    if (permissions.is_centre_or_admin(user)) and user.is_staff:
        return redirect("admin:grievances_grievance_change", pk)
    info = selectors.detail(user, g, public_only=True)
    allowed = services.allowed_actions(user, g) if user.is_authenticated else []
    return render(request, "grievances/detail.html", {
        "g": g, "info": info, "allowed": allowed,
        "supplement_form": forms.SupplementForm(initial={"version": g.version}),
        "rating_form": forms.RatingForm(initial={"version": g.version}),
        "stages": _stages(g),
    })


def _stages(g):
    labels = [_("已受理"), _("处理中"), _("已办结")]
    stage = g.public_stage
    if g.state == State.REJECTED:
        return {"rejected": True, "items": []}
    return {"rejected": False, "items": [{"label": lab, "done": stage >= i + 1, "current": stage == i + 1}
                                         for i, lab in enumerate(labels)]}


@login_required
@require_POST
def supplement(request, pk):
    g = _citizen_grievance(request, pk)
    key = request.POST.get("idempotency_key", "")
    if idempotency.filed(request.user, "supplement", key) is not None:  # a draft sent again
        messages.success(request, _("补充材料已提交。"))
        return redirect("grievances:detail", pk=pk)
    form = forms.SupplementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.check_version(g, form.cleaned_data.get("version"))
            services.supplement_grievance(actor=request.user, grievance=g, note=form.cleaned_data["note"],
                                          files=form.cleaned_data["files"], client_key=key)
        except idempotency.StillFiling:
            return _still_filing()
        except services.GrievanceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("补充材料已提交。"))
            return redirect("grievances:detail", pk=pk)
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _rerender_detail(request, g, supplement_form=form)


@login_required
@require_POST
def rate(request, pk):
    g = _citizen_grievance(request, pk)
    form = forms.RatingForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.check_version(g, d.get("version"))
            services.rate_grievance(actor=request.user, grievance=g, satisfaction=d["satisfaction"],
                                    comment=d["comment"], professionalism=d["professionalism"])
        except services.GrievanceError as exc:
            messages.error(request, exc.message)
        else:
            if d["satisfaction"] == Satisfaction.UNSATISFIED:
                messages.warning(request, _("已收到您的评价。综治中心已启动二次督办，办理进展会短信告知您。"))
            else:
                messages.success(request, _("感谢您的评价。"))
            return redirect("grievances:detail", pk=pk)
    return _rerender_detail(request, g, rating_form=form)


def _rerender_detail(request, g, **forms_):
    g.refresh_from_db()
    info = selectors.detail(request.user, g, public_only=True)
    ctx = {
        "g": g, "info": info, "allowed": services.allowed_actions(request.user, g), "stages": _stages(g),
        "supplement_form": forms.SupplementForm(initial={"version": g.version}),
        "rating_form": forms.RatingForm(initial={"version": g.version}),
    }
    ctx.update(forms_)
    return render(request, "grievances/detail.html", ctx, status=400)


def lookup(request):
    """进度查询: tracking number + the phone given at submission, no login needed."""
    form = forms.LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fails = request.session.get(LOOKUP_FAILS_KEY, 0)
        ip_key = f"grievances:lookup-fails:{client_ip(request)}"
        if fails >= LOOKUP_MAX_FAILS or throttle.count(ip_key, window=3600) >= LOOKUP_MAX_FAILS_PER_IP:
            form.add_error(None, _("查询失败次数过多，请稍后再试或登录后查看“我的诉求”。"))
        else:
            g = selectors.lookup(form.cleaned_data["tracking_no"], form.cleaned_data["phone"])
            if g is None:
                request.session[LOOKUP_FAILS_KEY] = fails + 1
                throttle.hit(ip_key, window=3600)
                form.add_error(None, _("没有找到与该受理编号和手机号码相符的诉求，请核对后再试。"))
            else:
                ids = _lookup_ids(request)
                request.session[LOOKUP_SESSION_KEY] = (ids + [g.pk])[-20:]
                return redirect("grievances:detail", pk=g.pk)
    return render(request, "grievances/lookup.html", {"form": form})


def visible_attachments(request):
    """The attachments this request may open (registered with grid.files in apps.py)."""
    return selectors.attachments_visible_to(request.user, lookup_ids=_lookup_ids(request))


@require_GET
def attachment(request, pk, thumb=False):
    """The item pages' links to material: served by grid.files after the same check."""
    return files.serve(request, label="grievances.attachment", field="thumbnail" if thumb else "file", pk=pk)


# ---------------------------------------------------------------------------------------
# grid workers: quick patrol report


@login_required
def patrol(request):
    if not permissions.is_grid_worker(request.user):
        raise PermissionDenied
    grids = Grid.objects.filter(workers=request.user).select_related("village")
    form = forms.PatrolForm(request.POST or None, request.FILES or None, grids=grids,
                            initial={"grid": grids.first()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            g = services.submit_grievance(
                actor=request.user, kind=d["kind"], category=d["category"], region=d["grid"].village,
                grid=d["grid"], address=d["address"], title=d["title"], description=d["description"],
                contact_name=d["contact_name"] or request.user.display_name,
                contact_phone=d["contact_phone"] or request.user.phone or "", channel=Channel.PATROL,
                files=d["files"],
            )
        except services.GrievanceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("grievances:confirmation", pk=g.pk)
    return render(request, "grievances/patrol.html", {"form": form, "grids": grids})


# ---------------------------------------------------------------------------------------
# public: similar cases


@require_GET
def cases(request):
    form = forms.CasesForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    page = selectors.similar_cases(category=d.get("category"), region=d.get("county"), q=d.get("q", ""),
                                   before=selectors.parse_before(request.GET.get("before")))
    return render(request, "grievances/cases.html", {"form": form, "page": page,
                                                     "query": _query_without(request, "before")})


# ---------------------------------------------------------------------------------------
# departments: inbox, item page, actions, return approvals


def department_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not (permissions.is_department(request.user) or permissions.is_mediator(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@department_required
@require_GET
def inbox(request, scope="unit"):
    filter_name = request.GET.get("f", "")
    page = selectors.inbox(request.user, scope=scope, filter_name=filter_name, q=request.GET.get("q", ""),
                           before=selectors.parse_before(request.GET.get("before")))
    return render(request, "grievances/inbox.html", {
        "page": page, "scope": scope, "filter_name": filter_name,
        "counts": selectors.unit_workbench_counts(request.user),
        "q": request.GET.get("q", ""), "query": _query_without(request, "before"),
    })


DEPT_FORMS = {
    "sign": forms.VersionForm,
    "reply": forms.ReplyForm,
    "complete": forms.CompleteForm,
    "request_return": forms.ReturnForm,
}


def _work_context(request, g, bound=None):
    info = selectors.detail(request.user, g)
    allowed = services.allowed_actions(request.user, g, pending_return=info.pending_return)
    action_forms = {}
    for name, form_class in DEPT_FORMS.items():
        if name in allowed:
            action_forms[name] = bound if bound is not None and bound.action == name else form_class(
                initial={"version": g.version})
            action_forms[name].action = name
    return {"g": g, "info": info, "allowed": allowed, "action_forms": action_forms,
            "decision_form": forms.DecisionForm(), "contact": selectors.staff_contact(request, g, info)}


@login_required
@require_GET
def open_item(request, pk):
    """The link in every notification about an item: each recipient lands on the page they
    may open (404 for someone the item is not visible to; the login page first when signed out)."""
    g = selectors.get_grievance(request.user, pk)
    return redirect(selectors.page_for(request.user, g))


def _centre_opens_the_workbench(view):
    """Links sent before there was ``open_item`` point centre staff and leaders to the unit's
    work page; they land on the centre's own item page instead of a refusal."""

    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        user = request.user
        if user.is_authenticated and permissions.is_centre_or_admin(user):
            return redirect("grievances:open", pk=pk)
        return view(request, pk, *args, **kwargs)

    return wrapper


@_centre_opens_the_workbench
@department_required
def work_item(request, pk):
    g = selectors.get_grievance(request.user, pk)
    return render(request, "grievances/work_item.html", _work_context(request, g))


@department_required
@require_POST
def work_action(request, pk, action):
    g = selectors.get_grievance(request.user, pk)
    form_class = DEPT_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES)
    form.action = action
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.check_version(g, d.get("version"))
            if action == "sign":
                services.sign_grievance(actor=request.user, grievance=g)
            elif action == "reply":
                services.interim_reply(actor=request.user, grievance=g, note=d["note"], files=d["files"])
            elif action == "complete":
                services.complete_grievance(actor=request.user, grievance=g, result=d["result"], files=d["files"])
            elif action == "request_return":
                services.request_return(actor=request.user, grievance=g, reason=d["reason"])
        except services.GrievanceError as exc:
            messages.error(request, exc.message)
            g = selectors.get_grievance(request.user, pk)
        else:
            messages.success(request, _("操作成功。"))
            return redirect("grievances:work_item", pk=pk)
    else:
        messages.error(request, _("请根据提示修改后再提交。"))
    return render(request, "grievances/work_item.html", _work_context(request, g, bound=form), status=400)


@department_required
@require_GET
def returns(request):
    items = list(selectors.pending_returns(request.user)[:100])
    return render(request, "grievances/returns.html", {"items": items, "form": forms.DecisionForm()})


@department_required
@require_POST
def decide_return(request, pk):
    rr = selectors.get_return_request(request.user, pk)
    form = forms.DecisionForm(request.POST)
    decision = request.POST.get("decision")
    if form.is_valid() and decision in ("approve", "refuse"):
        try:
            if decision == "approve":
                services.approve_return(actor=request.user, return_request=rr, note=form.cleaned_data["note"])
                messages.success(request, _("已同意退回，该件已退回同级综治中心。"))
            else:
                services.refuse_return(actor=request.user, return_request=rr, note=form.cleaned_data["note"])
                messages.success(request, _("已不同意退回，该件继续由本单位办理。"))
        except services.GrievanceError as exc:
            messages.error(request, exc.message)
    nxt = request.POST.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(nxt)
    return HttpResponseRedirect(reverse("grievances:returns"))


@require_GET
def help_contacts(request):
    """The "需要帮助？" panel's numbers for this reader, fetched by the panel on each page (the
    page itself stays free of the look-up); ``/help/`` is the same as a page without script."""
    info = selectors.help_contacts(request.user)
    if request.GET.get("format") == "json":
        response = JsonResponse(info)
        response["Cache-Control"] = "private, max-age=300"
        return response
    return render(request, "grievances/help.html", info)
