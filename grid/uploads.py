"""The upload gate: the one place that decides whether an uploaded file may be kept.

Every upload door of the platform (appeals, supplements, department replies, patrol
reports, legal aid, lawyer Q&A, mediation material, judicial confirmation, legal-service
applications, document templates, lawyer photos, video sources, article images) checks
its files here, against a named :class:`Policy` in :data:`POLICIES`.

The rules (issue 12, "one upload gate"):

* The type is decided by the content, never by the file name or the browser's claimed
  MIME type: magic bytes choose a family, then the family's parser must accept the file.
* Images are decoded and re-encoded with Pillow: EXIF (including the GPS position),
  ICC/XMP and any trailing payload (a JPEG+HTML or JPEG+ZIP polyglot) are dropped.
  Decompression bombs are refused before any pixel is decoded.
* PDFs need a header at byte 0, a ``startxref``/trailer and a ``%%EOF`` at the end
  (a truncated download is refused) and no active content (JavaScript, launch actions,
  embedded files).
* DOCX/XLSX are opened as zip archives: member count, total size and per-member
  compression ratio are bounded (zip bombs), the required OOXML parts must be there,
  macro projects are refused, and every member is read once to prove it is intact.
* Audio and video are probed with FFmpeg through PyAV: the container must open, carry a
  stream of the expected kind and stay within the policy's duration; what is stored is a
  remux of its audio and video streams with every metadata tag dropped (a phone's GPS
  position, device and dates), see :func:`strip_av_metadata`.
* Size and count limits are per policy; an empty file is refused.
* The name the person's device gave is kept only as display text (:func:`display_name`
  strips paths, control and bidirectional-override characters); the stored name is
  random (see ``grid.files``).

Every refusal is a :class:`django.core.exceptions.ValidationError` whose message is
Chinese and names the file, so a form shows it on the field and keeps what was typed.

Public API:
    ``check(file, policy=...) -> CleanFile``            one file
    ``check_all(files, policy=...) -> list[CleanFile]``  a multi-file field (count limit)
    ``ensure(f, policy=...)`` / ``ensure_all(...)``    for services: check unless already a CleanFile
    ``UploadField`` / ``MultiUploadField``              form fields that call the gate
    ``display_name(raw) -> str``                        safe display text for a name
    ``CONTENT_TYPES``                                   stored extension -> MIME type
"""

from __future__ import annotations

import io
import os
import re
import struct
import tempfile
import unicodedata
import uuid
import warnings
import zipfile
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MB = 1024 * 1024

IMAGE = "image"
VIDEO = "video"
AUDIO = "audio"
PDF = "pdf"
DOCX = "docx"
XLSX = "xlsx"
DOCUMENTS = frozenset({PDF, DOCX, XLSX})

#: The MIME type of every extension the gate gives a stored file. The serving view uses
#: the same table, so a stored file is always described by what the gate found in it.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "m4a": "audio/mp4",
    "weba": "audio/webm",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "amr": "audio/amr",
    "flac": "audio/flac",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

MAX_IMAGE_PIXELS = 40_000_000  # about 7300 x 5500: more than any phone camera
MAX_IMAGE_SIDE = 2560  # stored images are scaled down to this
THUMB_SIZE = (360, 360)
ZIP_MAX_MEMBERS = 1000
ZIP_MAX_TOTAL = 100 * MB
ZIP_MAX_RATIO = 100  # deflate of real XML stays well below; a zip bomb is in the thousands


@dataclass(frozen=True)
class Policy:
    """What one upload door accepts."""

    kinds: frozenset
    max_files: int = 1
    max_bytes: dict = field(default_factory=dict)  # kind -> bytes; defaults in DEFAULT_MAX_BYTES
    max_seconds: int | None = None  # audio/video duration
    thumbnail: bool = False  # images: also make a small JPEG preview
    hint: str = ""  # what the person may upload, for the refusal of a wrong type

    def limit(self, kind: str) -> int:
        return self.max_bytes.get(kind, DEFAULT_MAX_BYTES[kind])


DEFAULT_MAX_BYTES = {IMAGE: 10 * MB, VIDEO: 50 * MB, AUDIO: 10 * MB, PDF: 10 * MB, DOCX: 10 * MB, XLSX: 10 * MB}

