"""Every write of mediation, the risk register and legal-aid review: one function per use-case.

The grievance loop stays the single owner of state and deadlines: a case's outcome completes
the grievance through ``grievances.services.complete_grievance`` (the department-complete
step), so the centre verifies it and the citizen rates it as for any other item; the
severity set at acceptance drives the deadline through the grievance's clock (137+2030,
DOMAIN.md §5). Refusals raise ``MediationError`` whose ``message`` is shown as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from grid import permissions
from grid.models import Role, Unit, UnitKind, User
from mediation.models import (
    Agreement,
    CaseState,
    ConfirmationStatus,
    JudicialConfirmation,
    LegalAidApplication,
    LegalAidDocument,
    LegalAidStatus,
    MediationCase,
    MediatorProfile,
    Party,
    PartySide,
    ReturnVisit,
    Risk,
    RiskEvent,
    RiskPlan,
    RiskStatus,
    Session,
    SessionMode,
)

# Days after the performance deadline at which the return visit (回访) falls due.
RETURN_VISIT_AFTER_DAYS = 3
VIDEO_INVITE_TEMPLATE = "mediation_video_invite"
VIDEO_INVITE_TEXT = (
    "【综治中心】{{ name }}您好：{{ organisation }}定于{{ when }}就“{{ title }}”（编号{{ tracking_no }}）"
    "进行视频调解，请届时用手机打开链接进入调解室：{{ link }}"
)
CONFIRMATION_WINDOW_DAYS = 30
RULING_TEMPLATE = "mediation_confirmation_ruling"
RULING_TEXT = (
    "【综治中心】{{ name }}您好：您就“{{ title }}”（编号{{ tracking_no }}）达成的调解协议，"
    "{{ court }}司法确认结果为：{{ status }}。"
)
LEGAL_AID_LAWYER_TEMPLATE = "legal_aid_assigned_lawyer"
LEGAL_AID_LAWYER_TEXT = (
    "【法律援助】{{ centre }}指派您承办法律援助案件（编号{{ tracking_no }}，申请人{{ applicant }}，"
    "{{ case_type }}），请尽快联系受援人。"
)


class MediationError(Exception):
    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


class PermissionDenied(MediationError):
    pass


def _refuse_from(exc) -> MediationError:
    """A grievance-loop refusal, passed on with its own message."""
    return MediationError(getattr(exc, "message", str(exc)))


def _text(value, message) -> str:
    value = (value or "").strip()
    if not value:
        raise MediationError(message)
    return value


def _gsvc():
    from grievances import services

    return services


# ----------------------------------------------------------------------------- who may act


def is_case_mediator(user, case: MediationCase) -> bool:
    return bool(user and user.is_authenticated) and case.mediators.filter(pk=user.pk).exists()


def is_org_head(user, unit: Unit) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if unit.leader_id == user.pk:
        return True
    return permissions.is_department_leader(user) and user.unit_id == unit.pk


def can_work_case(user, case: MediationCase) -> bool:
    """Sessions, parties, outcomes: the case's mediators and the organisation's head."""
    return permissions.is_admin(user) or is_case_mediator(user, case) or is_org_head(user, case.organisation)


def can_oversee_case(user, case: MediationCase) -> bool:
    """Assigning mediators, judicial confirmation, return visits: also the scoped centre."""
    return can_work_case(user, case) or (
        permissions.is_centre(user) and permissions.can_see_region_code(user, case.region_code)
    )


def can_assign_mediators(user, case: MediationCase) -> bool:
    return is_org_head(user, case.organisation) or permissions.is_admin(user) or (
        permissions.is_centre(user) and permissions.can_see_region_code(user, case.region_code))


def _require_work(actor, case):
    if not can_work_case(actor, case):
        raise PermissionDenied(_("只有本案的调解员或调解组织负责人可以办理此操作。"))


def _require_oversee(actor, case):
    if not can_oversee_case(actor, case):
        raise PermissionDenied(_("您无权办理本案件。"))


def _save_case(case: MediationCase):
    try:
        case.save()
    except ConcurrentTransition as exc:
        raise MediationError(_("本案刚刚已被他人处理，您的操作未生效。请刷新页面后再试。")) from exc


# ----------------------------------------------------------------------------- mediators


@transaction.atomic
def save_mediator_profile(*, actor, user: User, title: str = "", expertise: str = "", languages: str = "",
                          bio: str = "", years: int = 0, is_public: bool = True) -> MediatorProfile:
    """A mediator keeps their own directory entry; centre staff and the admin may edit it too."""
    if user.role != Role.MEDIATOR:
        raise MediationError(_("只有调解员可以建立调解员档案。"))
    if not (actor.pk == user.pk or permissions.is_admin(actor) or (
            permissions.is_centre(actor) and user.unit_id and permissions.can_see_region_code(
                actor, user.unit.region_code))):
        raise PermissionDenied(_("您无权修改该调解员的档案。"))
    profile = MediatorProfile.objects.filter(user=user).first() or MediatorProfile(user=user)
    profile.title, profile.expertise, profile.bio = title.strip(), expertise.strip(), bio.strip()
    profile.languages = languages.strip() or "普通话"
    profile.years, profile.is_public = int(years or 0), bool(is_public)
    profile.save()
    return profile


# ----------------------------------------------------------------------------- cases


@transaction.atomic
def open_case_for_grievance(*, grievance, organisation: Unit, actor, mediators: Sequence[User] = ()) -> MediationCase:
    """A 矛盾纠纷调解 grievance dispatched to a mediation organisation opens one case tied to it.

    Called by the grievance loop right after the dispatch to a mediation organisation, and by
    the organisation when it takes the item. Idempotent: a second call returns the same case
    (re-pointing it to the organisation that now holds the grievance)."""
    from grievances.models import GrievanceKind

    if organisation.kind != UnitKind.MEDIATION:
        raise MediationError(_("调解案件只能交给调解组织。"))
    if grievance.kind != GrievanceKind.DISPUTE:
        raise MediationError(_("只有矛盾纠纷调解类诉求可以立调解案件。"))
    case = MediationCase.objects.select_for_update().filter(grievance=grievance).first()
    if case is None:
        try:
            with transaction.atomic():
                case = MediationCase.objects.create(
                    grievance=grievance, organisation=organisation, region_code=grievance.region_code,
                    facts=grievance.description, opened_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:
            return MediationCase.objects.get(grievance=grievance)
        Party.objects.create(
            case=case, side=PartySide.APPLICANT, name=grievance.contact_name, phone=grievance.contact_phone,
            address=grievance.address, user=grievance.reporter,
        )
    elif case.organisation_id != organisation.pk:
        case.organisation = organisation
        _save_case(case)
    if mediators:
        _set_mediators(case, mediators)
    return case


def _set_mediators(case: MediationCase, mediators: Iterable[User]):
    mediators = list(dict.fromkeys(mediators))
    for m in mediators:
        if m.role != Role.MEDIATOR or m.unit_id != case.organisation_id:
            raise MediationError(_("“%(name)s”不是本调解组织的调解员。") % {"name": m.display_name})
    case.mediators.set(mediators)
    MediationCase.objects.filter(pk=case.pk).update(mediator_count=len(mediators))
    case.mediator_count = len(mediators)


@transaction.atomic
def assign_mediators(*, actor, case: MediationCase, mediators: Sequence[User]) -> MediationCase:
    """The organisation's head or the scoped centre names the case's mediators."""
    if not can_assign_mediators(actor, case):
        raise PermissionDenied(_("只有调解组织负责人或辖区综治中心可以指派调解员。"))
    if not mediators:
        raise MediationError(_("请至少指派一名调解员。"))
    _set_mediators(case, mediators)
    return case


def _ensure_signed(actor, grievance):
    """The organisation signs for the dispatched grievance (签收) before working on it."""
    from grievances.models import State

    if grievance.state == State.DISPATCHED:
        try:
            _gsvc().sign_grievance(actor=actor, grievance=grievance)
        except _gsvc().GrievanceError as exc:
            raise _refuse_from(exc) from exc


@transaction.atomic
def take_case(*, actor, grievance) -> MediationCase:
    """A mediator of the organisation holding the dispute signs for it and takes the case
    (becoming one of its mediators). Opens the case if the dispatch did not."""
    if not permissions.is_mediator(actor) or actor.unit_id != grievance.handling_unit_id:
        raise PermissionDenied(_("只有承办调解组织的调解员可以接收本案。"))
    case = open_case_for_grievance(grievance=grievance, organisation=grievance.handling_unit, actor=actor)
    _ensure_signed(actor, grievance)
    if not case.mediators.filter(pk=actor.pk).exists():
        _set_mediators(case, [*case.mediators.all(), actor])
    return case


@transaction.atomic
def add_party(*, actor, case: MediationCase, side: str, name: str, phone: str = "", address: str = "",
              id_number: str = "", user: User | None = None) -> Party:
    """申请人/被申请人, several of each, with contacts."""
    _require_work(actor, case)
    if side not in PartySide.values:
        raise MediationError(_("请选择当事人类型。"))
    phone = (phone or "").strip()
    if user is None and phone:
        # A party who has a citizen account with this number sees the case on their own page.
        user = User.objects.filter(phone=phone, role=Role.CITIZEN, is_active=True).first()
    party = Party(case=case, side=side, name=_text(name, _("请填写当事人姓名。")), phone=phone,
                  address=address.strip(), id_number=id_number.strip(), user=user)
    party.full_clean(exclude=["case", "user"])
    party.save()
    return party


@transaction.atomic
def update_facts(*, actor, case: MediationCase, facts: str) -> MediationCase:
    _require_work(actor, case)
    case.facts = _text(facts, _("请填写纠纷事实。"))
    _save_case(case)
    return case


def _start(case: MediationCase):
    if case.state == CaseState.OPEN:
        case.start()
        _save_case(case)


@transaction.atomic
def schedule_session(*, actor, case: MediationCase, mode: str, scheduled_at, place: str = "",
                     invite: bool = True) -> Session:
    """Plan a session; a video session (视频调解) gets its own room and every party with a
    phone is invited by SMS through the outbox."""
    _require_work(actor, case)
    if not case.is_open:
        raise MediationError(_("本案已结案，不能再安排调解。"))
    if mode not in SessionMode.values:
        raise MediationError(_("请选择调解方式。"))
    if mode == SessionMode.IN_PERSON and not (place or "").strip():
        raise MediationError(_("现场调解请填写调解地点。"))
    _ensure_signed(actor, case.grievance)
    session = Session.objects.create(
        case=case, mode=mode, scheduled_at=scheduled_at, place=(place or "").strip(),
        room_token=Session.new_room_token() if mode == SessionMode.VIDEO else "", recorded_by=actor,
    )
    _start(case)
    if mode == SessionMode.VIDEO and invite:
        send_video_invitations(actor=actor, session=session)
    return session


@transaction.atomic
def send_video_invitations(*, actor, session: Session) -> int:
    """One SMS per party with a phone, through the transactional outbox. Idempotent: the
    outbox key is session × party, so sending again reaches nobody twice."""
    from grid.notifications.services import notify

    case = session.case
    _require_work(actor, case)
    if session.mode != SessionMode.VIDEO:
        raise MediationError(_("只有视频调解需要发送会议邀请。"))
    grievance = case.grievance
    when = timezone.localtime(session.scheduled_at).strftime("%Y-%m-%d %H:%M")
    sent = 0
    for party in case.parties.all():
        if not party.phone:
            continue
        sent += len(notify(
            key=f"mediation:session:{session.pk}:party:{party.pk}", template=VIDEO_INVITE_TEMPLATE,
            text=VIDEO_INVITE_TEXT, phones=[party.phone], link=session.video_url,
            context={"name": party.name, "organisation": case.organisation.name, "when": when,
                     "title": grievance.title, "tracking_no": grievance.tracking_no},
        ))
    Session.objects.filter(pk=session.pk).update(invited_at=timezone.now())
    return sent


@transaction.atomic
def record_session(*, actor, session: Session, participants: str, minutes: str, next_steps: str = "",
                   present_parties: Sequence[Party] = ()) -> Session:
    """调解记录: who took part, what was said, what happens next. The citizen's timeline gets
    a short public progress note (an interim reply) without the minutes themselves."""
    case = session.case
    _require_work(actor, case)
    session.participants = _text(participants, _("请填写参加人员。"))
    session.minutes = _text(minutes, _("请填写调解记录。"))
    session.next_steps = (next_steps or "").strip()
    session.held, session.recorded_by = True, actor
    session.save()
    session.present_parties.set([p for p in present_parties if p.case_id == case.pk])
    _start(case)
    from grievances.models import State

    grievance = case.grievance
    if grievance.state == State.HANDLING and permissions.is_mediator(actor):
        n = case.sessions.filter(held=True).count()
        note = _("已进行第%(n)d次调解（%(mode)s）。") % {"n": n, "mode": session.get_mode_display()}
        if session.next_steps:
            note += _("下一步：%(s)s") % {"s": session.next_steps}
        try:
            _gsvc().interim_reply(actor=actor, grievance=grievance, note=note)
        except _gsvc().GrievanceError as exc:
            raise _refuse_from(exc) from exc
    return session


def _complete_grievance(actor, case: MediationCase, result: str):
    """Finish the grievance's handling step with the outcome. If the item is no longer at
    the organisation (already completed from the grievance pages), the case outcome is
    recorded on its own."""
    from grievances.models import AT_UNIT_STATES

    grievance = case.grievance
    grievance.refresh_from_db()
    if grievance.state not in AT_UNIT_STATES:
        return
    _ensure_signed(actor, grievance)
    try:
        _gsvc().complete_grievance(actor=actor, grievance=grievance, result=result)
    except _gsvc().GrievanceError as exc:
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
    # A case reopened after the centre sent it back keeps one agreement, rewritten.
    agreement = Agreement.objects.filter(case=case).first() or Agreement(case=case, number=agreement_number(case))
    agreement.facts, agreement.terms = (facts or "").strip() or case.facts, terms
    agreement.performance_deadline = performance_deadline
    agreement.performance_method = (performance_method or "").strip()
    agreement.signed_on, agreement.created_by = signed_on or timezone.localdate(), actor
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
    return case


def needs_reopening(case: MediationCase) -> bool:
    """The case is closed but its grievance is back at the organisation (sent back by the
    centre, rated unsatisfied, or an unperformed agreement)."""
    from grievances.models import AT_UNIT_STATES

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
    return case


# ----------------------------------------------------------------------------- after success


@transaction.atomic
def apply_judicial_confirmation(*, actor, case: MediationCase, court: str, applied_on: date | None = None,
                                documents: str = "", document_file=None) -> JudicialConfirmation:
    """司法确认: the parties jointly apply to a court (within 30 days of the agreement)."""
    _require_oversee(actor, case)
    if case.state != CaseState.SUCCEEDED or not Agreement.objects.filter(case=case).exists():
        raise MediationError(_("只有达成调解协议的案件可以申请司法确认。"))
    if case.confirmations.filter(status=ConfirmationStatus.APPLIED).exists():
        raise MediationError(_("已有一份司法确认申请在等待法院裁定。"))
    applied_on = applied_on or timezone.localdate()
    signed_on = case.agreement.signed_on
    if applied_on < signed_on or applied_on > signed_on + timedelta(days=CONFIRMATION_WINDOW_DAYS):
        raise MediationError(_("司法确认应自调解协议生效之日（%(d)s）起三十日内申请。") % {"d": signed_on.isoformat()})
    jc = JudicialConfirmation(case=case, court=_text(court, _("请填写受理法院。")),
                              applied_on=applied_on, documents=(documents or "").strip(), recorded_by=actor)
    if document_file is not None:
        jc.document_file = document_file
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
    return jc


def _tell_parties_of_ruling(jc: JudicialConfirmation):
    from grid.notifications.services import notify

    case = jc.case
    for party in case.parties.all():
        if party.phone or party.user_id:
            notify(key=f"mediation:confirmation:{jc.pk}:party:{party.pk}", template=RULING_TEMPLATE,
                   text=RULING_TEXT, users=[party.user] if party.user_id else (),
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
    if performed:
        return v
    text = _("回访发现调解协议未履行：%(n)s") % {"n": v.note or _("（未说明）")}
    from grievances.models import State

    grievance = case.grievance
    archived = not grievance.is_open
    svc = _gsvc()
    as_staff = permissions.is_centre(actor) or permissions.is_admin(actor)
    try:
        if grievance.is_open:
            if as_staff:
                svc.supervise_grievance(actor=actor, grievance=grievance, note=text)
            else:
                svc.supervise_grievance(actor=None, grievance=grievance, note=text, automatic=True)
        elif grievance.state == State.CLOSED:
            svc.reopen_grievance(actor=actor if as_staff else None, grievance=grievance, reason=text)
    except svc.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    if archived and can_proceed(case.reopen):
        case.reopen()
    case.performance_supervised = True
    _save_case(case)
    ReturnVisit.objects.create(case=case, region_code=case.region_code,
                               scheduled_for=timezone.localdate() + timedelta(days=7))
    return v


# ----------------------------------------------------------------------------- risk register


def _risk_event(risk: Risk, *, actor, action: str, from_status: str = "", note: str = "") -> RiskEvent:
    return RiskEvent.objects.create(risk=risk, actor=actor if getattr(actor, "pk", None) else None,
                                    action=action, from_status=from_status, to_status=risk.status, note=note)


def _can_register_risk(actor, region) -> bool:
    if permissions.is_admin(actor):
        return True
    if permissions.is_centre(actor):
        return permissions.can_see_region(actor, region)
    if permissions.is_grid_worker(actor):
        return actor.grids.filter(region_code__startswith=region.prefix).exists()
    return False


def can_manage_risk(actor, risk: Risk) -> bool:
    if permissions.is_admin(actor):
        return True
    if permissions.is_centre(actor) and permissions.can_see_region_code(actor, risk.region_code):
        return True
    return bool(actor and actor.is_authenticated and actor.unit_id and actor.unit_id == risk.responsible_unit_id)


def _require_risk(actor, risk):
    if not can_manage_risk(actor, risk):
        raise PermissionDenied(_("只有辖区综治中心或责任单位可以管理该风险。"))


@transaction.atomic
def register_risk(*, actor, title: str, description: str, region, category, level: str,
                  responsible_unit: Unit, address: str = "", people_involved: int = 1,
                  found_on: date | None = None) -> Risk:
    """排查: a grid worker (in their grids) or centre staff (in their region) registers a risk."""
    if not _can_register_risk(actor, region):
        raise PermissionDenied(_("只能登记本人网格或本辖区内排查发现的风险。"))
    if not (permissions.is_admin(actor) or permissions.can_see_region_code(actor, responsible_unit.region_code)
            or permissions.is_grid_worker(actor)):
        raise MediationError(_("责任单位不在您的辖区内。"))
    risk = Risk(title=_text(title, _("请填写风险名称。")), description=_text(description, _("请填写风险描述。")),
                region=region, address=(address or "").strip(), category=category, level=level,
                people_involved=max(int(people_involved or 1), 1), responsible_unit=responsible_unit,
                reported_by=actor, found_on=found_on or timezone.localdate())
    risk.full_clean(exclude=["reported_by", "grievance", "status"])
    risk.save()
    _risk_event(risk, actor=actor, action="registered", note=_("纠纷预警：排查登记。"))
    return risk


@transaction.atomic
def set_risk_plan(*, actor, risk: Risk, measures: str, responsible_person: str, target_date: date) -> RiskPlan:
    """一案一策: one plan per risk; writing it puts the risk under control (快速介入)."""
    _require_risk(actor, risk)
    if risk.status not in (RiskStatus.IDENTIFIED, RiskStatus.CONTROLLING):
        raise MediationError(_("该风险已%(s)s，不能再修改方案。") % {"s": risk.get_status_display()})
    measures = _text(measures, _("请填写化解措施。"))
    person = _text(responsible_person, _("请填写责任人。"))
    plan = RiskPlan.objects.filter(risk=risk).first()
    revised = plan is not None
    plan = plan or RiskPlan(risk=risk)
    plan.measures, plan.responsible_person, plan.target_date, plan.updated_by = measures, person, target_date, actor
    plan.save()
    before = risk.status
    if risk.status == RiskStatus.IDENTIFIED:
        risk.take_control()
        risk.save()
    _risk_event(risk, actor=actor, action="plan_revised" if revised else "plan_set", from_status=before,
                note=_("化解方案：%(m)s；责任人：%(p)s；时限：%(d)s") % {"m": measures, "p": person, "d": target_date})
    return plan


@transaction.atomic
def record_risk_progress(*, actor, risk: Risk, note: str) -> RiskEvent:
    """动态管理: a follow-up note (visits, talks, changes in the situation)."""
    _require_risk(actor, risk)
    return _risk_event(risk, actor=actor, action="progress", from_status=risk.status,
                       note=_text(note, _("请填写进展情况。")))


@transaction.atomic
def resolve_risk(*, actor, risk: Risk, note: str) -> Risk:
    _require_risk(actor, risk)
    if not can_proceed(risk.resolve):
        raise MediationError(_("该风险已%(s)s。") % {"s": risk.get_status_display()})
    note = _text(note, _("请填写化解情况。"))
    before = risk.status
    risk.resolve()
    risk.save()
    _risk_event(risk, actor=actor, action="resolved", from_status=before, note=note)
    return risk


def _risk_history_text(risk: Risk) -> str:
    lines = [_("【由矛盾风险转入】%(t)s（排查日期 %(d)s，风险等级 %(l)s，涉及 %(n)d 人）") % {
        "t": risk.title, "d": risk.found_on, "l": risk.get_level_display(), "n": risk.people_involved}]
    plan = RiskPlan.objects.filter(risk=risk).first()
    if plan:
        lines.append(_("化解方案：%(m)s（责任人 %(p)s）") % {"m": plan.measures, "p": plan.responsible_person})
    for ev in risk.events.all():
        lines.append(f"{timezone.localtime(ev.created_at):%Y-%m-%d} {ev.note}")
    return "\n".join(lines)


@transaction.atomic
def convert_risk_to_grievance(*, actor, risk: Risk, contact_name: str, contact_phone: str,
                              kind: str = "dispute"):
    """A risk that needs the loop becomes a grievance (排查录入), keeping its history: the
    risk's plan and timeline are copied into the grievance's description, and the risk
    keeps its own events and points at the grievance."""
    from grievances.models import Channel

    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if not (permissions.is_admin(actor) or (
            permissions.is_centre(actor) and permissions.can_see_region_code(actor, risk.region_code))):
        raise PermissionDenied(_("只有辖区综治中心可以把风险转为诉求件。"))
    if not can_proceed(risk.convert):
        raise MediationError(_("该风险已%(s)s，不能再转为诉求件。") % {"s": risk.get_status_display()})
    svc = _gsvc()
    try:
        grievance = svc.submit_grievance(
            actor=actor, kind=kind, region=risk.region, title=risk.title[:100],
            description=f"{risk.description}\n\n{_risk_history_text(risk)}", contact_name=contact_name,
            contact_phone=contact_phone, category=risk.category, address=risk.address, channel=Channel.SCREENING,
        )
    except svc.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    before = risk.status
    risk.convert()
    risk.grievance = grievance
    risk.save()
    _risk_event(risk, actor=actor, action="converted", from_status=before,
                note=_("已转为诉求件 %(no)s。") % {"no": grievance.tracking_no})
    return grievance


@transaction.atomic
def convert_risk_to_mediation(*, actor, risk: Risk, organisation: Unit, severity: str, contact_name: str,
                              contact_phone: str) -> MediationCase:
    """A risk handed straight to a mediation organisation: it becomes a dispute grievance,
    accepted with its grade and dispatched to the organisation, which opens the case."""
    from grievances.models import GrievanceKind

    grievance = convert_risk_to_grievance(actor=actor, risk=risk, contact_name=contact_name,
                                          contact_phone=contact_phone, kind=GrievanceKind.DISPUTE)
    svc = _gsvc()
    try:
        svc.accept_grievance(actor=actor, grievance=grievance, kind=GrievanceKind.DISPUTE, severity=severity,
                             risk_level=risk.level, category=risk.category,
                             is_mass=risk.people_involved >= 10)
        svc.dispatch_grievance(actor=actor, grievance=grievance, unit=organisation)
    except svc.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    return open_case_for_grievance(grievance=grievance, organisation=organisation, actor=actor)


# ----------------------------------------------------------------------------- legal aid


@transaction.atomic
def apply_for_legal_aid(*, actor, region, applicant_name: str, id_number: str, address: str, phone: str,
                        case_type: str, hardship: str, description: str, opponent: str = "",
                        monthly_income=None, documents: Sequence[tuple[str, object]] = ()) -> LegalAidApplication:
    """法律援助申请: a legal-aid grievance (137 deadlines) plus the applicant's data, hardship
    declaration, case type and documents for the legal aid centre's review."""
    from grievances.models import GrievanceKind
    from mediation.models import LegalAidCaseType

    if case_type not in LegalAidCaseType.values:
        raise MediationError(_("请选择案件类型。"))
    hardship = _text(hardship, _("请填写经济困难情况声明。"))
    name = _text(applicant_name, _("请填写申请人姓名。"))
    svc = _gsvc()
    try:
        grievance = svc.submit_grievance(
            actor=actor, kind=GrievanceKind.LEGAL_AID, region=region,
            title=_("法律援助申请：%(t)s") % {"t": LegalAidCaseType(case_type).label},
            description=_text(description, _("请简要说明案情和援助请求。")), contact_name=name,
            contact_phone=phone, address=address,
        )
    except svc.GrievanceError as exc:
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
        doc = LegalAidDocument(application=app, name=(doc_name or getattr(f, "name", "") or _("材料"))[:100])
        doc.file.save(getattr(f, "name", "document"), f, save=True)
    return app


