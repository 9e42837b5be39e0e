"""Thin views: forms in, services for writes, selectors for reads."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from grid import idempotency, permissions, privacy
from legalqa.fields_of_law import active_fields, all_fields
from legalqa.lawyers import citing, forms, selectors, services
from legalqa.lawyers.models import (
    Answer,
    CallbackRequest,
    DocumentTemplate,
    LawyerProfile,
    LitigationGuide,
    Question,
    QuestionState,
    ServiceKind,
)
from legalqa.lawyers.services import QAError


def _staff_required(user):
    if not (permissions.is_centre_or_admin(user)):
        raise PermissionDenied


def _page(request, qs, per=20):
    return Paginator(qs, per).get_page(request.GET.get("page"))


def index(request):
    fields = active_fields()
    return render(request, "lawyers/index.html", {"fields": fields})


@login_required
def ask(request):
    """Ask a question. The first submit shows similar answered questions and law articles;
    the citizen then posts (or finds the answer already)."""
    # ?field=&title= pre-fill the form (the law search's "ask a lawyer" step passes both)
    form = forms.AskForm(request.POST or None, request.FILES or None,
                         initial={"field": request.GET.get("field"), "title": (request.GET.get("title") or "")[:100]})
    similar, articles, preview = [], [], False
    key = request.POST.get("idempotency_key", "")
    already = idempotency.filed(request.user, "question", key) if request.method == "POST" else None
    if already is not None:  # a draft sent again (offline, weak signal): the question it asked
        return redirect(reverse("lawyers:question", args=[already]) + "?new=1")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        text = f"{data['title']} {data['body']}"
        # A voice note cannot ride through the preview (a file input does not refill), and
        # someone who speaks rather than types gains little from a list to read: post it.
        if "post" not in request.POST and not data.get("voice"):
            preview = True
            similar = list(selectors.similar_answered(text, data["field"]))
            articles = citing.search_articles(text)
        else:
            try:
                q = services.ask_question(asker=request.user, field=data["field"], title=data["title"],
                                          body=data["body"], region=data["region"], files=data["files"],
                                          client_key=key)
            except idempotency.StillFiling:
                response = HttpResponse(_("正在提交，请稍候。"), status=409, content_type="text/plain; charset=utf-8")
                response["Retry-After"] = "3"
                return response
            except QAError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(reverse("lawyers:question", args=[q.pk]) + "?new=1")
    return render(request, "lawyers/ask.html", {"form": form, "similar": similar, "articles": articles,
                                                "preview": preview})


@login_required
def my_questions(request):
    user = request.user
    ctx = {"page": _page(request, selectors.question_list(user, state=request.GET.get("state", ""),
                                                          field=request.GET.get("field", ""))),
           "states": QuestionState.choices}
    if permissions.is_lawyer(user):
        ctx["inbox"] = selectors.lawyer_inbox(user)[:50]
    return render(request, "lawyers/my_questions.html", ctx)


@login_required
def question(request, pk: int, *, reply_error: dict | None = None, status: int = 200):
    """The question page; after a refused reply it is shown again (status 400) with the
    refusal under that thread's reply box and what was typed still in it."""
    user = request.user
    try:
        q = selectors.question_detail(user, pk)
    except Question.DoesNotExist:
        raise Http404 from None
    is_asker = user.pk == q.asker_id
    is_staff = permissions.is_centre_or_admin(user)
    answers = selectors.thread_for(user, q)
    show = selectors.question_display(q)
    ctx = {
        "show": show,
        "q": q, "answers": answers, "is_asker": is_asker, "is_staff": is_staff,
        "new": request.GET.get("new") == "1" and is_asker,
        "expected": services.expected_response(q.field) if is_asker and not show["closed"] else None,
        "answer_form": forms.AnswerForm(), "reply_form": forms.ReplyForm(), "close_form": forms.CloseForm(),
        "is_lawyer": permissions.is_lawyer(user),
        "cannot_answer": services.can_answer(user, q) if permissions.is_lawyer(user) else None,
        "has_best": any(a.is_best for a in answers),
        "actions": services.question_allowed_actions(user, q),
        "open": not show["closed"],
        "reply_error": reply_error,
    }
    return render(request, "lawyers/question.html", ctx, status=status)


def _visible_question(user, pk):
    try:
        return selectors.questions_visible_to(user).get(pk=pk)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _back(request, q_pk):
    return redirect("lawyers:question", q_pk)