VOICE_MAX_SECONDS = 180

_APPEAL_HINT = gettext_lazy("请上传图片（JPG/PNG/WEBP）、视频（MP4/MOV/WEBM）或文档（PDF/Word/Excel）。")
_PROOF_HINT = gettext_lazy("请上传图片（JPG/PNG）或PDF、Word（DOCX）文档。")

#: One policy per upload door. Appeals, supplements, department replies and patrol
#: reports share "appeal" (the same material follows the item through the loop).
POLICIES: dict[str, Policy] = {
    "appeal": Policy(kinds=frozenset({IMAGE, VIDEO} | DOCUMENTS), max_files=9, thumbnail=True, hint=_APPEAL_HINT),
    "qa": Policy(kinds=frozenset({IMAGE, AUDIO}), max_files=6, max_bytes={IMAGE: 5 * MB}, max_seconds=180,
                 hint=gettext_lazy("请上传图片（JPG/PNG）或录音（MP3、M4A、WAV、OGG、WEBM、AMR）。")),
    # 按住说话: a voice note recorded in the browser (MediaRecorder: WebM/Opus, MP4/AAC on
    # Safari) where a citizen describes a problem; at most three minutes.
    "voice": Policy(kinds=frozenset({AUDIO}), max_files=1, max_seconds=VOICE_MAX_SECONDS, max_bytes={AUDIO: 8 * MB},
                    hint=gettext_lazy("请录制或上传一段语音（MP3、M4A、WAV、OGG、WEBM、AMR）。")),
    "legal_aid": Policy(kinds=frozenset({IMAGE, PDF, DOCX}), hint=_PROOF_HINT),
    "mediation_material": Policy(kinds=frozenset({IMAGE} | DOCUMENTS), hint=_PROOF_HINT),
    "application": Policy(kinds=frozenset({IMAGE, PDF, DOCX}), hint=_PROOF_HINT),
    "template": Policy(kinds=frozenset({DOCX}), hint=gettext_lazy("请上传 Word（DOCX）文件。")),
    "lawyer_photo": Policy(kinds=frozenset({IMAGE}), max_bytes={IMAGE: 2 * MB},
                           hint=gettext_lazy("请上传 JPG 或 PNG 照片。")),
    "article_image": Policy(kinds=frozenset({IMAGE}), hint=gettext_lazy("请上传 JPG 或 PNG 图片。")),
    "video_source": Policy(kinds=frozenset({VIDEO}), max_bytes={VIDEO: 1024 * MB},
                           hint=gettext_lazy("请上传 MP4、MOV 或 WEBM 视频。")),
}


@dataclass
class CleanFile:
    """A file the gate accepted: what may be stored, under which name, described how.

    ``content`` is the bytes to store (re-encoded for images); ``storage_name`` is a random
    name with the extension of what the gate found; ``name`` is display text only.
    """

    kind: str
    name: str
    storage_name: str
    content: File
    content_type: str
    size: int
    thumbnail: ContentFile | None = None
    thumbnail_name: str = ""

    @property
    def ext(self) -> str:
        return self.storage_name.rsplit(".", 1)[-1]

    @property
    def family(self) -> str:
        """image, video, audio or document (PDF/DOCX/XLSX), as attachment lists group them."""
        return "document" if self.kind in DOCUMENTS else self.kind


# ------------------------------------------------------------------ names

_DANGEROUS_CHARS = re.compile(r"[\\/:*?\"<>|]")


def display_name(raw, default: str = "file") -> str:
    """The device's file name made safe as display text: no directories, no control,
    format or bidirectional-override characters (an RTL override can make ``gpj.exe``
    look like ``exe.jpg``), no characters Windows forbids, at most 100 characters."""
    raw = str(raw or "")
    raw = raw.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in unicodedata.normalize("NFC", raw)
                   if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    kept = _DANGEROUS_CHARS.sub("_", kept).strip(" .")
    return kept[-100:] or default


def _random_name(ext: str) -> str:
    return f"{uuid.uuid4().hex}.{ext}"


# ------------------------------------------------------------------ the gate


def policy_for(policy: str | Policy) -> Policy:
    return policy if isinstance(policy, Policy) else POLICIES[policy]


