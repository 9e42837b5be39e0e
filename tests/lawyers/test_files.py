"""Q&A photos and voice, application material, document templates and lawyer photos are
private files behind their pages' rules; every Q&A and application door runs the hostile
corpus (0 5xx, 0 wrong verdicts)."""

import dataclasses

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from legalqa.lawyers import docs, services
from legalqa.lawyers.forms import LawyerProfileForm
from legalqa.lawyers.models import Attachment, DocumentTemplate, ServiceApplication
from tests.lawyers.factories import field
from tests.uploads_corpus import has_exif, jpeg, pdf, run_corpus, wav

pytestmark = pytest.mark.django_db

NOTARISATION = {"contact_name": "张三", "contact_phone": "13912345678", "office": "东湖公证处", "matter": "继承公证",
                "preferred_slot": "周三上午"}


def _question(world, citizen, files=()):
    return services.ask_question(asker=citizen, field=field("labour"), title="公司拖欠工资怎么办",
                                 body="公司拖欠我三个月工资，老板说没钱。", region=world.east_village, files=files)


def _answered(world, citizen, lawyers):
    q = _question(world, citizen)
    return services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")


def test_ask_door(client, world, citizen, lawyers, hostile_corpus):
    client.force_login(citizen)

    def submit(sample):
        return client.post(reverse("lawyers:ask"), {
            "field": "labour", "region": world.east_village.pk, "title": "公司拖欠工资怎么办",
            "body": "公司拖欠我三个月工资。", "post": "1", "files": [sample.upload()]})

    assert run_corpus(hostile_corpus, "qa", submit, Attachment.objects.count) == []
    for att in Attachment.objects.filter(kind="image"):
        with att.file.open("rb") as fh:
            assert not has_exif(fh.read())


@pytest.mark.parametrize("who", ["asker", "lawyer"])
def test_reply_doors(client, world, citizen, lawyers, hostile_corpus, who):
    answer = _answered(world, citizen, lawyers)
    client.force_login(citizen if who == "asker" else lawyers.a.user)

    def submit(sample):
        return client.post(reverse("lawyers:reply", args=[answer.pk]), {"body": "补充一下", "files": [sample.upload()]})

    assert run_corpus(hostile_corpus, "qa", submit, Attachment.objects.filter(reply__isnull=False).count) == []


def test_a_refused_follow_up_keeps_the_text(client, world, citizen, lawyers, hostile_corpus):
    answer = _answered(world, citizen, lawyers)
    client.force_login(citizen)
    svg = next(s for s in hostile_corpus if s.key == "svg_script")
    resp = client.post(reverse("lawyers:reply", args=[answer.pk]), {"body": "我的追问内容", "files": [svg.upload()]})
    body = resp.content.decode()
    assert resp.status_code == 400 and "xss.svg" in body and "我的追问内容" in body


def test_application_door(client, world, citizen, hostile_corpus):
    client.force_login(citizen)

    def submit(sample):
        return client.post(reverse("lawyers:service_new", args=["notarisation"]),
                           {**NOTARISATION, "region": world.east_village.pk, "documents": sample.upload()})

    assert run_corpus(hostile_corpus, "application", submit,
                      ServiceApplication.objects.exclude(documents="").count) == []


def test_resubmit_door(client, world, citizen, east_centre_staff, hostile_corpus):
    client.force_login(citizen)

    def submit(sample):
        app = services.submit_application(applicant=citizen, kind="notarisation", region=world.east_village,
                                          contact_name="张三", contact_phone="13912345678", office="东湖公证处",
                                          matter="继承公证", preferred_slot="周三上午")
        services.ask_missing_documents(actor=east_centre_staff, application=app, missing="户口本")
        return client.post(reverse("lawyers:service", args=[app.pk]),
                           {"action": "resubmit", "documents": sample.upload()}, follow=True)

    assert run_corpus(hostile_corpus, "application", submit,
                      ServiceApplication.objects.exclude(documents="").count) == []
    assert not ServiceApplication.objects.filter(documents="", state="submitted").exists()


def test_template_door(client, east_centre_staff, hostile_corpus):
    client.force_login(east_centre_staff)
    real = docs.build_docx("借条", ["借款人：{{ 借款人 }}"])
    samples = [dataclasses.replace(s, data=real) if s.key == "docx" else s for s in hostile_corpus]

    def submit(sample):
        return client.post(reverse("admin:lawyers_documenttemplate_add"), {
            "title": f"借条{sample.key}", "field": field("contract").pk, "doc_type": "contract",
            "description": "借条模板", "published": "on", "upload": sample.upload()})

    assert run_corpus(samples, "template", submit, DocumentTemplate.objects.count) == []


