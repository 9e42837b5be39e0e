"""Every read for mediation pages, already scoped to the user (grid.permissions)."""

from __future__ import annotations

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q
from django.db.models.functions import Substr
from django.http import Http404
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from grid import permissions, privacy
from grid.models import PREFIX_LENGTH, Region, RegionLevel, Role, User
from mediation.models import (
    CASE_OPEN_STATES,
    RISK_OPEN_STATUSES,
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
    ReturnVisit,
    Risk,
    RiskStatus,
    Session,
)

CLOCK_TEMPLATE = "deadlines/_clock.html"


def clock_template() -> str:
    """The clock partial of the deadlines app, or an empty stand-in until it exists."""
    try:
        get_template(CLOCK_TEMPLATE)
        return CLOCK_TEMPLATE
    except TemplateDoesNotExist:
        return "mediation/_no_clock.html"


# ----------------------------------------------------------------------------- directory


def public_mediators(*, keyword: str = "", language: str = "", region: Region | None = None):
    qs = MediatorProfile.objects.filter(is_public=True, user__is_active=True, user__role=Role.MEDIATOR)
    if region is not None:
        qs = qs.filter(region_code__startswith=region.prefix)
    if language:
        qs = qs.filter(languages__contains=language)
    if keyword:
        qs = qs.filter(
            Q(user__display_name__contains=keyword) | Q(expertise__contains=keyword) | Q(bio__contains=keyword)
            | Q(user__unit__name__contains=keyword)
        )
    return qs.select_related("user", "user__unit").order_by("region_code", "user__display_name", "pk")


def profile_for(user) -> MediatorProfile | None:
    return MediatorProfile.objects.filter(user=user).first()


# ----------------------------------------------------------------------------- cases


def _case_qs(qs):
    return qs.select_related("grievance", "organisation", "grievance__category").prefetch_related(
        Prefetch("mediators", queryset=User.objects.only("id", "display_name"))
    )


def _has_clock() -> bool:
    from grievances.models import Grievance

    return any(getattr(f, "name", "") == "clock" for f in Grievance._meta.related_objects)


def mediator_inbox(user, *, show: str = "open"):
    """Cases this user may work on; open ones by their completion deadline (the grievance's
    clock, 137+2030), the most urgent first, each flagged when overdue."""
    qs = MediationCase.objects.visible_to(user)
    if permissions.is_mediator(user) and not (user.unit and user.unit.leader_id == user.pk):
        qs = qs.exclude(mediator_count=0)  # listed as "to take" instead
    if show == "open":
        qs = qs.filter(state__in=CASE_OPEN_STATES)
    elif show == "closed":
        qs = qs.exclude(state__in=CASE_OPEN_STATES)
    qs = _case_qs(qs)
    if _has_clock():
        qs = qs.annotate(due=F("grievance__clock__completion_due")).annotate(
            overdue=ExpressionWrapper(Q(due__lt=timezone.now()), output_field=BooleanField()))
        if show == "open":
            return qs.order_by(F("due").asc(nulls_last=True), "id")
    return qs.order_by("grievance__dispatched_at", "id") if show == "open" else qs.order_by("-id")


def cases_to_reopen(user):
    """Closed cases whose grievance came back to the organisation (退回重办, 二次督办)."""
    from grievances.models import AT_UNIT_STATES

    return (MediationCase.objects.visible_to(user).exclude(state__in=CASE_OPEN_STATES)
            .filter(grievance__state__in=AT_UNIT_STATES).select_related("grievance").order_by("id"))


def untaken_grievances(user):
    """Disputes dispatched to the user's organisation that no mediator has taken yet."""
    from grievances.models import AT_UNIT_STATES, Grievance, GrievanceKind

    if not (permissions.is_mediator(user) and user.unit_id):
        return Grievance.objects.none()
    return (Grievance.objects.filter(handling_unit_id=user.unit_id, kind=GrievanceKind.DISPUTE,
                                     state__in=AT_UNIT_STATES)
            .filter(Q(mediation_case__isnull=True) | Q(mediation_case__mediator_count=0))
            .select_related("category").order_by("dispatched_at", "id"))


def untaken_grievance(user, pk: int):
    g = untaken_grievances(user).filter(pk=pk).first()
    if g is None:
        raise Http404
    return g


def case_for_staff(user, pk: int) -> MediationCase:
    case = _case_qs(MediationCase.objects.visible_to(user)).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_for_party(user, pk: int) -> MediationCase:
    case = _case_qs(MediationCase.objects.for_party(user)).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def party_cases(user):
    return _case_qs(MediationCase.objects.for_party(user)).order_by("-id")


