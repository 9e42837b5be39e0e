"""The video mediation room (视频调解室): passes, signalling by polling, TURN credentials,
consent, recordings and the draft agreement confirmed in the room.

Signalling goes through the platform's own database (``RoomSignal``): each browser polls
``poll()`` about once a second and posts its SDP offers/answers and ICE candidates with
``send_signals()``. Plain short requests work under gunicorn's sync workers and the
embedded server alike (docs/architecture.md, "Video mediation room", has the measurement).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mediation.hooks import decided
from mediation.models import (
    AgreementConfirmation,
    AgreementDraft,
    Party,
    Recording,
    RoomPass,
    RoomRole,
    RoomSignal,
    Session,
    SessionMode,
    VideoRoomState,
)
from mediation.services.access import _require_work
from mediation.services.errors import MediationError

ROOM_MAX_PARTICIPANTS = 4  # a mesh: every browser sends its video to every other one
ROOM_PRESENT_SECONDS = 10  # a pass polled within this many seconds is in the room
_SEEN_EVERY_SECONDS = 3  # write last_seen_at at most this often
_SIGNAL_KINDS = frozenset({"offer", "answer", "candidate", "bye"})
_MAX_SIGNAL_BYTES = 32_000
_MAX_SIGNALS_PER_POST = 50


class RoomRefused(MediationError):
    """The room cannot be entered (unknown/expired token, closed room, full room).
    ``code`` tells the page which Chinese explanation and which HTTP status to give."""

    def __init__(self, code: str, message: str, status: int = 403):
        super().__init__(message)
        self.code, self.status = code, status


def room_hours() -> int:
    return int(getattr(settings, "MEDIATION_ROOM_HOURS", 6))


def room_path(p: RoomPass) -> str:
    return reverse("mediation:room", kwargs={"token": p.token})


def room_url(p: RoomPass) -> str:
    return settings.SITE_URL.rstrip("/") + room_path(p)


def _state(session: Session) -> VideoRoomState:
    state, _created = VideoRoomState.objects.get_or_create(session=session)
    return state


# ------------------------------------------------------------------ passes


def party_pass(session: Session, party: Party) -> RoomPass:
    p, _created = RoomPass.objects.get_or_create(
        session=session, party=party,
        defaults={"role": RoomRole.PARTY, "display_name": f"{party.get_side_display()} {party.name}",
                  "token": RoomPass.new_token()})
    return p


def ensure_party_passes(session: Session) -> list[RoomPass]:
    return [party_pass(session, party) for party in session.case.parties.all()]


@transaction.atomic
def mediator_pass(*, actor, session: Session) -> RoomPass:
    """The case's mediator (or the organisation's head) enters the room from the case page."""
    _require_work(actor, session.case)
    if session.mode != SessionMode.VIDEO:
        raise MediationError(_("这不是视频调解。"))
    p, _created = RoomPass.objects.get_or_create(
        session=session, user=actor,
        defaults={"role": RoomRole.MEDIATOR, "display_name": _("调解员 %(name)s") % {"name": actor.display_name},
                  "token": RoomPass.new_token()})
    ensure_party_passes(session)
    return p


def expires_at(session: Session):
    return session.scheduled_at + timedelta(hours=room_hours())


def pass_for_token(token: str, *, user=None) -> RoomPass:
    """The pass behind a link, or ``RoomRefused``. A mediator's pass only works for that
    mediator's own account; a party's pass stops working when the session is over."""
    p = (RoomPass.objects.select_related("session", "session__case", "party").filter(token=token or "").first()
         if token and len(token) <= 64 else None)
    if p is None:
        raise RoomRefused("unknown", _("链接无效：找不到这个视频调解室。请核对短信中的链接。"), 404)
    if p.role == RoomRole.MEDIATOR and not (user and user.is_authenticated and user.pk == p.user_id):
        raise RoomRefused("foreign", _("这是调解员本人的入口，请使用您自己的链接或账号进入。"), 403)
    session = p.session
    state = VideoRoomState.objects.filter(session=session).first()
    if (state and state.closed_at) or session.held or not session.case.is_open:
        raise RoomRefused("closed", _("本次视频调解已经结束，调解室已关闭。"), 410)
    if timezone.now() > expires_at(session):
        raise RoomRefused("expired", _("链接已过期：本次视频调解的时间已过。如需继续调解，请联系调解员重新安排。"), 410)
    return p


# ------------------------------------------------------------------ TURN (REST API shared secret)


def ice_servers(p: RoomPass) -> list[dict]:
    """STUN/TURN servers for this participant. With ``TURN_SECRET`` set, the credentials are
    the TURN REST API scheme coturn checks with ``use-auth-secret``: username
    ``<expiry unix time>:<pass id>``, password ``base64(HMAC-SHA1(secret, username))``; they
    stop working after ``TURN_TTL_SECONDS``."""
    servers: list[dict] = []
    stun = [u for u in getattr(settings, "STUN_URLS", []) if u]
    if stun:
        servers.append({"urls": stun})
    turn = [u for u in getattr(settings, "TURN_URLS", []) if u]
    secret = getattr(settings, "TURN_SECRET", "")
    if turn and secret:
        username = f"{int(time.time()) + int(getattr(settings, 'TURN_TTL_SECONDS', 3600))}:room{p.pk}"
        digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
        servers.append({"urls": turn, "username": username, "credential": base64.b64encode(digest).decode()})
    return servers


# ------------------------------------------------------------------ presence and signalling


def _present_q(now) -> Q:
    return Q(last_seen_at__gte=now - timedelta(seconds=ROOM_PRESENT_SECONDS), left_at__isnull=True)


def _seen(p: RoomPass, now, *, epoch: str | None = None, force: bool = False) -> None:
    """Count the time since the last poll as presence (gaps longer than the presence window
    are absences) and remember the page load."""
    fields: dict = {}
    if epoch is not None and epoch != p.epoch:
        fields["epoch"] = p.epoch = epoch
    if force or p.last_seen_at is None or (now - p.last_seen_at).total_seconds() >= _SEEN_EVERY_SECONDS:
        if p.last_seen_at and p.left_at is None:
            gap = (now - p.last_seen_at).total_seconds()
            if 0 < gap <= ROOM_PRESENT_SECONDS:
                fields["seconds_present"] = p.seconds_present = p.seconds_present + int(round(gap))
        fields["last_seen_at"] = p.last_seen_at = now
        if p.first_joined_at is None:
            fields["first_joined_at"] = p.first_joined_at = now
        if p.left_at is not None:
            fields["left_at"] = p.left_at = None
    if fields:
        RoomPass.objects.filter(pk=p.pk).update(**fields)


def _peers(p: RoomPass, now) -> list[dict]:
    return [
        {"id": o.pk, "name": o.display_name, "role": o.role, "epoch": o.epoch}
        for o in RoomPass.objects.filter(_present_q(now), session_id=p.session_id).exclude(pk=p.pk).order_by("pk")
    ]


def _room_info(p: RoomPass) -> dict:
    state = VideoRoomState.objects.filter(session_id=p.session_id).select_related("shared_draft").first()
    info = {"record_requested": bool(state and state.record_requested),
            "recording": bool(state and state.recording_since), "draft": None}
    draft = state.shared_draft if state else None
    if draft is not None:
        confirmed = {c.party_id: c for c in draft.confirmations.select_related("party")}
        info["draft"] = {
            "id": draft.pk, "sha256": draft.sha256, "terms": draft.terms,
            "deadline": draft.performance_deadline.isoformat(),
            "url": reverse("mediation:room_draft", kwargs={"token": p.token, "draft": draft.pk}),
            "confirmed": p.party_id in confirmed,
            "confirmations": [{"party": c.party_id, "name": c.party.name,
                               "at": timezone.localtime(c.confirmed_at).strftime("%H:%M:%S")}
                              for c in confirmed.values()],
        }
    return info


def join_room(p: RoomPass, *, epoch: str, consent: bool = False) -> dict:
    """Enter the room (after the device check). Refused when 4 people are already in it, or
    when the mediator records and this party has not agreed to it."""
    now = timezone.now()
    epoch = (epoch or "")[:32]
    if not epoch:
        raise MediationError(_("请求格式错误。"))
    others = RoomPass.objects.filter(_present_q(now), session_id=p.session_id).exclude(pk=p.pk).count()
    if others >= ROOM_MAX_PARTICIPANTS:
        raise RoomRefused("full", _("调解室人数已满（最多%(n)d人）。") % {"n": ROOM_MAX_PARTICIPANTS}, 409)
    state = _state(p.session)
    if consent and p.consented_at is None:
        RoomPass.objects.filter(pk=p.pk).update(consented_at=now)
        p.consented_at = now
    if p.role == RoomRole.PARTY and state.record_requested and p.consented_at is None:
        raise RoomRefused("consent", _("调解员将对本次调解录像，请先勾选同意录像后再进入。"), 409)
    _seen(p, now, epoch=epoch, force=True)
    last = RoomSignal.objects.filter(session_id=p.session_id).aggregate(m=Max("id"))["m"] or 0
    return {"me": p.pk, "name": p.display_name, "role": p.role, "epoch": epoch, "last": last,
            "ice_servers": ice_servers(p), "peers": _peers(p, now), **_room_info(p)}


def poll_room(p: RoomPass, *, epoch: str, after: int) -> dict:
    now = timezone.now()
    if epoch != p.epoch:
        # Another page load of the same link took over (a second tab, a reload).
        return {"replaced": True}
    _seen(p, now)
    msgs = list(
        RoomSignal.objects.filter(session_id=p.session_id, id__gt=max(int(after), 0))
        .filter(Q(recipient_id=p.pk) | Q(recipient__isnull=True)).exclude(sender_id=p.pk)
        .order_by("id").values("id", "sender_id", "sender_epoch", "kind", "payload")[:200]
    )
    return {
        "messages": [{"id": m["id"], "from": m["sender_id"], "epoch": m["sender_epoch"], "kind": m["kind"],
                      "payload": m["payload"]} for m in msgs],
        "last": msgs[-1]["id"] if msgs else max(int(after), 0),
        "peers": _peers(p, now), **_room_info(p),
    }


def send_signals(p: RoomPass, *, epoch: str, items: list) -> int:
    """Store messages for other people in the same room; anything addressed outside the
    room, of an unknown kind or too large is refused as a whole."""
    if epoch != p.epoch:
        raise RoomRefused("replaced", _("此链接已在另一个窗口打开。"), 409)
    if not isinstance(items, list) or not items or len(items) > _MAX_SIGNALS_PER_POST:
        raise MediationError(_("请求格式错误。"))
    wanted = {item.get("to") for item in items if isinstance(item, dict)}
    allowed = set(RoomPass.objects.filter(session_id=p.session_id, pk__in=[w for w in wanted if isinstance(w, int)])
                  .values_list("pk", flat=True))
    rows = []
    for item in items:
        if not isinstance(item, dict) or item.get("kind") not in _SIGNAL_KINDS:
            raise MediationError(_("请求格式错误。"))
        to = item.get("to")
        if to not in allowed or to == p.pk:
            raise RoomRefused("foreign", _("只能向本调解室的参加人发送消息。"), 403)
        payload = json.dumps(item.get("payload"), ensure_ascii=False)
        if len(payload) > _MAX_SIGNAL_BYTES:
            raise MediationError(_("消息过大。"))
        rows.append(RoomSignal(session_id=p.session_id, sender=p, sender_epoch=p.epoch, recipient_id=to,
                               kind=item["kind"], payload=payload))
    RoomSignal.objects.bulk_create(rows)
    return len(rows)


def leave_room(p: RoomPass, *, epoch: str) -> None:
    now = timezone.now()
    if epoch != p.epoch or p.left_at is not None:
        return
    _seen(p, now, force=True)
    RoomPass.objects.filter(pk=p.pk).update(left_at=now)


# ------------------------------------------------------------------ mediator's controls


def _require_mediator(p: RoomPass):
    if p.role != RoomRole.MEDIATOR:
        raise RoomRefused("forbidden", _("只有调解员可以进行此操作。"), 403)


def request_recording(p: RoomPass, *, on: bool) -> VideoRoomState:
    """The mediator asks to record: every party sees it and must agree (on the device-check
    screen, or in the room) before the mediator's browser starts recording."""
    _require_mediator(p)
    state = _state(p.session)
    state.record_requested = bool(on) or state.record_requested
    state.save(update_fields=["record_requested"])
    return state


