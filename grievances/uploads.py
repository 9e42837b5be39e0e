"""Checking and cleaning uploaded material (随手拍: photos, videos, documents).

Types are decided by content, never by the file name or the browser's claim. Images are
decoded and re-encoded with Pillow, which drops EXIF (including GPS position) and any
trailing payload; decompression bombs are refused before decoding. Videos must open in
PyAV with a video stream; documents must carry a known signature. Every refusal is a
ValidationError with a Chinese message naming the file.
"""

from __future__ import annotations

import io
import os
import tempfile
import uuid
import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_FILES = 9
MAX_IMAGE_PIXELS = 40_000_000  # about 7300 × 5500: more than any phone camera
MAX_IMAGE_SIDE = 2560  # stored images are scaled down to this
THUMB_SIZE = (360, 360)

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}


@dataclass
class CleanFile:
    kind: str
    name: str
    storage_name: str
    content: File
    content_type: str
    size: int
    thumbnail: ContentFile | None = None
    thumbnail_name: str = ""


def _mb(n: int) -> int:
    return n // (1024 * 1024)


def _head(f, n=64) -> bytes:
    f.seek(0)
    data = f.read(n)
    f.seek(0)
    return data


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n") or head[:6] in (
        b"GIF87a", b"GIF89a"
    ) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[:2] == b"BM":
        return "image"
    if head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video"
    if head.startswith(b"%PDF-") or head.startswith(b"PK\x03\x04") or head.startswith(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    ):
        return "document"
    return None


def clean_upload(f) -> CleanFile:
    """Validate one uploaded file and return what may be stored."""
    name = os.path.basename(getattr(f, "name", "") or "file")[:200]
    size = getattr(f, "size", None) or 0
    if size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name})
    kind = _sniff(_head(f))
    if kind == "image":
        return _clean_image(f, name, size)
    if kind == "video":
        return _clean_video(f, name, size)
    if kind == "document":
        return _clean_document(f, name, size)
    raise ValidationError(
        _("文件“%(name)s”的类型不支持。请上传图片（JPG/PNG/WEBP）、视频（MP4/MOV/WEBM）或文档（PDF/Word/Excel）。")
        % {"name": name}
    )


def clean_uploads(files) -> list[CleanFile]:
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise ValidationError(_("一次最多上传%(n)d个文件。") % {"n": MAX_FILES})
    return [clean_upload(f) for f in files]


def _clean_image(f, name: str, size: int) -> CleanFile:
    if size > MAX_IMAGE_BYTES:
        raise ValidationError(_("图片“%(name)s”超过%(mb)dMB，请压缩后再上传。") % {"name": name, "mb": _mb(MAX_IMAGE_BYTES)})
    refused = ValidationError(_("图片“%(name)s”无法识别或已损坏，请重新拍摄或选择其他图片。") % {"name": name})
    too_big = ValidationError(_("图片“%(name)s”的像素尺寸过大，已拒收。") % {"name": name})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            f.seek(0)
            img = Image.open(f)
            if img.format not in IMAGE_FORMATS:
                raise refused
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS or width <= 0 or height <= 0:
                raise too_big
            img.load()
            img = ImageOps.exif_transpose(img)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise refused from None
    has_alpha = img.mode in ("RGBA", "LA", "P") and (img.mode != "P" or "transparency" in img.info)
    img = img.convert("RGBA" if has_alpha else "RGB")
    img.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    out = io.BytesIO()
    # Saving a fresh image without exif/icc/xmp arguments writes none of them.
    if has_alpha:
        img.save(out, "PNG", optimize=True)
        ext, ctype = "png", "image/png"
    else:
        img.save(out, "JPEG", quality=85, optimize=True)
        ext, ctype = "jpg", "image/jpeg"
    thumb = img.copy()
    thumb.thumbnail(THUMB_SIZE)
    tout = io.BytesIO()
    thumb.convert("RGB").save(tout, "JPEG", quality=75)
    stem = uuid.uuid4().hex
    data = out.getvalue()
    return CleanFile(
        kind="image", name=name, storage_name=f"{stem}.{ext}", content=ContentFile(data), content_type=ctype,
        size=len(data), thumbnail=ContentFile(tout.getvalue()), thumbnail_name=f"{stem}_thumb.jpg",
    )


def _clean_video(f, name: str, size: int) -> CleanFile:
    if size > MAX_VIDEO_BYTES:
        raise ValidationError(_("视频“%(name)s”超过%(mb)dMB，请剪短后再上传。") % {"name": name, "mb": _mb(MAX_VIDEO_BYTES)})
    import av

    refused = ValidationError(_("视频“%(name)s”无法识别或已损坏。") % {"name": name})
    path = getattr(f, "temporary_file_path", None)
    tmp = None
    try:
        if path is None:
            tmp = tempfile.NamedTemporaryFile(suffix=".bin", delete=False)  # noqa: SIM115
            f.seek(0)
            for chunk in f.chunks() if hasattr(f, "chunks") else [f.read()]:
                tmp.write(chunk)
            tmp.close()
            path = tmp.name
        else:
            path = path()
        try:
            with av.open(path, mode="r") as container:
                streams = container.streams.video
                if not streams:
                    raise refused
                fmt = container.format.name
        except ValidationError:
            raise
        except Exception:  # noqa: BLE001  (PyAV raises many error types for bad input)
            raise refused from None
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    if "webm" in fmt or "matroska" in fmt:
        ext, ctype = "webm", "video/webm"
    elif "mov" in fmt or "mp4" in fmt:
        ext, ctype = "mp4", "video/mp4"
    else:
        raise refused
    f.seek(0)
    return CleanFile(kind="video", name=name, storage_name=f"{uuid.uuid4().hex}.{ext}", content=File(f),
                     content_type=ctype, size=size)


def _clean_document(f, name: str, size: int) -> CleanFile:
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("文档“%(name)s”超过%(mb)dMB。") % {"name": name, "mb": _mb(MAX_DOCUMENT_BYTES)})
    head = _head(f, 8)
    refused = ValidationError(_("文档“%(name)s”不是有效的PDF、Word或Excel文件。") % {"name": name})
    if head.startswith(b"%PDF-"):
        ext, ctype = "pdf", "application/pdf"
    elif head.startswith(b"PK\x03\x04"):
        try:
            f.seek(0)
            with zipfile.ZipFile(f) as zf:
                names = set(zf.namelist())
                if "[Content_Types].xml" not in names:
                    raise refused
                total = sum(i.file_size for i in zf.infolist())
        except zipfile.BadZipFile:
            raise refused from None
        if total > 20 * MAX_DOCUMENT_BYTES:  # a zip bomb dressed as a document
            raise refused
        if any(n.startswith("word/") for n in names):
            ext, ctype = "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        elif any(n.startswith("xl/") for n in names):
            ext, ctype = "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise refused
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        ext, ctype = "doc", "application/msword"
    else:
        raise refused
    f.seek(0)
    return CleanFile(kind="document", name=name, storage_name=f"{uuid.uuid4().hex}.{ext}", content=File(f),
                     content_type=ctype, size=size)
