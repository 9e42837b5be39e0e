"""Every write of the grievance loop: one function per use-case (DOMAIN.md §4).

Each function takes keyword-only arguments and the acting user, checks who may act through
grid.permissions, runs in one transaction, changes state only through the model's
``@transition`` methods, writes one immutable GrievanceEvent through ``_record`` and, in the
same transaction, emits it on the hook points of ``grievances.hooks``
(``grievance_event_recorded`` in the transaction: the clocks and their messages;
``grievance_event_committed`` after commit). A refusal is a ``GrievanceError`` whose
``message`` is Chinese and shown as is.

``ACTIONS`` lists the same checks per action so pages offer exactly the actions allowed now
(``allowed_actions``) and the service refuses anything else.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from grid import bulk, permissions
from grid.models import Region, RegionLevel, Unit, UnitKind, code_prefix
from grievances import hooks
from grievances.models import (
    API_CHANNELS,
    KEPT_BY_OTHERS,
    OPEN_STATES,
    Attachment,
    AttachmentKind,
    Category,
    CategoryGroup,
    Channel,
    CoHandling,
    CoReporter,
    EventAction,
    ExternalSource,
    Grievance,
    GrievanceEvent,
    GrievanceKind,
    GrievanceLink,
    JointHandling,
    JointSession,
    LinkKind,
    Rating,
    RatingMethod,
    ReturnRequest,
    ReturnStatus,
    Satisfaction,
    Severity,
    StagedRef,
    StagedUpload,
    State,
    SupervisionKind,
    SupervisionOrder,
)
from grievances.tracking import next_tracking_no


class GrievanceError(Exception):
    """A refusal with a message for the person who acted."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


class GrievancePermissionError(GrievanceError):
    """The person may not do this to this item (role or scope); named for the app so it never
    shadows ``django.core.exceptions.PermissionDenied``."""


class TransitionRefused(GrievanceError):
    """The item's state or the input does not allow the action now."""


class ConcurrentChange(TransitionRefused):
    """Someone else changed the item first (optimistic locking)."""


def check_version(grievance: Grievance, seen_version) -> None:
    """Refuse when the item changed after the person loaded the page (two people at once)."""
    if seen_version in (None, ""):
        return
    if int(seen_version) != grievance.version:
        raise ConcurrentChange(
            _("该件刚刚已被他人处理（状态或内容已变化），您的操作未生效。请刷新页面查看最新情况后再试。")
        )


# ---------------------------------------------------------------------------------------
# who may act: each returns None when allowed, else the refusal message


def _centre_check(actor, g: Grievance) -> str | None:
    """Centre staff of the responsible centre or of a centre above it."""
    if permissions.is_admin(actor):
        return None
    if permissions.is_centre(actor) and permissions.can_see_region_code(actor, g.centre.region_code):
        return None
    return _("只有负责该件的综治中心工作人员可以办理此操作。")


def _centre_leader_check(actor, g: Grievance) -> str | None:
    if permissions.is_admin(actor):
        return None
    if permissions.is_centre_leader(actor) and permissions.can_see_region_code(actor, g.centre.region_code):
        return None
    return _("只有负责该件的综治中心领导可以作出领导批办。")


def _lead_unit_check(actor, g: Grievance) -> str | None:
    if (permissions.is_department(actor) or permissions.is_mediator(actor)) and g.handling_unit_id and (
        actor.unit_id == g.handling_unit_id
    ):
        return None
    return _("只有牵头承办单位的工作人员可以办理此操作。")


def _unit_member_check(actor, g: Grievance) -> str | None:
    """Lead unit or a co-handling unit (interim replies from co-handlers are welcome)."""
    if _lead_unit_check(actor, g) is None:
        return None
    if (permissions.is_department(actor) or permissions.is_mediator(actor)) and CoHandling.objects.filter(
        grievance=g, unit_id=actor.unit_id
    ).exists():
        return None
    return _("只有承办或协办单位的工作人员可以办理此操作。")


def _reporter_check(actor, g: Grievance) -> str | None:
    """The reporter: the account that filed it, or the citizen whose phone number staff or a
    grid worker registered it for (hotline, walk-in, patrol; see models.reporter_q)."""
    if actor is None or not actor.is_authenticated:
        return _("只有反映人本人可以办理此操作。")
    if g.reporter_id == actor.pk:
        return None
    if (permissions.is_citizen(actor) or permissions.is_grid_worker(actor)) and actor.phone and (
        g.channel != Channel.WEB and g.contact_phone == actor.phone
    ):
        return None
    return _("只有反映人本人可以办理此操作。")


def _dept_leader_check(actor, g: Grievance) -> str | None:
    if permissions.is_department_leader(actor) and actor.unit_id == g.handling_unit_id:
        return None
    if permissions.is_mediator(actor) and actor.unit_id == g.handling_unit_id and actor.unit.leader_id == actor.pk:
        return None
    return _("只有承办单位本单位的领导可以审核退回申请。")


def _supervisor_check(actor, g: Grievance) -> str | None:
    return _centre_check(actor, g)


# ---------------------------------------------------------------------------------------
# the one place events are written

# Inside ``events_written_together()`` the rows of the loop's writes are kept here and written
# together when the block ends (``_WrittenTogether.write``).
_together: contextvars.ContextVar[_WrittenTogether | None] = contextvars.ContextVar("grievance_writes", default=None)


class _WrittenTogether:
    """The rows a batch of use-cases writes: the items' new state, supervision orders, events."""

    def __init__(self):
        self.grievances: dict[int, Grievance] = {}
        self.moved: dict[int, str] = {}  # items whose state changed: their new state
        self.orders: list[SupervisionOrder] = []
        self.events: list[GrievanceEvent] = []

    def write(self) -> None:
        if self.grievances:
            now = timezone.now()
            rows = [self.grievances[pk] for pk in sorted(self.grievances)]
            for g in rows:
                g.updated_at = now
            bulk.update_rows(Grievance, rows, _GRIEVANCE_FIELDS)
        by_state: dict[str, list[int]] = defaultdict(list)
        for pk, state in sorted(self.moved.items()):
            by_state[state].append(pk)
        for state, pks in by_state.items():  # one statement per new state (a chunk has one or two)
            _co_handling_follows(pks, state)
        if self.orders:
            bulk.insert_rows(SupervisionOrder, self.orders, returning_pk=True)
        record_events(self.events)


# What a deferred save writes: every column but the key and those another module keeps (as
# ``Grievance.save()`` does).
_GRIEVANCE_FIELDS = [f for f in Grievance._meta.concrete_fields
                     if not f.primary_key and f.name not in KEPT_BY_OTHERS]


