"""Two people acting on one item at the same moment: exactly one wins, the other is told why.

The deterministic checks (a stale copy loses) run everywhere; the threaded races need a
database with real row locks and run on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

from grievances import services
from grievances.models import Grievance, GrievanceEvent, GrievanceKind, Severity

needs_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="threaded race needs PostgreSQL row locks")


def _race(*callables):
    barrier = threading.Barrier(len(callables))
    results = [None] * len(callables)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", fn())
        except services.GrievanceError as exc:
            results[i] = ("refused", exc.message)
        except Exception as exc:  # noqa: BLE001
            results[i] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(callables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_accept_and_reject_at_once_exactly_one_wins(loop, east_centre_staff, east_centre_leader):
    g = loop.submit()

    def accept():
        return services.accept_grievance(actor=east_centre_staff, grievance=Grievance.objects.get(pk=g.pk),
                                         kind=GrievanceKind.DISPUTE, severity=Severity.SIMPLE)

    def reject():
        return services.reject_grievance(actor=east_centre_leader, grievance=Grievance.objects.get(pk=g.pk),
                                         reason="重复反映", guidance="请查看之前的受理编号")

    results = _race(accept, reject)
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["ok", "refused"], results
    refused = next(r for r in results if r[0] == "refused")
    assert "已被他人处理" in refused[1]
    assert GrievanceEvent.objects.filter(grievance_id=g.pk, action__in=["accepted", "rejected"]).count() == 1


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_two_handlers_signing_at_once(loop, east_handler, east_dept_leader):
    g = loop.dispatched()
    results = _race(
        lambda: services.sign_grievance(actor=east_handler, grievance=Grievance.objects.get(pk=g.pk)),
        lambda: services.sign_grievance(actor=east_dept_leader, grievance=Grievance.objects.get(pk=g.pk)),
    )
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert GrievanceEvent.objects.filter(grievance_id=g.pk, action="signed").count() == 1


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_get_distinct_tracking_numbers(world, citizen):
    from tests.grievances.factories import submit

    results = _race(*[lambda: submit(citizen, world.east_village).tracking_no for _ in range(6)])
    numbers = [r[1] for r in results]
    assert all(r[0] == "ok" for r in results), results
    assert len(set(numbers)) == 6
