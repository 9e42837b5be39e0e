"""Private files: where they are stored, who may fetch them, and how they are answered.

Every uploaded file except published media (rendered videos, posters, subtitles and
article images of ``pufa_media``) is private:

* Stored through the ``"private"`` storage (``settings.STORAGES``; a FileSystemStorage
  rooted at ``PRIVATE_MEDIA_ROOT``, outside ``MEDIA_ROOT`` and any public URL) under a
  random name (:class:`RandomName`). Only Django's storage API is used (open, save,
  delete, exists), so an object store can replace the file system; the one exception is
  the Apache ``X-Sendfile`` mode, which needs a file-system path by its nature.
* Declared with :class:`PrivateFileField`, whose ``.url`` is the permission-checked view
  below (``/files/<app.model>/<field>/<pk>/``), so templates and the admin keep writing
  ``{{ obj.file.url }}``.
* Served only to people the owning app allows: each app registers, in its
  ``AppConfig.ready()``, a function that returns the objects a request may see
  (:func:`register`); those are the same selectors/querysets its pages use. Anyone else
  (anonymous, another citizen, a department of another region) gets 404, never a hint
  that the file exists.
* Answered by :func:`file_response`: with ``PRIVATE_MEDIA_SERVER = "nginx"`` an
  ``X-Accel-Redirect`` to the ``internal`` location (docs/deployment.md), with
  ``"apache"`` an ``X-Sendfile``, otherwise (development, embedded) streamed by Django.
  Every answer carries ``X-Content-Type-Options: nosniff`` and
  ``Content-Security-Policy: sandbox; default-src 'none'``; only the image, audio and
  video types the upload gate produces are shown inline, everything else is an
  attachment (never HTML or SVG inline), and the display name is the sanitised original.

Listeners of :data:`file_served` (the audit log) hear every private file handed out.
"""

from __future__ import annotations

import logging
import posixpath
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import models, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from grid.uploads import CONTENT_TYPES, display_name

log = logging.getLogger(__name__)

PRIVATE_STORAGE = "private"
# Shown inline only: the images the gate re-encoded. Everything else is a download
# (<audio>/<video> elements play a download-disposition answer all the same).
INLINE_TYPES = frozenset({"image/jpeg", "image/png"})
CSP = "default-src 'none'; sandbox"


class PrivateFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage rooted at ``settings.PRIVATE_MEDIA_ROOT``, read lazily (as
    FileSystemStorage reads MEDIA_ROOT) so a changed setting takes effect at once."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def private_storage():
    """The storage of private files (a callable, so migrations do not freeze its root)."""
    return storages[PRIVATE_STORAGE]


@deconstructible
class RandomName:
    """``upload_to`` for private files: ``<prefix>/<yyyy>/<mm>/<random>.<ext>``.

    The extension is the one the upload gate gave the file (it names what the content
    is); anything else in the incoming name is dropped, so neither a person's name nor a
    sequence number ever appears in a path.
    """

    def __init__(self, prefix: str):
        self.prefix = prefix.strip("/")

    def __call__(self, instance, filename: str) -> str:
        return random_name(self.prefix, filename)

    def __eq__(self, other):
        return isinstance(other, RandomName) and other.prefix == self.prefix


_EXT_ALIASES = {"jpeg": "jpg", "jpe": "jpg"}  # older uploads kept the device's spelling


def random_name(prefix: str, filename: str) -> str:
    ext = posixpath.splitext(filename or "")[1].lower().lstrip(".")
    ext = _EXT_ALIASES.get(ext, ext)
    ext = ext if ext in CONTENT_TYPES else "bin"
    return f"{prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class PrivateFieldFile(models.fields.files.FieldFile):
    @property
    def url(self) -> str:
        self._require_file()
        return file_url(self.instance, self.field.name)


class PrivateFileField(models.FileField):
    """A FileField stored in the private storage whose URL is the permission-checked view."""

    attr_class = PrivateFieldFile

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", private_storage)
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("storage", None)
        return name, path, args, kwargs


# ------------------------------------------------------------------ who may see what


@dataclass(frozen=True)
class Protected:
    """One private file field and the rule for it.

    ``visible(request)`` returns a queryset of the model holding exactly the objects whose
    file the request may fetch (the owning app's selector). ``filename(obj, field)`` gives
    the display name for downloads.
    """

    model: type
    field: str
    visible: Callable[[HttpRequest], models.QuerySet]
    filename: Callable[[object, str], str] | None = None


_REGISTRY: dict[tuple[str, str], Protected] = {}


def register(model, field: str, *, visible, filename=None) -> None:
    """Declare who may fetch ``model.field`` (called from the owning app's ``ready()``)."""
    if not isinstance(model._meta.get_field(field), PrivateFileField):
        raise TypeError(f"{model._meta.label}.{field} is not a PrivateFileField")
    _REGISTRY[(model._meta.label_lower, field)] = Protected(model, field, visible, filename)


