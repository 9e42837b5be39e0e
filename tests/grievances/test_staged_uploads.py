"""Upload first, then reference (issue 14 item 9): files uploaded ahead of the form
survive a refused submit, belong to their uploader only, and become the item's
attachments when the form goes through."""

import os

import pytest
from django.urls import reverse

from grievances import services
from grievances.models import Attachment, Grievance, StagedUpload
from tests.grievances import media


def _form(world, **kw):
    data = {
        "kind": "livelihood", "region_code": world.east_village.code, "address": "柳岸花园3栋",
        "title": "路灯不亮", "description": "小区门口路灯坏了一个月。", "contact_name": "张三",
        "contact_phone": "13912345678",
    }
    data.update(kw)
    return data


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def _stage(client, upload):
    response = client.post(reverse("grievances:stage_upload"), {"file": upload})
    return response


def test_a_refused_submit_keeps_the_uploaded_photo_and_the_next_submit_attaches_it(citizen_client, world):
    staged = _stage(citizen_client, media.jpeg_with_gps()).json()
    assert staged["thumb"] and staged["discard"]
    refused = citizen_client.post(reverse("grievances:submit"), _form(world, title="", staged=[staged["id"]]))
    body = refused.content.decode()
    assert refused.status_code == 200 and "附件需要重新选择" not in body
    assert f'name="staged" value="{staged["id"]}"' in body and staged["thumb"] in body
    assert "移除" in body
    done = citizen_client.post(reverse("grievances:submit"), _form(world, staged=[staged["id"]]))
    assert done.status_code == 302
    g = Grievance.objects.get()
    att = Attachment.objects.get(grievance=g)
    assert att.kind == "image" and att.thumbnail
    assert not StagedUpload.objects.exists()
    with att.file.open("rb") as fh:
        assert b"Exif" not in fh.read()  # it went through the gate when it was staged


def test_a_bad_file_is_refused_when_staged_with_the_gates_message(citizen_client):
    response = _stage(citizen_client, media.text_as_jpeg())
    assert response.status_code == 400 and "类型不支持" in response.json()["error"]
    assert not StagedUpload.objects.exists()


def test_nobody_can_attach_or_see_someone_elses_staged_file(client, citizen, other_citizen, world):
    client.force_login(citizen)
    staged = _stage(client, media.png()).json()
    client.force_login(other_citizen)
    assert client.get(staged["thumb"]).status_code == 404
    response = client.post(reverse("grievances:submit"), _form(world, staged=[staged["id"]]))
    assert "已过期或已被移除" in response.content.decode()
    assert not Grievance.objects.exists() and StagedUpload.objects.count() == 1


def test_the_remove_button_discards_the_staged_file(citizen_client, world):
    staged = _stage(citizen_client, media.png()).json()
    assert citizen_client.post(staged["discard"]).json() == {"ok": True}
    assert not StagedUpload.objects.exists()


def test_staged_and_chosen_files_share_the_count_limit(citizen_client, world):
    ids = [_stage(citizen_client, media.png(f"p{i}.png")).json()["id"] for i in range(9)]
    response = citizen_client.post(reverse("grievances:submit"), _form(world, staged=ids, files=[media.png()]))
    assert "一次最多上传9个文件" in response.content.decode()


def test_department_reply_takes_staged_files(client, loop, east_handler):
    g = loop.handling()
    client.force_login(east_handler)
    staged = _stage(client, media.png()).json()
    response = client.post(reverse("grievances:work_action", args=[g.pk, "reply"]),
                           {"note": "已联系厂家", "version": g.version, "staged": [staged["id"]]})
    assert response.status_code == 302
    assert g.attachments.count() == 1


def test_staged_files_expire(citizen, world):
    from datetime import timedelta

    from django.utils import timezone

    st = services.stage_upload(actor=citizen, file=media.png())
    StagedUpload.objects.filter(pk=st.pk).update(created_at=timezone.now() - timedelta(days=2))
    services.stage_upload(actor=citizen, file=media.png("b.png"))
    assert list(StagedUpload.objects.values_list("original_name", flat=True)) == ["b.png"]


def _age(st, **delta):
    from datetime import timedelta

    from django.utils import timezone

    StagedUpload.objects.filter(pk=st.pk).update(created_at=timezone.now() - timedelta(**delta))


def test_the_periodic_sweep_deletes_expired_staged_uploads_and_their_files(
        citizen, other_citizen, world, django_capture_on_commit_callbacks):
    """People who never come back: the hourly sweep removes their expired files (the per-owner
    expiry only runs when the same person uploads again); fresh ones stay."""
    from grievances.tasks import sweep_staged_uploads

    old = services.stage_upload(actor=citizen, file=media.png("old.png"))
    old2 = services.stage_upload(actor=other_citizen, file=media.png("old2.png"))
    fresh = services.stage_upload(actor=other_citizen, file=media.png("fresh.png"))
    _age(old, hours=25)
    _age(old2, days=3)
    paths = [old.file.path, old2.file.path] + ([old.thumbnail.path] if old.thumbnail else [])
    assert all(os.path.exists(p) for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_staged_uploads.delay().get() == 2
    assert list(StagedUpload.objects.values_list("original_name", flat=True)) == ["fresh.png"]
    assert not any(os.path.exists(p) for p in paths)
    assert os.path.exists(fresh.file.path)


def test_the_sweep_is_in_the_beat_schedule_and_the_embedded_scheduler_runs_it(citizen, world, settings):
    from django.core.management import call_command

    entry = settings.CELERY_BEAT_SCHEDULE["grievances-sweep-staged-uploads"]
    assert entry["task"] == "grievances.tasks.sweep_staged_uploads"
    old = services.stage_upload(actor=citizen, file=media.png("old.png"))
    _age(old, days=2)
    settings.REDIS_URL = ""
    call_command("run_scheduler", "--once")
    assert not StagedUpload.objects.exists()
