"""Video and audio uploads keep no container metadata (a phone's GPS position), and the parts
of a chunked upload never sit under MEDIA_ROOT (issue 12: protected files, one upload gate)."""

import json
from pathlib import Path

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grid import uploads
from pufa_media import processing
from pufa_media.models import ProcessingStatus, UploadSession, Video
from tests.pufa_media.factories import VideoFactory

pytestmark = pytest.mark.django_db

LAT_LON = "+31.2304+121.4737"
TAGS = {"location": f"{LAT_LON}/", "com.apple.quicktime.location.ISO6709": f"{LAT_LON}+010.000/",
        "title": "张三家门口", "comment": "iPhone 15 Pro"}


def _with_metadata(src: Path, dst: Path, *, fmt: str = "mp4") -> Path:
    """A copy of ``src`` whose container and streams carry a phone's location and other tags."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format=fmt) as out:
        out.metadata.update(TAGS)
        mapping = {}
        for s in inp.streams:
            o = out.add_stream_from_template(s)
            o.metadata.update({"location": TAGS["location"], "handler_name": "Core Media Video"})
            mapping[s.index] = o
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = mapping[packet.stream.index]
            out.mux(packet)
    return dst


def _leaks(path) -> list[str]:
    """Every trace of the tags in the file: in what FFmpeg reads back and in the raw bytes."""
    found = []
    data = Path(path).read_bytes()
    for needle in (b"loci", b"\xa9xyz", "张三家门口".encode(), b"iPhone", b"Core Media"):
        if needle in data:
            found.append(repr(needle))
    if Path(path).suffix in (".jpg", ".jpeg", ".png", ".webp"):
        return found
    with av.open(str(path)) as c:
        for meta in [c.metadata, *(s.metadata for s in c.streams)]:
            for key, value in meta.items():
                if "location" in key.lower() or "31.23" in str(value) or "张三" in str(value):
                    found.append(f"{key}={value}")
    return found


def test_the_test_file_really_carries_a_location(clip, tmp_path):
    tagged = _with_metadata(clip, tmp_path / "tagged.mp4")
    assert _leaks(tagged)  # else the tests below could not fail


def test_a_chunked_video_upload_keeps_no_location_in_any_file_it_produces(
        client, east_centre_staff, tiny_renditions, clip, tmp_path, settings, django_capture_on_commit_callbacks):
    """Through the real door (the admin's chunked uploader): the kept source, every rendition
    and the poster carry no location, and no part file ever appears under MEDIA_ROOT."""
    tiny_renditions.PUFA_UPLOAD_CHUNK_BYTES = 8 * 1024
    data = _with_metadata(clip, tmp_path / "IMG_0001.mp4").read_bytes()
    client.force_login(east_centre_staff)
    video = VideoFactory()
    info = client.post(reverse("admin:pufa_media_upload_start", args=[video.pk]),
                       json.dumps({"name": "IMG_0001.MOV", "size": len(data)}),
                       content_type="application/json").json()
    offset, chunk = 0, info["chunk"]
    media_root = Path(settings.MEDIA_ROOT)
    while offset < len(data):
        offset = client.post(f"{info['chunk_url']}?offset={offset}", data[offset:offset + chunk],
                             content_type="application/octet-stream").json()["received"]
        # the parts are private, under a random name, never under MEDIA_ROOT
        assert not [p for p in media_root.rglob("*") if p.is_file()]
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / UploadSession.objects.get().temp_name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(info["finish_url"]).status_code == 200
    video = Video.objects.get(pk=video.pk)
    assert video.status == ProcessingStatus.READY, video.error
    part = Path(settings.PRIVATE_MEDIA_ROOT) / UploadSession.objects.get().temp_name
    assert not part.exists()
    produced = [Path(video.source.path), *(Path(r.file.path) for r in video.renditions.all())]
    if video.poster:
        produced.append(Path(video.poster.path))
    assert len(produced) >= 3
    assert {str(p): _leaks(p) for p in produced} == {str(p): [] for p in produced}
    # and no file anywhere under either root kept the tags
    everything = [p for root in (media_root, Path(settings.PRIVATE_MEDIA_ROOT)) for p in root.rglob("*")
                  if p.is_file()]
    assert not [str(p) for p in everything if _leaks(p)]


@pytest.mark.parametrize("fmt, policy", [("mp4", "appeal"), ("mov", "video_source"), ("matroska", "appeal")])
def test_the_gate_strips_video_metadata(clip, tmp_path, fmt, policy):
    tagged = _with_metadata(clip, tmp_path / f"tagged.{fmt}", fmt=fmt)
    clean = uploads.check(SimpleUploadedFile(f"v.{fmt}", tagged.read_bytes()), policy=policy)
    out = tmp_path / f"clean.{clean.ext}"
    out.write_bytes(clean.content.read())
    assert clean.size == out.stat().st_size
    assert _leaks(out) == []
    with av.open(str(out)) as c:  # still a playable video with its sound
        assert c.streams.video and c.streams.audio


def test_the_gate_strips_audio_metadata(tmp_path):
    """A voice clip for a lawyer's question (policy "qa"): no tags survive."""
    clip = processing.generate_clip(tmp_path / "a.mp4", seconds=1, width=64, height=64)
    with av.open(str(clip)) as inp, av.open(str(tmp_path / "voice.m4a"), "w", format="ipod") as out:
        out.metadata.update(TAGS)
        src = inp.streams.audio[0]
        o = out.add_stream_from_template(src)
        for packet in inp.demux(src):
            if packet.dts is None:
                continue
            packet.stream = o
            out.mux(packet)
    tagged = tmp_path / "voice.m4a"
    assert _leaks(tagged)
    clean = uploads.check(SimpleUploadedFile("voice.m4a", tagged.read_bytes()), policy="qa")
    assert clean.kind == "audio"
    out = tmp_path / f"clean.{clean.ext}"
    out.write_bytes(clean.content.read())
    assert _leaks(out) == []