def test_lawyer_photo_door(world, hostile_corpus):
    from tests.lawyers.factories import make_lawyer

    profile = make_lawyer(world)
    data = {"name": "律师甲", "licence_no": profile.licence_no, "firm": "东湖律所", "fields": [field("labour").pk],
            "years": 5, "languages": "普通话", "phone": "13912345678", "bio": "", "region": world.east.pk,
            "duty_days": "12345", "duty_start": "09:00", "duty_end": "17:00"}
    wrong = []
    for sample in hostile_corpus:
        form = LawyerProfileForm(data, {"photo": sample.upload()}, instance=profile)
        valid = form.is_valid()
        if valid != sample.accepted_by("lawyer_photo") or (valid is False and "photo" not in form.errors):
            wrong.append((sample.key, form.errors.get("photo")))
        if valid:
            saved = form.save()
            with saved.photo.open("rb") as fh:
                assert not has_exif(fh.read())
    assert wrong == []


@pytest.fixture
def private(world, citizen, lawyers, east_centre_staff):
    q = _question(world, citizen, files=[SimpleUploadedFile("语音.wav", wav()),
                                         SimpleUploadedFile("合同.jpg", jpeg(gps=True))])
    app = services.submit_application(applicant=citizen, kind="notarisation", region=world.east_village,
                                      contact_name="张三", contact_phone="13912345678", office="东湖公证处",
                                      matter="继承公证", preferred_slot="周三上午",
                                      documents=SimpleUploadedFile("户口本.pdf", pdf()))
    draft = services.save_template(actor=east_centre_staff, template=DocumentTemplate(
        title="草稿", field=field("contract"), doc_type="contract", published=False),
        upload=SimpleUploadedFile("t.docx", docs.build_docx("草稿", ["{{ 姓名 }}"])))
    unverified = lawyers.unverified
    unverified.photo.save("p.jpg", SimpleUploadedFile("p.jpg", jpeg()))
    return {"voice": (q.attachments.get(kind="audio"), "file"), "photo": (q.attachments.get(kind="image"), "file"),
            "application": (app, "documents"), "draft_template": (draft, "file"),
            "unverified_photo": (unverified, "photo")}


KEYS = ["voice", "photo", "application", "draft_template", "unverified_photo"]


@pytest.mark.parametrize("key", KEYS)
def test_stored_privately(private, key):
    obj, fieldname = private[key]
    name = getattr(obj, fieldname).name
    assert storages["private"].exists(name) and not storages["default"].exists(name)


@pytest.mark.parametrize("key", KEYS)
def test_anonymous_and_foreign_requests_get_404(client, private, other_citizen, lawyers, key):
    obj, fieldname = private[key]
    url = getattr(obj, fieldname).url
    assert client.get(url).status_code == 404
    outsiders = [other_citizen] + ([lawyers.marriage.user] if key in ("voice", "photo") else [])
    for outsider in outsiders:
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider


@pytest.mark.parametrize("key, insider", [("voice", "citizen"), ("photo", "lawyer"), ("application", "citizen"),
                                          ("draft_template", "staff"), ("unverified_photo", "staff")])
def test_the_people_of_the_page_get_the_file(client, private, citizen, lawyers, east_centre_staff, key, insider):
    obj, fieldname = private[key]
    user = {"citizen": citizen, "lawyer": lawyers.a.user, "staff": east_centre_staff}[insider]
    client.force_login(user)
    resp = client.get(getattr(obj, fieldname).url)
    assert resp.status_code == 200
    assert resp["X-Content-Type-Options"] == "nosniff" and "sandbox" in resp["Content-Security-Policy"]


def test_a_lawyer_does_not_open_voice_under_another_lawyers_answer(client, world, citizen, lawyers):
    answer = _answered(world, citizen, lawyers)
    reply = services.add_reply(author=citizen, answer=answer, body="追问", files=[SimpleUploadedFile("v.wav", wav())])
    url = reply.attachments.get().file.url
    client.force_login(lawyers.b.user)  # routed to the question, but this thread is lawyer a's
    assert client.get(url).status_code == 404
    client.force_login(lawyers.a.user)
    assert client.get(url).status_code == 200


def test_published_templates_and_verified_lawyer_photos_are_open_to_all(client, lawyers, east_centre_staff):
    tpl = services.save_template(actor=east_centre_staff, template=DocumentTemplate(
        title="借条", field=field("contract"), doc_type="contract", published=True),
        upload=SimpleUploadedFile("t.docx", docs.build_docx("借条", ["{{ 姓名 }}"])))
    lawyers.a.photo.save("p.jpg", SimpleUploadedFile("p.jpg", jpeg()))
    assert client.get(tpl.file.url)["Content-Disposition"].startswith("attachment")
    assert client.get(lawyers.a.photo.url).status_code == 200



def test_the_admin_door_of_lawyer_photos_uses_the_gate(hostile_corpus):
    from django.contrib.admin.sites import site
    from django.core.exceptions import ValidationError

    from legalqa.lawyers.models import LawyerProfile

    field = site._registry[LawyerProfile].form.base_fields["photo"]
    bomb = next(s for s in hostile_corpus if s.key == "bomb_png")
    with pytest.raises(ValidationError, match="像素尺寸过大"):
        field.clean(bomb.upload())
    good = next(s for s in hostile_corpus if s.key == "gps_jpeg")
    assert not has_exif(field.clean(good.upload()).read())
