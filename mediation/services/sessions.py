"""Mediation sessions: scheduling (in person or by video, with SMS invitations) and their record."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import permissions
from grid.notifications.services import notify
from grievances import services as grievance_services
from grievances.models import State
from mediation.models import (
    CaseState,
    MediationCase,
    Party,
    Session,
    SessionMode,
)
from mediation.services.access import _require_work
from mediation.services.cases import _ensure_signed, _save_case
from mediation.services.errors import MediationError, _refuse_from, _text
from mediation.services.room import party_pass, room_url

VIDEO_INVITE_TEMPLATE = "mediation_video_invite"
VIDEO_INVITE_TEXT = (
    "【综治中心】{{ name }}您好：{{ organisation }}定于{{ when }}就“{{ title }}”（编号{{ tracking_no }}）"
    "进行视频调解，请届时用手机打开链接进入调解室：{{ link }}"
)


def _start(case: MediationCase):
    if case.state == CaseState.OPEN:
        case.start()
        _save_case(case)


@transaction.atomic
def schedule_session(*, actor, case: MediationCase, mode: str, scheduled_at, place: str = "",
                     invite: bool = True) -> Session:
    """Plan a session; a video session (视频调解) gets its own room and every party with a
    phone is invited by SMS through the outbox."""
    _require_work(actor, case)
    if not case.is_open:
        raise MediationError(_("本案已结案，不能再安排调解。"))
    if mode not in SessionMode.values:
        raise MediationError(_("请选择调解方式。"))
    if mode == SessionMode.IN_PERSON and not (place or "").strip():
        raise MediationError(_("现场调解请填写调解地点。"))
    _ensure_signed(actor, case.grievance)
    session = Session.objects.create(
        case=case, mode=mode, scheduled_at=scheduled_at, place=(place or "").strip(),
        room_token=Session.new_room_token() if mode == SessionMode.VIDEO else "", recorded_by=actor,
    )
    _start(case)
    if mode == SessionMode.VIDEO and invite:
        send_video_invitations(actor=actor, session=session)
    return session


@transaction.atomic
def send_video_invitations(*, actor, session: Session) -> int:
    """One SMS per party with a phone, through the transactional outbox. Idempotent: the
    outbox key is session × party, so sending again reaches nobody twice."""
    case = session.case
    _require_work(actor, case)
    if session.mode != SessionMode.VIDEO:
        raise MediationError(_("只有视频调解需要发送会议邀请。"))
    grievance = case.grievance
    when = timezone.localtime(session.scheduled_at).strftime("%Y-%m-%d %H:%M")
    sent = 0
    for party in case.parties.all():
        if not party.phone:
            continue
        # Each party's own link to the platform's room: the token in it lets only this party in.
        link = room_url(party_pass(session, party))
        sent += len(notify(
            key=f"mediation:session:{session.pk}:party:{party.pk}", template=VIDEO_INVITE_TEMPLATE,
            text=VIDEO_INVITE_TEXT, phones=[party.phone], link=link,
            context={"name": party.name, "organisation": case.organisation.name, "when": when,
                     "title": grievance.title, "tracking_no": grievance.tracking_no},
        ))
    Session.objects.filter(pk=session.pk).update(invited_at=timezone.now())
    return sent


@transaction.atomic
def record_session(*, actor, session: Session, participants: str, minutes: str, next_steps: str = "",
                   present_parties: Sequence[Party] = ()) -> Session:
    """调解记录: who took part, what was said, what happens next. The citizen's timeline gets
    a short public progress note (an interim reply) without the minutes themselves."""
    case = session.case
    _require_work(actor, case)
    if session.scheduled_at > timezone.now():
        raise MediationError(_("这次调解计划于%(when)s进行，尚未到时间，不能登记为已进行。")
                             % {"when": timezone.localtime(session.scheduled_at).strftime("%Y-%m-%d %H:%M")})
    session.participants = _text(participants, _("请填写参加人员。"))
    session.minutes = _text(minutes, _("请填写调解记录。"))
    session.next_steps = (next_steps or "").strip()
    session.held, session.recorded_by = True, actor
    session.save()
    session.present_parties.set([p for p in present_parties if p.case_id == case.pk])
    _start(case)
    grievance = case.grievance
    if grievance.state == State.HANDLING and permissions.is_mediator(actor):
        n = case.sessions.filter(held=True).count()
        note = _("已进行第%(n)d次调解（%(mode)s）。") % {"n": n, "mode": session.get_mode_display()}
        if session.next_steps:
            note += _("下一步：%(s)s") % {"s": session.next_steps}
        try:
            grievance_services.interim_reply(actor=actor, grievance=grievance, note=note)
        except grievance_services.GrievanceError as exc:
            raise _refuse_from(exc) from exc
    return session
