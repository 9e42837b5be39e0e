"""Private files: where they are stored, who may fetch them, and how they are answered.

Every uploaded file except published media (rendered videos, posters, subtitles and
article images of ``pufa_media``) is private:

* Stored through the ``"private"`` storage (``settings.STORAGES``: a FileSystemStorage
  rooted at ``PRIVATE_MEDIA_ROOT``, outside ``MEDIA_ROOT`` and any public URL, or an
  S3-compatible bucket through django-storages when ``AWS_STORAGE_BUCKET_NAME`` is set) under
  a random name (:class:`RandomName`). Only Django's storage API is used (open, save,
  delete, exists, url); a file-system path is asked for only where the storage is a
  ``FileSystemStorage`` (the Apache ``X-Sendfile`` mode needs one by its nature; the system
  check ``grid.E110`` refuses that mode with any other storage).
* Declared with :class:`PrivateFileField`, whose ``.url`` is the permission-checked view
  below (``/files/<app.model>/<field>/<pk>/``), so templates and the admin keep writing
  ``{{ obj.file.url }}``.
* Served only to people the owning app allows: each app registers, in its
  ``AppConfig.ready()``, a function that returns the objects a request may see
  (:func:`register`); those are the same selectors/querysets its pages use. Anyone else
  (anonymous, another citizen, a department of another region) gets 404, never a hint
  that the file exists.
* Answered by :func:`file_response`: with ``PRIVATE_MEDIA_SERVER = "nginx"`` an
  ``X-Accel-Redirect`` to an ``internal`` location (docs/deployment.md): the private root
  on a file system, or, on an object store, a proxy to the store with a presigned URL valid
  for ``PRIVATE_MEDIA_URL_EXPIRE`` seconds that never reaches the browser; with
  ``"apache"`` an ``X-Sendfile``; otherwise (development, embedded) streamed by Django
  from the storage.
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
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.db import models, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, cached_property, empty
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


class _PrivateStorage(LazyObject):
    """``storages["private"]``, looked up on first use and again after ``STORAGES`` changes
    (as Django's ``default_storage``), so a FileField holding it follows the setting."""

    def _setup(self):
        self._wrapped = storages[PRIVATE_STORAGE]

    def __copy__(self):
        return self  # one handle for the process: a copied field must follow STORAGES too

    def __deepcopy__(self, memo):
        return self


_private = _PrivateStorage()


def _reset_private(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


setting_changed.connect(_reset_private)


def private_storage():
    """The storage of private files (a callable, so migrations do not freeze it)."""
    return _private


def is_file_system(storage) -> bool:
    """Whether ``storage`` keeps files on this machine's file system (``.path()`` works)."""
    return isinstance(storage, FileSystemStorage)


def local_path(storage, name: str) -> str | None:
    """The file-system path of a stored file when the storage has one, else None (an
    object store: read it through ``storage.open``)."""
    return storage.path(name) if is_file_system(storage) else None


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
    disposition = content_disposition_header(not inline, shown)
    mode = getattr(settings, "PRIVATE_MEDIA_SERVER", "django")
    if mode == "nginx":
        if not storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=ctype)
        if is_file_system(storage):
            response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + quote(name)
        else:
            response["X-Accel-Redirect"] = store_accel_redirect(storage, name, ctype=ctype, disposition=disposition)
    elif mode == "apache":
        if not is_file_system(storage):
            raise ImproperlyConfigured("PRIVATE_MEDIA_SERVER=apache needs a file-system private storage")
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
    response["Content-Disposition"] = disposition
    protect(response)
    return response


def store_accel_redirect(storage, name: str, *, ctype: str, disposition: str) -> str:
    """The ``X-Accel-Redirect`` target for a file in an object store: the path and query of
    a presigned GET (valid ``PRIVATE_MEDIA_URL_EXPIRE`` seconds, with the type, disposition
    and caching the store must answer with) under ``PRIVATE_MEDIA_STORE_ACCEL_PREFIX``,
    an ``internal`` nginx location that proxies to the store's endpoint. The browser sees
    neither the store nor the signature; nginx streams the file without holding a worker."""
    params = {"ResponseContentType": ctype, "ResponseContentDisposition": disposition,
              "ResponseCacheControl": "private, no-store"}
    try:
        url = storage.url(name, parameters=params, expire=settings.PRIVATE_MEDIA_URL_EXPIRE)
    except TypeError:  # a storage without presigned URLs of its own
        url = storage.url(name)
    parts = urlsplit(url)
    target = settings.PRIVATE_MEDIA_STORE_ACCEL_PREFIX.rstrip("/") + parts.path
    return f"{target}?{parts.query}" if parts.query else target


def check_private_media_server(app_configs=None, **kwargs):
    """System check grid.E110: a server hand-off that needs a file-system path (Apache's
    ``X-Sendfile``) with a private storage that has none."""
    from django.core import checks

    if getattr(settings, "PRIVATE_MEDIA_SERVER", "django") != "apache":
        return []
    try:
        storage = storages[PRIVATE_STORAGE]
    except Exception:  # noqa: BLE001 - a broken STORAGES is reported by Django itself
        return []
    if is_file_system(storage):
        return []
    return [checks.Error(
        "PRIVATE_MEDIA_SERVER=apache (X-Sendfile) needs a file-system private storage, "
        f"not {type(storage).__name__}.",
        hint="Use PRIVATE_MEDIA_SERVER=nginx (X-Accel-Redirect to a proxy of the object store) or django.",
        id="grid.E110")]


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
