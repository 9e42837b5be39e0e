"""Factories for the registry and pytest fixtures for a user of every role.

The fixture world: one city (4390), two counties (439001 east, 439002 west), a township and
a village in each, a centre per region, a department and a mediation organisation per county.
"""

import factory
import pytest

from grid.models import Grid, Region, RegionLevel, Role, Unit, UnitKind, User

PASSWORD = "Test-pass-2026!"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"区域{n}")
    level = RegionLevel.CITY
    code = "439000000000"
    parent = None


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    kind = UnitKind.DEPARTMENT
    code = factory.Sequence(lambda n: f"U{n:06d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.CENTRE_STAFF
    phone = None
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    role = Role.CITIZEN
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    username = factory.LazyAttribute(lambda o: o.phone)


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    village = None
    code = factory.Sequence(lambda n: f"{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}网格")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs["code"] = kwargs["village"].code + kwargs["code"][-3:]
        return super()._create(model_class, *args, **kwargs)


@pytest.fixture
def world(db):
    """A small region tree with units: returns a namespace of regions and units."""

    class W:
        pass

    w = W()
    w.city = RegionFactory(code="439000000000", name="清源市", level=RegionLevel.CITY)
    w.east = RegionFactory(code="439001000000", name="东湖区", level=RegionLevel.COUNTY, parent=w.city)
    w.west = RegionFactory(code="439002000000", name="西山县", level=RegionLevel.COUNTY, parent=w.city)
    w.east_town = RegionFactory(code="439001001000", name="湖滨街道", level=RegionLevel.TOWNSHIP, parent=w.east)
    w.west_town = RegionFactory(code="439002001000", name="石门镇", level=RegionLevel.TOWNSHIP, parent=w.west)
    w.east_village = RegionFactory(code="439001001001", name="柳岸社区", level=RegionLevel.VILLAGE, parent=w.east_town)
    w.west_village = RegionFactory(code="439002001001", name="石门村", level=RegionLevel.VILLAGE, parent=w.west_town)
    w.city_centre = UnitFactory(kind=UnitKind.CENTRE, name="清源市综治中心", region=w.city)
    w.east_centre = UnitFactory(kind=UnitKind.CENTRE, name="东湖区综治中心", region=w.east)
    w.west_centre = UnitFactory(kind=UnitKind.CENTRE, name="西山县综治中心", region=w.west)
    w.east_town_centre = UnitFactory(kind=UnitKind.CENTRE, name="湖滨街道综治中心", region=w.east_town)
    w.east_dept = UnitFactory(kind=UnitKind.DEPARTMENT, name="东湖区住房和城乡建设局", region=w.east,
                              duties="物业管理、房屋安全")
    w.east_dept2 = UnitFactory(kind=UnitKind.DEPARTMENT, name="东湖区人力资源和社会保障局", region=w.east,
                               duties="劳动保障监察、欠薪处置")
    w.west_dept = UnitFactory(kind=UnitKind.DEPARTMENT, name="西山县住房和城乡建设局", region=w.west,
                              duties="物业管理")
    w.east_mediation = UnitFactory(kind=UnitKind.MEDIATION, name="湖滨街道人民调解委员会", region=w.east_town,
                                   org_type="peoples", languages="普通话")
    w.grid = GridFactory(village=w.east_village, code="001", name="柳岸社区第一网格")
    return w


def _user(role, unit=None, **kw):
    return UserFactory(role=role, unit=unit, **kw)


@pytest.fixture
def citizen(db):
    return CitizenFactory(display_name="张三")


@pytest.fixture
def other_citizen(db):
    return CitizenFactory(display_name="李四")


@pytest.fixture
def admin_user(db):
    return _user(Role.ADMIN, is_staff=True, is_superuser=True, username="admin")


@pytest.fixture
def east_centre_staff(world):
    return _user(Role.CENTRE_STAFF, world.east_centre, is_staff=True, display_name="东湖区中心王")


@pytest.fixture
def east_centre_leader(world):
    return _user(Role.CENTRE_LEADER, world.east_centre, is_staff=True, display_name="东湖区中心赵主任")


@pytest.fixture
def west_centre_staff(world):
    return _user(Role.CENTRE_STAFF, world.west_centre, is_staff=True, display_name="西山县中心钱")


@pytest.fixture
def city_centre_staff(world):
    return _user(Role.CENTRE_STAFF, world.city_centre, is_staff=True, display_name="市中心孙")


@pytest.fixture
def east_handler(world):
    return _user(Role.DEPT_HANDLER, world.east_dept, display_name="住建局周")


@pytest.fixture
def east_dept_leader(world):
    user = _user(Role.DEPT_LEADER, world.east_dept, display_name="住建局吴局长")
    world.east_dept.leader = user
    world.east_dept.save()
    return user


@pytest.fixture
def east_handler2(world):
    return _user(Role.DEPT_HANDLER, world.east_dept2, display_name="人社局郑")


@pytest.fixture
def west_handler(world):
    return _user(Role.DEPT_HANDLER, world.west_dept, display_name="西山住建冯")


@pytest.fixture
def mediator(world):
    return _user(Role.MEDIATOR, world.east_mediation, display_name="调解员陈")


@pytest.fixture
def grid_worker(world):
    user = _user(Role.GRID_WORKER, display_name="网格员褚")
    world.grid.workers.add(user)
    return user


@pytest.fixture
def lawyer(db):
    return _user(Role.LAWYER, display_name="卫律师")
