"""人民调解申请 by voice (按住说话): the dispute told in a recording instead of typed reaches the
grievance as a voice attachment; without text or voice the form asks for the description."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grievances.models import Attachment
from legalqa.lawyers.models import ServiceApplication
from tests.uploads_corpus import wav

pytestmark = pytest.mark.django_db


def _post(client, world, **extra):
    return client.post(reverse("lawyers:service_new", args=["mediation"]), {
        "contact_name": "张三", "contact_phone": "13912345678", "region": world.east_village.pk,
        "other_party": "楼上住户", "matter": "", **extra})


def test_mediation_application_by_voice_alone(client, world, citizen):
    client.force_login(citizen)
    response = _post(client, world, voice=SimpleUploadedFile("语音.wav", wav(2.0), content_type="audio/wav"))
    assert response.status_code == 302
    app = ServiceApplication.objects.get()
    assert app.grievance is not None and "请收听录音" in app.matter
    note = Attachment.objects.get(grievance=app.grievance)
    assert note.kind == "audio"


def test_without_description_or_voice_the_form_asks_for_it(client, world, citizen):
    client.force_login(citizen)
    response = _post(client, world)
    assert response.status_code == 200 and not ServiceApplication.objects.exists()
    assert "按住说话" in response.content.decode()  # the recorder is offered beside the box