def check(f, *, policy: str | Policy) -> CleanFile:
    """Validate one uploaded file against a policy and return what may be stored.

    Raises ValidationError (Chinese message naming the file) on any refusal; never
    anything else for hostile input.
    """
    pol = policy_for(policy)
    name = display_name(getattr(f, "name", ""))
    size = getattr(f, "size", None)
    if size is None:
        f.seek(0, os.SEEK_END)
        size = f.tell()
    if not size:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name}, code="empty")
    family = _sniff(_head(f, 64))
    kind = _choose_kind(family, pol)
    if kind is None:
        raise ValidationError(
            _("文件“%(name)s”的类型不支持。%(hint)s") % {"name": name, "hint": pol.hint}, code="type")
    limit = pol.limit(kind)
    if size > limit:
        raise ValidationError(_("文件“%(name)s”超过%(mb)dMB，请压缩后再上传。") % {"name": name, "mb": limit // MB},
                              code="size")
    if kind == IMAGE:
        return _clean_image(f, name, pol)
    if kind in (VIDEO, AUDIO):
        return _clean_av(f, name, size, kind, pol)
    if kind == PDF:
        return _clean_pdf(f, name, size)
    return _clean_ooxml(f, name, size, pol)


def check_all(files, *, policy: str | Policy) -> list[CleanFile]:
    """Validate the files of one multi-file field: the count limit, then each file."""
    pol = policy_for(policy)
    files = [f for f in files or () if f]
    if len(files) > pol.max_files:
        raise ValidationError(_("一次最多上传%(n)d个文件。") % {"n": pol.max_files}, code="count")
    return [check(f, policy=pol) for f in files]


def ensure(f, *, policy: str | Policy) -> CleanFile:
    """``f`` as a CleanFile: passed through when a form already checked it, checked here when
    a service receives a raw file from another caller (a task, the admin, a test)."""
    return f if isinstance(f, CleanFile) else check(f, policy=policy)


def ensure_all(files, *, policy: str | Policy) -> list[CleanFile]:
    """``check_all`` for a service: the count limit, then ``ensure`` each file."""
    pol = policy_for(policy)
    files = [f for f in files or () if f]
    if len(files) > pol.max_files:
        raise ValidationError(_("一次最多上传%(n)d个文件。") % {"n": pol.max_files}, code="count")
    return [ensure(f, policy=pol) for f in files]


def _head(f, n: int) -> bytes:
    f.seek(0)
    data = f.read(n)
    f.seek(0)
    return data


def _tail(f, n: int, size: int) -> bytes:
    f.seek(max(0, size - n))
    data = f.read(n)
    f.seek(0)
    return data


def _sniff(head: bytes) -> str | None:
    """The family the leading bytes claim; the family's parser decides for real."""
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n") or head[:6] in (
            b"GIF87a", b"GIF89a") or (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[:2] == b"BM":
        return IMAGE
    if head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3"):
        return "av"  # MP4/MOV/M4A or Matroska/WebM: the probe tells video from audio
    if head.startswith((b"ID3", b"OggS", b"#!AMR", b"fLaC")) or (head[:4] == b"RIFF" and head[8:12] == b"WAVE") or (
            len(head) > 1 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0):
        return AUDIO
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return "ooxml"
    return None


def _choose_kind(family: str | None, pol: Policy) -> str | None:
    if family == "av":
        if VIDEO in pol.kinds:
            return VIDEO
        return AUDIO if AUDIO in pol.kinds else None
    if family == "ooxml":  # DOCX or XLSX: the archive's parts tell (_clean_ooxml)
        return DOCX if DOCX in pol.kinds else (XLSX if XLSX in pol.kinds else None)
    return family if family in pol.kinds else None


# ------------------------------------------------------------------ images

_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}


