"""Personal data shown only where needed (PIPL): the one masking rule and the one seam that
records who saw another person's data.

Lists (admin change lists, inboxes, case lists) show phone numbers masked as ``138****0001``
(``mask_phone``). The full number appears only on the item page, to the people who handle
the item, and only when the citizen did not ask to hide their identity from them
(``contact_for``). Item pages call ``reveal_contact`` / ``reveal_phone`` with the request:
it decides what to show and, when a full number of someone else is shown, announces a
``PersonalDataAccess`` (who, whose, what, when, from where) to the ``personal_data_accessed``
hook point, which the audit trail listens to. Downloads of another person's files announce
the same through ``record_access``. Templates display what they are given; none decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.admin.utils import unquote as admin_unquote
from django.utils import timezone

from grid.client_address import client_ip
from grid.hooks import HookPoint, Phase
from grid.masking import mask_id_number, mask_phone
from grid.models import User

MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def masked_column(field_name: str, description, kind: str = "phone"):
    """An admin change-list column (or read-only field) showing ``field_name`` masked."""
    mask = MASKS[kind]

    def column(obj):
        return mask(getattr(obj, field_name))

    column.short_description = description
    column.admin_order_field = field_name
    column.__name__ = f"{field_name}_masked"
    return column


@dataclass(frozen=True)
class ShownPhone:
    text: str
    full: bool

    def __str__(self) -> str:
        return self.text


def phone_for(viewer, phone: str | None, *, owner_id: int | None, handles: bool, hidden: bool = False) -> ShownPhone:
    """What ``viewer`` may see of ``phone`` on an item page: the owner sees their own number;
    someone who handles the item sees it in full unless the citizen hid it from them
    (``hidden``); everyone else sees it masked."""
    phone = (phone or "").strip()
    if not phone:
        return ShownPhone("", False)
    own = owner_id is not None and viewer is not None and viewer.pk == owner_id
    if own or (handles and not hidden):
        return ShownPhone(phone, True)
    return ShownPhone(mask_phone(phone), False)


@dataclass(frozen=True)
class ShownContact:
    """A contact as one viewer may see it: ``name`` is "" when the citizen hid their identity
    from this viewer (``hidden``); ``phone`` is the full number only when ``full``."""

    name: str
    phone: str
    full: bool
    hidden: bool


@dataclass(frozen=True)
class Subject:
    """The record whose personal data is shown: ``app_label.model``, its id, a readable label
    (a tracking number, a case number) and the person the data belongs to, when known."""

    object_type: str
    object_id: int | str
    label: str
    owner_id: int | None = None


@dataclass(frozen=True)
class PersonalDataAccess:
    """One view or download of another person's personal data (PIPL practice: who, whose,
    what, when, from where)."""

    viewer: User
    subject: Subject
    fields: tuple[str, ...]
    ip: str
    download: bool = False
    at: object = field(default_factory=timezone.now)


personal_data_accessed: HookPoint[PersonalDataAccess] = HookPoint(
    name="grid.personal_data_accessed",
    payload=PersonalDataAccess,
    phase=Phase.AFTER_COMMIT,
    required=True,
    doc="Someone saw or downloaded another person's personal data (the audit trail records it).",
)
"""Announced by ``record_access`` (item pages through ``reveal_*``; private-file downloads).
After commit: outside a transaction (a GET page) the listener runs at once; inside one, only
if it commits. Required: an access nobody records must not pass silently."""


def contact_for(viewer, *, name: str, phone: str | None, owner_id: int | None, handles: bool,
                hidden: bool = False) -> ShownContact:
    """Name and phone for an item page (see ``phone_for``); a hidden identity also hides the name."""
    shown = phone_for(viewer, phone, owner_id=owner_id, handles=handles, hidden=hidden)
    own = owner_id is not None and viewer is not None and viewer.pk == owner_id
    hide = hidden and not own
    return ShownContact(name="" if hide else (name or ""), phone=shown.text, full=shown.full, hidden=hide)


def _is_other_person(viewer, owner_id) -> bool:
    return bool(viewer is not None and viewer.pk and viewer.pk != owner_id)


def record_access(request, *, subject: Subject, fields: tuple[str, ...], download: bool = False) -> None:
    """Announce that ``request.user`` saw (or downloaded) personal data of ``subject`` that is
    not their own. A person's own data is not recorded."""
    viewer = request.user
    if not _is_other_person(viewer, subject.owner_id):
        return
    personal_data_accessed.emit(PersonalDataAccess(
        viewer=viewer, subject=subject, fields=tuple(fields), ip=client_ip(request) or "", download=download,
    ))


def reveal_contact(request, *, name: str, phone: str | None, subject: Subject, handles: bool,
                   hidden: bool = False, also: tuple[str, ...] = ()) -> ShownContact:
    """``contact_for`` for the requesting user, recording the view when a full number of
    someone else is shown (``also`` names other personal fields the page shows with it,
    such as an ID number)."""
    shown = contact_for(request.user, name=name, phone=phone, owner_id=subject.owner_id, handles=handles,
                        hidden=hidden)
    if shown.full or also:
        record_access(request, subject=subject, fields=(("phone",) if shown.full else ()) + tuple(also))
    return shown


def reveal_phone(request, phone: str | None, *, subject: Subject, handles: bool) -> ShownPhone:
    """``phone_for`` for the requesting user, recording the view of someone else's full number."""
    shown = phone_for(request.user, phone, owner_id=subject.owner_id, handles=handles)
    if shown.full:
        record_access(request, subject=subject, fields=("phone",))
    return shown


