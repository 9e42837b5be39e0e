"""The media pipeline for real: a generated clip is probed, transcoded and given a poster."""

import av
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from pufa_media import processing, services
from pufa_media.models import ProcessingStatus, Subtitle, Video
from tests.pufa_media.factories import VideoFactory

pytestmark = pytest.mark.django_db


def _upload(video, user, path, name="clip.mp4"):
    with open(path, "rb") as fh:
        return services.attach_source(video=video, user=user, file=SimpleUploadedFile(name, fh.read()))


def test_generated_clip_goes_through_the_whole_pipeline(tiny_renditions, clip, east_centre_staff,
                                                        django_capture_on_commit_callbacks):
    video = VideoFactory()
    Subtitle.objects.create(video=video, language="zh-Hans", label="中文",
                            srt=ContentFile("1\n00:00:00,000 --> 00:00:01,500\n欠薪找综治中心\n".encode(),
                                            name="zh.srt"))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(video, east_centre_staff, clip)
    video.refresh_from_db()
    assert video.status == ProcessingStatus.READY, video.error
    assert video.duration == pytest.approx(2.0, abs=0.1)
    renditions = {r.name: r for r in video.renditions.all()}
    assert set(renditions) == {"low", "high"}
    assert (renditions["low"].height, renditions["high"].height) == (72, 144)
    for r in renditions.values():
        path = r.file.path
        boxes = processing.top_level_boxes(path)
        assert boxes.index("moov") < boxes.index("mdat"), boxes  # faststart: the index comes first
        with av.open(path) as c:
            assert c.streams.video[0].codec_context.name == "h264"
            assert c.streams.audio[0].codec_context.name == "aac"
    assert video.poster and video.poster.size > 0
    subtitle = video.subtitles.get()
    assert subtitle.vtt.read().decode().startswith("WEBVTT")


def test_keyframes_every_two_seconds(tmp_path):
    src = processing.generate_clip(tmp_path / "six.mp4", seconds=6, width=160, height=90, fps=30, audio=False)
    spec = processing.RenditionSpec("low", "流畅", 90, 100_000, 32_000)
    out = processing.transcode(src, tmp_path / "out.mp4", spec, preset="ultrafast")
    with av.open(str(out.path)) as c:
        keys = [round(float(p.pts * p.time_base), 2) for p in c.demux(c.streams.video[0]) if p.is_keyframe]
    assert keys == [0.0, 2.0, 4.0]


def test_portrait_phone_video_is_turned_upright(tmp_path):
    """Phones store portrait video as landscape frames plus a display matrix; the renditions
    carry upright pictures (360p means the short side) and no matrix."""
    import numpy as np

    src = tmp_path / "phone.mp4"
    with av.open(str(src), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 320, 180, "yuv420p"
        vs.set_display_rotation(90)
        for i in range(25):
            picture = np.zeros((180, 320, 3), dtype=np.uint8)
            picture[:40, :40] = (255, 255, 255)  # a white mark in the stored frame's top-left corner
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = i
            for p in vs.encode(frame):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
    info = processing.probe(src, max_duration=180)
    assert (info.width, info.height) == (180, 320)
    spec = processing.RenditionSpec("low", "流畅", 90, 100_000, 32_000)
    result = processing.transcode(src, tmp_path / "out.mp4", spec, preset="ultrafast")
    assert (result.width, result.height) == (90, 160)
    with av.open(str(result.path)) as c:
        frame = next(c.decode(c.streams.video[0]))
        assert frame.rotation == 0
        picture = frame.to_ndarray(format="gray")
    # turned a quarter counter-clockwise, as FFmpeg's autorotate does for this matrix:
    # the stored top-left corner is now bottom-left
    assert picture[-8:, :8].mean() > 200 and picture[:8, :8].mean() < 50


def test_no_high_rendition_when_the_source_is_small(tmp_path):
    specs = [processing.RenditionSpec("low", "流畅", 360, 500_000, 64_000),
             processing.RenditionSpec("high", "高清", 720, 2_000_000, 128_000)]
    assert [s.name for s in processing.choose_renditions(specs, 480)] == ["low"]
    assert [s.name for s in processing.choose_renditions(specs, 1080)] == ["low", "high"]
    assert [s.name for s in processing.choose_renditions(specs, 240)] == ["low"]


def _process(video, user, path, captured, name="clip.mp4"):
    with captured(execute=True):
        _upload(video, user, path, name=name)
    video.refresh_from_db()
    return video


def test_text_file_named_mp4_is_refused_at_upload(tmp_path, east_centre_staff):
    """The upload gate refuses it before it is stored or queued."""
    fake = tmp_path / "fake.mp4"
    fake.write_text("这不是视频，只是一个改了扩展名的文本文件。\n" * 50, encoding="utf-8")
    video = VideoFactory()
    with pytest.raises(services.PufaMediaError, match="类型不支持"):
        _upload(video, east_centre_staff, fake, name="fake.mp4")
    video.refresh_from_db()
    assert not video.source and video.status == ProcessingStatus.PENDING


def test_truncated_mp4_is_refused_at_upload(clip, tmp_path, east_centre_staff):
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    video = VideoFactory()
    with pytest.raises(services.PufaMediaError, match="无法识别或已损坏"):
        _upload(video, east_centre_staff, cut)
    video.refresh_from_db()
    assert not video.source


def test_truncated_faststart_mp4_is_refused(tmp_path):
    src = processing.generate_clip(tmp_path / "fs.mp4", seconds=2, width=160, height=90, faststart=True)
    data = src.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(processing.MediaRejected, match="视频文件不完整"):
        processing.probe(cut, max_duration=180)


def test_clip_over_the_limit_is_refused(tiny_renditions, clip, east_centre_staff,
                                        django_capture_on_commit_callbacks):
    tiny_renditions.PUFA_MAX_DURATION_SECONDS = 1
    video = _process(VideoFactory(), east_centre_staff, clip, django_capture_on_commit_callbacks)
    assert video.status == ProcessingStatus.FAILED
    assert video.error == "视频时长 2 秒，超过上限 1 秒，请剪辑后再上传。"


def test_audio_only_file_is_refused(tmp_path):
    path = tmp_path / "voice.m4a"
    import numpy as np

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 44100), dtype=np.float32), format="fltp", layout="mono")
        frame.sample_rate = 44100
        frame.pts = 0
        for p in stream.encode(frame):
            out.mux(p)
        for p in stream.encode(None):
            out.mux(p)
    with pytest.raises(processing.MediaRejected, match="没有视频画面"):
        processing.probe(path, max_duration=180)


