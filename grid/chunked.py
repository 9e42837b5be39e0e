"""Chunked, resumable uploads of large files (a video source, a session recording).

The mechanism first written for ``pufa_media``'s video uploads, moved down to ``grid`` so
every app can use it: the browser posts the file in chunks at an offset; the server appends
a chunk only at the offset it already has (a repeated or out-of-order chunk just reports
that offset), so a dropped mobile connection resumes where it stopped; the same user
starting the same file again continues the unfinished upload. Partial files live in the
private storage (never under a public media root), named by the upload's UUID:

* on a file system (``FileSystemStorage``, the default) one part file per upload, each chunk
  appended in place;
* on any other storage (an object store through django-storages, which cannot append) one
  object per chunk, ``<temp_name>/<offset>``; when the upload completes they are joined into
  a local temporary file, handed to the caller, and deleted.

Either way every web server sees the same partial upload, so a resumed upload may reach
another machine than the one that took its first chunks (the file system must then be
shared, as ``PRIVATE_MEDIA_ROOT`` is anyway).

An app declares its own upload table by subclassing :class:`ChunkedUpload` (adding what
the file is for, e.g. a video or a session) and calls the functions below with it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ChunkedUpload(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("上传人"), on_delete=models.CASCADE,
                             related_name="+")
    filename = models.CharField(gettext_lazy("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(gettext_lazy("文件大小"))
    received = models.PositiveBigIntegerField(gettext_lazy("已接收"), default=0)
    completed = models.BooleanField(gettext_lazy("已完成"), default=False)
    created_at = models.DateTimeField(gettext_lazy("开始时间"), default=timezone.now)

    temp_prefix = "uploads"

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.filename

    @property
    def temp_name(self) -> str:
        return f"{self.temp_prefix}/{self.id.hex}.part"


def _storage():
    from grid.files import private_storage

    return private_storage()


def in_place(storage=None) -> bool:
    """Whether partial uploads are one file appended in place (a file-system storage)."""
    return isinstance(storage or _storage(), FileSystemStorage)


def part_path(upload) -> Path:
    """The part file of an upload on a file-system storage (the fast path)."""
    path = Path(_storage().path(upload.temp_name))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def chunk_name(upload, offset: int) -> str:
    """The object holding the chunk that starts at ``offset`` (storages that cannot append)."""
    return f"{upload.temp_name}/{offset:015d}"


def _put_chunk(storage, upload, offset: int, data: bytes) -> None:
    name = chunk_name(upload, offset)
    storage.delete(name)  # an earlier attempt at this offset whose transaction did not commit
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # the storage renamed it: the join could not find it
        storage.delete(saved)
        raise RuntimeError(f"storage stored chunk {name} as {saved}")


def _join_chunks(storage, upload, out) -> list[str]:
    """Copy the chunks of a complete upload, in order, into ``out``; their names."""
    names, offset = [], 0
    while offset < upload.size:
        name = chunk_name(upload, offset)
        try:
            with storage.open(name, "rb") as fh:
                n = _copy(fh, out)
        except (FileNotFoundError, OSError):
            n = 0
        if n == 0:
            raise ValidationError(_("文件尚未上传完整（%(got)d / %(size)d 字节）。") % {
                "got": offset, "size": upload.size})
        names.append(name)
        offset += n
    if offset != upload.size:
        raise ValidationError(_("分片超出文件大小。"))
    return names


def _copy(src, dst) -> int:
    n = 0
    while block := src.read(1024 * 1024):
        dst.write(block)
        n += len(block)
    return n


def _delete_parts(storage, upload) -> None:
    if in_place(storage):
        part_path(upload).unlink(missing_ok=True)
        return
    try:
        names = [f"{upload.temp_name}/{n}" for n in storage.listdir(upload.temp_name)[1]]
    except (NotImplementedError, OSError):  # a store that cannot list folders, or no folder yet
        names = [chunk_name(upload, 0)]
    for name in names:
        storage.delete(name)


def resume_or_start(model, *, user, filename: str, size: int, max_bytes: int, default_name: str = "upload.bin",
                    **target):
    """Open an upload, or continue the unfinished one of the same user, target, name and size
    (trimming its partial file to what the table says arrived)."""
    if size <= 0:
        raise ValidationError(_("文件为空。"))
    if size > max_bytes:
        raise ValidationError(_("文件太大（上限 %(mb)d MB）。") % {"mb": max_bytes // 2**20})
    filename = os.path.basename(filename)[-120:] or default_name
    upload = (model.objects.filter(user=user, filename=filename, size=size, completed=False, **target)
              .order_by("-created_at").first())
    if upload is None:
        return model.objects.create(user=user, filename=filename, size=size, **target)
    if not in_place():
        return upload  # one object per chunk: what the table says arrived is what is kept
    path = part_path(upload)
    actual = path.stat().st_size if path.exists() else 0
    if actual != upload.received:
        upload.received = min(actual, upload.received)
        model.objects.filter(pk=upload.pk).update(received=upload.received)
        with open(path, "ab") as fh:
            fh.truncate(upload.received)
    return upload


def receive_chunk(model, *, upload_id, user, offset: int, data: bytes, **target):
    """Append one chunk at its offset; a repeated or out-of-order chunk only reports the offset."""
    with transaction.atomic():
        upload = model.objects.select_for_update().filter(**target).get(pk=upload_id)
        if upload.user_id != user.pk:
            raise PermissionDenied(_("这不是您的上传。"))
        if upload.completed or offset != upload.received:
            return upload
        if upload.received + len(data) > upload.size:
            raise ValidationError(_("分片超出文件大小。"))
        storage = _storage()
        if in_place(storage):
            with open(part_path(upload), "ab") as fh:
                fh.truncate(upload.received)
                fh.write(data)
        else:
            _put_chunk(storage, upload, offset, data)
        upload.received += len(data)
        upload.save(update_fields=["received"])
    return upload


@contextmanager
def completed(model, *, upload_id, user, **target):
    """Hand a fully received upload's file (open for reading) to the caller inside a
    transaction; the upload is marked done and the partial file removed when the caller's
    block succeeds (a refusal inside it leaves the upload as it was, to retry).

    On a storage that cannot append, the chunks are first joined into a local temporary
    file (the only copy of the upload on this machine's disk, removed at the end)."""
    storage = _storage()
    with transaction.atomic():
        upload = model.objects.select_for_update().filter(**target).get(pk=upload_id)
        if upload.user_id != user.pk:
            raise PermissionDenied(_("这不是您的上传。"))
        if upload.completed:
            raise ValidationError(_("该文件已经上传完成。"))
        if upload.received != upload.size:
            raise ValidationError(_("文件尚未上传完整（%(got)d / %(size)d 字节）。") % {
                "got": upload.received, "size": upload.size})
        if in_place(storage):
            with open(part_path(upload), "rb") as fh:
                yield upload, fh
        else:
            with tempfile.TemporaryFile(prefix="upload-") as fh:
                _join_chunks(storage, upload, fh)
                fh.seek(0)
                yield upload, fh
        upload.completed = True
        upload.save(update_fields=["completed"])
    _delete_parts(storage, upload)


def purge_stale(model, now=None, days: int = 2) -> int:
    """Unfinished uploads older than ``days`` are abandoned: drop their partial files."""
    now = now or timezone.now()
    stale = list(model.objects.filter(completed=False, created_at__lt=now - timezone.timedelta(days=days))[:500])
    storage = _storage()
    for upload in stale:
        _delete_parts(storage, upload)
        upload.delete()
    return len(stale)