def consent_to_recording(p: RoomPass) -> None:
    if p.consented_at is None:
        RoomPass.objects.filter(pk=p.pk).update(consented_at=timezone.now())


def can_start_recording(p: RoomPass) -> tuple[bool, list[str]]:
    """Recording starts only when every party present has agreed."""
    _require_mediator(p)
    now = timezone.now()
    missing = [o.display_name for o in RoomPass.objects.filter(
        _present_q(now), session_id=p.session_id, role=RoomRole.PARTY, consented_at__isnull=True)]
    return not missing, missing


def mark_recording(p: RoomPass, *, on: bool) -> None:
    _require_mediator(p)
    if on:
        ok, missing = can_start_recording(p)
        if not ok:
            raise MediationError(_("以下当事人尚未同意录像：%(names)s") % {"names": "、".join(missing)})
    VideoRoomState.objects.filter(session_id=p.session_id).update(recording_since=timezone.now() if on else None)


@transaction.atomic
def close_room(*, actor, session: Session) -> None:
    _require_work(actor, session.case)
    state = _state(session)
    state.closed_at = timezone.now()
    state.recording_since = None
    state.save(update_fields=["closed_at", "recording_since"])
    now = timezone.now()
    RoomPass.objects.filter(session=session, left_at__isnull=True, last_seen_at__isnull=False).update(left_at=now)
    RoomSignal.objects.filter(session=session).delete()