def _clean_image(f, name: str, pol: Policy) -> CleanFile:
    from PIL import Image, ImageOps, UnidentifiedImageError

    refused = ValidationError(_("“%(name)s”不是有效的图片文件（无法识别或已损坏），请重新拍摄或选择其他图片。") % {"name": name},
                              code="invalid")
    too_big = ValidationError(_("图片“%(name)s”的像素尺寸过大，已拒收。") % {"name": name}, code="bomb")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            f.seek(0)
            img = Image.open(f)
            if img.format not in _IMAGE_FORMATS:
                raise refused
            width, height = img.size
            if width <= 0 or height <= 0 or width * height > MAX_IMAGE_PIXELS:
                raise too_big
            img.load()
            img = ImageOps.exif_transpose(img)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError,
            KeyError, struct.error):
        raise refused from None
    finally:
        f.seek(0)
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    img = img.convert("RGBA" if has_alpha else "RGB")
    img.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    out = io.BytesIO()
    # A fresh image saved without exif/icc_profile/xmp arguments carries none of them.
    if has_alpha:
        img.save(out, "PNG", optimize=True)
        ext = "png"
    else:
        img.save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    stem = uuid.uuid4().hex
    thumb = thumb_name = None
    if pol.thumbnail:
        small = img.copy()
        small.thumbnail(THUMB_SIZE)
        tout = io.BytesIO()
        small.convert("RGB").save(tout, "JPEG", quality=75)
        thumb, thumb_name = ContentFile(tout.getvalue()), f"{stem}_thumb.jpg"
    data = out.getvalue()
    return CleanFile(kind=IMAGE, name=name, storage_name=f"{stem}.{ext}", content=ContentFile(data),
                     content_type=CONTENT_TYPES[ext], size=len(data), thumbnail=thumb, thumbnail_name=thumb_name or "")


# ------------------------------------------------------------------ audio and video