@login_required
@require_POST
def answer(request, pk: int):
    q = _visible_question(request.user, pk)
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_question(lawyer=request.user, question=q, body=form.cleaned_data["body"])
            messages.success(request, _("解答已发布，咨询人会收到通知。"))
        except QAError as exc:
            messages.error(request, exc.message)
    return _back(request, pk)


def _visible_answer(user, answer_pk):
    a = get_object_or_404(Answer.objects.select_related("question", "lawyer"), pk=answer_pk)
    _visible_question(user, a.question_id)
    return a


@login_required
@require_POST
def reply(request, answer_pk: int):
    a = _visible_answer(request.user, answer_pk)
    form = forms.ReplyForm(request.POST, request.FILES)
    errors = [str(e) for errs in form.errors.values() for e in errs]
    if form.is_valid():
        try:
            services.add_reply(author=request.user, answer=a, body=form.cleaned_data["body"],
                               files=form.cleaned_data["files"])
        except QAError as exc:
            errors = [exc.message]
        else:
            messages.success(request, _("已发送，对方会收到通知。"))
            return _back(request, a.question_id)
    return question(request, a.question_id, status=400,
                    reply_error={"answer": a.pk, "body": request.POST.get("body", ""), "errors": errors})


@login_required
@require_POST
def best(request, answer_pk: int):
    a = _visible_answer(request.user, answer_pk)
    try:
        if request.user.pk == a.question.asker_id:
            services.mark_best_answer(citizen=request.user, answer=a)
        else:
            services.decide_best_answer(actor=request.user, answer=a)
        messages.success(request, _("已选定最佳答案。"))
    except QAError as exc:
        messages.error(request, exc.message)
    return _back(request, a.question_id)


@login_required
@require_POST
def close(request, pk: int):
    q = _visible_question(request.user, pk)
    form = forms.CloseForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.close_question(citizen=request.user, question=q, professional=d["professional"],
                                    speed=d["speed"], useful=d["useful"], suggestion=d["suggestion"],
                                    resolved=d["resolved"])
            messages.success(request, _("感谢您的评价，咨询已结束。"))
        except QAError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请为三项各打1到5星。"))
    return _back(request, pk)


# ------------------------------------------------------------------ lawyers

def lawyer_list(request):
    form = forms.LawyerFilterForm(request.GET or None)
    field, prefix = "", ""
    if form.is_valid():
        if form.cleaned_data.get("field"):
            field = form.cleaned_data["field"].code
        if form.cleaned_data.get("region"):
            prefix = form.cleaned_data["region"].prefix
    page = _page(request, selectors.public_lawyers(field=field, region_prefix=prefix))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "lawyers/lawyer_list.html", {"form": form, "page": page, "query": query.urlencode()})


def lawyer_detail(request, pk: int):
    profile = get_object_or_404(LawyerProfile.objects.verified().select_related("region")
                                .prefetch_related("fields"), pk=pk)
    return render(request, "lawyers/lawyer_detail.html", {"p": profile})


@login_required
def lawyer_desk(request):
    """The lawyer's desk: profile status, questions waiting, commission offers, call-backs."""
    user = request.user
    if not permissions.is_lawyer(user):
        raise PermissionDenied
    profile = LawyerProfile.objects.filter(user=user).prefetch_related("fields").first()
    form = forms.LawyerProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        was_verified = profile is not None and profile.is_verified
        try:
            saved = services.save_lawyer_profile(lawyer=user, values=form.cleaned_data)
        except QAError as exc:
            messages.error(request, exc.message)
        else:
            if profile is None:
                messages.success(request, _("资料已提交，等待工作人员审核。"))
            elif was_verified and not saved.is_verified:
                messages.warning(request, _("资料已保存。执业证号、律所或执业地区已变更，须经工作人员重新审核后才能解答咨询和接受委托。"))
            else:
                messages.success(request, _("资料已保存。"))
            return redirect("lawyers:lawyer_desk")
    callbacks = list(selectors.lawyer_callbacks(user))
    for cb in callbacks:
        # The number is the lawyer's to call until the call is made; masked afterwards.
        cb.shown_phone = privacy.reveal_phone(request, cb.phone, subject=selectors.callback_privacy_subject(cb),
                                              handles=cb.called_at is None)
    return render(request, "lawyers/desk.html", {
        "profile": profile, "form": form, "inbox": selectors.lawyer_inbox(user)[:30],
        "offers": selectors.lawyer_offers(user), "callbacks": callbacks,
        "awards": selectors.awards_visible_to(user).select_related("question")[:20],
    })


# ------------------------------------------------------------------ urgent channel

