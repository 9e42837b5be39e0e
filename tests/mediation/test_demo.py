import io

import pytest

from grievances.models import State
from mediation import demo
from mediation.models import CaseState, MediationCase, Risk, Session

pytestmark = pytest.mark.django_db


def test_demo_mediates_a_dispute_to_an_agreement_and_is_idempotent(django_capture_on_commit_callbacks):
    from grid import demo as grid_demo

    grid_demo.seed(stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    case = MediationCase.objects.get(grievance__title=demo.DISPUTE_TITLE)
    assert case.state == CaseState.SUCCEEDED
    assert list(Session.objects.filter(case=case).values_list("mode", flat=True)) == ["in_person", "video"]
    assert case.agreement.pdf
    assert case.confirmations.get().status == "confirmed"
    assert case.grievance.state == State.VERIFIED
    assert MediationCase.objects.filter(grievance__title=demo.OPEN_TITLE, mediator_count=0).exists()
    assert Risk.objects.count() == len(demo.RISKS)
