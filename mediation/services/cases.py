"""Opening a mediation case for a dispatched dispute, its mediators and parties."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from grid import permissions
from grid.models import Role, Unit, UnitKind, User
from grievances import services as grievance_services
from grievances.hooks import MediationDispatch
from grievances.models import GrievanceKind, State
from mediation.models import (
    MediationCase,
    Party,
    PartySide,
)
from mediation.services.access import _require_work, can_assign_mediators
from mediation.services.errors import MediationError, MediationPermissionError, _refuse_from, _text


def _save_case(case: MediationCase):
    try:
        case.save()
    except ConcurrentTransition as exc:
        raise MediationError(_("本案刚刚已被他人处理，您的操作未生效。请刷新页面后再试。")) from exc


@transaction.atomic
def open_case_for_grievance(*, grievance, organisation: Unit, actor, mediators: Sequence[User] = ()) -> MediationCase:
    """A 矛盾纠纷调解 grievance dispatched to a mediation organisation opens one case tied to it.

    Called on the grievance loop's dispatch to a mediation organisation (through its hook), and by
    the organisation when it takes the item. Idempotent: a second call returns the same case
    (re-pointing it to the organisation that now holds the grievance)."""
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


def on_dispatched_to_mediation(dispatch: MediationDispatch) -> None:
    """Listener of ``grievances.hooks.grievance_dispatched_to_mediation`` (registered in
    ``MediationConfig.ready``): a dispute dispatched to a mediation organisation opens its
    case in the dispatch's own transaction."""
    open_case_for_grievance(grievance=dispatch.grievance, organisation=dispatch.organisation, actor=dispatch.actor)


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
        raise MediationPermissionError(_("只有调解组织负责人或辖区综治中心可以指派调解员。"))
    if not mediators:
        raise MediationError(_("请至少指派一名调解员。"))
    _set_mediators(case, mediators)
    return case


def _ensure_signed(actor, grievance):
    """The organisation signs for the dispatched grievance (签收) before working on it."""
    if grievance.state == State.DISPATCHED:
        try:
            grievance_services.sign_grievance(actor=actor, grievance=grievance)
        except grievance_services.GrievanceError as exc:
            raise _refuse_from(exc) from exc


@transaction.atomic
def take_case(*, actor, grievance) -> MediationCase:
    """A mediator of the organisation holding the dispute signs for it and takes the case
    (becoming one of its mediators). Opens the case if the dispatch did not."""
    if not permissions.is_mediator(actor) or actor.unit_id != grievance.handling_unit_id:
        raise MediationPermissionError(_("只有承办调解组织的调解员可以接收本案。"))
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
