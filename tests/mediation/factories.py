"""Helpers that walk a dispute through the real grievance services up to the mediation
organisation, so mediation tests start where a mediator's work starts."""

import pytest

from grid.models import Role
from mediation import services
from tests.factories import UserFactory


def dispatched_dispute(world, citizen, staff, *, org=None, severity="ordinary", title="楼上漏水纠纷"):
    from grievances import services as gsvc

    g = gsvc.submit_grievance(
        actor=citizen, kind="dispute", region=world.east_village, title=title,
        description="楼上住户卫生间漏水，导致楼下天花板发霉，多次协商未果。",
    )
    gsvc.accept_grievance(actor=staff, grievance=g, kind="dispute", severity=severity)
    gsvc.dispatch_grievance(actor=staff, grievance=g, unit=org or world.east_mediation)
    g.refresh_from_db()
    return g


def taken_case(world, citizen, staff, mediator, **kw):
    """A dispatched dispute taken by ``mediator`` with a respondent registered."""
    g = dispatched_dispute(world, citizen, staff, **kw)
    services.open_case_for_grievance(grievance=g, organisation=g.handling_unit, actor=staff)
    case = services.take_case(actor=mediator, grievance=g)
    services.add_party(actor=mediator, case=case, side="respondent", name="王五", phone="13700000005")
    return case


@pytest.fixture
def mediator2(world):
    return UserFactory(role=Role.MEDIATOR, unit=world.east_mediation, display_name="调解员林")


@pytest.fixture
def legal_aid_centre(world):
    from tests.factories import UnitFactory

    return UnitFactory(kind="department", name="东湖区法律援助中心", region=world.east, is_legal_aid=True)


@pytest.fixture
def legal_aid_staff(legal_aid_centre):
    return UserFactory(role=Role.DEPT_HANDLER, unit=legal_aid_centre, display_name="援助中心何")
