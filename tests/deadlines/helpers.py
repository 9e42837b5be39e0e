"""Drive grievances through the loop's services so every clock change comes from events."""

from grievances import services as loop
from grievances.models import Category, GrievanceKind, Severity


def submit(citizen, region, kind=GrievanceKind.DISPUTE, **kw):
    fields = dict(actor=citizen, kind=kind, region=region, title="小区电梯长期故障",
                  description="柳岸花园3栋电梯停运两周，物业不修。",
                  category=Category.objects.get(code="property_mgmt"))
    fields.update(kw)
    return loop.submit_grievance(**fields)


def accept(g, staff, kind=GrievanceKind.DISPUTE, severity=Severity.ORDINARY):
    loop.accept_grievance(actor=staff, grievance=g, kind=kind, severity=severity if kind == "dispute" else "",
                          category=Category.objects.get(code="property_mgmt"))
    g.refresh_from_db()
    return g


def dispatch(g, staff, unit):
    loop.dispatch_grievance(actor=staff, grievance=g, unit=unit)
    g.refresh_from_db()
    return g


def sign(g, handler):
    loop.sign_grievance(actor=handler, grievance=g)
    g.refresh_from_db()
    return g