def privacy_subject(case: MediationCase) -> privacy.Subject:
    return privacy.Subject("mediation.mediationcase", case.pk, case.grievance.tracking_no)


def legal_aid_privacy_subject(app) -> privacy.Subject:
    return privacy.Subject("mediation.legalaidapplication", app.pk, app.grievance.tracking_no,
                           app.grievance.reporter_id)


CONFIRMATION_TONES = {ConfirmationStatus.CONFIRMED: "success", ConfirmationStatus.REFUSED: "danger"}


def case_parts(case: MediationCase) -> dict:
    """Everything the case page shows, in a fixed number of queries. The templates compare no
    state: ``failed``/``terminated`` say which outcome notice to show, each confirmation
    carries its badge ``tone``, and ``pending_confirmation`` is the one awaiting a ruling."""
    from mediation.models import Agreement

    confirmations = list(JudicialConfirmation.objects.filter(case=case).order_by("-id"))
    for c in confirmations:
        c.tone = CONFIRMATION_TONES.get(c.status, "info")
    return {
        "parties": list(case.parties.all()),
        "sessions": list(case.sessions.prefetch_related(
            Prefetch("present_parties", queryset=Party.objects.only("id", "name")),
            "room_passes", "recordings", "agreement_drafts__confirmations__party").all()),
        "agreement": Agreement.objects.filter(case=case).first(),
        "confirmations": confirmations,
        "pending_confirmation": next((c for c in confirmations if c.status == ConfirmationStatus.APPLIED), None),
        "visits": list(ReturnVisit.objects.filter(case=case).select_related("visited_by")),
        "failed": case.state == CaseState.FAILED,
        "terminated": case.state == CaseState.TERMINATED,
    }


def session_for_staff(user, pk: int) -> Session:
    session = Session.objects.select_related("case").filter(
        pk=pk, case__in=MediationCase.objects.visible_to(user).values("pk")).first()
    if session is None:
        raise Http404
    return session


def org_mediators(case: MediationCase):
    return User.objects.filter(role=Role.MEDIATOR, unit_id=case.organisation_id, is_active=True).order_by("id")


def confirmation_for_staff(user, pk: int) -> JudicialConfirmation:
    jc = JudicialConfirmation.objects.select_related("case").filter(
        pk=pk, case__in=MediationCase.objects.visible_to(user).values("pk")).first()
    if jc is None:
        raise Http404
    return jc


def visit_for_staff(user, pk: int) -> ReturnVisit:
    v = ReturnVisit.objects.select_related("case").filter(
        pk=pk, case__in=MediationCase.objects.visible_to(user).values("pk")).first()
    if v is None:
        raise Http404
    return v


def due_return_visits(user):
    return (ReturnVisit.objects.filter(visited_at__isnull=True,
                                       case__in=MediationCase.objects.visible_to(user).values("pk"))
            .select_related("case__grievance").order_by("scheduled_for", "id"))


# ----------------------------------------------------------------------------- risks


def risks_for(user, *, status: str = "", keyword: str = ""):
    qs = Risk.objects.visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if keyword:
        qs = qs.filter(Q(title__contains=keyword) | Q(description__contains=keyword))
    overdue = Q(status__in=RISK_OPEN_STATUSES, plan__target_date__lt=timezone.localdate())
    return (qs.select_related("region", "category", "responsible_unit", "plan")
            .annotate(plan_overdue=ExpressionWrapper(overdue, output_field=BooleanField())).order_by("-id"))


def risk_for(user, pk: int) -> Risk:
    risk = Risk.objects.visible_to(user).select_related(
        "region", "category", "responsible_unit", "grievance", "reported_by").filter(pk=pk).first()
    if risk is None:
        raise Http404
    return risk


def risk_form_choices(user):
    """Places and responsible units a user may pick when registering a risk: centre staff
    their region subtree (townships and villages); grid workers their grids' villages and
    the units of those villages, their townships and counties."""
    from grid.models import Unit

    if permissions.is_grid_worker(user):
        villages = list(Region.objects.filter(code__in=user.grids.values("region_code")))
        codes = {c for v in villages for c in (v.code, v.code[:9] + "000", v.code[:6] + "000000")}
        return (Region.objects.filter(pk__in=[v.pk for v in villages]),
                Unit.objects.filter(region_code__in=codes, is_active=True))
    regions = permissions.visible_regions(user).filter(level__gte=RegionLevel.TOWNSHIP)
    return regions, permissions.visible_units(user).filter(is_active=True)


def _scope_region(user) -> Region | None:
    if permissions.is_centre(user):
        return user.unit.region
    return None


