"""After a successful mediation: judicial confirmation (司法确认) and return visits (回访)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from grid import permissions
from grid.notifications.services import notify
from grievances import services as grievance_services
from grievances.models import State
from mediation.hooks import decided
from mediation.models import (
    Agreement,
    CaseState,
    ConfirmationStatus,
    JudicialConfirmation,
    MediationCase,
    ReturnVisit,
)
from mediation.services.access import _require_oversee
from mediation.services.cases import _save_case
from mediation.services.errors import MediationError, _checked, _refuse_from, _text

CONFIRMATION_WINDOW_DAYS = 30
RULING_TEMPLATE = "mediation_confirmation_ruling"


RULING_TEXT = (
    "【综治中心】{{ name }}您好：您就“{{ title }}”（编号{{ tracking_no }}）达成的调解协议，"
    "{{ court }}司法确认结果为：{{ status }}。{{ link }}"
)


def confirmation_refusal(case: MediationCase) -> str | None:
    """Why judicial confirmation may not be applied for on this case now, or None: only a
    succeeded case with an agreement, not while the court is deciding, and never again after
    a 已确认 ruling (the agreement is enforceable). The case page's action table and
    ``apply_judicial_confirmation`` both ask this."""
    if case.state != CaseState.SUCCEEDED or not Agreement.objects.filter(case=case).exists():
        return _("只有达成调解协议的案件可以申请司法确认。")
    rows = list(case.confirmations.filter(status__in=[ConfirmationStatus.APPLIED, ConfirmationStatus.CONFIRMED])
                .order_by("id").values_list("status", "ruling_no", "court"))
    if any(status == ConfirmationStatus.APPLIED for status, _no, _court in rows):
        return _("已有一份司法确认申请在等待法院裁定。")
    confirmed = next(((no, court) for status, no, court in rows if status == ConfirmationStatus.CONFIRMED), None)
    if confirmed is not None:
        return (_("法院已裁定确认该调解协议（%(no)s），不能再次申请司法确认。")
                % {"no": confirmed[0] or confirmed[1]})
    return None


@transaction.atomic
def apply_judicial_confirmation(*, actor, case: MediationCase, court: str, applied_on: date | None = None,
                                documents: str = "", document_file=None) -> JudicialConfirmation:
    """司法确认: the parties jointly apply to a court (within 30 days of the agreement)."""
    _require_oversee(actor, case)
    refusal = confirmation_refusal(case)
    if refusal is not None:
        raise MediationError(refusal)
    applied_on = applied_on or timezone.localdate()
    signed_on = case.agreement.signed_on
    if applied_on < signed_on or applied_on > signed_on + timedelta(days=CONFIRMATION_WINDOW_DAYS):
        raise MediationError(_("司法确认应自调解协议生效之日（%(d)s）起三十日内申请。") % {"d": signed_on.isoformat()})
    jc = JudicialConfirmation(case=case, court=_text(court, _("请填写受理法院。")),
                              applied_on=applied_on, documents=(documents or "").strip(), recorded_by=actor)
    if document_file is not None:
        clean = _checked(document_file, "mediation_material")
        jc.document_file.save(clean.storage_name, clean.content, save=False)
    try:
        with transaction.atomic():
            jc.save()
    except IntegrityError as exc:
        raise MediationError(_("已有一份司法确认申请在等待法院裁定。")) from exc
    return jc


@transaction.atomic
def decide_judicial_confirmation(*, actor, confirmation: JudicialConfirmation, confirmed: bool,
                                 decided_on: date | None = None, ruling_no: str = "", note: str = ""
                                 ) -> JudicialConfirmation:
    """Record the court's ruling: confirmed (the agreement is enforceable) or refused."""
    jc = JudicialConfirmation.objects.select_for_update().get(pk=confirmation.pk)
    _require_oversee(actor, jc.case)
    if jc.status != ConfirmationStatus.APPLIED:
        raise MediationError(_("该司法确认申请已经登记过裁定结果。"))
    if not confirmed and not (note or "").strip():
        raise MediationError(_("不予确认时请填写法院的理由。"))
    jc.status = ConfirmationStatus.CONFIRMED if confirmed else ConfirmationStatus.REFUSED
    jc.decided_on, jc.ruling_no, jc.note = decided_on or timezone.localdate(), ruling_no.strip(), note.strip()
    jc.save()
    _tell_parties_of_ruling(jc)
    decided(f"confirmation_{jc.status}", actor=actor, subject=jc, reference=jc.case.grievance.tracking_no,
            court=jc.court, ruling_no=jc.ruling_no, decided_on=jc.decided_on.isoformat(), note=jc.note)
    return jc


def _tell_parties_of_ruling(jc: JudicialConfirmation):
    case = jc.case
    grievance = case.grievance
    for party in case.parties.all():
        if party.phone or party.user_id:
            # The reporter's notice opens their item (the result is on it); other parties
            # have no page of the case, so theirs carries the result itself and no link.
            link = (settings.SITE_URL.rstrip("/") + reverse("grievances:detail", args=[grievance.pk])
                    if party.user_id and party.user_id == grievance.reporter_id else "")
            notify(key=f"mediation:confirmation:{jc.pk}:party:{party.pk}", template=RULING_TEMPLATE,
                   text=RULING_TEXT, users=[party.user] if party.user_id else (), link=link,
                   phones=[] if party.user_id else [party.phone], channels=("sms", "site"),
                   context={"name": party.name, "court": jc.court, "status": jc.get_status_display(),
                            "tracking_no": case.grievance.tracking_no, "title": case.grievance.title})


@transaction.atomic
def record_return_visit(*, actor, visit: ReturnVisit, performed: bool, satisfied: bool | None = None,
                        note: str = "") -> ReturnVisit:
    """回访: was the agreement performed? An unperformed agreement reopens supervision: a
    督办 order on the grievance while it is still open; once it is archived, the grievance
    is taken back to handling under a 督办 order (``reopen_grievance``, so its clocks run
    again) and the case goes back to 调解中 for the mediators to follow up."""
    v = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
    case = v.case
    _require_oversee(actor, case)
    if v.visited_at is not None:
        raise MediationError(_("这次回访已经登记过了。"))
    v.performed, v.satisfied, v.note = bool(performed), satisfied, (note or "").strip()
    v.visited_at, v.visited_by = timezone.now(), actor
    v.save()
    decided("return_visit", actor=actor, subject=v, reference=case.grievance.tracking_no,
            performed=v.performed, satisfied=v.satisfied, note=v.note)
    if performed:
        return v
    text = _("回访发现调解协议未履行：%(n)s") % {"n": v.note or _("（未说明）")}
    grievance = case.grievance
    archived = not grievance.is_open
    as_staff = permissions.is_centre_or_admin(actor)
    try:
        if grievance.is_open:
            if as_staff:
                grievance_services.supervise_grievance(actor=actor, grievance=grievance, note=text)
            else:
                grievance_services.supervise_grievance(actor=None, grievance=grievance, note=text, automatic=True)
        elif grievance.state == State.CLOSED:
            grievance_services.reopen_grievance(actor=actor if as_staff else None, grievance=grievance, reason=text)
    except grievance_services.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    if archived and can_proceed(case.reopen):
        case.reopen()
    case.performance_supervised = True
    _save_case(case)
    ReturnVisit.objects.create(case=case, region_code=case.region_code,
                               scheduled_for=timezone.localdate() + timedelta(days=7))
    return v
