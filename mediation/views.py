"""Pages: thin callers of selectors (reads) and services (writes).

Public: the mediator directory, a party's own case page (video link, agreement, judicial
confirmation), the legal-aid application. Staff: the mediator's inbox and case page with
the session and agreement forms, the risk register, legal-aid review.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grid import files, permissions, privacy
from mediation import forms, selectors, services
from mediation.models import PartySide, SessionMode

PAGE_SIZE = 20


def _query_without(request, *keys) -> str:
    q = request.GET.copy()
    for k in keys:
        q.pop(k, None)
    return q.urlencode()


def _staff_required(check):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)
        return wrapped
    return decorator


def _is_case_staff(user) -> bool:
    return (permissions.is_mediator(user) or permissions.is_centre_or_admin(user)
            or permissions.is_department(user))


def _is_risk_staff(user) -> bool:
    return (permissions.is_centre_or_admin(user) or permissions.is_grid_worker(user)
            or permissions.is_department(user) or permissions.is_mediator(user))


case_staff_required = _staff_required(_is_case_staff)
risk_staff_required = _staff_required(_is_risk_staff)
mediator_required = _staff_required(permissions.is_mediator)
legal_aid_required = _staff_required(lambda u: _is_case_staff(u) or permissions.is_lawyer(u))


def _run(request, fn, success: str, **kwargs):
    """Call a service; show its refusal as an error message. Returns the result or None."""
    try:
        result = fn(**kwargs)
    except services.MediationError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result


def _form_errors(request, form):
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}：{e}" if label else e)


# ----------------------------------------------------------------------------- public


def home(request):
    return render(request, "mediation/home.html", {
        "is_mediator": permissions.is_mediator(request.user),
    })


def mediators(request):
    form = forms.DirectoryForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.public_mediators(keyword=data.get("q", ""), language=data.get("language", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mediation/mediators.html", {
        "form": form, "page": page, "query": _query_without(request, "page"),
    })


@login_required
def my_cases(request):
    return render(request, "mediation/my_cases.html", {"cases": selectors.party_cases(request.user)})


@login_required
def my_case(request, pk):
    case = selectors.case_for_party(request.user, pk)
    parts = selectors.case_parts(case)
    tokens = selectors.party_room_urls(request.user, case)
    for s in parts["sessions"]:
        s.room_link = reverse("mediation:room", kwargs={"token": tokens[s.pk]}) if s.pk in tokens else ""
    return render(request, "mediation/party_case.html", {
        "case": case, **parts, "clock_template": selectors.clock_template(),
    })


def _pdf_response(request, agreement):
    if agreement is None or not agreement.pdf:
        raise Http404
    return files.send(request, agreement, "pdf", filename=f"agreement-{agreement.case_id}.pdf")


@login_required
def my_agreement_pdf(request, pk):
    case = selectors.case_for_party(request.user, pk)
    return _pdf_response(request, selectors.case_parts(case)["agreement"])


@login_required
def legal_aid_apply(request):
    form = forms.LegalAidForm(request.POST or None, request.FILES or None, initial=_legal_aid_initial(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        docs = [(d["document_name"], d["document"])] if d.get("document") else []
        try:
            app = services.apply_for_legal_aid(
                actor=request.user, region=d["region"], applicant_name=d["applicant_name"],
                id_number=d["id_number"], address=d["address"], phone=d["phone"], case_type=d["case_type"],
                opponent=d["opponent"], hardship=d["hardship"], description=d["description"],
                monthly_income=d["monthly_income"], documents=docs,
            )
        except services.MediationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("法律援助申请已提交，受理编号 %(no)s。") % {"no": app.grievance.tracking_no})
            return redirect("grievances:detail", pk=app.grievance_id)
    return render(request, "mediation/legal_aid_apply.html", {"form": form})


def _legal_aid_initial(request) -> dict:
    """The applicant's account, plus what they typed into the generic appeal form before
    choosing 法律援助申请 there (grievances.views hands it over once, in the session)."""
    from grid.models import Region, RegionLevel
    from grievances.views import LEGAL_AID_DRAFT_KEY

    initial = {"applicant_name": request.user.display_name, "phone": request.user.phone or ""}
    draft = request.session.pop(LEGAL_AID_DRAFT_KEY, None) if request.method == "GET" else None
    if not draft:
        return initial
    region = Region.objects.filter(code=draft.get("region_code") or "", level__gte=RegionLevel.COUNTY).first()
    text = "\n".join(x for x in (draft.get("title"), draft.get("description")) if x)
    initial.update({k: v for k, v in (
        ("applicant_name", draft.get("contact_name")), ("phone", draft.get("contact_phone")),
        ("address", draft.get("address")), ("description", text), ("region", region.pk if region else None),
    ) if v})
    return initial


# ----------------------------------------------------------------------------- mediator profile


@mediator_required
def profile(request):
    current = selectors.profile_for(request.user)
    initial = {"languages": "普通话", "is_public": True}
    if current:
        initial = {f: getattr(current, f) for f in ("title", "expertise", "languages", "bio", "years", "is_public")}
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _run(request, services.save_mediator_profile, _("调解员档案已保存。"), actor=request.user,
                user=request.user, **form.cleaned_data):
            return redirect("mediation:mediators")
    return render(request, "mediation/profile.html", {"form": form})


# ----------------------------------------------------------------------------- mediator inbox and case


@case_staff_required
def inbox(request):
    show = request.GET.get("show", "open")
    page = Paginator(selectors.mediator_inbox(request.user, show=show), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mediation/inbox.html", {
        "page": page, "show": show, "query": _query_without(request, "page"),
        "untaken": selectors.untaken_grievances(request.user),
        "to_reopen": selectors.cases_to_reopen(request.user),
        "visits": selectors.due_return_visits(request.user)[:20],
        "clock_template": selectors.clock_template(),
    })


@mediator_required
@require_POST
def take(request, grievance_pk):
    g = selectors.untaken_grievance(request.user, grievance_pk)
    case = _run(request, services.take_case, _("已签收并立案，您是本案调解员。"), actor=request.user, grievance=g)
    return redirect("mediation:case", pk=case.pk) if case else redirect("mediation:inbox")


def _case_context(request, case, **extra):
    user = request.user
    parts = selectors.case_parts(case)
    actions = services.case_allowed_actions(user, case)
    shown = privacy.reveal_phones(
        request, [(p.get_side_display(), p.phone) for p in parts["parties"]],
        subject=selectors.privacy_subject(case), handles=services.can_oversee_case(user, case))
    for party, phone in zip(parts["parties"], shown, strict=True):
        party.shown_phone = phone
    ctx = {
        "case": case, **parts, "clock_template": selectors.clock_template(), "actions": actions,
        "can_see_recordings": selectors.can_see_recordings(user, case),
        "can_work": "work" in actions,
        "can_assign": "assign_mediators" in actions,
        "can_conclude": any(a in actions for a in ("conclude_success", "conclude_failed", "terminate")),
        "can_reopen": "reopen" in actions,
        "can_apply_confirmation": "apply_confirmation" in actions,
        "pending_confirmation": parts["pending_confirmation"] if "decide_confirmation" in actions else None,
        "can_visit": "record_visit" in actions,
        "party_form": forms.PartyForm(initial={"side": PartySide.RESPONDENT}),
        "session_form": forms.SessionForm(),
        "failure_form": forms.FailureForm(),
        "termination_form": forms.TerminationForm(),
        "confirmation_form": forms.ConfirmationForm(),
        "decision_form": forms.ConfirmationDecisionForm(),
        "visit_form": forms.ReturnVisitForm(),
        "mediators_form": forms.MediatorsForm(queryset=selectors.org_mediators(case),
                                              initial={"mediators": list(case.mediators.all())}),
        "grievance_link_staff": permissions.is_department(user) or permissions.is_mediator(user),
    }
    ctx.update(extra)
    return ctx


@case_staff_required
def case_detail(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    return render(request, "mediation/case.html", _case_context(request, case))


@case_staff_required
@require_POST
def reopen(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    _run(request, services.reopen_case, _("已重新开始调解。"), actor=request.user, case=case)
    return redirect("mediation:case", pk=pk)


@case_staff_required
@require_POST
def add_party(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    form = forms.PartyForm(request.POST)
    if form.is_valid():
        _run(request, services.add_party, _("当事人已登记。"), actor=request.user, case=case, **form.cleaned_data)
    else:
        _form_errors(request, form)
    return redirect("mediation:case", pk=pk)


@case_staff_required
@require_POST
def assign(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    form = forms.MediatorsForm(request.POST, queryset=selectors.org_mediators(case))
    if form.is_valid():
        _run(request, services.assign_mediators, _("调解员已指派。"), actor=request.user, case=case,
             mediators=list(form.cleaned_data["mediators"]))
    else:
        _form_errors(request, form)
    return redirect("mediation:case", pk=pk)


@case_staff_required
def new_session(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    form = forms.SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok = _run(request, services.schedule_session,
                  _("调解已安排。") + (_("视频会议邀请已通过短信发送给各方当事人。") if d["mode"] == SessionMode.VIDEO else ""),
                  actor=request.user, case=case, mode=d["mode"], scheduled_at=d["scheduled_at"], place=d["place"])
        if ok:
            return redirect("mediation:case", pk=pk)
    return render(request, "mediation/session_form.html", {"case": case, "form": form})


@case_staff_required
def record_session(request, pk):
    session = selectors.session_for_staff(request.user, pk)
    case = selectors.case_for_staff(request.user, session.case_id)
    parties = list(case.parties.all())
    form = forms.SessionRecordForm(request.POST or None, parties=parties, initial={
        "participants": session.participants, "minutes": session.minutes, "next_steps": session.next_steps,
        "present_parties": [str(p.pk) for p in session.present_parties.all()],
    })
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = {int(x) for x in d["present_parties"]}
        ok = _run(request, services.record_session, _("调解记录已保存。"), actor=request.user, session=session,
                  participants=d["participants"], minutes=d["minutes"], next_steps=d["next_steps"],
                  present_parties=[p for p in parties if p.pk in chosen])
        if ok:
            return redirect("mediation:case", pk=case.pk)
    return render(request, "mediation/session_record.html", {"case": case, "session": session, "form": form})


@case_staff_required
@require_POST
def invite(request, pk):
    session = selectors.session_for_staff(request.user, pk)
    _run(request, services.send_video_invitations, _("已向尚未收到邀请的当事人发送短信邀请。"), actor=request.user,
         session=session)
    return redirect("mediation:case", pk=session.case_id)


@case_staff_required
def agreement(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    form = forms.AgreementForm(request.POST or None, initial={"facts": case.facts})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok = _run(request, services.conclude_with_agreement, _("调解成功，调解协议书已生成，已报综治中心核查。"),
                  actor=request.user, case=case, facts=d["facts"], terms=d["terms"],
                  performance_deadline=d["performance_deadline"], performance_method=d["performance_method"],
                  signed_on=d["signed_on"])
        if ok:
            return redirect("mediation:case", pk=pk)
    return render(request, "mediation/agreement_form.html", {
        "case": case, "form": form, "parties": list(case.parties.all())})


@case_staff_required
def agreement_pdf(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    return _pdf_response(request, selectors.case_parts(case)["agreement"])


@case_staff_required
@require_POST
def fail(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    form = forms.FailureForm(request.POST)
    if form.is_valid():
        _run(request, services.conclude_failed, _("已登记调解不成，已报综治中心核查。"), actor=request.user,
             case=case, **form.cleaned_data)
    else:
        _form_errors(request, form)
    return redirect("mediation:case", pk=pk)


@case_staff_required
@require_POST
def terminate(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    form = forms.TerminationForm(request.POST)
    if form.is_valid():
        _run(request, services.terminate_case, _("已终止调解，已报综治中心核查。"), actor=request.user, case=case,
             reason=form.cleaned_data["reason"])
    else:
        _form_errors(request, form)
    return redirect("mediation:case", pk=pk)


@case_staff_required
@require_POST
def apply_confirmation(request, pk):
    case = selectors.case_for_staff(request.user, pk)
    form = forms.ConfirmationForm(request.POST, request.FILES)
    if form.is_valid():
        _run(request, services.apply_judicial_confirmation, _("司法确认申请已登记。"), actor=request.user,
             case=case, **form.cleaned_data)
    else:
        _form_errors(request, form)
    return redirect("mediation:case", pk=pk)


@case_staff_required
@require_POST
def decide_confirmation(request, pk):
    jc = selectors.confirmation_for_staff(request.user, pk)
    form = forms.ConfirmationDecisionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _run(request, services.decide_judicial_confirmation, _("法院裁定结果已登记。"), actor=request.user,
             confirmation=jc, confirmed=d["decision"] == "confirmed", decided_on=d["decided_on"],
             ruling_no=d["ruling_no"], note=d["note"])
    else:
        _form_errors(request, form)
    return redirect("mediation:case", pk=jc.case_id)


@case_staff_required
@require_POST
def return_visit(request, pk):
    visit = selectors.visit_for_staff(request.user, pk)
    form = forms.ReturnVisitForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _run(request, services.record_return_visit, _("回访已登记。"), actor=request.user, visit=visit,
             performed=d["performed"], satisfied=d["satisfied"], note=d["note"])
    else:
        _form_errors(request, form)
    return redirect("mediation:case", pk=visit.case_id)


# ----------------------------------------------------------------------------- risk register


@risk_staff_required
def risks(request):
    form = forms.RiskFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(selectors.risks_for(request.user, status=data.get("status", ""), keyword=data.get("q", "")),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mediation/risks.html", {
        "form": form, "page": page, "query": _query_without(request, "page"),
        "stats": selectors.risk_stats(user=request.user),
        "can_register": permissions.is_centre_or_admin(request.user)
        or permissions.is_grid_worker(request.user),
    })


@risk_staff_required
def new_risk(request):
    regions, units = selectors.risk_form_choices(request.user)
    form = forms.RiskForm(request.POST or None, regions=regions, units=units)
    if request.method == "POST" and form.is_valid():
        risk = _run(request, services.register_risk, _("风险已登记。"), actor=request.user, **form.cleaned_data)
        if risk:
            return redirect("mediation:risk", pk=risk.pk)
    return render(request, "mediation/risk_form.html", {"form": form})


@risk_staff_required
def risk_detail(request, pk):
    risk = selectors.risk_for(request.user, pk)
    plan = getattr(risk, "plan", None)
    plan_initial = {"measures": plan.measures, "responsible_person": plan.responsible_person,
                    "target_date": plan.target_date} if plan else {}
    actions = services.risk_allowed_actions(request.user, risk)
    can_manage, can_convert = "manage" in actions, "convert" in actions
    return render(request, "mediation/risk.html", {
        "risk": risk, "plan": plan, "events": list(risk.events.select_related("actor")),
        "can_manage": can_manage, "can_convert": can_convert,
        "plan_form": forms.RiskPlanForm(initial=plan_initial), "note_form": forms.NoteForm(),
        "convert_form": forms.ConvertRiskForm(organisations=forms.mediation_orgs_for(request.user, risk.region_code)),
    })


@risk_staff_required
@require_POST
def risk_action(request, pk, action):
    risk = selectors.risk_for(request.user, pk)
    if action == "plan":
        form = forms.RiskPlanForm(request.POST)
        if form.is_valid():
            _run(request, services.set_risk_plan, _("化解方案已保存。"), actor=request.user, risk=risk,
                 **form.cleaned_data)
    elif action in ("progress", "resolve"):
        form = forms.NoteForm(request.POST)
        if form.is_valid():
            fn = services.record_risk_progress if action == "progress" else services.resolve_risk
            _run(request, fn, _("已记录。"), actor=request.user, risk=risk, note=form.cleaned_data["note"])
    elif action == "convert":
        form = forms.ConvertRiskForm(request.POST, organisations=forms.mediation_orgs_for(request.user, risk.region_code))
        if form.is_valid():
            d = form.cleaned_data
            if d["target"] == "mediation":
                case = _run(request, services.convert_risk_to_mediation, _("已转为调解案件。"), actor=request.user,
                            risk=risk, organisation=d["organisation"], severity=d["severity"],
                            contact_name=d["contact_name"], contact_phone=d["contact_phone"])
                if case:
                    return redirect("mediation:case", pk=case.pk)
            else:
                _run(request, services.convert_risk_to_grievance, _("已转为诉求件，请在管理后台受理分流。"),
                     actor=request.user, risk=risk, contact_name=d["contact_name"],
                     contact_phone=d["contact_phone"])
    else:
        raise Http404
    if not form.is_valid():
        _form_errors(request, form)
    return redirect("mediation:risk", pk=pk)


# ----------------------------------------------------------------------------- legal aid review


@legal_aid_required
def legal_aid_inbox(request):
    show = request.GET.get("show", "pending")
    page = Paginator(selectors.legal_aid_inbox(request.user, show=show), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mediation/legal_aid_inbox.html", {
        "page": page, "show": show, "query": _query_without(request, "page"),
        "clock_template": selectors.clock_template(),
    })


@legal_aid_required
def legal_aid_detail(request, pk):
    app = selectors.legal_aid_for(request.user, pk)
    form = forms.LegalAidDecisionForm(request.POST or None, lawyers=selectors.lawyers())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if d["decision"] == "approve":
            ok = _run(request, services.approve_legal_aid, _("已准予法律援助并指派律师。"), actor=request.user,
                      application=app, lawyer=d["lawyer"], note=d["reason"])
        else:
            ok = _run(request, services.refuse_legal_aid, _("已作出不予援助决定。"), actor=request.user,
                      application=app, reason=d["reason"])
        if ok:
            return redirect("mediation:legal_aid_detail", pk=pk)
    can_review = services.can_review_legal_aid(request.user, app)
    contact = privacy.reveal_contact(
        request, name=app.applicant_name, phone=app.grievance.contact_phone, handles=True,
        subject=selectors.legal_aid_privacy_subject(app), also=("id_number", "address", "hardship"))
    return render(request, "mediation/legal_aid_detail.html", {
        "app": app, "form": form, "can_review": can_review, "clock_template": selectors.clock_template(),
        "contact": contact,
    })


@legal_aid_required
def legal_aid_document(request, pk, doc_pk):
    app = selectors.legal_aid_for(request.user, pk)
    doc = app.documents.filter(pk=doc_pk).first()
    if doc is None:
        raise Http404
    return files.send(request, doc, "file", filename=doc.name)
