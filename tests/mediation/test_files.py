"""Mediation papers are private files: agreements, judicial-confirmation material and
legal-aid proofs reach only the case's staff and parties (or the application's reviewers
and applicant); the legal-aid and confirmation doors run the hostile corpus."""

from datetime import date, timedelta

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from mediation import services
from mediation.models import Agreement, JudicialConfirmation, LegalAidDocument
from tests.factories import PASSWORD
from tests.mediation.factories import taken_case
from tests.uploads_corpus import has_exif, jpeg, pdf, run_corpus

pytestmark = pytest.mark.django_db

LEGAL_AID = {"applicant_name": "张三", "id_number": "43010119900101123X", "address": "柳岸社区",
             "case_type": "labour", "description": "被拖欠工资", "hardship": "低保户", "document_name": "身份证"}


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _agreed_case(world, citizen, staff, mediator):
    case = taken_case(world, citizen, staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="王五赔偿1500元",
                                     performance_deadline=date.today() + timedelta(days=5))
    case.refresh_from_db()
    return case


def test_legal_aid_door(client, world, citizen, hostile_corpus):
    _login(client, citizen)

    def submit(sample):
        return client.post(reverse("mediation:legal_aid_apply"), {
            **LEGAL_AID, "region": world.east_village.pk, "phone": citizen.phone, "document": sample.upload()})

    assert run_corpus(hostile_corpus, "legal_aid", submit, LegalAidDocument.objects.count) == []
    for doc in LegalAidDocument.objects.all():
        assert doc.name == "身份证" and "身份证" not in doc.file.name
        if doc.file.name.endswith(".jpg"):
            with doc.file.open("rb") as fh:
                assert not has_exif(fh.read())


def test_a_refused_proof_keeps_the_application_typed(client, world, citizen, hostile_corpus):
    _login(client, citizen)
    html = next(s for s in hostile_corpus if s.key == "html_id")
    resp = client.post(reverse("mediation:legal_aid_apply"), {
        **LEGAL_AID, "region": world.east_village.pk, "phone": citizen.phone, "document": html.upload()})
    body = resp.content.decode()
    assert resp.status_code == 200 and "身份证.html" in body and "类型不支持" in body
    assert "被拖欠工资" in body and "43010119900101123X" in body


def test_confirmation_door(client, world, citizen, east_centre_staff, mediator, hostile_corpus):
    _login(client, east_centre_staff)

    def submit(sample):
        case = _agreed_case(world, citizen, east_centre_staff, mediator)
        return client.post(reverse("mediation:apply_confirmation", args=[case.pk]),
                           {"court": "东湖区人民法院", "document_file": sample.upload()}, follow=True)

    count = JudicialConfirmation.objects.exclude(document_file="").count
    assert run_corpus(hostile_corpus, "mediation_material", submit, count) == []


@pytest.fixture
def papers(client, world, citizen, east_centre_staff, mediator):
    case = _agreed_case(world, citizen, east_centre_staff, mediator)
    _login(client, east_centre_staff)
    client.post(reverse("mediation:apply_confirmation", args=[case.pk]),
                {"court": "东湖区人民法院", "document_file": jpeg_upload()})
    client.logout()
    _login(client, citizen)
    client.post(reverse("mediation:legal_aid_apply"), {
        **LEGAL_AID, "region": world.east_village.pk, "phone": citizen.phone, "document": pdf_upload()})
    client.logout()
    return {
        "agreement": Agreement.objects.get(case=case), "confirmation": JudicialConfirmation.objects.get(case=case),
        "legal_aid": LegalAidDocument.objects.get(),
    }


def jpeg_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("申请书.jpg", jpeg(), content_type="image/jpeg")


def pdf_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("身份证.pdf", pdf(), content_type="application/pdf")


FIELDS = [("agreement", "pdf"), ("confirmation", "document_file"), ("legal_aid", "file")]


@pytest.mark.parametrize("key, field", FIELDS)
def test_papers_are_stored_privately(papers, key, field):
    name = getattr(papers[key], field).name
    assert storages["private"].exists(name) and not storages["default"].exists(name)
    base = name.rsplit("/", 1)[-1]
    assert "agreement" not in base and "身份证" not in base and len(base.split(".")[0]) == 32


@pytest.mark.parametrize("key, field", FIELDS)
def test_anonymous_and_foreign_people_get_404(client, papers, other_citizen, west_centre_staff, mediator2, key,
                                              field):
    url = getattr(papers[key], field).url
    assert client.get(url).status_code == 404
    for outsider in (other_citizen, west_centre_staff, mediator2):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider


@pytest.mark.parametrize("key, field", FIELDS)
def test_the_people_of_the_case_get_the_paper_as_a_download(client, papers, citizen, east_centre_staff, key, field):
    url = getattr(papers[key], field).url
    for insider in (citizen, east_centre_staff):
        client.force_login(insider)
        resp = client.get(url)
        assert resp.status_code == 200, insider
        assert resp["X-Content-Type-Options"] == "nosniff" and "sandbox" in resp["Content-Security-Policy"]



def test_the_admin_door_of_confirmation_material_uses_the_gate(client, papers, east_centre_staff, hostile_corpus):
    jc = papers["confirmation"]
    client.force_login(east_centre_staff)
    url = reverse("admin:mediation_judicialconfirmation_change", args=[jc.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "document_file"}
    data["applied_on"] = jc.applied_on.isoformat()
    html = next(s for s in hostile_corpus if s.key == "html_as_jpg")
    resp = client.post(url, {**data, "document_file": html.upload()})
    assert resp.status_code == 200 and "类型不支持" in resp.content.decode()
    ok = client.post(url, {**data, "document_file": pdf_upload()})
    assert ok.status_code == 302
    jc.refresh_from_db()
    assert jc.document_file.name.endswith(".pdf") and storages["private"].exists(jc.document_file.name)