def can_review_legal_aid(user, app: LegalAidApplication) -> bool:
    unit = app.grievance.handling_unit
    return bool(app.status == LegalAidStatus.PENDING and unit is not None and unit.is_legal_aid and (
        permissions.is_department(user) or permissions.is_mediator(user)) and user.unit_id == unit.pk)


def _require_legal_aid_reviewer(actor, app: LegalAidApplication):
    grievance = app.grievance
    unit = grievance.handling_unit
    if unit is None or not unit.is_legal_aid:
        raise MediationError(_("该申请尚未分流至法律援助中心。"))
    if not ((permissions.is_department(actor) or permissions.is_mediator(actor)) and actor.unit_id == unit.pk):
        raise PermissionDenied(_("只有受理该申请的法律援助中心工作人员可以审查。"))


@transaction.atomic
def approve_legal_aid(*, actor, application: LegalAidApplication, lawyer: User, note: str = "") -> LegalAidApplication:
    """准予援助: the centre assigns a lawyer; the grievance's handling step completes with it."""
    from grid.notifications.services import notify

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
        _gsvc().complete_grievance(actor=actor, grievance=app.grievance, result=result)
    except _gsvc().GrievanceError as exc:
        raise _refuse_from(exc) from exc
    notify(key=f"legal_aid:{app.pk}:assigned", template=LEGAL_AID_LAWYER_TEMPLATE, text=LEGAL_AID_LAWYER_TEXT,
           users=[lawyer], channels=("sms", "site"),
           context={"centre": app.grievance.handling_unit.name, "tracking_no": app.grievance.tracking_no,
                    "applicant": app.applicant_name, "case_type": app.get_case_type_display()})
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
        _gsvc().complete_grievance(actor=actor, grievance=app.grievance,
                                   result=_("经审查，不予法律援助。理由：%(r)s") % {"r": reason})
    except _gsvc().GrievanceError as exc:
        raise _refuse_from(exc) from exc
    return app