def urgent(request):
    rows = [r for r in selectors.on_duty_by_field() if r["lawyers"]]
    return render(request, "lawyers/urgent.html", {"rows": rows,
                                                   "form": forms.CallbackForm()})


def call(request, field_code: str, profile_pk: int):
    """Logs the tap on the call button, then hands the phone number to the dialler."""
    field = get_object_or_404(all_fields(), code=field_code)
    profile = get_object_or_404(LawyerProfile.objects.verified(), pk=profile_pk)
    services.log_call(citizen=request.user, field=field, lawyer=profile.user)
    return TelRedirect(f"tel:{profile.phone}")


class TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@login_required
@require_POST
def callback(request, field_code: str, profile_pk: int):
    field = get_object_or_404(all_fields(), code=field_code)
    profile = get_object_or_404(LawyerProfile.objects.verified(), pk=profile_pk)
    form = forms.CallbackForm(request.POST)
    if form.is_valid():
        try:
            services.request_callback(citizen=request.user, field=field, lawyer=profile.user,
                                      phone=form.cleaned_data["phone"], note=form.cleaned_data["note"])
            messages.success(request, _("回拨请求已发送给%(name)s律师，律师确认后会尽快来电。") % {"name": profile.name})
        except QAError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请输入有效的11位手机号码。"))
    return redirect("lawyers:urgent")


@login_required
@require_POST
def callback_ack(request, pk: int):
    cb = get_object_or_404(CallbackRequest, pk=pk, lawyer=request.user)
    try:
        services.acknowledge_callback(lawyer=request.user, callback=cb, called="called" in request.POST)
        messages.success(request, _("已确认。"))
    except QAError as exc:
        messages.error(request, exc.message)
    return redirect("lawyers:lawyer_desk")


# ------------------------------------------------------------------ commissions

@login_required
def commission_list(request):
    return render(request, "lawyers/commission_list.html",
                  {"page": _page(request, selectors.commissions_visible_to(request.user)), "query": ""})


@login_required
def commission_new(request):
    lawyer_profile = None
    if request.GET.get("lawyer", "").isdigit():
        lawyer_profile = get_object_or_404(LawyerProfile.objects.verified(), pk=request.GET["lawyer"])
    question = None
    if request.GET.get("question", "").isdigit():
        question = _visible_question(request.user, int(request.GET["question"]))
    initial = {"phone": request.user.phone or ""}
    if question:
        initial.update(field=question.field, region=question.region, matter=question.title)
    form = forms.CommissionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = services.create_commission(citizen=request.user, field=d["field"], matter=d["matter"],
                                           phone=d["phone"], region=d["region"], question=question,
                                           lawyer=lawyer_profile.user if lawyer_profile else None)
        except QAError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("委托已提交。"))
            return redirect("lawyers:commission", c.pk)
    return render(request, "lawyers/commission_new.html",
                  {"form": form, "lawyer_profile": lawyer_profile, "question": question})


# What each action on a commission or an application tells the person who did it.
COMMISSION_DONE = {
    "accept": _lazy("已接受委托，委托人会收到您的联系电话。"),
    "decline": _lazy("已谢绝委托，委托将推送给其他律师。"),
    "complete": _lazy("委托已办结。"),
    "cancel": _lazy("委托已撤销。"),
    "rate": _lazy("感谢您的评价。"),
}
SERVICE_DONE = {
    "approve": _lazy("已受理，申请人会收到办理时间。"),
    "missing": _lazy("已通知申请人补齐材料。"),
    "refuse": _lazy("已不予受理，申请人会收到理由。"),
    "resubmit": _lazy("材料已补交，请等待工作人员审核。"),
}


@login_required
def commission(request, pk: int):
    c = get_object_or_404(selectors.commissions_visible_to(request.user), pk=pk)
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.accept_commission(lawyer=user, commission=c)
            elif action == "decline":
                services.decline_commission(lawyer=user, commission=c)
            elif action == "complete":
                services.complete_commission(actor=user, commission=c)
            elif action == "cancel":
                services.cancel_commission(citizen=user, commission=c)
            elif action == "rate":
                form = forms.RateForm(request.POST)
                if not form.is_valid():
                    raise QAError(_("请打1到5星。"))
                services.rate_commission(citizen=user, commission=c, rating=form.cleaned_data["rating"],
                                         comment=form.cleaned_data["comment"])
            else:
                raise QAError(_("无法识别的操作，请刷新页面后重试。"))
            messages.success(request, COMMISSION_DONE[action])
        except QAError as exc:
            messages.error(request, exc.message)
        return redirect("lawyers:commission", pk)
    offer = c.offers.filter(lawyer=user).first()
    client_phone = privacy.reveal_phone(request, c.phone, subject=selectors.commission_privacy_subject(c),
                                        handles=c.lawyer_id == user.pk)
    return render(request, "lawyers/commission.html", {
        "c": c, "is_citizen": user.pk == c.citizen_id, "offer": offer, "rate_form": forms.RateForm(),
        "actions": services.commission_allowed_actions(user, c), "client_phone": client_phone,
        "lawyer_profile": LawyerProfile.objects.filter(user_id=c.lawyer_id).first() if c.lawyer_id else None,
    })