def risk_stats(*, user) -> list[dict]:
    """Counts and resolved rate per region one level below the user's own region (the
    whole register for the administrator is grouped by city). Two queries whatever the size."""
    scope = _scope_region(user)
    if scope is None and not permissions.is_admin(user):
        return []
    if scope is None:
        child_len = PREFIX_LENGTH[RegionLevel.CITY]
    elif scope.level < RegionLevel.VILLAGE:
        child_len = PREFIX_LENGTH[RegionLevel(scope.level + 1)]
    else:
        child_len = PREFIX_LENGTH[RegionLevel.VILLAGE]
    rows = (
        Risk.objects.filter(permissions.region_q(user))
        .annotate(part=Substr("region_code", 1, child_len)).values("part")
        .annotate(total=Count("id"), resolved=Count("id", filter=Q(status=RiskStatus.RESOLVED)),
                  converted=Count("id", filter=Q(status=RiskStatus.CONVERTED)),
                  open=Count("id", filter=Q(status__in=RISK_OPEN_STATUSES)))
        .order_by("part")
    )
    rows = list(rows)
    regions = {r.code: r for r in Region.objects.filter(code__in=[row["part"].ljust(12, "0") for row in rows])}
    out = []
    for row in rows:
        region = regions.get(row["part"].ljust(12, "0"))
        if region is None:
            continue
        total = row["total"]
        out.append({**row, "region": region, "rate": round(100.0 * row["resolved"] / total, 1) if total else 0.0})
    return out


# ----------------------------------------------------------------------------- legal aid


def legal_aid_inbox(user, *, show: str = "pending"):
    qs = LegalAidApplication.objects.visible_to(user)
    if show == "pending":
        qs = qs.filter(status=LegalAidStatus.PENDING)
    return qs.select_related("grievance", "lawyer").order_by("grievance__dispatched_at", "id")


def legal_aid_for(user, pk: int) -> LegalAidApplication:
    app = LegalAidApplication.objects.visible_to(user).select_related(
        "grievance", "grievance__handling_unit", "lawyer").prefetch_related("documents").filter(pk=pk).first()
    if app is None:
        raise Http404
    return app


def lawyers():
    return User.objects.filter(role=Role.LAWYER, is_active=True).order_by("display_name", "id")


# ----------------------------------------------------------------------------- files (grid.files asks these)


def _cases_seen_by(user) -> Q:
    """Cases whose papers this person may open: the staff who see the case, and its parties."""
    return Q(case__in=MediationCase.objects.visible_to(user).values("pk")) | Q(
        case__in=MediationCase.objects.for_party(user).values("pk"))


def agreements_visible_to(user):
    """Agreement PDFs: case staff (as on the case page) and the parties (as on their page)."""
    return Agreement.objects.filter(_cases_seen_by(user))


def confirmations_visible_to(user):
    """Judicial-confirmation material: the same people as the agreement it confirms."""
    return JudicialConfirmation.objects.filter(_cases_seen_by(user))


def legal_aid_documents_visible_to(user):
    """ID cards and hardship proofs: whoever may see the application (legal_aid_for)."""
    return LegalAidDocument.objects.filter(application__in=LegalAidApplication.objects.visible_to(user).values("pk"))


def recordings_visible_to(user):
    """Video recordings of sessions: only the case's own mediators and the scoped centre
    (not the organisation's other mediators, not the parties)."""
    from mediation.models import Recording

    if permissions.is_admin(user):
        return Recording.objects.all()
    if permissions.is_centre(user):
        return Recording.objects.filter(session__case__in=MediationCase.objects.filter(
            permissions.region_q(user)).values("pk"))
    if not (user and user.is_authenticated and user.is_active):
        return Recording.objects.none()
    return Recording.objects.filter(session__case__mediators=user)


def can_see_recordings(user, case: MediationCase) -> bool:
    if permissions.is_admin(user):
        return True
    if permissions.is_centre(user):
        return permissions.can_see_region_code(user, case.region_code)
    return bool(user and user.is_authenticated) and case.mediators.filter(pk=user.pk).exists()


def drafts_visible_to(user):
    """Draft agreements shown in a video room: the staff who see the case (parties open
    them through their room link)."""
    from mediation.models import AgreementDraft

    return AgreementDraft.objects.filter(session__case__in=MediationCase.objects.visible_to(user).values("pk"))


def party_room_urls(user, case: MediationCase) -> dict[int, str]:
    """A signed-in party's own room link per video session of the case."""
    from mediation.models import RoomPass

    return {p.session_id: p.token for p in RoomPass.objects.filter(
        session__case=case, party__user=user).only("session_id", "token")}
