"""Checks on citizens' images and voice recordings: by content (magic bytes / decoding), not
by the name or the browser's claimed type, and by size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IMAGE_MAX_BYTES = 5 * 1024 * 1024
AUDIO_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 6
AUDIO_MAX_SECONDS = 180

_AUDIO_SIGNATURES = (
    (0, b"ID3", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"\x1a\x45\xdf\xa3", "audio/webm"),
    (0, b"#!AMR", "audio/amr"),
    (0, b"fLaC", "audio/flac"),
)


def _head(f, n=64) -> bytes:
    pos = f.tell() if hasattr(f, "tell") else 0
    f.seek(0)
    data = f.read(n)
    f.seek(pos)
    return data


def sniff_audio(head: bytes) -> str | None:
    for offset, sig, ctype in _AUDIO_SIGNATURES:
        if head[offset:offset + len(sig)] == sig:
            return ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if len(head) > 1 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "audio/mpeg"
    return None


def check_image(f) -> str:
    from PIL import Image, UnidentifiedImageError

    if f.size > IMAGE_MAX_BYTES:
        raise ValidationError(_("图片不能超过5MB：%(name)s") % {"name": f.name})
    try:
        f.seek(0)
        with Image.open(f) as img:
            fmt = (img.format or "").lower()
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("%(name)s 不是有效的图片文件。") % {"name": f.name}) from exc
    finally:
        f.seek(0)
    if fmt not in {"jpeg", "png", "gif", "webp"}:
        raise ValidationError(_("只接受 JPG、PNG、GIF、WEBP 图片：%(name)s") % {"name": f.name})
    return f"image/{fmt}"


def audio_seconds(f) -> float | None:
    """Open the recording with FFmpeg (PyAV) and return its length; None when the container
    does not say (browser recordings often do not). Raises ValueError if it has no audio."""
    import av

    f.seek(0)
    try:
        with av.open(f, mode="r") as container:
            if not container.streams.audio:
                raise ValueError("no audio stream")
            if container.duration:
                return container.duration / 1_000_000
            stream = container.streams.audio[0]
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
            return None
    except av.FFmpegError as exc:
        raise ValueError(str(exc)) from exc
    finally:
        f.seek(0)


def check_audio(f) -> str:
    if f.size > AUDIO_MAX_BYTES:
        raise ValidationError(_("语音不能超过10MB：%(name)s") % {"name": f.name})
    ctype = sniff_audio(_head(f))
    invalid = ValidationError(_("%(name)s 不是可识别的录音文件（支持 MP3、M4A、WAV、OGG、WEBM、AMR）。")
                              % {"name": f.name})
    if ctype is None:
        raise invalid
    try:
        seconds = audio_seconds(f)
    except ValueError as exc:
        raise invalid from exc
    if seconds is not None and seconds > AUDIO_MAX_SECONDS:
        raise ValidationError(_("语音不能超过%(n)d分钟：%(name)s") % {"n": AUDIO_MAX_SECONDS // 60, "name": f.name})
    return ctype


def classify(files) -> list[tuple[str, str, object]]:
    """Validate uploaded files; returns (kind, content_type, file) for each. Images and audio
    are told apart by content."""
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise ValidationError(_("每次最多上传%(n)d个附件。") % {"n": MAX_FILES})
    out = []
    for f in files:
        if sniff_audio(_head(f)):
            out.append(("audio", check_audio(f), f))
        else:
            out.append(("image", check_image(f), f))
    return out