# ------------------------------------------------------------------ templates and guides

def template_list(request):
    form = forms.TemplateSearchForm(request.GET or None)
    kw = {}
    if form.is_valid():
        kw = {"q": form.cleaned_data["q"], "doc_type": form.cleaned_data["doc_type"],
              "field": form.cleaned_data["field"].code if form.cleaned_data["field"] else ""}
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "lawyers/template_list.html",
                  {"form": form, "page": _page(request, selectors.templates(**kw)), "query": query.urlencode()})


def template_detail(request, pk: int):
    from legalqa.lawyers import docs

    tpl = get_object_or_404(DocumentTemplate.objects.filter(published=True).select_related("field"), pk=pk)
    if request.method == "POST":
        data = services.fill_template(template=tpl, values=request.POST)
        resp = HttpResponse(data, content_type=(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
        from urllib.parse import quote

        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(tpl.title)}.docx"
        return resp
    with tpl.file.open("rb") as fh:
        lines = docs.paragraphs(io.BytesIO(fh.read()))
    return render(request, "lawyers/template_detail.html", {"t": tpl, "lines": lines})


def guide_list(request):
    from legalqa.lawyers.models import CaseType

    return render(request, "lawyers/guide_list.html", {
        "guides": selectors.guides(request.GET.get("type", "")), "types": CaseType.choices,
        "current": request.GET.get("type", "")})


def guide_detail(request, pk: int):
    return render(request, "lawyers/guide_detail.html",
                  {"g": get_object_or_404(LitigationGuide, pk=pk, published=True)})


# ------------------------------------------------------------------ other services

@login_required
def my_services(request):
    from grievances.models import Grievance

    grievances = Grievance.objects.filter(reporter=request.user).order_by("-created_at")[:20]
    return render(request, "lawyers/my_services.html", {
        "apps": selectors.my_services(request.user), "grievances": grievances,
        "kinds": ServiceKind.choices, "commissions": selectors.commissions_visible_to(request.user)[:20],
        "questions": selectors.question_list(request.user)[:20]})


@login_required
def service_new(request, kind: str):
    if kind not in ServiceKind.values:
        raise Http404
    initial = {"contact_name": request.user.display_name, "contact_phone": request.user.phone or ""}
    form = forms.ServiceForm(request.POST or None, request.FILES or None, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            app = services.submit_application(
                applicant=request.user, kind=kind, region=d.pop("region"), contact_name=d.pop("contact_name"),
                contact_phone=d.pop("contact_phone"), documents=d.pop("documents", None),
                voice=d.pop("voice", None), **d)
        except QAError as exc:
            form.add_error(None, exc.message)
        else:
            if app.grievance_id:
                messages.success(request, _("已提交，调解申请已转入矛盾纠纷调解流程，受理编号 %(no)s。")
                                 % {"no": app.grievance.tracking_no})
            else:
                messages.success(request, _("已提交，工作人员将在线审核并与您约定办理时间。"))
            return redirect("lawyers:my_services")
    return render(request, "lawyers/service_new.html", {"form": form, "kind": ServiceKind(kind)})


@login_required
def service_detail(request, pk: int):
    user = request.user
    is_staff = permissions.is_centre_or_admin(user)
    qs = selectors.applications_for_staff(user) if is_staff else selectors.my_services(user)
    app = get_object_or_404(qs, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                f = forms.ApproveForm(request.POST)
                if not f.is_valid():
                    raise QAError(_("请约定办理时间。"))
                services.approve_application(actor=user, application=app,
                                             appointment_at=f.cleaned_data["appointment_at"],
                                             note=f.cleaned_data["note"])
            elif action == "missing":
                f = forms.MissingForm(request.POST)
                if not f.is_valid():
                    raise QAError(_("请列出需要补齐的材料。"))
                services.ask_missing_documents(actor=user, application=app, missing=f.cleaned_data["missing"])
            elif action == "refuse":
                f = forms.RefuseForm(request.POST)
                if not f.is_valid():
                    raise QAError(_("请填写不予受理的理由。"))
                services.refuse_application(actor=user, application=app, reason=f.cleaned_data["reason"])
            elif action == "resubmit":
                f = forms.ResubmitForm(request.POST, request.FILES)
                if not f.is_valid():
                    raise QAError(" ".join(str(e) for errs in f.errors.values() for e in errs))
                services.resubmit_application(applicant=user, application=app,
                                              documents=f.cleaned_data.get("documents"),
                                              note=f.cleaned_data.get("note", ""))
            else:
                raise QAError(_("无法识别的操作，请刷新页面后重试。"))
            messages.success(request, SERVICE_DONE[action])
        except QAError as exc:
            messages.error(request, exc.message)
        return redirect("lawyers:service", pk)
    contact = privacy.reveal_contact(request, name=app.contact_name, phone=app.contact_phone, handles=is_staff,
                                     subject=selectors.application_privacy_subject(app))
    return render(request, "lawyers/service_detail.html", {
        "app": app, "is_staff": is_staff, "actions": services.application_allowed_actions(user, app),
        "contact": contact, "approve_form": forms.ApproveForm(), "missing_form": forms.MissingForm(),
        "refuse_form": forms.RefuseForm(), "resubmit_form": forms.ResubmitForm()})


@login_required
def service_queue(request):
    _staff_required(request.user)
    qs = selectors.applications_for_staff(request.user).order_by("state", "created_at")
    return render(request, "lawyers/service_queue.html", {"page": _page(request, qs), "query": ""})


@login_required
def routing(request):
    """待分派咨询: questions no lawyer of their field could take, or unanswered past both
    reminders; staff send each to a verified lawyer of their choice."""
    _staff_required(request.user)
    if request.method == "POST":
        q = get_object_or_404(selectors.questions_visible_to(request.user), pk=request.POST.get("question"))
        lawyer = selectors.routable_lawyers().filter(user_id=request.POST.get("lawyer")).first()
        try:
            if lawyer is None:
                raise QAError(_("请选择一位已审核的律师。"))
            services.route_question(actor=request.user, question=q, lawyer=lawyer.user)
        except QAError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已分派给%(name)s，律师会收到通知。") % {"name": lawyer.name})
        return redirect("lawyers:routing")
    waiting = list(selectors.questions_waiting_for_routing(request.user)[:100])
    return render(request, "lawyers/routing.html", {"waiting": waiting,
                                                    "lawyers": list(selectors.routable_lawyers())})


# ------------------------------------------------------------------ figures and ledger

@login_required
def figures(request):
    _staff_required(request.user)
    days = 365 if request.GET.get("range") != "all" else None
    since = timezone.now() - datetime.timedelta(days=days) if days else None
    return render(request, "lawyers/figures.html", {"f": selectors.figures(request.user, since=since),
                                                    "range": request.GET.get("range", ""),
                                                    "undecided": selectors.undecided_questions(request.user)})


@login_required
def statement(request):
    """Monthly award statement per lawyer for the finance office; ?format=xlsx downloads it."""
    user = request.user
    if not (permissions.is_centre_or_admin(user) or permissions.is_lawyer(user)):
        raise PermissionDenied
    form = forms.PeriodForm(request.GET or None)
    period = timezone.localdate().strftime("%Y-%m")
    if form.is_valid() and form.cleaned_data.get("period"):
        period = form.cleaned_data["period"]
    rows = selectors.monthly_statement(user, period)
    if request.GET.get("format") == "xlsx":
        return _xlsx(period, rows)
    return render(request, "lawyers/statement.html", {"rows": rows, "period": period, "form": form,
                                                      "total": sum(r["total"] for r in rows)})


def _xlsx(period: str, rows: list[dict]) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = period
    ws.append([_("律师"), _("执业证号"), _("律师事务所"), _("中标次数"), _("报酬合计（元）")])
    for r in rows:
        ws.append([r["lawyer"], r["licence_no"], r["firm"], r["count"], float(r["total"])])
    ws.append([_("合计"), "", "", sum(r["count"] for r in rows), float(sum(r["total"] for r in rows))])
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="qa-awards-{period}.xlsx"'
    return resp


def fields_json(request):
    from django.http import JsonResponse

    return JsonResponse({"fields": [{"code": f.code, "name": f.name} for f in active_fields()]})

