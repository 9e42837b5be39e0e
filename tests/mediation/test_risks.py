from datetime import date, timedelta

import pytest

from grievances.models import Category, Channel, State
from mediation import selectors, services
from mediation.models import Risk, RiskStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(db):
    return Category.objects.get(code="neighbour")


def _risk(world, actor, category, title="柳岸社区宅基地边界争议", region=None):
    return services.register_risk(
        actor=actor, title=title, description="两户因围墙位置发生争执，有激化苗头。",
        region=region or world.east_village, category=category, level="high",
        responsible_unit=world.east_town_centre, people_involved=6,
    )


def test_grid_worker_registers_a_risk_in_their_grid_only(world, grid_worker, category):
    risk = _risk(world, grid_worker, category)
    assert risk.status == RiskStatus.IDENTIFIED and risk.region_code == world.east_village.code
    with pytest.raises(services.MediationPermissionError):
        _risk(world, grid_worker, category, region=world.west_village)


def test_one_plan_per_risk_puts_it_under_control(world, east_centre_staff, category):
    risk = _risk(world, east_centre_staff, category)
    services.set_risk_plan(actor=east_centre_staff, risk=risk, measures="村干部上门调处", responsible_person="李书记",
                           target_date=date.today() + timedelta(days=10))
    services.set_risk_plan(actor=east_centre_staff, risk=risk, measures="请司法所介入", responsible_person="司法所王",
                           target_date=date.today() + timedelta(days=5))
    risk.refresh_from_db()
    assert risk.status == RiskStatus.CONTROLLING
    assert risk.plan.measures == "请司法所介入"
    assert list(risk.events.values_list("action", flat=True)) == ["registered", "plan_set", "plan_revised"]


def test_risk_converts_into_a_grievance_with_its_history_kept(world, east_centre_staff, category):
    risk = _risk(world, east_centre_staff, category)
    services.set_risk_plan(actor=east_centre_staff, risk=risk, measures="村干部上门调处", responsible_person="李书记",
                           target_date=date.today())
    services.record_risk_progress(actor=east_centre_staff, risk=risk, note="双方同意坐下来谈")
    grievance = services.convert_risk_to_grievance(actor=east_centre_staff, risk=risk, contact_name="刘大",
                                                   contact_phone="13600000001")
    risk.refresh_from_db()
    assert risk.status == RiskStatus.CONVERTED and risk.grievance == grievance
    assert grievance.channel == Channel.SCREENING and grievance.state == State.SUBMITTED
    assert grievance.category == category
    assert "由矛盾风险转入" in grievance.description
    assert "村干部上门调处" in grievance.description and "双方同意坐下来谈" in grievance.description
    assert list(risk.events.values_list("action", flat=True)) == ["registered", "plan_set", "progress", "converted"]
    with pytest.raises(services.MediationError, match="不能再转为诉求件"):
        services.convert_risk_to_grievance(actor=east_centre_staff, risk=risk, contact_name="刘大",
                                           contact_phone="13600000001")


def test_risk_converts_into_a_mediation_case(world, east_centre_staff, category):
    risk = _risk(world, east_centre_staff, category)
    case = services.convert_risk_to_mediation(actor=east_centre_staff, risk=risk, organisation=world.east_mediation,
                                              severity="major", contact_name="刘大", contact_phone="13600000001")
    assert case.organisation == world.east_mediation
    assert case.grievance.severity == "major" and case.grievance.state == State.DISPATCHED
    assert case.parties.get().name == "刘大"


def test_only_scoped_centre_staff_convert_a_risk(world, east_centre_staff, west_centre_staff, category):
    risk = _risk(world, east_centre_staff, category)
    with pytest.raises(services.MediationPermissionError):
        services.convert_risk_to_grievance(actor=west_centre_staff, risk=risk, contact_name="刘大",
                                           contact_phone="13600000001")


def test_register_counts_and_resolved_rate_per_region(world, east_centre_staff, city_centre_staff, category,
                                                      django_assert_num_queries):
    r1 = _risk(world, east_centre_staff, category, title="一")
    _risk(world, east_centre_staff, category, title="二")
    services.resolve_risk(actor=east_centre_staff, risk=r1, note="已化解")
    Risk.objects.filter(pk=r1.pk)
    with django_assert_num_queries(2):
        rows = selectors.risk_stats(user=city_centre_staff)
    east = next(r for r in rows if r["region"].code == world.east.code)
    assert (east["total"], east["resolved"], east["rate"]) == (2, 1, 50.0)
    assert selectors.risk_stats(user=east_centre_staff)[0]["region"] == world.east_town


def test_risk_actions_follow_role_scope_and_status(client, world, east_centre_staff, west_centre_staff, category):
    from django.urls import reverse

    risk = _risk(world, east_centre_staff, category)
    assert services.risk_allowed_actions(east_centre_staff, risk) == ["manage", "convert"]
    assert services.risk_allowed_actions(west_centre_staff, risk) == []
    client.force_login(east_centre_staff)
    page = client.get(reverse("mediation:risk", args=[risk.pk])).content.decode()
    assert "登记化解" in page and "转为诉求件或调解案件" in page

    services.resolve_risk(actor=east_centre_staff, risk=risk, note="已化解")
    risk.refresh_from_db()
    assert services.risk_allowed_actions(east_centre_staff, risk) == []
    page = client.get(reverse("mediation:risk", args=[risk.pk])).content.decode()
    assert "登记化解" not in page and "转为诉求件或调解案件" not in page


def test_risk_goes_only_to_a_mediation_organisation_serving_its_place(world, east_centre_staff, category):
    from grid.models import RegionLevel, UnitKind
    from mediation.forms import mediation_orgs_for
    from tests.factories import RegionFactory, UnitFactory

    other_town = RegionFactory(code="439001002000", name="湖心街道", level=RegionLevel.TOWNSHIP, parent=world.east)
    neighbour = UnitFactory(kind=UnitKind.MEDIATION, name="湖心街道人民调解委员会", region=other_town)
    risk = _risk(world, east_centre_staff, category)
    offered = set(mediation_orgs_for(east_centre_staff, risk.region_code))
    assert world.east_mediation in offered and neighbour not in offered
    assert neighbour in set(mediation_orgs_for(east_centre_staff))
    with pytest.raises(services.MediationError, match="属地"):
        services.convert_risk_to_mediation(actor=east_centre_staff, risk=risk, organisation=neighbour,
                                           severity="major", contact_name="刘大", contact_phone="13600000001")
    risk.refresh_from_db()
    assert risk.status == RiskStatus.IDENTIFIED and risk.grievance is None
