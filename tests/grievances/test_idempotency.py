"""A draft sent twice (kept offline on the phone, sent again when the signal returned, or a
double tap) files once: the server keeps each form's idempotency key per person."""

import pytest

from grid.models import SubmissionKey
from grievances import services
from grievances.models import Grievance, GrievanceEvent
from tests.grievances.factories import category

pytestmark = pytest.mark.django_db

KEY = "d5b1c2e0-7f1a-4c57-9b0e-3f2a1b6c9d10"


def _post(client, world, key=KEY, title="路灯不亮"):
    return client.post("/appeals/new/", {
        "kind": "livelihood", "category": category().pk, "region_code": world.east_village.code,
        "title": title, "description": "小区门口路灯坏了一个月。", "idempotency_key": key,
    })


def test_the_same_appeal_draft_sent_twice_files_one_appeal(client, world, citizen):
    client.force_login(citizen)
    first = _post(client, world)
    assert first.status_code == 302
    g = Grievance.objects.get()
    again = _post(client, world)
    assert again.status_code == 302 and again["Location"] == first["Location"] == f"/appeals/{g.pk}/done/"
    assert Grievance.objects.count() == 1
    # Another appeal (another key) is another appeal.
    _post(client, world, key="0f9e8d7c-6b5a-4321-8765-43210fedcba9", title="路面塌陷")
    assert Grievance.objects.count() == 2


def test_the_service_returns_what_the_key_filed_and_keys_are_per_person(world, citizen, other_citizen):
    kw = dict(kind="livelihood", region=world.east_village, title="路灯不亮", description="坏了。", client_key=KEY)
    g = services.submit_grievance(actor=citizen, **kw)
    assert services.submit_grievance(actor=citizen, **kw) == g
    other = services.submit_grievance(actor=other_citizen, **kw)
    assert other != g and Grievance.objects.count() == 2
    # A failed submission leaves the key free for the corrected retry.
    with pytest.raises(services.TransitionRefused):
        services.submit_grievance(actor=citizen, **{**kw, "title": "", "client_key": "a" * 20})
    assert not SubmissionKey.objects.filter(key="a" * 20).exists()
    assert services.submit_grievance(actor=citizen, **{**kw, "client_key": "a" * 20}) != g


def test_a_supplement_draft_sent_twice_adds_once(client, world, citizen):
    g = services.submit_grievance(actor=citizen, kind="livelihood", region=world.east_village, title="路灯",
                                  description="坏了。")
    client.force_login(citizen)
    data = {"note": "晚上八点后最黑。", "version": g.version, "idempotency_key": KEY}
    assert client.post(f"/appeals/{g.pk}/supplement/", data).status_code == 302
    assert client.post(f"/appeals/{g.pk}/supplement/", data).status_code == 302
    assert GrievanceEvent.objects.filter(grievance=g, action="supplemented").count() == 1


def test_a_question_draft_sent_twice_asks_once(client, world, citizen):
    from legalqa.lawyers.models import Question
    from legalqa.models import FieldOfLaw

    client.force_login(citizen)
    data = {"field": FieldOfLaw.objects.filter(active=True).first().code, "region": world.east_village.pk,
            "title": "公司拖欠工资", "body": "三个月没发工资。", "post": "1", "idempotency_key": KEY}
    first = client.post("/qa/ask/", data)
    again = client.post("/qa/ask/", data)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Question.objects.count() == 1
