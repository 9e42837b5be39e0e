"""The hostile corpus through every upload door of the appeal loop: submit, supplement,
grid patrol, department interim reply and completion. 0 5xx, 0 wrong verdicts, and the
images kept carry no EXIF/GPS."""

from django.urls import reverse

from grievances.models import Attachment
from tests.uploads_corpus import has_exif, run_corpus

FORM = {"kind": "livelihood", "address": "柳岸花园3栋", "title": "路灯不亮", "description": "小区门口路灯坏了。",
        "contact_name": "张三", "contact_phone": "13912345678"}


def _no_exif_on_kept_images():
    for att in Attachment.objects.filter(kind="image"):
        for f in (att.file, att.thumbnail):
            with f.open("rb") as fh:
                data = fh.read()
            assert not has_exif(data) and b"<script" not in data and b"PK\x03\x04" not in data


def test_submit_door(client, citizen, world, hostile_corpus):
    client.force_login(citizen)

    def submit(sample):
        return client.post(reverse("grievances:submit"),
                           {**FORM, "region_code": world.east_village.code, "files": [sample.upload()]})

    assert run_corpus(hostile_corpus, "appeal", submit, Attachment.objects.count) == []
    _no_exif_on_kept_images()


def test_a_refused_file_keeps_what_was_typed(client, citizen, world, hostile_corpus):
    client.force_login(citizen)
    bad = next(s for s in hostile_corpus if s.key == "html_id")
    response = client.post(reverse("grievances:submit"),
                           {**FORM, "region_code": world.east_village.code, "files": [bad.upload()]})
    body = response.content.decode()
    assert response.status_code == 200 and "身份证.html" in body and "类型不支持" in body
    assert "小区门口路灯坏了。" in body and "柳岸花园3栋" in body


def test_supplement_door(client, citizen, loop, hostile_corpus):
    g = loop.dispatched()
    client.force_login(citizen)

    def submit(sample):
        g.refresh_from_db()
        return client.post(reverse("grievances:supplement", args=[g.pk]),
                           {"note": "补充", "files": [sample.upload()], "version": g.version})

    assert run_corpus(hostile_corpus, "appeal", submit, g.attachments.count) == []
    _no_exif_on_kept_images()


def test_patrol_door(client, grid_worker, world, hostile_corpus):
    client.force_login(grid_worker)

    def submit(sample):
        return client.post(reverse("grievances:patrol"), {
            "grid": world.grid.pk, "kind": "dispute", "title": "楼道堆放杂物", "description": "消防通道被堵。",
            "files": [sample.upload()]})

    assert run_corpus(hostile_corpus, "appeal", submit, Attachment.objects.count) == []


def test_department_reply_door(client, loop, east_handler, hostile_corpus):
    g = loop.handling()
    client.force_login(east_handler)

    def submit(sample):
        g.refresh_from_db()
        return client.post(reverse("grievances:work_action", args=[g.pk, "reply"]),
                           {"note": "正在处理", "files": [sample.upload()], "version": g.version})

    assert run_corpus(hostile_corpus, "appeal", submit, g.attachments.count) == []


def test_department_completion_door(client, loop, east_handler, hostile_corpus):
    client.force_login(east_handler)

    def submit(sample):
        g = loop.handling()
        return client.post(reverse("grievances:work_action", args=[g.pk, "complete"]),
                           {"result": "已修好", "files": [sample.upload()], "version": g.version})

    assert run_corpus(hostile_corpus, "appeal", submit, Attachment.objects.count) == []
    _no_exif_on_kept_images()
