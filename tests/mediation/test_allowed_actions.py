"""The case page offers exactly what case_allowed_actions returns, for each person and state."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from mediation import services
from tests.factories import PASSWORD
from tests.mediation.factories import taken_case

pytestmark = pytest.mark.django_db


def test_an_open_case_lets_its_mediator_work_and_conclude_and_the_centre_oversee(
        world, citizen, east_centre_staff, mediator, mediator2):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    assert services.case_allowed_actions(mediator, case) == [
        "work", "conclude_success", "conclude_failed", "terminate", "record_visit"]
    assert services.case_allowed_actions(east_centre_staff, case) == ["assign_mediators", "record_visit"]
    assert services.case_allowed_actions(mediator2, case) == []
    assert services.case_allowed_actions(citizen, case) == []


def test_after_an_agreement_the_centre_may_apply_for_confirmation_once(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元。",
                                     performance_deadline=date.today() + timedelta(days=7))
    case.refresh_from_db()
    assert services.case_allowed_actions(mediator, case) == ["apply_confirmation", "record_visit"]
    services.apply_judicial_confirmation(actor=east_centre_staff, case=case, court="东湖区人民法院")
    assert services.case_allowed_actions(east_centre_staff, case) == ["decide_confirmation", "record_visit"]


def test_a_failed_case_offers_nothing_to_work_on(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_failed(actor=mediator, case=case, reason="双方分歧大", guidance="可向法院起诉")
    case.refresh_from_db()
    assert services.case_allowed_actions(mediator, case) == ["record_visit"]


def test_the_case_page_shows_the_outcome_buttons_only_when_allowed(client, world, citizen, east_centre_staff,
                                                                   mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    assert client.login(username=mediator.username, password=PASSWORD)
    assert "登记调解不成" in client.get(reverse("mediation:case", args=[case.pk])).content.decode()
    services.terminate_case(actor=mediator, case=case, reason="申请人撤回")
    assert "登记调解不成" not in client.get(reverse("mediation:case", args=[case.pk])).content.decode()
