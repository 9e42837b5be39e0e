"""需要帮助？: the centre a citizen calls is the nearest one with a phone above their place."""

import pytest

from grievances import selectors
from tests.grievances.factories import submit

pytestmark = pytest.mark.django_db


def test_help_gives_the_nearest_centre_with_a_phone_for_the_citizens_place(world, citizen, client, settings):
    settings.URGENT_LEGAL_LINE = "12348"
    world.city_centre.phone = "0739-12345"
    world.city_centre.save()
    # Not signed in, or no appeal yet: the city's centre.
    assert selectors.help_contacts(None)["centre"] == {"name": "清源市综治中心", "phone": "0739-12345"}
    submit(citizen, world.east_village)
    # The township and county centres have no number: the city's still answers.
    assert selectors.help_contacts(citizen)["centre"]["name"] == "清源市综治中心"
    world.east_centre.phone = "0739-0112345"
    world.east_centre.save()
    assert selectors.help_contacts(citizen)["centre"] == {"name": "东湖区综治中心", "phone": "0739-0112345"}
    world.east_town_centre.phone = "0739-0101000"
    world.east_town_centre.save()
    client.force_login(citizen)
    info = client.get("/help/?format=json").json()
    assert info == {"centre": {"name": "湖滨街道综治中心", "phone": "0739-0101000"}, "urgent_line": "12348"}
    page = client.get("/help/").content.decode()
    assert 'href="tel:0739-0101000"' in page and 'href="tel:12348"' in page


def test_every_citizen_page_carries_the_help_panel_without_a_query(client, world, django_assert_num_queries):
    with django_assert_num_queries(0):
        page = client.get("/appeals/lookup/").content.decode()
    assert "data-help" in page and "需要帮助？" in page and 'href="tel:12348"' in page
