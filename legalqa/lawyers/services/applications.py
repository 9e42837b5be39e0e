"""Other public legal services: notarisation appointments, people's mediation and administrative reconsideration applications."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from grid import permissions
from grid.models import Region
from legalqa.lawyers.hooks import decided
from legalqa.lawyers.models import (
    ServiceApplication,
    ServiceKind,
    ServiceState,
)
from legalqa.lawyers.services.common import QAError, _check_text, _checked, _notify, supervising_staff

SERVICE_REQUIRED = {
    ServiceKind.NOTARISATION: ("office", "matter", "preferred_slot"),
    ServiceKind.MEDIATION: ("other_party", "matter"),
    ServiceKind.RECONSIDERATION: ("respondent_agency", "contested_decision", "request"),
}


@transaction.atomic
def submit_application(*, applicant, kind: str, region: Region, contact_name: str, contact_phone: str,
                       documents=None, voice=None, **details) -> ServiceApplication:
    """公证预约, 人民调解申请, 行政复议申请. A people's mediation application becomes a 矛盾纠纷调解
    grievance through the grievances services, so it enters the seven-step loop. A mediation
    application may describe the dispute by ``voice`` (按住说话): the recording goes with the
    grievance, where staff and the mediator play it, and the written description may stay empty."""
    if applicant is None or not applicant.is_authenticated:
        raise QAError(_("请先登录。"))
    if kind not in ServiceKind.values:
        raise QAError(_("请选择服务类型。"))
    if voice is not None and kind == ServiceKind.MEDIATION:
        voice = _checked(voice, "voice")
        details["matter"] = (details.get("matter") or "").strip() or _("（以语音说明纠纷，请收听录音）")
    else:
        voice = None
    for name in SERVICE_REQUIRED[kind]:
        if not (details.get(name) or "").strip():
            label = ServiceApplication._meta.get_field(name).verbose_name
            raise QAError(_("请填写%(field)s。") % {"field": label})
    now = timezone.now()
    app = ServiceApplication(
        kind=kind, applicant=applicant, region=region, region_code=region.code,
        contact_name=_check_text(contact_name, _("请填写联系人。")), contact_phone=contact_phone,
        created_at=now, interim_due_at=now + datetime.timedelta(days=3), due_at=now + datetime.timedelta(days=7),
        **{k: (v or "").strip() for k, v in details.items() if k in {
            "office", "matter", "preferred_slot", "other_party", "respondent_agency", "contested_decision",
            "request"}},
    )
    if documents:
        documents = _checked(documents, "application")
        app.documents.save(documents.storage_name, documents.content, save=False)
    app.save()
    if kind == ServiceKind.MEDIATION:
        from grievances import services as grievance_services

        try:
            g = grievance_services.submit_grievance(
                actor=applicant, kind="dispute", region=region,
                title=_("人民调解申请：与%(party)s的纠纷") % {"party": app.other_party}, description=app.matter,
                contact_name=app.contact_name, contact_phone=app.contact_phone,
                files=[f for f in (documents, voice) if f],
            )
        except grievance_services.GrievanceError as exc:
            raise QAError(exc.message) from exc
        app.grievance = g
        app.transfer()
        app.save()
        return app
    staff = supervising_staff(region.code)
    _notify(key=f"qa-svc{app.pk}-new", template="qa_service_new",
            context={"kind": app.get_kind_display(), "name": app.contact_name}, users=staff,
            link=reverse("lawyers:service", args=[app.pk]), channels=("site",))
    return app


def remind_overdue_applications(now: datetime.datetime | None = None) -> int:
    """137 rule: an application not answered within 3 days is brought to the supervising
    staff once (claimed by a conditional UPDATE of ``reminded_at``)."""
    now = now or timezone.now()
    ids = ServiceApplication.objects.filter(state=ServiceState.SUBMITTED, reminded_at__isnull=True,
                                            interim_due_at__lte=now).values_list("pk", flat=True)
    done = 0
    for pk in list(ids[:500]):
        with transaction.atomic():
            if not ServiceApplication.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            app = ServiceApplication.objects.get(pk=pk)
            _notify(key=f"qa-svc{pk}-overdue", template="qa_service_overdue",
                    context={"kind": app.get_kind_display(), "name": app.contact_name},
                    users=supervising_staff(app.region_code), link=reverse("lawyers:service", args=[pk]))
            done += 1
    return done


def _reviewer(actor, app: ServiceApplication) -> str | None:
    if not (permissions.is_centre_or_admin(actor) and permissions.can_see_region_code(actor, app.region_code)):
        return _("只有辖区综治中心工作人员可以审核该申请。")
    return None


def _approve_check(actor, app: ServiceApplication) -> str | None:
    return _reviewer(actor, app) or (None if can_proceed(app.approve) else _("该申请当前不能受理。"))


def _missing_check(actor, app: ServiceApplication) -> str | None:
    return _reviewer(actor, app) or (None if can_proceed(app.ask_missing) else _("该申请当前不能要求补齐材料。"))


def _refuse_check(actor, app: ServiceApplication) -> str | None:
    return _reviewer(actor, app) or (None if can_proceed(app.refuse) else _("该申请当前不能作出不予受理决定。"))


def _resubmit_check(actor, app: ServiceApplication) -> str | None:
    if actor.pk != app.applicant_id:
        return _("只能补充自己的申请。")
    if not can_proceed(app.resubmit):
        return _("该申请不需要补齐材料。")
    return None


# The same checks drive the buttons of the application page and the services' refusals.
APPLICATION_ACTIONS = {
    "approve": _approve_check,
    "missing": _missing_check,
    "refuse": _refuse_check,
    "resubmit": _resubmit_check,
}


def application_allowed_actions(user, application: ServiceApplication) -> list[str]:
    """What this user may do with this application now (its page shows exactly these)."""
    if not (user and user.is_authenticated):
        return []
    return [name for name, check in APPLICATION_ACTIONS.items() if check(user, application) is None]


def _require(check, actor, app: ServiceApplication) -> None:
    message = check(actor, app)
    if message:
        raise QAError(message)


def _tell_applicant(app: ServiceApplication, step: str, result: str) -> None:
    _notify(key=f"qa-svc{app.pk}-{step}-{app.reviewed_at:%Y%m%d%H%M%S}", template="qa_service_review",
            context={"kind": app.get_kind_display(), "result": result}, users=[app.applicant],
            link=reverse("lawyers:my_services"))


@transaction.atomic
def approve_application(*, actor, application: ServiceApplication, appointment_at, note: str = ""):
    app = ServiceApplication.objects.select_for_update().get(pk=application.pk)
    _require(_approve_check, actor, app)
    if appointment_at is None:
        raise QAError(_("请约定办理时间。"))
    app.approve()
    app.appointment_at, app.staff_note, app.reviewed_by, app.reviewed_at = appointment_at, note, actor, timezone.now()
    app.save()
    when = timezone.localtime(appointment_at).strftime("%Y-%m-%d %H:%M")
    _tell_applicant(app, "approved", _("已受理，请于%(when)s前来办理。") % {"when": when})
    decided("application_approved", actor=actor, subject=app, reference=f"服务申请 {app.pk}",
            appointment_at=when, note=note or "")
    return app


@transaction.atomic
def ask_missing_documents(*, actor, application: ServiceApplication, missing: str):
    app = ServiceApplication.objects.select_for_update().get(pk=application.pk)
    _require(_missing_check, actor, app)
    missing = _check_text(missing, _("请列出需要补齐的材料。"))
    app.ask_missing()
    app.missing_documents, app.reviewed_by, app.reviewed_at = missing, actor, timezone.now()
    app.save()
    _tell_applicant(app, "missing", _("请补齐材料：%(list)s") % {"list": missing})
    decided("application_missing", actor=actor, subject=app, reference=f"服务申请 {app.pk}", missing=missing)
    return app


@transaction.atomic
def refuse_application(*, actor, application: ServiceApplication, reason: str):
    app = ServiceApplication.objects.select_for_update().get(pk=application.pk)
    _require(_refuse_check, actor, app)
    reason = _check_text(reason, _("请填写不予受理的理由。"))
    app.refuse()
    app.refuse_reason, app.reviewed_by, app.reviewed_at = reason, actor, timezone.now()
    app.save()
    _tell_applicant(app, "refused", _("不予受理，理由：%(reason)s") % {"reason": reason})
    decided("application_refused", actor=actor, subject=app, reference=f"服务申请 {app.pk}", reason=reason)
    return app


@transaction.atomic
def resubmit_application(*, applicant, application: ServiceApplication, documents=None, note: str = ""):
    app = ServiceApplication.objects.select_for_update().get(pk=application.pk)
    _require(_resubmit_check, applicant, app)
    if documents:
        documents = _checked(documents, "application")
        app.documents.save(documents.storage_name, documents.content, save=False)
    if note:
        app.matter = f"{app.matter}\n{_('补充说明')}：{note.strip()}".strip()
    app.resubmit()
    app.save()
    return app