def _co_handling_follows(grievance_ids, state: str) -> None:
    """The co-handling rows of these items take the items' new state (CoHandling.state)."""
    CoHandling.objects.filter(grievance_id__in=grievance_ids).exclude(state=state).update(state=state)


def _state_moved(grievance: Grievance, from_state: str) -> None:
    if grievance.state == from_state:
        return
    together = _together.get()
    if together is not None:
        together.moved[grievance.pk] = grievance.state  # with the batch's other writes
    else:
        _co_handling_follows([grievance.pk], grievance.state)


def _save_item(grievance: Grievance) -> None:
    """Save an item after a transition: with optimistic locking, or inside a batch (whose
    caller holds the items' row locks) together with the batch's other items."""
    together = _together.get()
    if together is not None:
        together.grievances[grievance.pk] = grievance
        return
    try:
        grievance.save()
    except ConcurrentTransition as exc:
        raise ConcurrentChange(
            _("该件刚刚已被他人处理（状态或内容已变化），您的操作未生效。请刷新页面查看最新情况后再试。")
        ) from exc


def _record(
    grievance: Grievance, *, actor, action: str, from_state: str, note: str = "", public: bool = True,
    unit: Unit | None = None,
) -> GrievanceEvent:
    event = GrievanceEvent(
        grievance=grievance, actor=actor if getattr(actor, "pk", None) else None, action=action,
        from_state=from_state, to_state=grievance.state, note=note, public=public, unit=unit,
        created_at=timezone.now(),
    )
    together = _together.get()
    if together is not None:
        together.events.append(event)  # written, with its hooks, when the batch ends (pk None until then)
    else:
        record_events([event])
    return event


record_event = _record
"""Public name of the one event writer, for events of other modules about an item (the
deadlines module's paused/resumed/extension_* events): writes the row and emits the hooks."""


def record_events(events: list[GrievanceEvent]) -> list[GrievanceEvent]:
    """Write events (one INSERT however many) and emit them on both hook points as one list:
    every event the loop writes goes through here, one at a time or a batch at a time."""
    if not events:
        return events
    with transaction.atomic(savepoint=False):
        bulk.insert_rows(GrievanceEvent, events, returning_pk=True)
        hooks.grievance_event_recorded.emit_many(events)
        hooks.grievance_event_committed.emit_many(events)
    return events


@contextmanager
def events_written_together():
    """Inside the block the loop's writes are collected instead of written: the items' saves
    after their transitions, supervision orders and events. When the block ends without an
    error they are written set-based (one UPDATE of the items, one INSERT of the orders, one
    INSERT of the events) and each listener of the hook points runs once with the whole list
    of events. Used by the deadline scan's chunks (grievances.deadlines.services.process_clocks).
    The caller runs it inside a transaction and holds the items' row locks (SELECT … FOR
    UPDATE), which stands in for the optimistic check of a single save; inside the block the
    new rows have no ``pk`` yet and the database still shows the items as before. Nested
    blocks join the outer one."""
    if _together.get() is not None:
        yield
        return
    together = _WrittenTogether()
    token = _together.set(together)
    try:
        yield
    finally:
        _together.reset(token)
    together.write()


def _state_label(state: str) -> str:
    return str(State(state).label)


def _transition(
    grievance: Grievance, method_name: str, *, actor, note: str = "", unit: Unit | None = None,
    public: bool | None = None, action: str | None = None, update=None,
) -> GrievanceEvent:
    """Run one FSM transition, save with optimistic locking, record the event."""
    method = getattr(grievance, method_name)
    custom = _custom_for(method_name)
    from_state = grievance.state
    if not can_proceed(method, check_conditions=False):
        raise TransitionRefused(
            _("该件当前状态为“%(state)s”，不能“%(action)s”。")
            % {"state": _state_label(from_state), "action": custom["label"]}
        )
    if not can_proceed(method):
        raise TransitionRefused(_("该件已退回两次或属涉众、疑难事项，须启动联调联处，不能普通分流。"))
    try:
        method()
    except TransitionNotAllowed as exc:
        raise TransitionRefused(
            _("该件当前状态为“%(state)s”，不能“%(action)s”。")
            % {"state": _state_label(from_state), "action": custom["label"]}
        ) from exc
    if update:
        update(grievance)
    grievance.bump_version()
    _save_item(grievance)
    _state_moved(grievance, from_state)
    event = _record(
        grievance, actor=actor, action=action or custom["event"], from_state=from_state, note=note,
        public=custom["public"] if public is None else public, unit=unit,
    )
    if grievance.state == State.CLOSED and from_state != State.CLOSED and method_name != "close_with_main":
        close_duplicates_of(grievance)
    return event


def _custom_for(method_name: str) -> dict:
    for t in Grievance._meta.get_field("state").get_all_transitions(Grievance):
        if t.name == method_name:
            return t.custom
    return {"label": method_name, "event": method_name, "public": False}


def _require(check, actor, grievance, exc=GrievancePermissionError):
    message = check(actor, grievance)
    if message:
        raise exc(message)


