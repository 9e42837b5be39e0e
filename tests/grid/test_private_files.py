"""Private files: stored outside the public media root under random names, handed out only
to people the owning app allows, with headers that keep a hostile file inert."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import RequestFactory
from django.urls import reverse

from grid import files
from grievances.models import Attachment
from tests.grievances import media


@pytest.fixture
def attachment(client, citizen, world):
    client.force_login(citizen)
    form = {"kind": "livelihood", "region_code": world.east_village.code, "title": "路灯不亮",
            "description": "小区门口路灯坏了。", "files": [media.jpeg_with_gps("张三身份证.jpg"), media.pdf()]}
    assert client.post(reverse("grievances:submit"), form).status_code == 302
    client.logout()
    return Attachment.objects.get(kind="image")


def test_uploads_are_stored_privately_under_random_names(attachment, settings):
    name = attachment.file.name
    assert "张三" not in name and "身份证" not in name
    assert storages["private"].exists(name) and not storages["default"].exists(name)
    assert attachment.file.url == reverse("grid:private_file", args=["grievances.attachment", "file", attachment.pk])


@pytest.mark.parametrize("field", ["file", "thumbnail"])
def test_anonymous_and_foreign_requests_get_404(client, attachment, other_citizen, west_handler, field):
    url = reverse("grid:private_file", args=["grievances.attachment", field, attachment.pk])
    assert client.get(url).status_code == 404
    for outsider in (other_citizen, west_handler):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_owner_gets_the_image_inline_with_protective_headers(client, citizen, attachment):
    client.force_login(citizen)
    response = client.get(attachment.file.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]


def test_documents_are_always_downloads(client, citizen, attachment):
    doc = Attachment.objects.get(kind="document")
    client.force_login(citizen)
    response = client.get(doc.file.url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "%E8%AF%81%E6%98%8E.pdf" in response["Content-Disposition"]  # 证明.pdf, the display name


def test_unknown_stored_types_are_octet_stream_downloads(private_root=None):
    storage = storages["private"]
    name = storage.save("t/x.html", ContentFile(b"<script>alert(1)</script>"))
    response = files.file_response(storage, name, filename="身份证.html")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    response = files.file_response(storage, name, filename="x.svg", as_attachment=False)
    assert response["Content-Type"] == "application/octet-stream"


def test_nginx_mode_hands_the_file_to_the_internal_location(client, citizen, attachment, settings):
    settings.PRIVATE_MEDIA_SERVER = "nginx"
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/_private/"
    client.force_login(citizen)
    response = client.get(attachment.file.url)
    assert response["X-Accel-Redirect"] == f"/_private/{attachment.file.name}"
    assert response.content == b""
    assert response["X-Content-Type-Options"] == "nosniff"
    client.logout()
    assert client.get(attachment.file.url).status_code == 404


def test_apache_mode_uses_x_sendfile(client, citizen, attachment, settings):
    settings.PRIVATE_MEDIA_SERVER = "apache"
    client.force_login(citizen)
    response = client.get(attachment.file.url)
    assert response["X-Sendfile"] == storages["private"].path(attachment.file.name)


def test_served_files_reach_the_listeners(client, citizen, attachment):
    heard = []
    listener = files.on_file_served(lambda request, obj, field: heard.append((request.user, obj, field)))
    try:
        client.force_login(citizen)
        client.get(attachment.file.url)
        client.logout()
        client.get(attachment.file.url)
    finally:
        files._served_listeners.remove(listener)
    assert heard == [(citizen, attachment, "file")]


def test_development_media_serves_only_published_media(settings):
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    storages["default"].save("pufa/media/poster.jpg", ContentFile(b"\xff\xd8\xff"))
    storages["default"].save("grievances/2025/01/id.jpg", ContentFile(b"\xff\xd8\xff"))
    request = RequestFactory().get("/media/")
    assert files.public_media(request, "pufa/media/poster.jpg").status_code == 200
    for name in ("grievances/2025/01/id.jpg", "pufa/media/../../grievances/2025/01/id.jpg"):
        with pytest.raises(files.Http404):
            files.public_media(request, name)


def test_data_migration_moves_old_public_files_and_keeps_links(client, citizen, attachment,
                                                             django_capture_on_commit_callbacks):
    # An attachment as it was stored before: in the public media root under the device's name.
    old = storages["default"].save("grievances/2025/01/张三身份证.jpg", ContentFile(b"old-bytes"))
    Attachment.objects.filter(pk=attachment.pk).update(file=old, thumbnail="")
    with django_capture_on_commit_callbacks(execute=True):
        assert files.move_to_private(Attachment, ["file", "thumbnail"], "grievances") == 1
    attachment.refresh_from_db()
    assert not storages["default"].exists(old)
    assert storages["private"].exists(attachment.file.name) and "张三" not in attachment.file.name
    client.force_login(citizen)
    response = client.get(reverse("grievances:attachment", args=[attachment.pk]))
    assert b"".join(response.streaming_content) == b"old-bytes"
    with django_capture_on_commit_callbacks(execute=True):
        assert files.move_to_private(Attachment, ["file", "thumbnail"], "grievances") == 0  # idempotent


# Published media: public and cacheable by design (issue 12). Everything else is private.
PUBLIC_FILE_FIELDS = {
    "pufa_media.video.poster", "pufa_media.rendition.file", "pufa_media.subtitle.srt", "pufa_media.subtitle.vtt",
    "pufa_media.caseexplanation.cover", "pufa_media.articleimage.image",
}


def test_every_file_field_is_private_and_has_a_rule_or_is_published_media():
    from django.apps import apps
    from django.conf import settings
    from django.db import models

    project = {c.label for c in apps.get_app_configs()
               if c.path.startswith(str(settings.BASE_DIR)) and ".venv" not in c.path}
    assert {"grievances", "mediation", "lawyers", "pufa_media"} <= project
    rules = {(r.model._meta.label_lower, r.field) for r in files.registered()}
    wrong = []
    for model in apps.get_models():
        if model._meta.app_label not in project:
            continue
        for f in model._meta.get_fields():
            if not isinstance(f, models.FileField):
                continue
            key = f"{model._meta.label_lower}.{f.name}"
            if key in PUBLIC_FILE_FIELDS:
                continue
            if not isinstance(f, files.PrivateFileField) or (model._meta.label_lower, f.name) not in rules:
                wrong.append(key)
    assert wrong == []
