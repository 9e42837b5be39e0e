"""The staff's admin: lists limited to the region; template upload checked in the form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from legalqa.lawyers import docs, services
from legalqa.lawyers.models import DocumentTemplate
from tests.factories import PASSWORD
from tests.lawyers.factories import field

pytestmark = pytest.mark.django_db


def _ask(citizen, region, title):
    return services.ask_question(asker=citizen, field=field("labour"), title=title, body="内容", region=region)


def test_admin_question_list_is_limited_to_the_region(world, citizen, lawyers, east_centre_staff, client,
                                                      django_assert_max_num_queries):
    _ask(citizen, world.east_village, "东湖的咨询")
    _ask(citizen, world.west_village, "西山的咨询")
    client.login(username=east_centre_staff.username, password=PASSWORD)
    with django_assert_max_num_queries(20):
        text = client.get(reverse("admin:lawyers_question_changelist")).content.decode()
    assert "东湖的咨询" in text and "西山的咨询" not in text


def test_admin_lawyer_list_and_verify_action(world, lawyers, east_centre_staff, client):
    client.login(username=east_centre_staff.username, password=PASSWORD)
    resp = client.post(reverse("admin:lawyers_lawyerprofile_changelist"),
                       {"action": "verify", "_selected_action": [lawyers.unverified.pk]}, follow=True)
    assert resp.status_code == 200
    lawyers.unverified.refresh_from_db()
    assert lawyers.unverified.is_verified


def test_admin_template_upload_is_checked_in_the_form(world, east_centre_staff, client):
    client.login(username=east_centre_staff.username, password=PASSWORD)
    url = reverse("admin:lawyers_documenttemplate_add")
    bad = client.post(url, {"title": "坏模板", "field": field("labour").pk, "doc_type": "other", "description": "",
                            "published": "on", "upload": SimpleUploadedFile("x.docx", b"not a docx")})
    assert bad.status_code == 200 and "docx" in bad.content.decode()
    good = client.post(url, {"title": "好模板", "field": field("labour").pk, "doc_type": "other", "description": "说明",
                             "published": "on",
                             "upload": SimpleUploadedFile("y.docx", docs.build_docx("好模板", ["{{ 姓名 }}"]))})
    assert good.status_code == 302
    assert DocumentTemplate.objects.get(title="好模板").placeholders == ["姓名"]