def reveal_phones(request, phones: list[tuple[str, str | None]], *, subject: Subject, handles: bool,
                  field_name: str = "phone") -> list[ShownPhone]:
    """Several people's numbers on one item page (the parties of a case): each shown in full
    to those who handle it, one access record for the page."""
    viewer = request.user
    shown = [phone_for(viewer, phone, owner_id=None, handles=handles) for _label, phone in phones]
    if any(s.full for s in shown):
        record_access(request, subject=subject, fields=tuple(
            f"{field_name}:{label}" for (label, _phone), s in zip(phones, shown, strict=True) if s.full))
    return shown


class PersonalDataAdminMixin:
    """Admin change pages (and inlines) that hold another person's phone or ID number.

    ``personal_fields`` maps a field name to its kind (``"phone"`` or ``"id_number"``). On
    the change page of an object the viewer does not handle (``handles_personal_data``), each
    of these fields is replaced by a read-only masked value (138****0001), so neither the page
    nor the form carries the full number and a POST cannot change it. Someone who handles the
    object sees (and may edit) the full value, and each GET of such a page is recorded as a
    view of personal data (``record_access`` with ``personal_data_subject``), as item pages do.
    Inlines decide on the parent object and record nothing themselves: the parent admin's
    ``personal_inlines_subject`` records them with its own page.
    """

    personal_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._masked_columns = {}
        for name, kind in self.personal_fields.items():
            label = self.model._meta.get_field(name).verbose_name
            self._masked_columns[name] = masked_column(name, label, kind)

    # -- decided per admin --------------------------------------------------------------
    def handles_personal_data(self, request, obj) -> bool:
        return False

    def personal_data_subject(self, obj) -> Subject | None:
        return None

    # -- the mechanics --------------------------------------------------------------------
    def personal_fields_for(self, obj) -> dict[str, str]:
        """The personal fields of ``obj`` (override to add fields that depend on the row)."""
        return dict(self.personal_fields)

    def reveals_personal_data(self, request, obj) -> bool:
        if obj is None:
            return True  # an add page holds no one's data yet
        cache = request.__dict__.setdefault("_personal_data_reveal", {})
        key = (type(self).__name__, obj._meta.label_lower, obj.pk)
        if key not in cache:
            own = getattr(request.user, "pk", None) is not None and obj.pk == request.user.pk and \
                obj._meta.label_lower == request.user._meta.label_lower
            cache[key] = bool(own or self.handles_personal_data(request, obj))
        return cache[key]

    def _masked(self, request, obj) -> dict:
        if obj is None or self.reveals_personal_data(request, obj):
            return {}
        return {name: self._masked_columns[name] for name in self.personal_fields_for(obj)
                if name in self._masked_columns}

    def get_readonly_fields(self, request, obj=None):
        fields = [f for f in super().get_readonly_fields(request, obj)]
        masked = self._masked(request, obj)
        fields = [masked.get(f, f) if isinstance(f, str) else f for f in fields]
        return (*fields, *(c for c in masked.values() if c not in fields))

    def get_fields(self, request, obj=None):
        masked = self._masked(request, obj)
        out = []
        for f in super().get_fields(request, obj):
            f = masked.get(f, f) if isinstance(f, str) else f
            if f not in out:
                out.append(f)
        return out

    def get_fieldsets(self, request, obj=None):
        masked = self._masked(request, obj)
        if not masked:
            return super().get_fieldsets(request, obj)
        out, seen = [], set()
        for name, options in super().get_fieldsets(request, obj):
            fields = []
            for f in options.get("fields", ()):
                if isinstance(f, (list, tuple)):
                    f = tuple(masked.get(x, x) if isinstance(x, str) else x for x in f)
                elif isinstance(f, str):
                    f = masked.get(f, f)
                if f in seen:
                    continue
                seen.add(f)
                fields.append(f)
            out.append((name, {**options, "fields": fields}))
        return out

    def record_personal_data_view(self, request, obj) -> None:
        """Record the full values this page shows of someone else (called on GET)."""
        if obj is None or not self.reveals_personal_data(request, obj):
            return
        shown = tuple(name for name in self.personal_fields_for(obj) if (getattr(obj, name, "") or "").strip())
        subject = self.personal_data_subject(obj)
        if shown and subject is not None:
            record_access(request, subject=subject, fields=shown)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, admin_unquote(object_id))
            if obj is not None and self.has_view_or_change_permission(request, obj):
                self.record_personal_data_view(request, obj)
                for inline in self.get_inline_instances(request, obj):
                    if isinstance(inline, PersonalDataAdminMixin):
                        inline.record_inline_view(request, obj, subject=self.personal_data_subject(obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def record_inline_view(self, request, parent, *, subject: Subject | None) -> None:
        """An inline's rows shown in full on ``parent``'s page, recorded as one access."""
        if subject is None or not self.reveals_personal_data(request, parent):
            return
        fk = self.fk_name or next(f.name for f in self.model._meta.fields
                                  if f.is_relation and f.related_model is type(parent))
        rows = self.model._default_manager.filter(**{fk: parent})
        shown = tuple(f"{name}:{row.pk}" for row in rows for name in self.personal_fields
                      if (getattr(row, name, "") or "").strip())
        if shown:
            record_access(request, subject=subject, fields=shown)
