"""A case's outcome (agreement with its PDF, failure, termination), which completes the grievance's handling step, and reopening."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from grievances import services as grievance_services
from grievances.models import AT_UNIT_STATES
from mediation.hooks import decided
from mediation.models import (
    Agreement,
    MediationCase,
    PartySide,
    ReturnVisit,
)
from mediation.services.access import _require_work
from mediation.services.cases import _ensure_signed, _save_case
from mediation.services.errors import MediationError, _refuse_from, _text

# Days after the performance deadline at which the return visit (回访) falls due.
RETURN_VISIT_AFTER_DAYS = 3


def _complete_grievance(actor, case: MediationCase, result: str):
    """Finish the grievance's handling step with the outcome. If the item is no longer at
    the organisation (already completed from the grievance pages), the case outcome is
    recorded on its own."""
    grievance = case.grievance
    grievance.refresh_from_db()
    if grievance.state not in AT_UNIT_STATES:
        return
    _ensure_signed(actor, grievance)
    try:
        grievance_services.complete_grievance(actor=actor, grievance=grievance, result=result)
    except grievance_services.GrievanceError as exc:
        raise _refuse_from(exc) from exc


def agreement_number(case: MediationCase) -> str:
    return _("（%(year)d）调字第%(id)05d号") % {"year": timezone.localdate().year, "id": case.pk}


def build_agreement_pdf(agreement: Agreement) -> bytes:
    """The 调解协议书 is a legal document: always rendered in Chinese, whatever the UI language."""
    from mediation.pdf import AgreementData, PartyLine, render_agreement

    case = agreement.case
    with translation.override("zh-hans"):
        return render_agreement(AgreementData(
            number=agreement.number, organisation=case.organisation.name,
            parties=[PartyLine(str(p.get_side_display()), p.name, p.phone, p.address) for p in case.parties.all()],
            facts=agreement.facts, terms=agreement.terms, performance_deadline=agreement.performance_deadline,
            performance_method=agreement.performance_method,
            mediators=[m.display_name for m in case.mediators.all()], signed_on=agreement.signed_on,
        ))


def _store_pdf(agreement: Agreement):
    data = build_agreement_pdf(agreement)
    if agreement.pdf:
        agreement.pdf.delete(save=False)
    agreement.pdf.save(f"agreement-{agreement.case_id}.pdf", ContentFile(data), save=True)


@transaction.atomic
def conclude_with_agreement(*, actor, case: MediationCase, terms: str, performance_deadline: date,
                            performance_method: str = "", facts: str = "", signed_on: date | None = None
                            ) -> Agreement:
    """调解成功: the agreement (调解协议书) is written and rendered as a PDF, a return visit is
    scheduled after the performance deadline, and the grievance's handling step completes."""
    _require_work(actor, case)
    if not case.parties.filter(side=PartySide.APPLICANT).exists() or not case.parties.filter(
            side=PartySide.RESPONDENT).exists():
        raise MediationError(_("调解协议须有申请人和被申请人，请先登记双方当事人。"))
    if not can_proceed(case.succeed):
        raise MediationError(_("本案当前状态为“%(s)s”，不能登记调解成功。") % {"s": case.get_state_display()})
    terms = _text(terms, _("请填写协议内容。"))
    if performance_deadline is None:
        raise MediationError(_("请填写履行期限。"))
    signed_on = signed_on or timezone.localdate()
    if signed_on > timezone.localdate():
        raise MediationError(_("协议签订日期不能晚于今天。"))
    last_session = case.sessions.filter(held=True).order_by("-scheduled_at").first()
    if last_session is not None and signed_on < timezone.localdate(last_session.scheduled_at):
        # The agreement is reached at (or after) the mediation that produced it.
        raise MediationError(_("协议签订日期（%(s)s）早于最近一次调解（%(d)s），请核对日期。") % {
            "s": signed_on.isoformat(), "d": timezone.localdate(last_session.scheduled_at).isoformat()})
    if performance_deadline < signed_on:
        raise MediationError(_("履行期限不能早于协议签订日期。"))
    # A case reopened after the centre sent it back keeps one agreement, rewritten.
    agreement = Agreement.objects.filter(case=case).first() or Agreement(case=case, number=agreement_number(case))
    agreement.facts, agreement.terms = (facts or "").strip() or case.facts, terms
    agreement.performance_deadline = performance_deadline
    agreement.performance_method = (performance_method or "").strip()
    agreement.signed_on, agreement.created_by = signed_on, actor
    agreement.save()
    _store_pdf(agreement)
    case.succeed()
    case.outcome_note = terms
    _save_case(case)
    ReturnVisit.objects.create(
        case=case, region_code=case.region_code,
        scheduled_for=performance_deadline + timedelta(days=RETURN_VISIT_AFTER_DAYS),
    )
    _complete_grievance(actor, case, _("调解成功，双方达成调解协议（%(no)s）：%(terms)s；履行期限：%(d)s。") % {
        "no": agreement.number, "terms": terms, "d": performance_deadline.isoformat()})
    decided("agreement", actor=actor, subject=case, reference=case.grievance.tracking_no,
            agreement_no=agreement.number, terms=terms, performance_deadline=performance_deadline.isoformat())
    return agreement


