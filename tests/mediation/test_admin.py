import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.mediation.factories import taken_case

pytestmark = pytest.mark.django_db


def test_centre_staff_see_only_their_regions_cases_in_the_admin(client, world, citizen, east_centre_staff,
                                                               west_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator, title="东湖漏水")
    client.login(username=east_centre_staff.username, password=PASSWORD)
    assert "东湖漏水" in client.get(reverse("admin:mediation_mediationcase_changelist")).content.decode()
    assert client.get(reverse("admin:mediation_mediationcase_change", args=[case.pk])).status_code == 200
    client.logout()
    client.login(username=west_centre_staff.username, password=PASSWORD)
    assert "东湖漏水" not in client.get(reverse("admin:mediation_mediationcase_changelist")).content.decode()
    for name in ("risk", "legalaidapplication", "mediatorprofile", "agreement", "judicialconfirmation",
                 "returnvisit"):
        assert client.get(reverse(f"admin:mediation_{name}_changelist")).status_code == 200