def purge_signals(older_than_minutes: int = 60) -> int:
    """Signalling messages are useless after a minute; keep the table small."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return RoomSignal.objects.filter(created_at__lt=cutoff).delete()[0]


# ------------------------------------------------------------------ recordings


def file_sha256(fh) -> str:
    h = hashlib.sha256()
    fh.seek(0)
    for block in iter(lambda: fh.read(1 << 20), b""):
        h.update(block)
    fh.seek(0)
    return h.hexdigest()


def store_recording(*, p: RoomPass, fh, size: int, content_type: str = "video/webm") -> Recording:
    """Keep an uploaded recording in private storage with its SHA-256."""
    _require_mediator(p)
    if not fh.read(4).startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM/Matroska, what MediaRecorder writes
        raise MediationError(_("录像文件格式不正确。"))
    digest = file_sha256(fh)
    rec = Recording(session=p.session, sha256=digest, size=size, content_type=content_type[:64],
                    uploaded_by=p.user)
    rec.file.save(f"session-{p.session_id}.webm", File(fh), save=False)
    rec.save()
    case = p.session.case
    decided("session_recorded", actor=p.user, subject=case, reference=case.grievance.tracking_no,
            session=p.session_id, recording=rec.pk, sha256=digest, size=size)
    return rec


# ------------------------------------------------------------------ draft agreement in the room


def share_draft(p: RoomPass, *, terms: str, performance_deadline) -> AgreementDraft:
    """Render the draft agreement as a PDF and put it on every screen in the room."""
    from mediation.pdf import AgreementData, PartyLine, render_agreement

    _require_mediator(p)
    terms = (terms or "").strip()
    if not terms:
        raise MediationError(_("请填写协议内容。"))
    if performance_deadline is None:
        raise MediationError(_("请填写履行期限。"))
    session = p.session
    case = session.case
    with translation.override("zh-hans"):
        data = render_agreement(AgreementData(
            number=_("草案"), organisation=case.organisation.name,
            parties=[PartyLine(str(x.get_side_display()), x.name, x.phone, x.address) for x in case.parties.all()],
            facts=case.facts or case.grievance.description, terms=terms, performance_deadline=performance_deadline,
            performance_method="", mediators=[m.display_name for m in case.mediators.all()],
            signed_on=timezone.localdate(),
        ))
    draft = AgreementDraft(session=session, terms=terms, performance_deadline=performance_deadline,
                           sha256=hashlib.sha256(data).hexdigest(), created_by=p.user)
    draft.pdf.save(f"draft-{session.pk}.pdf", ContentFile(data), save=False)
    draft.save()
    state = _state(session)
    state.shared_draft = draft
    state.save(update_fields=["shared_draft"])
    return draft


@transaction.atomic
def confirm_draft(p: RoomPass, *, draft_id: int, sha256: str, ip: str | None = None,
                  user_agent: str = "") -> AgreementConfirmation:
    """A party confirms the draft on screen; the confirmation names the exact PDF (its hash)."""
    if p.role != RoomRole.PARTY:
        raise RoomRefused("forbidden", _("只有当事人需要确认协议。"), 403)
    state = _state(p.session)
    draft = state.shared_draft
    if draft is None or draft.pk != draft_id:
        raise MediationError(_("调解员已更换协议草案，请查看最新的协议草案后再确认。"))
    if sha256 != draft.sha256:
        raise MediationError(_("协议文件与调解员展示的不一致，请刷新后重新确认。"))
    conf, created = AgreementConfirmation.objects.get_or_create(
        draft=draft, party=p.party,
        defaults={"sha256": draft.sha256, "ip": ip or None, "user_agent": (user_agent or "")[:200]})
    if created:
        # into the hash-chained audit trail, like a signature
        case = p.session.case
        decided("agreement_confirmed_in_room", actor=p.party.user, subject=case,
                reference=case.grievance.tracking_no, party=p.party.name, side=p.party.side, draft=draft.pk,
                sha256=draft.sha256, session=p.session_id)
    return conf
