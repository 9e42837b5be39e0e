"""Grievances for tests, always driven through the services so events exist."""

import pytest

from grievances import services
from grievances.models import Category, GrievanceKind, Satisfaction, Severity


def category(code="property_mgmt"):
    """Seeded by a data migration; transactional tests flush it, so seed again if needed."""
    from grievances.categories import seed_categories

    if not Category.objects.filter(code=code).exists():
        seed_categories(Category)
    return Category.objects.get(code=code)


def submit(citizen, region, **kw):
    fields = dict(
        actor=citizen, kind=GrievanceKind.DISPUTE, region=region, title="小区电梯长期故障",
        description="柳岸花园3栋电梯停运两周，物业不修。", category=category(),
    )
    fields.update(kw)
    return services.submit_grievance(**fields)


def accepted(citizen, region, staff, **kw):
    g = submit(citizen, region, **kw)
    services.accept_grievance(actor=staff, grievance=g, kind=GrievanceKind.DISPUTE, severity=Severity.ORDINARY,
                              category=category())
    return g


def dispatched(citizen, region, staff, unit, **kw):
    g = accepted(citizen, region, staff, **kw)
    services.dispatch_grievance(actor=staff, grievance=g, unit=unit)
    return g


def handling(citizen, region, staff, unit, handler, **kw):
    g = dispatched(citizen, region, staff, unit, **kw)
    services.sign_grievance(actor=handler, grievance=g)
    return g


def completed(citizen, region, staff, unit, handler, **kw):
    g = handling(citizen, region, staff, unit, handler, **kw)
    services.complete_grievance(actor=handler, grievance=g, result="已督促物业更换电梯主板，电梯恢复运行。")
    return g


def verified(citizen, region, staff, unit, handler, **kw):
    g = completed(citizen, region, staff, unit, handler, **kw)
    services.verify_grievance(actor=staff, grievance=g)
    return g


def closed(citizen, region, staff, unit, handler, **kw):
    g = verified(citizen, region, staff, unit, handler, **kw)
    services.rate_grievance(actor=citizen, grievance=g, satisfaction=Satisfaction.SATISFIED)
    return g


@pytest.fixture
def loop(world, citizen, east_centre_staff, east_handler):
    """Builders bound to the east-county cast: loop.handling() etc."""

    class L:
        def submit(self, **kw):
            return submit(citizen, world.east_village, **kw)

        def accepted(self, **kw):
            return accepted(citizen, world.east_village, east_centre_staff, **kw)

        def dispatched(self, **kw):
            return dispatched(citizen, world.east_village, east_centre_staff, world.east_dept, **kw)

        def handling(self, **kw):
            return handling(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler, **kw)

        def completed(self, **kw):
            return completed(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler, **kw)

        def verified(self, **kw):
            return verified(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler, **kw)

        def closed(self, **kw):
            return closed(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler, **kw)

    return L()
