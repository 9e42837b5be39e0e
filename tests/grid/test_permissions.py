from grid import permissions
from grid.models import Region, Unit


def test_county_staff_see_their_townships_and_villages_only(world, east_centre_staff):
    visible = set(permissions.visible_regions(east_centre_staff).values_list("name", flat=True))
    assert visible == {"东湖区", "湖滨街道", "柳岸社区"}


def test_county_staff_see_nothing_of_another_county(world, east_centre_staff):
    assert not permissions.can_see_region(east_centre_staff, world.west_village)
    units = set(permissions.visible_units(east_centre_staff).values_list("name", flat=True))
    assert "西山县住房和城乡建设局" not in units
    assert "东湖区住房和城乡建设局" in units


def test_city_staff_see_every_county(world, city_centre_staff):
    assert permissions.visible_regions(city_centre_staff).count() == Region.objects.count()


def test_department_sees_only_its_own_unit(world, east_handler):
    assert list(permissions.visible_units(east_handler)) == [world.east_dept]
    rows = Unit.objects.filter(permissions.unit_q(east_handler, "id"))
    assert list(rows) == [world.east_dept]


def test_citizen_sees_no_region_scope(world, citizen):
    assert permissions.region_prefix(citizen) is None
    assert not permissions.visible_regions(citizen).exists()


def test_admin_sees_everything(world, admin_user):
    assert permissions.visible_regions(admin_user).count() == Region.objects.count()


def test_centre_staff_get_admin_rights_by_role_but_departments_do_not(world, east_centre_staff, east_handler):
    assert east_centre_staff.has_perm("grievances.change_grievance")
    assert east_centre_staff.has_perm("grid.view_region")
    assert not east_centre_staff.has_perm("grid.change_region")
    assert not east_handler.has_perm("grievances.change_grievance")


def test_same_level_and_upper_centre(world):
    assert permissions.same_level_centre(world.east_dept) == world.east_centre
    assert permissions.upper_centre(world.east_centre) == world.city_centre