def _clean_av(f, name: str, size: int, kind: str, pol: Policy) -> CleanFile:
    with _on_disk(f) as path:
        info = _probe_path(path)
        if kind == VIDEO:
            refused = ValidationError(_("视频“%(name)s”无法识别或已损坏。") % {"name": name}, code="invalid")
            if info is None or not info["video"]:
                raise refused
            fmt = info["format"]
            if "webm" in fmt or "matroska" in fmt:
                ext = "webm"
            elif "mp4" in fmt or "mov" in fmt:
                ext = "mp4"
            else:
                raise refused
        else:
            refused = ValidationError(
                _("“%(name)s”不是可识别的录音文件（支持 MP3、M4A、WAV、OGG、WEBM、AMR）。") % {"name": name},
                code="invalid")
            if info is None or not info["audio"] or info["video"]:
                raise refused
            ext = _audio_ext(info["format"])
            if ext is None:
                raise refused
        seconds = info["seconds"]
        if pol.max_seconds and seconds is not None and seconds > pol.max_seconds:
            what = _("视频") if kind == VIDEO else _("语音")
            raise ValidationError(_("%(what)s“%(name)s”超过%(n)d分钟。") % {
                "what": what, "name": name, "n": pol.max_seconds // 60}, code="duration")
        stripped = strip_av_metadata(path, ext)
    if stripped is None:
        raise refused
    stored = _random_name(ext)
    return CleanFile(kind=kind, name=name, storage_name=stored, content=File(stripped, name=stored),
                     content_type=CONTENT_TYPES[ext], size=os.path.getsize(stripped.name))


def _audio_ext(fmt: str) -> str | None:
    for key, ext in (("mp3", "mp3"), ("ogg", "ogg"), ("wav", "wav"), ("amr", "amr"), ("flac", "flac"),
                     ("webm", "weba"), ("matroska", "weba"), ("mp4", "m4a"), ("mov", "m4a")):
        if key in fmt:
            return ext
    return None


class _on_disk:
    """The upload as a path FFmpeg can open: its temporary file, or a copy of it in memory."""

    def __init__(self, f):
        self.f, self.tmp = f, None

    def __enter__(self) -> str:
        path_of = getattr(self.f, "temporary_file_path", None)
        if path_of is not None:
            return path_of()
        self.tmp = tempfile.NamedTemporaryFile(suffix=".upload", delete=False)  # noqa: SIM115
        self.f.seek(0)
        for chunk in self.f.chunks() if hasattr(self.f, "chunks") else iter(lambda: self.f.read(MB), b""):
            self.tmp.write(chunk)
        self.tmp.close()
        return self.tmp.name

    def __exit__(self, *exc):
        self.f.seek(0)
        if self.tmp is not None:
            os.unlink(self.tmp.name)


def probe(f) -> dict | None:
    """Open a file with FFmpeg (PyAV) and decode its first packets.

    Returns ``{"format", "video", "audio", "seconds"}`` (``seconds`` may be None when the
    container does not say, as with many browser recordings) or None when FFmpeg cannot
    read it. Works on an uploaded file in memory or on disk.
    """
    with _on_disk(f) as path:
        return _probe_path(path)


def _probe_path(path: str) -> dict | None:
    import av

    try:
        with av.open(path, mode="r", options={"probesize": str(5 * MB)}) as container:
            video = [s for s in container.streams.video if s.codec_context is not None]
            audio = list(container.streams.audio)
            fmt = container.format.name or ""
            seconds = container.duration / 1_000_000 if container.duration else None
            if seconds is None and audio and audio[0].duration and audio[0].time_base:
                seconds = float(audio[0].duration * audio[0].time_base)
            stream = video[0] if video else (audio[0] if audio else None)
            if stream is None:
                return {"format": fmt, "video": False, "audio": False, "seconds": seconds}
            decoded = False
            for n, packet in enumerate(container.demux(stream)):
                if packet.size and packet.decode():
                    decoded = True
                    break
                if n > 50:
                    break
            if not decoded:
                return None
            return {"format": fmt, "video": bool(video), "audio": bool(audio), "seconds": seconds}
    except Exception:  # noqa: BLE001  (FFmpeg reports bad input through many error types)
        return None


#: The muxers a stored extension is rewritten with, in order of preference (the second
#: takes codecs the first refuses, e.g. PCM audio from a camera's MOV).
_MUXERS = {"mp4": ("mp4", "mov"), "webm": ("webm", "matroska"), "m4a": ("ipod", "mp4"), "mp3": ("mp3",),
           "ogg": ("ogg",), "wav": ("wav",), "amr": ("amr",), "flac": ("flac",), "weba": ("webm", "matroska")}


def strip_av_metadata(path: str, ext: str):
    """Remux the audio and video streams of ``path`` (stream copy, nothing re-encoded) into
    a new container with no metadata: a phone's GPS position (``location``,
    ``com.apple.quicktime.location.ISO6709``, the ``loci``/``©xyz`` boxes), device names,
    titles and dates in the container or its streams are dropped, and so are data,
    subtitle and attachment streams (GoPro telemetry, embedded cover art). Returns an open
    temporary file (deleted when closed) or None when no muxer accepts the streams."""
    import av

    for muxer in _MUXERS[ext]:
        out_tmp = tempfile.NamedTemporaryFile(suffix=f".{ext}")  # noqa: SIM115
        try:
            with av.open(path, mode="r", metadata_errors="ignore") as inp:
                streams = [s for s in inp.streams if s.type in ("video", "audio")]
                options = {"movflags": "+faststart"} if muxer in ("mp4", "mov", "ipod") else {}
                with av.open(out_tmp.name, mode="w", format=muxer, options=options) as out:
                    out.metadata.clear()
                    mapping = {}
                    for s in streams:
                        o = out.add_stream_from_template(s)
                        o.metadata.clear()
                        mapping[s.index] = o
                    for packet in inp.demux(*streams):
                        if packet.dts is None:
                            continue
                        packet.stream = mapping[packet.stream.index]
                        out.mux(packet)
            if os.path.getsize(out_tmp.name) == 0:
                raise ValueError("empty output")
            out_tmp.seek(0)
            return out_tmp
        except Exception:  # noqa: BLE001  (a muxer refusing a codec raises many error types)
            out_tmp.close()
    return None


# ------------------------------------------------------------------ documents

_PDF_VERSION = re.compile(rb"^%PDF-[12]\.\d")
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


def _clean_pdf(f, name: str, size: int) -> CleanFile:
    refused = ValidationError(_("文档“%(name)s”不是有效的PDF文件（可能已损坏或下载不完整）。") % {"name": name},
                              code="invalid")
    if not _PDF_VERSION.match(_head(f, 16)):
        raise refused
    tail = _tail(f, 2048, size)
    if b"%%EOF" not in tail or (b"startxref" not in tail and b"trailer" not in tail):
        raise refused
    f.seek(0)
    for chunk in f.chunks() if hasattr(f, "chunks") else [f.read()]:
        if _PDF_ACTIVE.search(chunk):
            f.seek(0)
            raise ValidationError(
                _("文档“%(name)s”含有脚本或嵌入文件，出于安全原因不能上传，请另存为普通PDF后再试。") % {"name": name},
                code="active")
    f.seek(0)
    return CleanFile(kind=PDF, name=name, storage_name=_random_name("pdf"), content=File(f, name="upload.pdf"),
                     content_type=CONTENT_TYPES["pdf"], size=size)


_OOXML_REQUIRED = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


def _clean_ooxml(f, name: str, size: int, pol: Policy) -> CleanFile:
    allowed = [k for k in (DOCX, XLSX) if k in pol.kinds]
    label = "、".join(_("Word（DOCX）") if k == DOCX else _("Excel（XLSX）") for k in allowed)
    refused = ValidationError(_("文档“%(name)s”不是有效的%(label)s文件。") % {"name": name, "label": label},
                              code="invalid")
    bomb = ValidationError(_("文档“%(name)s”的压缩结构异常（可能是压缩炸弹），已拒收。") % {"name": name}, code="bomb")
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as zf:
            infos = zf.infolist()
            if len(infos) > ZIP_MAX_MEMBERS:
                raise bomb
            total = 0
            for info in infos:
                total += info.file_size
                if total > ZIP_MAX_TOTAL or info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1024):
                    raise bomb
                if info.filename.startswith("/") or ".." in info.filename.split("/"):
                    raise refused
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise refused
            found = [k for k in (DOCX, XLSX) if _OOXML_REQUIRED[k] in names]
            if len(found) != 1:
                raise refused
            kind = found[0]
            if kind not in allowed:
                raise ValidationError(_("文件“%(name)s”的类型不支持。%(hint)s") % {"name": name, "hint": pol.hint},
                                      code="type")
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise ValidationError(_("文档“%(name)s”含有宏，出于安全原因不能上传，请另存为不含宏的文档。") % {
                    "name": name}, code="active")
            for info in infos:  # read every member once: a truncated or forged archive fails its CRC here
                with zf.open(info) as member:
                    while member.read(MB):
                        pass
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, KeyError):
        raise refused from None
    finally:
        f.seek(0)
    return CleanFile(kind=kind, name=name, storage_name=_random_name(kind), content=File(f, name=f"upload.{kind}"),
                     content_type=CONTENT_TYPES[kind], size=size)


