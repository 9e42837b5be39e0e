"""One table of fields of law: what staff change in 法律服务 › 法律领域 is what the lawyer Q&A
and the legal videos offer."""

import pytest
from django.urls import reverse

from legalqa.fields_of_law import FIELDS_OF_LAW, seed_fields_of_law
from legalqa.models import FieldOfLaw
from tests.pufa_media.factories import ready_video

pytestmark = pytest.mark.django_db


def _qa_codes(client):
    return [f["code"] for f in client.get(reverse("lawyers:fields_json")).json()["fields"]]


def test_a_field_added_once_is_offered_by_the_qa_and_the_videos(client):
    FieldOfLaw.objects.create(code="environment", name="环境保护", order=30)

    assert "environment" in _qa_codes(client)
    assert "环境保护" in client.get(reverse("pufa_media:videos")).content.decode()


def test_a_deactivated_field_is_no_longer_offered_for_questions_but_stays_on_videos(client):
    labour = FieldOfLaw.objects.get(code="labour")
    ready_video(title="讨薪有办法", field=labour)
    labour.active = False
    labour.save()

    assert "labour" not in _qa_codes(client)
    page = client.get(reverse("pufa_media:videos") + "?field=labour").content.decode()
    assert "讨薪有办法" in page


def test_the_seed_adds_only_missing_fields_and_keeps_staff_edits():
    FieldOfLaw.objects.filter(code="minors").delete()
    FieldOfLaw.objects.filter(code="labour").update(name="劳动争议")

    assert seed_fields_of_law() == 1
    assert FieldOfLaw.objects.get(code="labour").name == "劳动争议"
    assert FieldOfLaw.objects.count() == len(FIELDS_OF_LAW)
    assert seed_fields_of_law() == 0
