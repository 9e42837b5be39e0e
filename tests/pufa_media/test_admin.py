"""Staff in the admin: chunked resumable upload, processing status and error, retry, scoping."""

import json

import pytest
from django.urls import reverse

from pufa_media.models import ProcessingStatus, UploadSession, Video
from tests.pufa_media.factories import VideoFactory, ready_video

pytestmark = pytest.mark.django_db


def _start(client, video, name, size):
    return client.post(reverse("admin:pufa_media_upload_start", args=[video.pk]),
                       json.dumps({"name": name, "size": size}), content_type="application/json")


def _chunk(client, info, offset, data):
    return client.post(f"{info['chunk_url']}?offset={offset}", data, content_type="application/octet-stream")


def test_chunked_upload_resumes_after_a_dropped_connection_and_becomes_playable(
        client, east_centre_staff, tiny_renditions, clip, django_capture_on_commit_callbacks):
    tiny_renditions.PUFA_UPLOAD_CHUNK_BYTES = 8 * 1024
    client.force_login(east_centre_staff)
    video = VideoFactory()
    data = clip.read_bytes()
    info = _start(client, video, "欠薪.mp4", len(data)).json()
    assert info["received"] == 0
    chunk = info["chunk"]
    assert _chunk(client, info, 0, data[:chunk]).json()["received"] == chunk
    # the connection drops; the page is reloaded and the same file chosen again: resume at the offset
    again = _start(client, video, "欠薪.mp4", len(data)).json()
    assert again["session"] == info["session"] and again["received"] == chunk
    # a repeated chunk is ignored, the server answers with what it has
    assert _chunk(client, again, 0, data[:chunk]).json()["received"] == chunk
    offset = chunk
    while offset < len(data):
        offset = _chunk(client, again, offset, data[offset:offset + chunk]).json()["received"]
    with django_capture_on_commit_callbacks(execute=True):
        result = client.post(again["finish_url"]).json()
    video.refresh_from_db()
    assert video.status == ProcessingStatus.READY, video.error
    assert result["status"] in {"pending", "ready"}
    polled = client.get(reverse("admin:pufa_media_video_status", args=[video.pk])).json()
    assert polled == {"status": "ready", "status_display": "可播放", "error": ""}
    assert video.source.size == len(data)
    assert UploadSession.objects.get().completed


def test_finish_refuses_an_incomplete_upload(client, east_centre_staff):
    client.force_login(east_centre_staff)
    video = VideoFactory()
    info = _start(client, video, "a.mp4", 100).json()
    _chunk(client, info, 0, b"x" * 40)
    response = client.post(info["finish_url"])
    assert response.status_code == 400
    assert "尚未上传完整" in response.json()["error"]


def test_citizen_cannot_use_the_upload_endpoint(client, citizen):
    client.force_login(citizen)
    video = VideoFactory()
    response = _start(client, video, "a.mp4", 100)
    assert response.status_code == 302  # sent to the admin login
    assert not UploadSession.objects.exists()


def test_failed_video_shows_its_error_and_a_retry_button(client, east_centre_staff, tiny_renditions, clip,
                                                        django_capture_on_commit_callbacks):
    client.force_login(east_centre_staff)
    video = VideoFactory(title="超长视频")
    video.source.save("clip.mp4", open(clip, "rb"), save=True)
    video.mark_failed("视频时长 200 秒，超过上限 180 秒，请剪辑后再上传。")
    video.save()
    html = client.get(reverse("admin:pufa_media_video_change", args=[video.pk])).content.decode()
    assert "处理失败" in html and "超过上限 180 秒" in html
    assert reverse("admin:pufa_media_video_retry", args=[video.pk]) in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:pufa_media_video_retry", args=[video.pk]))
    video.refresh_from_db()
    assert video.status == ProcessingStatus.READY


def test_admin_lists_only_the_staff_members_region(client, east_centre_staff, west_centre_staff):
    ready_video(title="东湖区视频", region_code="439001000000")
    ready_video(title="西山县视频", region_code="439002000000")
    client.force_login(west_centre_staff)
    html = client.get(reverse("admin:pufa_media_video_changelist")).content.decode()
    assert "西山县视频" in html and "东湖区视频" not in html


def test_admin_publish_action_refuses_a_video_still_processing(client, east_centre_staff):
    client.force_login(east_centre_staff)
    video = VideoFactory(title="处理中")
    response = client.post(reverse("admin:pufa_media_video_changelist"),
                           {"action": "publish", "_selected_action": [video.pk]}, follow=True)
    assert "处理完成" in response.content.decode()
    assert not Video.objects.get(pk=video.pk).is_published