# ------------------------------------------------------------------ form fields


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


_ACCEPT = {
    IMAGE: "image/jpeg,image/png,image/webp,image/gif",
    VIDEO: "video/mp4,video/quicktime,video/webm",
    AUDIO: "audio/*",
    PDF: ".pdf,application/pdf",
    DOCX: ".docx",
    XLSX: ".xlsx",
}


def accept_attr(policy: str | Policy) -> str:
    """The ``accept`` attribute for a file input: a hint to the phone's picker only."""
    pol = policy_for(policy)
    return ",".join(_ACCEPT[k] for k in (IMAGE, VIDEO, AUDIO, PDF, DOCX, XLSX) if k in pol.kinds)


class UploadField(forms.FileField):
    """One file, checked by the gate; ``cleaned_data`` holds a :class:`CleanFile` (or None).

    In a ModelForm that saves the file field itself, pass ``model_file=True``: the cleaned
    value is then the checked content as a File named with the random storage name.
    """

    def __init__(self, *args, policy: str, model_file: bool = False, **kwargs):
        self.policy = policy
        self.model_file = model_file
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": accept_attr(policy)}))
        kwargs.setdefault("allow_empty_file", True)  # the gate refuses it with a message naming the file
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if value is False or not value or value is initial or not hasattr(value, "size"):
            return value if value is False or value is initial else None
        clean = check(value, policy=self.policy)
        if self.model_file:
            clean.content.name = clean.storage_name
            return clean.content
        return clean


class MultiUploadField(forms.FileField):
    """Several files in one input, checked by the gate; ``cleaned_data`` is a list of
    :class:`CleanFile` (empty when nothing was chosen)."""

    def __init__(self, *args, policy: str, **kwargs):
        self.policy = policy
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept_attr(policy), "multiple": True}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        files = data if isinstance(data, list | tuple) else [data]
        files = [super(MultiUploadField, self).clean(f, initial) for f in files if f]
        return check_all(files, policy=self.policy)
