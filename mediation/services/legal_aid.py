"""Legal-aid applications (法律援助) and their review by the legal aid centre."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import permissions
from grid.models import Role, User
from grid.notifications.services import notify
from grievances import services as grievance_services
from grievances.models import GrievanceKind
from mediation.hooks import decided
from mediation.models import (
    LegalAidApplication,
    LegalAidCaseType,
    LegalAidDocument,
    LegalAidStatus,
)
from mediation.services.cases import _ensure_signed
from mediation.services.errors import MediationError, MediationPermissionError, _checked, _refuse_from, _text

LEGAL_AID_LAWYER_TEMPLATE = "legal_aid_assigned_lawyer"
LEGAL_AID_LAWYER_TEXT = (
    "【法律援助】{{ centre }}指派您承办法律援助案件（编号{{ tracking_no }}，申请人{{ applicant }}，"
    "{{ case_type }}），请尽快联系受援人。{{ link }}"
)


@transaction.atomic
def apply_for_legal_aid(*, actor, region, applicant_name: str, id_number: str, address: str, phone: str,
                        case_type: str, hardship: str, description: str, opponent: str = "",
                        monthly_income=None, documents: Sequence[tuple[str, object]] = ()) -> LegalAidApplication:
    """法律援助申请: a legal-aid grievance (137 deadlines) plus the applicant's data, hardship
    declaration, case type and documents for the legal aid centre's review."""
    if case_type not in LegalAidCaseType.values:
        raise MediationError(_("请选择案件类型。"))
    hardship = _text(hardship, _("请填写经济困难情况声明。"))
    name = _text(applicant_name, _("请填写申请人姓名。"))
    try:
        grievance = grievance_services.submit_grievance(
            actor=actor, kind=GrievanceKind.LEGAL_AID, region=region,
            title=_("法律援助申请：%(t)s") % {"t": LegalAidCaseType(case_type).label},
            description=_text(description, _("请简要说明案情和援助请求。")), contact_name=name,
            contact_phone=phone, address=address,
        )
    except grievance_services.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    app = LegalAidApplication(
        grievance=grievance, region_code=grievance.region_code, applicant_name=name,
        id_number=_text(id_number, _("请填写身份证号。")), address=_text(address, _("请填写住址。")),
        case_type=case_type, opponent=(opponent or "").strip(), hardship=hardship, monthly_income=monthly_income,
    )
    app.save()
    for doc_name, f in documents:
        if f is None:
            continue
        clean = _checked(f, "legal_aid")
        doc = LegalAidDocument(application=app, name=(doc_name or clean.name or _("材料"))[:100])
        doc.file.save(clean.storage_name, clean.content, save=True)
    return app



def handles_legal_aid(user, app: LegalAidApplication) -> bool:
    """The staff of the legal aid centre the application was routed to (whatever its status)."""
    unit = app.grievance.handling_unit
    return bool(unit is not None and unit.is_legal_aid and (
        permissions.is_department(user) or permissions.is_mediator(user)) and user.unit_id == unit.pk)


def can_review_legal_aid(user, app: LegalAidApplication) -> bool:
    return bool(app.status == LegalAidStatus.PENDING and handles_legal_aid(user, app))


def _require_legal_aid_reviewer(actor, app: LegalAidApplication):
    grievance = app.grievance
    unit = grievance.handling_unit
    if unit is None or not unit.is_legal_aid:
        raise MediationError(_("该申请尚未分流至法律援助中心。"))
    if not ((permissions.is_department(actor) or permissions.is_mediator(actor)) and actor.unit_id == unit.pk):
        raise MediationPermissionError(_("只有受理该申请的法律援助中心工作人员可以审查。"))


@transaction.atomic
def approve_legal_aid(*, actor, application: LegalAidApplication, lawyer: User, note: str = "") -> LegalAidApplication:
    """准予援助: the centre assigns a lawyer; the grievance's handling step completes with it."""
    app = LegalAidApplication.objects.select_for_update().get(pk=application.pk)
    _require_legal_aid_reviewer(actor, app)
    if app.status != LegalAidStatus.PENDING:
        raise MediationError(_("该申请已经审查过了。"))
    if lawyer is None or lawyer.role != Role.LAWYER or not lawyer.is_active:
        raise MediationError(_("请指派一名律师。"))
    _ensure_signed(actor, app.grievance)
    app.status, app.lawyer, app.decided_by, app.decided_at = LegalAidStatus.APPROVED, lawyer, actor, timezone.now()
    app.save()
    result = _("经审查，符合法律援助条件，准予法律援助，指派%(l)s律师承办。") % {"l": lawyer.display_name}
    if (note or "").strip():
        result += note.strip()
    try:
        grievance_services.complete_grievance(actor=actor, grievance=app.grievance, result=result)
    except grievance_services.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    notify(key=f"legal_aid:{app.pk}:assigned", template=LEGAL_AID_LAWYER_TEMPLATE, text=LEGAL_AID_LAWYER_TEXT,
           users=[lawyer], channels=("sms", "site"),
           link=settings.SITE_URL.rstrip("/") + reverse("mediation:legal_aid_detail", args=[app.pk]),
           context={"centre": app.grievance.handling_unit.name, "tracking_no": app.grievance.tracking_no,
                    "applicant": app.applicant_name, "case_type": app.get_case_type_display()})
    decided("legal_aid_approved", actor=actor, subject=app, reference=app.grievance.tracking_no,
            lawyer_id=lawyer.pk, lawyer=lawyer.display_name, note=(note or "").strip())
    return app


@transaction.atomic
def refuse_legal_aid(*, actor, application: LegalAidApplication, reason: str) -> LegalAidApplication:
    """不予援助: always with the reason, which the applicant sees with the result."""
    app = LegalAidApplication.objects.select_for_update().get(pk=application.pk)
    _require_legal_aid_reviewer(actor, app)
    if app.status != LegalAidStatus.PENDING:
        raise MediationError(_("该申请已经审查过了。"))
    reason = _text(reason, _("不予援助必须说明理由。"))
    _ensure_signed(actor, app.grievance)
    app.status, app.refusal_reason, app.decided_by, app.decided_at = (
        LegalAidStatus.REFUSED, reason, actor, timezone.now())
    app.save()
    try:
        grievance_services.complete_grievance(actor=actor, grievance=app.grievance,
                                   result=_("经审查，不予法律援助。理由：%(r)s") % {"r": reason})
    except grievance_services.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    decided("legal_aid_refused", actor=actor, subject=app, reference=app.grievance.tracking_no, reason=reason)
    return app
