"""Chunked, resumable uploads of large files (a video source, a session recording).

The mechanism first written for ``pufa_media``'s video uploads, moved down to ``grid`` so
every app can use it: the browser posts the file in chunks at an offset; the server appends
a chunk only at the offset it already has (a repeated or out-of-order chunk just reports
that offset), so a dropped mobile connection resumes where it stopped; the same user
starting the same file again continues the unfinished upload. Partial files live under
``PRIVATE_MEDIA_ROOT`` (never under a public media root), named by the upload's UUID.

An app declares its own upload table by subclassing :class:`ChunkedUpload` (adding what
the file is for, e.g. a video or a session) and calls the functions below with it.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
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


def part_path(upload) -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / upload.temp_name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


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
        path = part_path(upload)
        with open(path, "ab") as fh:
            fh.truncate(upload.received)
            fh.write(data)
        upload.received += len(data)
        upload.save(update_fields=["received"])
    return upload


@contextmanager
def completed(model, *, upload_id, user, **target):
    """Hand a fully received upload's file (open for reading) to the caller inside a
    transaction; the upload is marked done and the partial file removed when the caller's
    block succeeds (a refusal inside it leaves the upload as it was, to retry)."""
    with transaction.atomic():
        upload = model.objects.select_for_update().filter(**target).get(pk=upload_id)
        if upload.user_id != user.pk:
            raise PermissionDenied(_("这不是您的上传。"))
        if upload.completed:
            raise ValidationError(_("该文件已经上传完成。"))
        if upload.received != upload.size:
            raise ValidationError(_("文件尚未上传完整（%(got)d / %(size)d 字节）。") % {
                "got": upload.received, "size": upload.size})
        path = part_path(upload)
        with open(path, "rb") as fh:
            yield upload, fh
        upload.completed = True
        upload.save(update_fields=["completed"])
    path.unlink(missing_ok=True)


def purge_stale(model, now=None, days: int = 2) -> int:
    """Unfinished uploads older than ``days`` are abandoned: drop their partial files."""
    now = now or timezone.now()
    stale = list(model.objects.filter(completed=False, created_at__lt=now - timezone.timedelta(days=days))[:500])
    for upload in stale:
        part_path(upload).unlink(missing_ok=True)
        upload.delete()
    return len(stale)