def _require_text(value: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise TransitionRefused(message)
    return value


STAGED_TTL = timedelta(hours=24)
STAGED_PER_PERSON = 30


def _delete_files_on_commit(*fields):
    names = [(f.storage, f.name) for f in fields if f]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


def _expire_staged(owner) -> None:
    for st in StagedUpload.objects.filter(owner=owner, created_at__lt=timezone.now() - STAGED_TTL):
        _delete_files_on_commit(st.file, st.thumbnail)
        st.delete()


def sweep_expired_staged(*, now=None, batch: int = 500) -> int:
    """The periodic sweep (grievances.tasks.sweep_staged_uploads, hourly): delete every staged
    upload older than STAGED_TTL that no form referenced, and its files once the deletion
    commits. People who never come back would otherwise leave their files on disk for ever
    (the per-owner expiry in stage_upload runs only when that person uploads again)."""
    cutoff = (now or timezone.now()) - STAGED_TTL
    removed = 0
    while True:
        with transaction.atomic():
            rows = list(StagedUpload.objects.select_for_update(skip_locked=True)
                        .filter(created_at__lt=cutoff).order_by("pk")[:batch])
            if not rows:
                return removed
            for st in rows:
                _delete_files_on_commit(st.file, st.thumbnail)
            StagedUpload.objects.filter(pk__in=[st.pk for st in rows]).delete()
            removed += len(rows)


@transaction.atomic
def stage_upload(*, actor, file, voice: bool = False) -> StagedUpload:
    """Upload first, then reference: one file through the upload gate (policy "appeal", or
    "voice" for a 按住说话 recording), kept privately for its owner for a day, so a form
    refused for a typo keeps it and a slow line sends each (already shrunk) photo once."""
    from django.core.exceptions import ValidationError

    from grid.uploads import check

    if actor is None or not actor.is_authenticated:
        raise GrievancePermissionError(_("请先登录后再上传。"))
    _expire_staged(actor)
    if StagedUpload.objects.filter(owner=actor).count() >= STAGED_PER_PERSON:
        raise TransitionRefused(_("待提交的附件过多，请先提交或移除已上传的附件。"))
    try:
        clean = check(file, policy="voice" if voice else "appeal")
    except ValidationError as exc:
        raise TransitionRefused(" ".join(exc.messages)) from exc
    st = StagedUpload(owner=actor, kind=clean.family, original_name=clean.name[:200],
                      content_type=clean.content_type, size=clean.size)
    st.file.save(clean.storage_name, clean.content, save=False)
    if clean.thumbnail is not None:
        st.thumbnail.save(clean.thumbnail_name, clean.thumbnail, save=False)
    st.save()
    return st


@transaction.atomic
def discard_staged(*, actor, pk: int) -> bool:
    """The remove button under a thumbnail: the person's own staged file is deleted."""
    st = StagedUpload.objects.filter(owner_id=getattr(actor, "pk", None), pk=pk).first()
    if st is None:
        return False
    _delete_files_on_commit(st.file, st.thumbnail)
    st.delete()
    return True


def _staged_to_attachment(ref: StagedRef, *, actor) -> Attachment:
    st = (StagedUpload.objects.select_for_update()
          .filter(pk=ref.pk, owner_id=getattr(actor, "pk", None), created_at__gte=timezone.now() - STAGED_TTL)
          .first())
    if st is None:
        raise TransitionRefused(_("有附件已过期或已被移除，请重新上传。"))
    att = Attachment(kind=st.kind, original_name=st.original_name, content_type=st.content_type, size=st.size)
    with st.file.open("rb") as fh:
        att.file.save(st.file.name.rsplit("/", 1)[-1], File(fh), save=False)
    if st.thumbnail:
        with st.thumbnail.open("rb") as fh:
            att.thumbnail.save(st.thumbnail.name.rsplit("/", 1)[-1], File(fh), save=False)
    _delete_files_on_commit(st.file, st.thumbnail)
    st.delete()
    return att


def _has_voice(files, *, actor) -> bool:
    """Whether the files include a voice note (a staged recording of the actor's, or an audio
    file already through the gate): then the text boxes may stay empty."""
    staged = [f.pk for f in files or () if isinstance(f, StagedRef)]
    if any(getattr(f, "kind", None) == AttachmentKind.AUDIO for f in files or () if not isinstance(f, StagedRef)):
        return True
    return bool(staged) and StagedUpload.objects.filter(
        pk__in=staged, owner_id=getattr(actor, "pk", None), kind=AttachmentKind.AUDIO).exists()


def _transcribe_on_commit(attachments) -> None:
    """The speech-to-text seam (grid.speech): each new voice note goes to the city's service
    after the commit, when one is configured."""
    from grid import speech

    if not speech.configured():
        return
    from grievances.tasks import transcribe_voice_note

    for att in attachments:
        if att.kind == AttachmentKind.AUDIO:
            transaction.on_commit(lambda pk=att.pk: transcribe_voice_note.delay(pk))


def transcribe_voice_note(attachment_id: int) -> str:
    """The city's speech service's text for one voice note, kept beside the recording."""
    from grid import speech

    att = Attachment.objects.filter(pk=attachment_id, kind=AttachmentKind.AUDIO).first()
    if att is None or att.transcript:
        return att.transcript if att else ""
    with att.file.open("rb") as fh:
        text = speech.transcribe(fh.read(), content_type=att.content_type)
    if text:
        Attachment.objects.filter(pk=att.pk).update(transcript=text[:5000])
    return text


def _attach(grievance: Grievance, files: Iterable, *, actor, event: GrievanceEvent | None, public: bool = True):
    """Store files already checked by the upload gate (forms do that, so a refusal keeps
    what was typed), and files staged earlier by the actor (``StagedRef``: uploaded ahead
    of the form); raw uploaded files from other callers are checked here."""
    from django.core.exceptions import ValidationError

    from grid.uploads import CleanFile, check

    stored = []
    for clean in files or ():
        if isinstance(clean, StagedRef):
            att = _staged_to_attachment(clean, actor=actor)
            att.grievance, att.event, att.public = grievance, event, public
            att.uploaded_by = actor if getattr(actor, "pk", None) else None
            att.save()
            stored.append(att)
            continue
        if not isinstance(clean, CleanFile):
            try:
                clean = check(clean, policy="appeal")
            except ValidationError as exc:
                raise TransitionRefused(" ".join(exc.messages)) from exc
        att = Attachment(
            grievance=grievance, event=event, uploaded_by=actor if getattr(actor, "pk", None) else None,
            kind=clean.family, original_name=clean.name[:200], content_type=clean.content_type,
            size=clean.size, public=public,
        )
        att.file.save(clean.storage_name, clean.content, save=False)
        if clean.thumbnail is not None:
            att.thumbnail.save(clean.thumbnail_name, clean.thumbnail, save=False)
        att.save()
        stored.append(att)
    _transcribe_on_commit(stored)


# ---------------------------------------------------------------------------------------
# discover (发现)


def responsible_centre(region: Region) -> Unit | None:
    """The nearest governance centre at or above the region (矛盾不上交: the most local)."""
    codes = [region.code[:n].ljust(12, "0") for lvl, n in _prefixes() if lvl <= region.level]
    centres = {u.region_code: u for u in Unit.objects.filter(kind=UnitKind.CENTRE, is_active=True,
                                                              region_code__in=codes)}
    for code in reversed(codes):
        if code in centres:
            return centres[code]
    return None


def _prefixes():
    from grid.models import PREFIX_LENGTH

    return sorted(PREFIX_LENGTH.items())


@transaction.atomic
def submit_grievance(
    *, actor, kind: str, region: Region, title: str, description: str, contact_name: str = "",
    contact_phone: str = "", category: Category | None = None, tags: Sequence[Category] = (),
    address: str = "", grid=None, channel: str = Channel.WEB, hide_identity: bool = False,
    latitude=None, longitude=None, files: Sequence = (), source: ExternalSource | None = None,
    client_key: str = "",
) -> Grievance:
    """发现: a citizen's submission, a grid worker's patrol report, a hotline/walk-in entry
    by centre staff, or an entry from another system through the open API (``source``: a
    12345 hotline, a mini-program, a partner system, filing only into its own region). The
    item goes to the nearest centre above its place and gets a tracking number that can be
    read aloud. ``client_key`` (the form's idempotency key, kept with an offline draft) files
    once: the same key again returns the item filed the first time."""
    from grid import idempotency

    filed = idempotency.claim(actor, "grievance", client_key)
    if filed is not None:
        return Grievance.objects.get(pk=filed)
    if kind not in GrievanceKind.values:
        raise TransitionRefused(_("请选择诉求类型。"))
    if _has_voice(files, actor=actor):
        # 按住说话: someone who cannot type may leave the text boxes empty; staff listen.
        title = (title or "").strip() or _("语音反映")
        description = (description or "").strip() or _("（群众以语音反映，请收听录音附件）")
    web = channel == Channel.WEB
    title = _require_text(title, _("请填写标题，或按住“按住说话”录一段语音。") if web else _("请填写标题。"))
    description = _require_text(
        description, _("请填写诉求内容，或按住“按住说话”录一段语音。") if web else _("请填写诉求内容。"))
    if source is not None:
        if channel not in API_CHANNELS:
            raise GrievancePermissionError(_("开放接口不能以该渠道提交诉求。"))
        if not region.code.startswith(code_prefix(source.region_code, source.region_level)):
            raise GrievancePermissionError(_("该接口密钥只能提交本辖区（%(code)s）的诉求。")
                                           % {"code": source.region_code})
    elif channel in API_CHANNELS[1:]:
        raise GrievancePermissionError(_("该渠道的诉求只能经开放接口提交。"))
    elif channel == Channel.PATROL:
        if not permissions.is_grid_worker(actor):
            raise GrievancePermissionError(_("只有网格员可以提交网格巡查上报。"))
        if grid is None or not grid.workers.filter(pk=actor.pk).exists():
            raise GrievancePermissionError(_("只能上报自己负责的网格中发现的问题。"))
    elif channel in (Channel.HOTLINE, Channel.WALK_IN, Channel.SCREENING):
        if not (permissions.is_admin(actor) or (permissions.is_centre(actor)
                                                 and permissions.can_see_region(actor, region))):
            raise GrievancePermissionError(_("只有辖区综治中心工作人员可以登记热线、来访或排查事项。"))
    elif actor is None or not actor.is_authenticated:
        raise GrievancePermissionError(_("请先登录后再提交诉求。"))
    if grid is not None:
        region = grid.village
    centre = responsible_centre(region)
    if centre is None:
        raise TransitionRefused(_("所选地区尚未设立综治中心，请选择其他地区或拨打12345热线。"))
    reporter = actor if (actor is not None and actor.is_authenticated and channel in (Channel.WEB, Channel.PATROL)) \
        else None
    if reporter is not None:
        contact_phone = contact_phone or (reporter.phone or "")
        contact_name = contact_name or reporter.display_name
    if not contact_phone and channel != Channel.PATROL:
        raise TransitionRefused(_("请填写联系电话，以便工作人员联系您。"))
    g = Grievance(
        tracking_no=next_tracking_no(), kind=kind, category=category, channel=channel, region=region,
        region_code=region.code, grid=grid, address=address.strip(), latitude=latitude, longitude=longitude,
        title=title, description=description, reporter=reporter, contact_name=(contact_name or "").strip() or "—",
        contact_phone=contact_phone, hide_identity=hide_identity, centre=centre,
    )
    g.save()
    if tags:
        g.tags.set(tags)
    note = _("经开放接口提交（%(name)s）") % {"name": source.name} if source is not None else ""
    event = _record(g, actor=actor, action=EventAction.SUBMITTED, from_state="", note=note, public=True, unit=centre)
    _attach(g, files, actor=actor, event=event)
    idempotency.bind(actor, "grievance", client_key, g.pk)
    return g


HOTLINE_COLUMNS = ("region_code", "kind", "category", "title", "description", "contact_name", "contact_phone",
                   "address")


def import_hotline_rows(*, actor, rows) -> tuple[list[Grievance], list[str]]:
    """12345 hotline import: one grievance per row (each in its own transaction, so one bad
    row does not stop the others). Returns the items made and a Chinese message per bad row."""
    from grid.models import MOBILE_RE

    made, errors = [], []
    kinds = {str(label): value for value, label in GrievanceKind.choices} | {v: v for v in GrievanceKind.values}
    for n, row in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        try:
            region = Region.objects.filter(code=row.get("region_code", "")).first()
            if region is None:
                raise TransitionRefused(_("区域代码不存在。"))
            kind = kinds.get(row.get("kind", ""))
            if kind is None:
                raise TransitionRefused(_("诉求类型无法识别。"))
            category = None
            if row.get("category"):
                category = Category.objects.filter(
                    group=CategoryGroup.DISPUTE).filter(Q(code=row["category"]) | Q(name=row["category"])).first()
                if category is None:
                    raise TransitionRefused(_("类别无法识别。"))
            if not MOBILE_RE.match(row.get("contact_phone", "")):
                raise TransitionRefused(_("联系电话不是有效的手机号码。"))
            made.append(submit_grievance(
                actor=actor, channel=Channel.HOTLINE, kind=kind, region=region, category=category,
                title=row.get("title", ""), description=row.get("description", ""),
                contact_name=row.get("contact_name", ""), contact_phone=row["contact_phone"],
                address=row.get("address", ""),
            ))
        except GrievanceError as exc:
            errors.append(_("第%(n)d行：%(msg)s") % {"n": n, "msg": exc.message})
    return made, errors


@transaction.atomic
def supplement_grievance(*, actor, grievance: Grievance, note: str, files: Sequence = (),
                         client_key: str = "") -> GrievanceEvent:
    """补充材料: the reporter adds text or files to an open item; a draft sent again with the
    same ``client_key`` adds nothing twice."""
    from grid import idempotency

    filed = idempotency.claim(actor, "supplement", client_key)
    if filed is not None:
        return GrievanceEvent.objects.get(pk=filed)
    _require(_reporter_check, actor, grievance)
    if not (note or "").strip() and not files:
        raise TransitionRefused(_("请填写补充说明或上传材料。"))
    event = _transition(grievance, "supplement", actor=actor, note=(note or "").strip())
    _attach(grievance, files, actor=actor, event=event)
    idempotency.bind(actor, "supplement", client_key, event.pk)
    return event


# ---------------------------------------------------------------------------------------
# accept (受理)


@transaction.atomic
def accept_grievance(
    *, actor, grievance: Grievance, kind: str, severity: str = "", risk_level: str = "",
    category: Category | None = None, tags: Sequence[Category] = (), title: str = "",
    is_mass: bool = False, is_difficult: bool = False, note: str = "",
) -> GrievanceEvent:
    """受理: the centre classifies (kind, category, key-area tags) and grades (severity, risk).
    Disputes must be graded: the grade sets the deadline (137+2030, DOMAIN.md §5)."""
    _require(_centre_check, actor, grievance)
    if kind not in GrievanceKind.values:
        raise TransitionRefused(_("请选择诉求类型。"))
    if kind == GrievanceKind.DISPUTE and severity not in Severity.values:
        raise TransitionRefused(_("矛盾纠纷调解类事项受理时必须确定纠纷等级（简易/一般/较大/重大）。"))
    if category is not None and category.group != CategoryGroup.DISPUTE:
        raise TransitionRefused(_("所选类别不是纠纷类别。"))

    def update(g):
        g.kind, g.severity, g.risk_level = kind, severity or "", risk_level or ""
        g.category = category
        g.title = (title or "").strip() or g.title
        g.is_mass, g.is_difficult = bool(is_mass), bool(is_difficult)

    event = _transition(grievance, "accept", actor=actor, note=note or _("您的诉求已受理，我们将尽快交办。"),
                        unit=grievance.centre, update=update)
    grievance.tags.set(tags)
    return event


@transaction.atomic
def reject_grievance(*, actor, grievance: Grievance, reason: str, guidance: str) -> GrievanceEvent:
    """不予受理: always with a reason and guidance the citizen can act on (e.g. 应向法院起诉)."""
    _require(_centre_check, actor, grievance)
    reason = _require_text(reason, _("不予受理必须填写理由。"))
    guidance = _require_text(guidance, _("不予受理必须告知群众办理指引（例如应向何处反映）。"))

    def update(g):
        g.reject_reason, g.guidance = reason, guidance

    return _transition(grievance, "reject", actor=actor, note=f"{reason}\n{_('办理指引：')}{guidance}",
                       update=update)


@transaction.atomic
def escalate_grievance(*, actor, grievance: Grievance, note: str) -> GrievanceEvent:
    """上报: this level cannot handle it; the upper-level centre takes responsibility."""
    _require(_centre_check, actor, grievance)
    note = _require_text(note, _("上报必须说明原因。"))
    upper = permissions.upper_centre(grievance.centre)
    if upper is None:
        raise TransitionRefused(_("已是最高一级综治中心，无法继续上报。"))

    def update(g):
        g.centre = upper

    return _transition(grievance, "escalate", actor=actor, note=note, unit=upper, update=update)


@transaction.atomic
def transfer_to_lower_centre(*, actor, grievance: Grievance, centre: Unit, note: str = "") -> GrievanceEvent:
    """分流至下级综治中心 (属地): the item stays accepted; the lower centre dispatches it."""
    _require(_centre_check, actor, grievance)
    current = grievance.centre
    if centre.kind != UnitKind.CENTRE or centre.level <= current.level or not centre.region_code.startswith(
        current.region_prefix
    ):
        raise TransitionRefused(_("只能交给本中心辖区内的下级综治中心。"))

    def update(g):
        g.centre = centre

    return _transition(grievance, "transfer_down", actor=actor, unit=centre, update=update,
                       note=note or _("已交%(unit)s办理。") % {"unit": centre.name})


# ---------------------------------------------------------------------------------------
# dispatch (分流)


def _check_target_units(actor, grievance: Grievance, lead: Unit, co_units: Sequence[Unit]) -> list[Unit]:
    if lead.kind not in (UnitKind.DEPARTMENT, UnitKind.MEDIATION) or not lead.is_active:
        raise TransitionRefused(_("牵头单位必须是在用的职能部门或调解组织。"))
    for unit in (lead, *co_units):
        if not permissions.is_admin(actor) and not permissions.can_see_region_code(actor, unit.region_code):
            raise TransitionRefused(_("“%(unit)s”不在您的辖区内，不能交办。") % {"unit": unit.name})
        if not permissions.serves_place(unit.region_code, grievance.region_code):
            raise TransitionRefused(
                _("“%(unit)s”不属于该诉求发生地或其上级，按属地原则不能交办。") % {"unit": unit.name})
    co = [u for u in dict.fromkeys(co_units) if u.pk != lead.pk]
    for unit in co:
        if unit.kind not in (UnitKind.DEPARTMENT, UnitKind.MEDIATION):
            raise TransitionRefused(_("协办单位必须是职能部门或调解组织。"))
    return co


def _set_units(g: Grievance, lead: Unit, co: Sequence[Unit]):
    g.handling_unit = lead
    g.handler = None
    if g.first_unit_id is None:
        g.first_unit = lead


def _replace_co_units(g: Grievance, co: Sequence[Unit]):
    CoHandling.objects.filter(grievance=g).delete()
    CoHandling.objects.bulk_create([CoHandling(grievance=g, unit=u, state=g.state) for u in co])


@transaction.atomic
def dispatch_grievance(
    *, actor, grievance: Grievance, unit: Unit, co_units: Sequence[Unit] = (), note: str = ""
) -> GrievanceEvent:
    """分流: to a lead department (with co-handlers) or a mediation organisation. The first
    unit it is dispatched to is the first-receiving unit (首接首办) for good."""
    _require(_centre_check, actor, grievance)
    co = _check_target_units(actor, grievance, unit, co_units)
    event = _transition(grievance, "dispatch", actor=actor, unit=unit, update=lambda g: _set_units(g, unit, co),
                        note=note or _("已交%(unit)s办理。") % {"unit": unit.name})
    _replace_co_units(grievance, co)
    if unit.kind == UnitKind.MEDIATION and grievance.kind == GrievanceKind.DISPUTE:
        hooks.grievance_dispatched_to_mediation.emit(
            hooks.MediationDispatch(grievance=grievance, organisation=unit, actor=actor))
    return event


@transaction.atomic
def open_joint_handling(
    *, actor, grievance: Grievance, lead_unit: Unit, co_units: Sequence[Unit], reason: str
) -> JointHandling:
    """联调联处: for items returned twice or more, 涉众 or 疑难, the centre names a lead
    department and co-departments (Chenzhou 联调联处机制)."""
    _require(_centre_check, actor, grievance)
    reason = _require_text(reason, _("启动联调联处必须说明原因。"))
    co = _check_target_units(actor, grievance, lead_unit, co_units)
    if not co:
        raise TransitionRefused(_("联调联处至少需要指定一个协同单位。"))
    _transition(grievance, "open_joint", actor=actor, unit=lead_unit, note=reason,
                update=lambda g: _set_units(g, lead_unit, co))
    _replace_co_units(grievance, co)
    joint = JointHandling.objects.create(grievance=grievance, lead_unit=lead_unit, reason=reason, opened_by=actor)
    joint.co_units.set(co)
    return joint


@transaction.atomic
def record_joint_session(
    *, actor, grievance: Grievance, held_at, place: str, participants: str, minutes: str
) -> JointSession:
    """联席会商: the centre records a joint session of the units involved."""
    _require(_centre_check, actor, grievance)
    joint = grievance.joint_handlings.order_by("-id").first()
    if joint is None:
        raise TransitionRefused(_("该件尚未启动联调联处，不能记录联席会商。"))
    minutes = _require_text(minutes, _("请填写会商纪要。"))
    session = JointSession.objects.create(
        joint=joint, held_at=held_at, place=_require_text(place, _("请填写会商地点或方式。")),
        participants=_require_text(participants, _("请填写参会单位和人员。")), minutes=minutes, recorded_by=actor,
    )
    _transition(grievance, "record_joint_session", actor=actor, note=minutes, unit=joint.lead_unit)
    return session


# ---------------------------------------------------------------------------------------
# handle (处置)


@transaction.atomic
def sign_grievance(*, actor, grievance: Grievance) -> GrievanceEvent:
    """签收: the lead unit takes it; the signer becomes the handler."""
    _require(_lead_unit_check, actor, grievance)

    def update(g):
        g.handler = actor

    return _transition(grievance, "sign", actor=actor, unit=grievance.handling_unit, update=update,
                       note=_("%(unit)s已签收，正在办理。") % {"unit": grievance.handling_unit.name})


@transaction.atomic
def interim_reply(*, actor, grievance: Grievance, note: str, files: Sequence = ()) -> GrievanceEvent:
    """阶段性回复 (137: within 3 days when it cannot be finished the same day)."""
    _require(_unit_member_check, actor, grievance)
    note = _require_text(note, _("请填写阶段性回复内容。"))
    event = _transition(grievance, "reply", actor=actor, note=note, unit=actor.unit)
    _attach(grievance, files, actor=actor, event=event)
    return event


def _pending_return(grievance: Grievance) -> ReturnRequest | None:
    return grievance.return_requests.filter(status=ReturnStatus.PENDING).first()


@transaction.atomic
def complete_grievance(*, actor, grievance: Grievance, result: str, files: Sequence = ()) -> GrievanceEvent:
    """办结: the lead unit reports the result (with material); the centre checks it next."""
    _require(_lead_unit_check, actor, grievance)
    result = _require_text(result, _("办结必须填写办理结果。"))
    if _pending_return(grievance):
        raise TransitionRefused(_("本单位的退回申请正在审核，审核前不能办结。"))

    def update(g):
        g.result = result

    event = _transition(grievance, "complete", actor=actor, note=result, unit=grievance.handling_unit,
                        public=False, update=update)
    _attach(grievance, files, actor=actor, event=event)
    return event


@transaction.atomic
def request_return(*, actor, grievance: Grievance, reason: str) -> ReturnRequest:
    """首接首办: a unit that believes it is not responsible may ask to return the item, only
    with a stated reason; its own leader decides."""
    _require(_lead_unit_check, actor, grievance)
    reason = _require_text(reason, _("申请退回必须详细说明理由。"))
    if _pending_return(grievance):
        raise TransitionRefused(_("已有一份退回申请在等待领导审核。"))
    _transition(grievance, "request_return", actor=actor, note=reason, unit=grievance.handling_unit)
    try:
        with transaction.atomic():
            return ReturnRequest.objects.create(
                grievance=grievance, unit=grievance.handling_unit, requested_by=actor, reason=reason
            )
    except IntegrityError as exc:
        raise ConcurrentChange(_("已有一份退回申请在等待领导审核。")) from exc


def _load_return(return_request: ReturnRequest) -> ReturnRequest:
    rr = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
    if rr.status != ReturnStatus.PENDING:
        raise ConcurrentChange(_("该退回申请已经审核过了。"))
    return rr


@transaction.atomic
def approve_return(*, actor, return_request: ReturnRequest, note: str = "") -> GrievanceEvent:
    """Approved return: back to the same-level centre, counted; at two returns the centre
    must organise joint handling."""
    rr = _load_return(return_request)
    grievance = return_request.grievance
    if rr.grievance_id != grievance.pk:
        grievance = rr.grievance
    _require(_dept_leader_check, actor, grievance)
    unit = grievance.handling_unit
    centre = permissions.same_level_centre(unit) or grievance.centre

    def update(g):
        g.centre = centre

    event = _transition(grievance, "approve_return", actor=actor, unit=unit, update=update,
                        note=f"{rr.reason}\n{note}".strip())
    CoHandling.objects.filter(grievance=grievance).delete()
    rr.status, rr.decided_by, rr.decided_at, rr.decision_note = ReturnStatus.APPROVED, actor, timezone.now(), note
    rr.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return event


@transaction.atomic
def refuse_return(*, actor, return_request: ReturnRequest, note: str) -> GrievanceEvent:
    rr = _load_return(return_request)
    grievance = rr.grievance
    _require(_dept_leader_check, actor, grievance)
    note = _require_text(note, _("不同意退回时请写明意见。"))
    event = _transition(grievance, "request_return", actor=actor, unit=grievance.handling_unit, note=note,
                        action=EventAction.RETURN_REFUSED)
    rr.status, rr.decided_by, rr.decided_at, rr.decision_note = ReturnStatus.REFUSED, actor, timezone.now(), note
    rr.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return event


# ---------------------------------------------------------------------------------------
# track (跟踪) and feedback (反馈)


@transaction.atomic
def verify_grievance(*, actor, grievance: Grievance, note: str = "") -> GrievanceEvent:
    """跟踪问效: the centre checks the reported result and feeds it back to the citizen."""
    _require(_centre_check, actor, grievance)
    text = grievance.result + (f"\n{note.strip()}" if note and note.strip() else "")
    return _transition(grievance, "verify", actor=actor, note=text, unit=grievance.handling_unit)


@transaction.atomic
def send_back_grievance(*, actor, grievance: Grievance, reason: str) -> GrievanceEvent:
    """A weak result goes back to handling, with the centre's reason."""
    _require(_centre_check, actor, grievance)
    reason = _require_text(reason, _("退回重办必须说明理由。"))
    return _transition(grievance, "send_back", actor=actor, note=reason, unit=grievance.handling_unit)


def _record_rating(grievance: Grievance, *, actor, satisfaction: str, comment: str, method: str,
                   professionalism: int | None = None) -> Rating:
    """One rating of the round just fed back: 满意/基本满意 closes the item; 不满意 sends it
    back to the handling unit under a second supervision order (二次督办, Siping: 未达标事项
    启动"二次督办"), whoever brought the rating in."""
    if satisfaction not in Satisfaction.values:
        raise TransitionRefused(_("请选择满意度。"))
    comment = (comment or "").strip()
    if satisfaction == Satisfaction.UNSATISFIED and not comment:
        raise TransitionRefused(_("选择“不满意”时请写明原因，便于二次督办。"))

    def update(g):
        g.satisfaction = satisfaction

    label = Satisfaction(satisfaction).label
    if method == RatingMethod.RETURN_VISIT:
        note = _("回访：%(label)s") % {"label": label} + (f"：{comment}" if comment else "")
    else:
        note = f"{label}" + (f"：{comment}" if comment else "")
    if satisfaction == Satisfaction.UNSATISFIED:
        _transition(grievance, "rate_unsatisfied", actor=actor, note=note, update=update)
        _supervise(grievance, actor=None, kind=SupervisionKind.SECOND,
                   note=_("群众评价不满意，二次督办：%(c)s") % {"c": comment})
    elif method == RatingMethod.RETURN_VISIT:
        _transition(grievance, "close", actor=actor, note=note, update=update)
    else:
        _transition(grievance, "rate_satisfied", actor=actor, note=note, update=update)
    return Rating.objects.create(grievance=grievance, satisfaction=satisfaction, comment=comment, method=method,
                                 professionalism=professionalism, rated_by=actor)


@transaction.atomic
def rate_grievance(
    *, actor, grievance: Grievance, satisfaction: str, comment: str = "", professionalism: int | None = None
) -> Rating:
    """评价: the reporter rates the result fed back to them (DOMAIN.md §4 反馈)."""
    _require(_reporter_check, actor, grievance)
    return _record_rating(grievance, actor=actor, satisfaction=satisfaction, comment=comment,
                          professionalism=professionalism, method=RatingMethod.ONLINE)


@transaction.atomic
def record_return_visit(*, actor, grievance: Grievance, satisfaction: str, note: str) -> Rating:
    """回访: centre staff call or visit the citizen and record what they say as the rating,
    exactly as if the citizen had rated online (elderly and hotline citizens rate this way):
    满意/基本满意 closes the item, 不满意 starts the second supervision (二次督办)."""
    _require(_centre_check, actor, grievance)
    note = _require_text(note, _("请填写回访情况。"))
    return _record_rating(grievance, actor=actor, satisfaction=satisfaction, comment=note,
                          method=RatingMethod.RETURN_VISIT)


@transaction.atomic
def auto_close_grievance(*, grievance: Grievance) -> GrievanceEvent | None:
    """The rating period ran out: close a fed-back item. Idempotent: a no-op unless the item
    is still awaiting its rating."""
    g = Grievance.objects.select_for_update().filter(pk=grievance.pk).first()
    if g is None or g.state != State.VERIFIED:
        return None
    return _transition(g, "auto_close", actor=None, note=_("评价期满未评价，系统自动归档。"))


@transaction.atomic
def reopen_grievance(*, actor, grievance: Grievance, reason: str) -> SupervisionOrder:
    """重新启动办理: an archived item goes back to its handling unit under a supervision order
    (督办), e.g. when the return visit finds a mediation agreement was not performed. Centre
    staff in scope may do it; ``actor`` None is the system (mediation's return visit). The
    citizen sees the step; the clocks restart as for a second supervision round."""
    if actor is not None:
        _require(_centre_check, actor, grievance)
    reason = _require_text(reason, _("重新启动办理必须说明理由。"))
    g = Grievance.objects.select_for_update().get(pk=grievance.pk)
    if g.state != State.CLOSED:
        raise TransitionRefused(
            _("该件当前状态为“%(state)s”，不能“%(action)s”。")
            % {"state": _state_label(g.state), "action": _custom_for("reopen")["label"]}
        )
    if g.handling_unit_id is None:
        raise TransitionRefused(_("该件没有承办单位，不能重新启动办理，请重新登记诉求。"))
    _transition(g, "reopen", actor=actor, note=reason, unit=g.handling_unit)
    order = _supervise(g, actor=actor, kind=SupervisionKind.SUPERVISION, note=reason)
    grievance.refresh_from_db()
    return order


# ---------------------------------------------------------------------------------------
# supervise (督办)


def _supervise(grievance: Grievance, *, actor, kind: str, note: str) -> SupervisionOrder:
    order = SupervisionOrder(
        grievance=grievance, kind=kind, issued_by=actor if getattr(actor, "pk", None) else None,
        unit=grievance.handling_unit, note=note,
    )
    together = _together.get()
    if together is not None:
        together.orders.append(order)
    else:
        order.save(force_insert=True)
    _transition(grievance, "supervise", actor=actor, note=note, unit=grievance.handling_unit)
    return order


@transaction.atomic
def supervise_grievance(*, actor, grievance: Grievance, note: str, automatic: bool = False) -> SupervisionOrder:
    """督办: on any open item; the handling unit sees it flagged. ``automatic`` orders come
    from the deadline scan (actor None) for overdue items."""
    if automatic:
        return supervise_overdue(grievance=grievance, note=note)
    _require(_supervisor_check, actor, grievance)
    note = _require_text(note, _("请填写督办意见。"))
    return _supervise(grievance, actor=actor, kind=SupervisionKind.SUPERVISION, note=note)


@transaction.atomic(savepoint=False)
def supervise_overdue(*, grievance: Grievance, note: str) -> SupervisionOrder:
    """The deadline scan's automatic 督办 of an overdue item (actor: the system). Joins the
    scan's transaction without a savepoint of its own (a chunk of items is one unit)."""
    note = _require_text(note, _("请填写督办意见。"))
    return _supervise(grievance, actor=None, kind=SupervisionKind.OVERDUE, note=note)


@transaction.atomic
def leader_instruction(*, actor, grievance: Grievance, note: str) -> SupervisionOrder:
    """领导批办: a centre leader's instruction on an open item, flagged to the handler."""
    _require(_centre_leader_check, actor, grievance)
    note = _require_text(note, _("请填写批办意见。"))
    order = SupervisionOrder.objects.create(
        grievance=grievance, kind=SupervisionKind.LEADER, issued_by=actor, unit=grievance.handling_unit, note=note
    )
    _transition(grievance, "instruct", actor=actor, note=note, unit=grievance.handling_unit)
    return order


# ---------------------------------------------------------------------------------------
# what may this user do now


ACTIONS: dict[str, tuple[str, object]] = {
    # action name -> (transition method, who-check)
    "accept": ("accept", _centre_check),
    "reject": ("reject", _centre_check),
    "escalate": ("escalate", _centre_check),
    "transfer_down": ("transfer_down", _centre_check),
    "dispatch": ("dispatch", _centre_check),
    "open_joint": ("open_joint", _centre_check),
    "joint_session": ("record_joint_session", _centre_check),
    "sign": ("sign", _lead_unit_check),
    "reply": ("reply", _unit_member_check),
    "complete": ("complete", _lead_unit_check),
    "request_return": ("request_return", _lead_unit_check),
    "verify": ("verify", _centre_check),
    "send_back": ("send_back", _centre_check),
    "close": ("close", _centre_check),
    "reopen": ("reopen", _centre_check),
    "supervise": ("supervise", _supervisor_check),
    "instruct": ("instruct", _centre_leader_check),
    "supplement": ("supplement", _reporter_check),
    "rate": ("rate_satisfied", _reporter_check),
}


def allowed_actions(user, grievance: Grievance, *, pending_return: ReturnRequest | None = None) -> list[str]:
    """The actions this user may take on this item now (state, conditions and role)."""
    allowed = []
    for name, (method_name, check) in ACTIONS.items():
        if not can_proceed(getattr(grievance, method_name)):
            continue
        if check(user, grievance) is not None:
            continue
        if name == "joint_session" and not grievance.is_joint:
            continue
        if name == "transfer_down" and grievance.centre.level >= RegionLevel.VILLAGE:
            continue
        if name in ("request_return", "complete") and pending_return is not None:
            continue
        allowed.append(name)
    if pending_return is not None and _dept_leader_check(user, grievance) is None:
        allowed += ["approve_return", "refuse_return"]
    return allowed


# ---------------------------------------------------------------------------------------
# duplicates, related items and 我也遇到了 (issue 16: suggested by ``assist``, decided here)


def _close_with_main(dup: Grievance, main: Grievance) -> GrievanceEvent:
    note = _("与编号%(no)s反映的是同一问题，随该件一并办结：%(result)s") % {
        "no": main.tracking_no, "result": main.result or _("详见主件办理结果。")}

    def update(g):
        g.result = main.result

    return _transition(dup, "close_with_main", actor=None, note=note, unit=main.handling_unit, update=update)


def close_duplicates_of(main: Grievance) -> list[GrievanceEvent]:
    """The main item was closed: every open item linked to it as a duplicate is closed with
    its result (in the same transaction)."""
    events = []
    dup_ids = GrievanceLink.objects.filter(main=main, kind=LinkKind.DUPLICATE).values("grievance_id")
    together = _together.get()
    for dup in Grievance.objects.select_for_update().filter(pk__in=dup_ids, state__in=OPEN_STATES).order_by("pk"):
        if together is not None and dup.pk in together.grievances:
            dup = together.grievances[dup.pk]  # changed earlier in this batch, not yet written
            if dup.state not in OPEN_STATES:
                continue
        events.append(_close_with_main(dup, main))
    return events


@transaction.atomic
def link_grievances(*, actor, grievance: Grievance, main: Grievance, kind: str, note: str = "") -> GrievanceLink:
    """重复件 / 关联件: centre staff responsible for both items link ``grievance`` to ``main``.
    A duplicate must be open and not already a duplicate; if ``main`` is itself a duplicate,
    the link goes to its main item. A duplicate follows the main item's result and closes
    with it (at once when the main item is already closed). Both timelines show the link."""
    if kind not in LinkKind.values:
        raise TransitionRefused(_("请选择关联类型。"))
    _require(_centre_check, actor, grievance)
    _require(_centre_check, actor, main)
    if kind == LinkKind.DUPLICATE:
        parent = GrievanceLink.objects.filter(grievance=main, kind=LinkKind.DUPLICATE).select_related("main").first()
        if parent is not None:
            main = parent.main
    if main.pk == grievance.pk:
        raise TransitionRefused(_("不能把一件诉求关联到它自己。"))
    if GrievanceLink.objects.filter(grievance=grievance, main=main).exists() or GrievanceLink.objects.filter(
            grievance=main, main=grievance).exists():
        raise TransitionRefused(_("这两件诉求已经关联过了。"))
    if kind == LinkKind.DUPLICATE:
        g = Grievance.objects.select_for_update().get(pk=grievance.pk)
        if g.state not in OPEN_STATES:
            raise TransitionRefused(_("已办结或不予受理的诉求不能再作为重复件关联。"))
        if GrievanceLink.objects.filter(grievance=g, kind=LinkKind.DUPLICATE).exists():
            raise TransitionRefused(_("该件已作为重复件关联到其他诉求。"))
        if GrievanceLink.objects.filter(main=g, kind=LinkKind.DUPLICATE).exists():
            raise TransitionRefused(_("该件已有重复件关联到它，请把它作为主件。"))
        grievance = g
    link = GrievanceLink.objects.create(grievance=grievance, main=main, kind=kind, note=(note or "").strip()[:200],
                                        created_by=actor)
    if kind == LinkKind.DUPLICATE:
        dup_note = _("经核实与编号%(no)s反映的是同一问题，并入该件办理，办理结果相同。") % {"no": main.tracking_no}
        main_note = _("编号%(no)s与本件反映的是同一问题，已作为重复件并入本件。") % {"no": grievance.tracking_no}
        action = EventAction.LINKED_DUPLICATE
    else:
        dup_note = _("与编号%(no)s相关，各自办理。") % {"no": main.tracking_no}
        main_note = _("与编号%(no)s相关，各自办理。") % {"no": grievance.tracking_no}
        action = EventAction.LINKED_RELATED
    extra = f"\n{link.note}" if link.note else ""
    _record(grievance, actor=actor, action=action, from_state=grievance.state, note=dup_note + extra,
            public=kind == LinkKind.DUPLICATE)
    _record(main, actor=actor, action=action, from_state=main.state, note=main_note + extra, public=False)
    if kind == LinkKind.DUPLICATE and main.state == State.CLOSED:
        _close_with_main(grievance, main)
    return link


@transaction.atomic
def add_co_reporter(*, actor, grievance: Grievance) -> CoReporter:
    """我也遇到了: a signed-in citizen (or grid worker) adds their voice to an open item about
    the same problem instead of filing it again. No new item is made; the item counts them
    and they get its progress messages."""
    if actor is None or not actor.is_authenticated or not (
            permissions.is_citizen(actor) or permissions.is_grid_worker(actor)):
        raise GrievancePermissionError(_("请先用手机号码登录。"))
    g = Grievance.objects.select_for_update().get(pk=grievance.pk)
    if g.state not in OPEN_STATES or g.state == State.REJECTED:
        raise TransitionRefused(_("该件已办结，不能再加入。如问题仍然存在，请重新反映。"))
    if _reporter_check(actor, g) is None:
        raise TransitionRefused(_("这是您自己反映的诉求，无需重复加入。"))
    if CoReporter.objects.filter(grievance=g, user=actor).exists():
        raise TransitionRefused(_("您已经加入过该件，办理进展会通过短信告诉您。"))
    co = CoReporter.objects.create(grievance=g, user=actor, phone=actor.phone or "")
    n = CoReporter.objects.filter(grievance=g).count()
    _record(g, actor=None, action=EventAction.CO_REPORTED, from_state=g.state,
            note=_("又有群众反映遇到同一问题（共%(n)d人反映）。") % {"n": n + 1}, public=True)
    return co
