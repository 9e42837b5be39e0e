"""The loop's hook points deliver what happens to an appeal to the apps that listen."""

from grievances import hooks, services
from grievances.models import EventAction, GrievanceEvent, GrievanceKind
from mediation.models import MediationCase


def test_every_event_reaches_the_recorded_listeners_inside_its_transaction(loop, east_centre_staff):
    seen = []

    def listener(event):
        # Inside the transaction: the row is already there for the listener's own writes.
        assert GrievanceEvent.objects.filter(pk=event.pk).exists()
        seen.append(event.action)

    with hooks.grievance_event_recorded.connected(listener):
        g = loop.submit()
        services.accept_grievance(actor=east_centre_staff, grievance=g, kind=GrievanceKind.INQUIRY)
    assert seen == [EventAction.SUBMITTED, EventAction.ACCEPTED]


def test_committed_listeners_hear_of_an_event_only_after_commit(loop, django_capture_on_commit_callbacks):
    seen = []
    with hooks.grievance_event_committed.connected(seen.append):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            g = loop.submit()
        assert seen == []
        for callback in callbacks:
            callback()
    assert [e.action for e in seen] == [EventAction.SUBMITTED] and seen[0].grievance == g


def test_a_dispute_dispatched_to_a_mediation_organisation_is_announced_and_opens_its_case(
        loop, world, east_centre_staff):
    g = loop.accepted()
    heard = []
    with hooks.grievance_dispatched_to_mediation.connected(heard.append):
        services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=world.east_mediation)
    assert [(d.grievance, d.organisation, d.actor) for d in heard] == [(g, world.east_mediation, east_centre_staff)]
    assert MediationCase.objects.get(grievance=g).organisation == world.east_mediation


def test_dispatching_to_a_department_announces_no_mediation(loop, world, east_centre_staff):
    g = loop.accepted()
    heard = []
    with hooks.grievance_dispatched_to_mediation.connected(heard.append):
        services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=world.east_dept)
    assert heard == [] and not MediationCase.objects.filter(grievance=g).exists()