def test_failed_video_is_retried_by_staff(tiny_renditions, clip, east_centre_staff,
                                          django_capture_on_commit_callbacks):
    tiny_renditions.PUFA_MAX_DURATION_SECONDS = 1
    video = _process(VideoFactory(), east_centre_staff, clip, django_capture_on_commit_callbacks)
    assert video.status == ProcessingStatus.FAILED
    tiny_renditions.PUFA_MAX_DURATION_SECONDS = 180
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_processing(video=video, user=east_centre_staff)
    video.refresh_from_db()
    assert video.status == ProcessingStatus.READY
    assert video.error == ""


def test_processing_twice_does_nothing_the_second_time(tiny_renditions, clip, east_centre_staff,
                                                       django_capture_on_commit_callbacks):
    video = _process(VideoFactory(), east_centre_staff, clip, django_capture_on_commit_callbacks)
    assert video.status == ProcessingStatus.READY
    assert services.process_video(video.pk) == "skipped"
    assert video.renditions.count() == 2


def test_stuck_video_is_requeued_and_processed(tiny_renditions, clip, east_centre_staff,
                                               django_capture_on_commit_callbacks):
    from django.utils import timezone

    video = VideoFactory()
    with open(clip, "rb") as fh:
        video.source.save("clip.mp4", ContentFile(fh.read()), save=True)
    # a worker took it and died
    video.start_processing()
    video.save()
    Video.objects.filter(pk=video.pk).update(processing_started_at=timezone.now() - timezone.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stuck() == [video.pk]
    video.refresh_from_db()
    assert video.status == ProcessingStatus.READY


def test_stale_run_cannot_overwrite_a_newer_one(tiny_renditions, clip):
    video = VideoFactory()
    with open(clip, "rb") as fh:
        video.source.save("clip.mp4", ContentFile(fh.read()), save=True)
    video.start_processing()
    video.save()
    assert services._fail(video.pk, attempt=video.attempts - 1, message="old run") == "stale"
    video.refresh_from_db()
    assert video.status == ProcessingStatus.PROCESSING


def test_srt_becomes_webvtt_with_chinese_intact():
    srt = ("1\r\n00:00:01,000 --> 00:00:03,500\r\n借钱要打借条，\r\n写清金额和期限。\r\n\r\n"
           "2\r\n00:00:04,000 --> 00:00:06,000\r\nꆈꌠꁱꂷ 彝文字幕\r\n")
    vtt = processing.srt_to_vtt(srt.encode("utf-8-sig"))
    assert vtt == ("WEBVTT\n\n00:00:01.000 --> 00:00:03.500\n借钱要打借条，\n写清金额和期限。\n\n"
                   "00:00:04.000 --> 00:00:06.000\nꆈꌠꁱꂷ 彝文字幕\n")


def test_srt_in_gb18030_is_read():
    srt = "1\n00:00:00,500 --> 00:00:02,000\n未成年人打赏可以要回吗？\n".encode("gb18030")
    assert "未成年人打赏可以要回吗？" in processing.srt_to_vtt(srt)


def test_srt_without_timings_is_refused():
    with pytest.raises(processing.MediaRejected, match="没有可识别的时间轴"):
        processing.srt_to_vtt("只是文字".encode())
