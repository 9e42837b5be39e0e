"""属地: an appeal is dispatched only to units of its own place or the levels above it (the
village, township, county, city or province it happened in), whoever dispatches it: the
province administrator's dispatch form lists the item's chain, not every unit of the province,
and the service refuses a unit of another county or a neighbouring township."""

import pytest

from grid.models import RegionLevel, UnitKind
from grievances import services
from grievances.forms import DispatchForm, JointForm
from grievances.services import TransitionRefused
from tests.factories import RegionFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def more_units(world):
    other_town = RegionFactory(code="439001002000", name="湖心街道", level=RegionLevel.TOWNSHIP, parent=world.east)
    return {
        "city_dept": UnitFactory(kind=UnitKind.DEPARTMENT, name="清源市住房和城乡建设局", region=world.city),
        "other_town_mediation": UnitFactory(kind=UnitKind.MEDIATION, name="湖心街道人民调解委员会", region=other_town),
        "retired": UnitFactory(kind=UnitKind.DEPARTMENT, name="东湖区旧城改造办", region=world.east, is_active=False),
    }


def _names(form, field):
    return {label for value, label in form.fields[field].choices if value != ""}


def test_administrator_dispatch_form_lists_only_the_items_place_and_above(loop, world, more_units, admin_user):
    g = loop.accepted()
    form = DispatchForm(actor=admin_user, grievance=g)
    expected = {"东湖区住房和城乡建设局", "东湖区人力资源和社会保障局", "湖滨街道人民调解委员会", "清源市住房和城乡建设局"}
    assert _names(form, "unit") == expected
    assert _names(form, "co_units") == expected
    joint = JointForm(actor=admin_user, grievance=g)
    assert _names(joint, "lead_unit") == expected


def test_county_centre_does_not_see_a_neighbouring_townships_committee(loop, world, more_units, east_centre_staff):
    g = loop.accepted()
    names = _names(DispatchForm(actor=east_centre_staff, grievance=g), "unit")
    assert "湖滨街道人民调解委员会" in names and "湖心街道人民调解委员会" not in names
    assert "西山县住房和城乡建设局" not in names


def test_form_refuses_a_posted_unit_of_another_county_and_keeps_the_note(loop, world, admin_user):
    g = loop.accepted()
    form = DispatchForm({"unit": world.west_dept.pk, "note": "请尽快处理", "version": g.version},
                        actor=admin_user, grievance=g)
    assert not form.is_valid()
    assert "unit" in form.errors
    assert form["note"].value() == "请尽快处理"


def test_service_refuses_another_countys_unit_even_for_the_administrator(loop, world, admin_user):
    g = loop.accepted()
    with pytest.raises(TransitionRefused, match="属地"):
        services.dispatch_grievance(actor=admin_user, grievance=g, unit=world.west_dept)
    with pytest.raises(TransitionRefused, match="西山县住房和城乡建设局"):
        services.dispatch_grievance(actor=admin_user, grievance=g, unit=world.east_dept, co_units=[world.west_dept])
    g.refresh_from_db()
    assert g.handling_unit_id is None


def test_service_accepts_a_city_department_for_a_village_item(loop, world, more_units, city_centre_staff):
    g = loop.accepted()
    services.dispatch_grievance(actor=city_centre_staff, grievance=g, unit=more_units["city_dept"],
                                co_units=[world.east_mediation])
    g.refresh_from_db()
    assert g.handling_unit == more_units["city_dept"]


def test_service_refuses_a_neighbouring_townships_committee(loop, world, more_units, east_centre_staff):
    g = loop.accepted()
    with pytest.raises(TransitionRefused, match="湖心街道人民调解委员会"):
        services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=more_units["other_town_mediation"])