def registered() -> list[Protected]:
    return list(_REGISTRY.values())


def file_url(obj, field: str) -> str:
    return reverse("grid:private_file", kwargs={"label": obj._meta.label_lower, "field": field, "pk": obj.pk})


# ------------------------------------------------------------------ hook: a file was handed out

FileServedListener = Callable[[HttpRequest, object, str], None]
_served_listeners: list[FileServedListener] = []


def on_file_served(listener: FileServedListener) -> FileServedListener:
    """Register ``listener(request, obj, field)``, called after the permission check for
    every private file handed out (the audit log records downloads of personal data)."""
    _served_listeners.append(listener)
    return listener


def file_served(request: HttpRequest, obj, field: str) -> None:
    for listener in _served_listeners:
        listener(request, obj, field)


# ------------------------------------------------------------------ the view


@require_GET
def serve(request, label: str, field: str, pk: int):
    """``/files/<app.model>/<field>/<pk>/``: the file, if the owning app lets this request see it."""
    rule = _REGISTRY.get((label, field))
    if rule is None:
        raise Http404
    obj = rule.visible(request).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return send(request, obj, field, filename=rule.filename(obj, field) if rule.filename else "")


def send(request, obj, field: str, *, filename: str = "", as_attachment: bool | None = None) -> HttpResponse:
    """Answer with ``obj.<field>`` for a request already allowed to see ``obj``.

    App views that check permission themselves (a download behind a case page) call this
    so the headers, the server hand-off and the ``file_served`` hook stay in one place.
    """
    fieldfile = getattr(obj, field)
    if not fieldfile:
        raise Http404
    file_served(request, obj, field)
    return file_response(fieldfile.storage, fieldfile.name, filename=filename, as_attachment=as_attachment)


def content_type_of(name: str) -> str:
    ext = posixpath.splitext(name)[1].lower().lstrip(".")
    return CONTENT_TYPES.get(ext, "application/octet-stream")


def file_response(storage, name: str, *, filename: str = "", as_attachment: bool | None = None) -> HttpResponse:
    """The response for a stored private file, by the configured server hand-off."""
    ctype = content_type_of(name)
    inline = ctype in INLINE_TYPES if as_attachment is None else not as_attachment
    ext = posixpath.splitext(name)[1].lower()
    shown = display_name(filename, default="") or f"file{ext}"
    if ext and not shown.lower().endswith(ext):
        shown = f"{shown}{ext}"
    mode = getattr(settings, "PRIVATE_MEDIA_SERVER", "django")
    if mode == "nginx":
        if not storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=ctype)
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + quote(name)
    elif mode == "apache":
        if not storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=ctype)
        response["X-Sendfile"] = storage.path(name)
    else:
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type=ctype)
    response["Content-Disposition"] = content_disposition_header(not inline, shown)
    protect(response)
    return response


def protect(response: HttpResponse) -> HttpResponse:
    """The headers every file answer carries, whoever builds it."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    return response


# ------------------------------------------------------------------ moving existing files


def move_to_private(model, fields: list[str], prefix: str, *, reverse_move: bool = False) -> int:
    """Data-migration helper: move the files of ``model.<fields>`` from the public
    storage to the private one under random names and point the rows at them.

    Idempotent: a row whose file is already in the target storage is left alone; a row
    whose file is missing everywhere keeps its name (the view answers 404). Old files are
    deleted only after the transaction commits, so a failed migration loses nothing.
    ``reverse_move`` moves them back (for the migration's reverse).
    """
    public, private = storages["default"], storages[PRIVATE_STORAGE]
    source, target = (private, public) if reverse_move else (public, private)
    moved = 0
    for obj in model._base_manager.all().only("pk", *fields).iterator(chunk_size=500):
        changes = {}
        for name in fields:
            old = getattr(obj, name).name if getattr(obj, name) else ""
            if not old or target.exists(old) or not source.exists(old):
                continue
            with source.open(old, "rb") as fh:
                new = target.save(old if reverse_move else random_name(prefix, old), fh)
            changes[name] = new
            transaction.on_commit(lambda old=old: source.delete(old))
        if changes:
            model._base_manager.filter(pk=obj.pk).update(**changes)
            moved += len(changes)
    return moved


# ------------------------------------------------------------------ public media in development


@require_GET
def public_media(request, name: str):
    """Development server for published media only: a path outside
    ``PUBLIC_MEDIA_PREFIXES`` (an old link to a private upload) is 404."""
    from django.views.static import serve as static_serve

    clean = posixpath.normpath(name).lstrip("/")
    if clean.startswith("..") or not clean.startswith(tuple(settings.PUBLIC_MEDIA_PREFIXES)):
        raise Http404
    response = static_serve(request, clean, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    return response