def test_staff_create_a_video_in_the_admin_with_its_region(client, east_centre_staff):
    from legalqa.models import FieldOfLaw

    client.force_login(east_centre_staff)
    response = client.post(reverse("admin:pufa_media_video_add"), {
        "title": "新视频", "summary": "", "field": FieldOfLaw.objects.get(code="labour").pk,
        "subtitles-TOTAL_FORMS": 0, "subtitles-INITIAL_FORMS": 0,
        "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    video = Video.objects.get(title="新视频")
    assert video.region_code == east_centre_staff.unit.region_code
    assert video.status == ProcessingStatus.PENDING


def test_subtitle_without_timings_is_refused_in_the_admin(client, east_centre_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pufa_media.models import Subtitle

    client.force_login(east_centre_staff)
    video = VideoFactory(title="字幕测试")
    response = client.post(reverse("admin:pufa_media_video_change", args=[video.pk]), {
        "title": video.title, "summary": "", "field": video.field_id,
        "subtitles-TOTAL_FORMS": 1, "subtitles-INITIAL_FORMS": 0,
        "subtitles-0-language": "zh-Hans", "subtitles-0-label": "中文",
        "subtitles-0-srt": SimpleUploadedFile("bad.srt", "只有文字没有时间轴".encode()),
        "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200
    assert "没有可识别的时间轴" in response.content.decode()
    good = SimpleUploadedFile("zh.srt", "1\n00:00:00,000 --> 00:00:01,000\n借条要写清楚\n".encode())
    response = client.post(reverse("admin:pufa_media_video_change", args=[video.pk]), {
        "title": video.title, "summary": "", "field": video.field_id,
        "subtitles-TOTAL_FORMS": 1, "subtitles-INITIAL_FORMS": 0,
        "subtitles-0-language": "zh-Hans", "subtitles-0-label": "中文", "subtitles-0-srt": good,
        "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302
    assert "借条要写清楚" in Subtitle.objects.get(video=video).vtt.read().decode()


def test_abandoned_uploads_are_purged(client, east_centre_staff, settings):
    from django.utils import timezone

    from pufa_media import services

    client.force_login(east_centre_staff)
    video = VideoFactory()
    info = _start(client, video, "a.mp4", 100).json()
    _chunk(client, info, 0, b"x" * 40)
    session = UploadSession.objects.get()
    part = settings.PRIVATE_MEDIA_ROOT / session.temp_name
    assert part.exists() and not (settings.MEDIA_ROOT / session.temp_name).exists()  # never public
    assert services.purge_stale_uploads(now=timezone.now() + timezone.timedelta(days=3)) == 1
    assert not part.exists() and not UploadSession.objects.exists()


def test_a_small_file_uploaded_with_the_plain_form_is_processed(client, east_centre_staff, tiny_renditions, clip,
                                                              django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from legalqa.models import FieldOfLaw

    client.force_login(east_centre_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:pufa_media_video_add"), {
            "title": "表单上传", "summary": "", "field": FieldOfLaw.objects.get(code="loan").pk,
            "source": SimpleUploadedFile("clip.mp4", clip.read_bytes(), content_type="video/mp4"),
            "subtitles-TOTAL_FORMS": 0, "subtitles-INITIAL_FORMS": 0,
            "questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0,
        })
    assert response.status_code == 302
    video = Video.objects.get(title="表单上传")
    assert video.status == ProcessingStatus.READY, video.error
    assert video.renditions.count() == 2


def test_saving_a_video_goes_through_the_service_author_region_and_chosen_poster(east_centre_staff):
    from legalqa.models import FieldOfLaw
    from pufa_media import services

    video = Video(title="服务保存", field=FieldOfLaw.objects.get(code="labour"))
    services.save_video(video=video, user=east_centre_staff, poster_chosen=True)
    video.refresh_from_db()
    assert video.created_by == east_centre_staff
    assert video.region_code == east_centre_staff.unit.region_code
    assert video.poster_uploaded and video.status == ProcessingStatus.PENDING


def test_someone_elses_upload_is_refused_with_a_chinese_json_error(client, east_centre_staff, city_centre_staff):
    client.force_login(east_centre_staff)
    video = VideoFactory()
    info = _start(client, video, "a.mp4", 100).json()
    client.force_login(city_centre_staff)
    for response in (_chunk(client, info, 0, b"x" * 10), client.post(info["finish_url"])):
        assert response.status_code == 403
        assert response.json() == {"error": "这不是您的上传。"}
    assert UploadSession.objects.get().received == 0


def test_an_empty_upload_is_refused_with_a_chinese_json_error(client, east_centre_staff):
    client.force_login(east_centre_staff)
    response = _start(client, VideoFactory(), "a.mp4", 0)
    assert response.status_code == 400 and response.json() == {"error": "文件为空。"}
