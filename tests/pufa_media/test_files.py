"""Video sources are private (only their editors fetch them); article images, covers and
posters stay public but pass the gate (re-encoded, no EXIF). The hostile corpus runs
through the admin's video upload and the image fields."""

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from legalqa.models import FieldOfLaw
from pufa_media import services
from pufa_media.admin import ArticleImageForm
from pufa_media.models import Video
from tests.pufa_media.factories import VideoFactory
from tests.uploads_corpus import has_exif, mp4, run_corpus

pytestmark = pytest.mark.django_db


def test_video_source_door(client, east_centre_staff, hostile_corpus):
    client.force_login(east_centre_staff)

    def submit(sample):
        return client.post(reverse("admin:pufa_media_video_add"), {
            "title": f"上传{sample.key}", "summary": "", "field": FieldOfLaw.objects.get(code="loan").pk,
            "source": sample.upload(), "subtitles-TOTAL_FORMS": 0, "subtitles-INITIAL_FORMS": 0,
            "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0})

    assert run_corpus(hostile_corpus, "video_source", submit, Video.objects.exclude(source="").count) == []


def test_article_image_door(hostile_corpus):
    wrong = []
    for sample in hostile_corpus:
        form = ArticleImageForm({"caption": "图"}, {"image": sample.upload()})
        valid = form.is_valid()
        if valid != sample.accepted_by("article_image") or (not valid and "image" not in form.errors):
            wrong.append((sample.key, form.errors.get("image")))
        elif valid:
            data = form.cleaned_data["image"].read()
            assert not has_exif(data) and b"<script" not in data
    assert wrong == []


@pytest.fixture
def source(east_centre_staff):
    video = VideoFactory()
    services.attach_source(video=video, user=east_centre_staff, file=SimpleUploadedFile("现场.mp4", mp4()))
    video.refresh_from_db()
    return video


def test_sources_are_stored_privately_under_random_names(source):
    assert storages["private"].exists(source.source.name) and not storages["default"].exists(source.source.name)
    assert "现场" not in source.source.name


def test_only_editors_fetch_a_source(client, source, citizen, west_centre_staff, east_centre_staff, lawyer):
    url = source.source.url
    assert client.get(url).status_code == 404
    for outsider in (citizen, west_centre_staff, lawyer):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider
    client.force_login(east_centre_staff)
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment")
