"""Factories and fixtures for the lawyer Q&A tests."""

import datetime

import factory
import pytest

from grid.models import Role
from legalqa.lawyers.models import LawyerProfile
from legalqa.models import FieldOfLaw
from tests.factories import UserFactory

ALWAYS = dict(duty_days="1234567", duty_start=datetime.time(0, 0), duty_end=datetime.time(23, 59, 59))
NEVER = dict(duty_days="", duty_start=datetime.time(8, 0), duty_end=datetime.time(9, 0))


def field(code: str) -> FieldOfLaw:
    return FieldOfLaw.objects.get(code=code)


class LawyerUserFactory(UserFactory):
    role = Role.LAWYER
    phone = factory.Sequence(lambda n: f"137{n:08d}")


class LawyerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LawyerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(LawyerUserFactory)
    name = factory.LazyAttribute(lambda o: o.user.display_name)
    licence_no = factory.Sequence(lambda n: f"14390{n:012d}")
    firm = "清源律师事务所"
    phone = factory.LazyAttribute(lambda o: o.user.phone)
    years = 8
    duty_days = ALWAYS["duty_days"]
    duty_start = ALWAYS["duty_start"]
    duty_end = ALWAYS["duty_end"]
    verified_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

    @factory.post_generation
    def fields(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.fields.set(extracted)


def make_lawyer(world, codes=("labour",), verified=True, name=None, **kw):
    extra = {"user__display_name": name} if name else {}
    p = LawyerProfileFactory(region=world.east, fields=[field(c) for c in codes],
                             verified_at=None if not verified else datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
                             **extra, **kw)
    return p


@pytest.fixture
def labour(db):
    return field("labour")


@pytest.fixture
def lawyers(world):
    """Three verified labour lawyers, one verified marriage lawyer, one unverified labour lawyer."""

    class L:
        pass

    ns = L()
    ns.a = make_lawyer(world, ("labour",), name="劳动甲")
    ns.b = make_lawyer(world, ("labour", "contract"), name="劳动乙")
    ns.c = make_lawyer(world, ("labour",), name="劳动丙")
    ns.marriage = make_lawyer(world, ("marriage",), name="婚姻丁")
    ns.unverified = make_lawyer(world, ("labour",), verified=False, name="未审核戊")
    return ns