@transaction.atomic
def regenerate_agreement_pdf(*, actor, case: MediationCase) -> Agreement:
    _require_work(actor, case)
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        raise MediationError(_("本案没有调解协议。"))
    _store_pdf(agreement)
    return agreement


@transaction.atomic
def conclude_failed(*, actor, case: MediationCase, reason: str, guidance: str) -> MediationCase:
    """调解不成: the parties are told where to go next (arbitration, litigation …)."""
    _require_work(actor, case)
    if not can_proceed(case.fail):
        raise MediationError(_("本案当前状态为“%(s)s”，不能登记调解不成。") % {"s": case.get_state_display()})
    reason = _text(reason, _("请填写调解不成的原因。"))
    guidance = _text(guidance, _("调解不成时必须告知当事人后续途径（如仲裁、诉讼）。"))
    case.fail()
    case.outcome_note, case.guidance = reason, guidance
    _save_case(case)
    _complete_grievance(actor, case, _("调解不成：%(r)s。后续途径：%(g)s") % {"r": reason, "g": guidance})
    decided("failed", actor=actor, subject=case, reference=case.grievance.tracking_no, reason=reason,
            guidance=guidance)
    return case


@transaction.atomic
def terminate_case(*, actor, case: MediationCase, reason: str) -> MediationCase:
    """终止调解 (e.g. a party withdrew, or one side went to court), with the reason."""
    _require_work(actor, case)
    if not can_proceed(case.terminate):
        raise MediationError(_("本案当前状态为“%(s)s”，不能终止调解。") % {"s": case.get_state_display()})
    reason = _text(reason, _("终止调解必须说明理由。"))
    case.terminate()
    case.termination_reason = reason
    _save_case(case)
    _complete_grievance(actor, case, _("终止调解：%(r)s") % {"r": reason})
    decided("terminated", actor=actor, subject=case, reference=case.grievance.tracking_no, reason=reason)
    return case


def needs_reopening(case: MediationCase) -> bool:
    """The case is closed but its grievance is back at the organisation (sent back by the
    centre, rated unsatisfied, or an unperformed agreement)."""
    return not case.is_open and case.grievance.state in AT_UNIT_STATES


@transaction.atomic
def reopen_case(*, actor, case: MediationCase) -> MediationCase:
    """重新调解: the grievance came back for handling; the mediators take the case up again
    and will record a new outcome, which completes the grievance again."""
    _require_work(actor, case)
    if not can_proceed(case.reopen) or not needs_reopening(case):
        raise MediationError(_("只有诉求件被退回重办的已结案件可以重新调解。"))
    case.reopen()
    _save_case(case)
    decided("reopened", actor=actor, subject=case, reference=case.grievance.tracking_no)
    return case
