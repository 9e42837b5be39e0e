"""The video mediation room: the page (a per-person token in the URL is the key) and the
small JSON endpoints its script polls and posts to (signalling, recording, draft agreement).

Every endpoint answers ``{"error": "<Chinese message>", "code": ...}`` with a 4xx status on a
refusal, which the page shows as is.
"""

from __future__ import annotations

import json
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from grid import chunked, files
from grid.client_address import client_ip
from mediation import selectors
from mediation.models import AgreementDraft, RecordingUpload, RoomRole
from mediation.services import room
from mediation.services.errors import MediationError

CHUNK_BYTES = 2 * 1024 * 1024
UPLOAD_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"

# Every message the room script shows (it has no gettext of its own).
ROOM_TEXT = {
    "no_support": gettext_lazy("您的浏览器不支持视频通话。请用手机自带浏览器或电脑上的最新版浏览器打开链接，或改用电话参加。"),
    "no_permission": gettext_lazy("没有获得摄像头或麦克风的使用权限。请在浏览器地址栏左侧的设置中允许使用摄像头和麦克风，然后点击“重新检测设备”。"),
    "no_camera": gettext_lazy("没有找到摄像头。您仍可以只用声音参加，或改用电话参加。"),
    "no_devices": gettext_lazy("没有找到摄像头和麦克风。您只能观看，其他人听不到您。请改用电话参加。"),
    "device_busy": gettext_lazy("摄像头或麦克风正被其他程序占用。请关闭其他视频软件后点击“重新检测设备”。"),
    "device_error": gettext_lazy("无法打开摄像头或麦克风。"),
    "insecure": gettext_lazy("必须通过 https 安全连接打开视频调解室。请使用短信中的完整链接。"),
    "ok": gettext_lazy("正常"),
    "none": gettext_lazy("不可用"),
    "network_blocked": gettext_lazy("与对方的视频连接没有建立：您所在的网络可能禁止了视频通话。请换用手机流量或其他网络，或改用电话参加。"),
    "network_lost": gettext_lazy("与平台的连接中断，正在重试…请检查网络。"),
    "closed": gettext_lazy("本次视频调解已经结束，调解室已关闭。"),
    "replaced": gettext_lazy("此链接已在另一个窗口或设备上打开，本窗口已退出。"),
    "left": gettext_lazy("您已离开调解室。刷新页面可以重新进入。"),
    "waiting": gettext_lazy("正在等待其他参加人进入…"),
    "connecting": gettext_lazy("正在连接…"),
    "connected": gettext_lazy("已连接"),
    "reconnecting": gettext_lazy("连接不稳定，正在恢复…"),
    "me": gettext_lazy("我"),
    "mute": gettext_lazy("静音"),
    "unmute": gettext_lazy("取消静音"),
    "camera_off": gettext_lazy("关闭摄像头"),
    "camera_on": gettext_lazy("打开摄像头"),
    "record_requested": gettext_lazy("调解员已申请录像。"),
    "recording": gettext_lazy("正在录像"),
    "record_waiting": gettext_lazy("等待当事人同意录像："),
    "record_ready": gettext_lazy("所有当事人已同意录像，可以开始录像。"),
    "uploading": gettext_lazy("正在上传录像"),
    "uploaded": gettext_lazy("录像已上传并存档，SHA-256 校验一致："),
    "upload_mismatch": gettext_lazy("录像上传后校验不一致，请重新上传。"),
    "upload_failed": gettext_lazy("录像上传失败，请检查网络后重试："),
    "no_recorder": gettext_lazy("此浏览器不支持录像，请使用电脑上的最新版浏览器。"),
    "consented": gettext_lazy("您已同意录像。"),
    "confirmed": gettext_lazy("您已确认协议草案。"),
    "confirmed_by": gettext_lazy("已确认："),
    "nobody_confirmed": gettext_lazy("尚无当事人确认。"),
    "shared": gettext_lazy("协议草案已展示给所有参加人。"),
    "close_confirm": gettext_lazy("确定结束本次视频调解吗？所有人将退出调解室，链接失效。"),
}


def _refusal(exc: MediationError) -> JsonResponse:
    return JsonResponse({"error": exc.message, "code": getattr(exc, "code", "refused")},
                        status=getattr(exc, "status", 400))


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise MediationError(_("请求格式错误。")) from exc
    if not isinstance(data, dict):
        raise MediationError(_("请求格式错误。"))
    return data


def _api(view):
    """Resolve the token to a pass (refusing unknown, foreign, expired, closed) and turn
    refusals into JSON answers."""
    def wrapped(request, token, *args, **kwargs):
        try:
            p = room.pass_for_token(token, user=request.user)
            return view(request, p, *args, **kwargs)
        except MediationError as exc:
            return _refusal(exc)
        except ValidationError as exc:
            return JsonResponse({"error": "；".join(exc.messages), "code": "invalid"}, status=400)
        except PermissionDenied as exc:
            return JsonResponse({"error": str(exc) or _("您无权进行此操作。"), "code": "forbidden"}, status=403)
    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


@login_required
def enter(request, pk):
    """The mediator's way in from the case page: their own pass, then the room."""
    session = selectors.session_for_staff(request.user, pk)
    try:
        p = room.mediator_pass(actor=request.user, session=session)
    except MediationError as exc:
        raise PermissionDenied(exc.message) from exc
    return redirect("mediation:room", token=p.token)


@never_cache
@ensure_csrf_cookie
@require_GET
def room_page(request, token):
    try:
        p = room.pass_for_token(token, user=request.user)
    except room.RoomRefused as exc:
        return render(request, "mediation/room_refused.html", {"message": exc.message, "code": exc.code},
                      status=exc.status)
    session = p.session
    case = session.case
    config = {
        "token": p.token, "role": p.role, "name": p.display_name,
        "urls": {name: reverse(f"mediation:room_{name}", kwargs={"token": p.token}) for name in (
            "join", "poll", "signal", "leave", "consent", "record", "upload_start", "share", "confirm",
            "close")},
        "upload_chunk": reverse("mediation:room_upload_chunk", kwargs={"token": p.token, "upload": UPLOAD_PLACEHOLDER}),
        "upload_finish": reverse("mediation:room_upload_finish", kwargs={"token": p.token, "upload": UPLOAD_PLACEHOLDER}),
        "consented": p.consented_at is not None,
        "max_participants": room.ROOM_MAX_PARTICIPANTS,
        "ice_policy": "relay" if settings.TURN_RELAY_ONLY else "all",
    }
    return render(request, "mediation/room.html", {
        "pass": p, "session": session, "case": case, "config": config,
        "text": {k: str(v) for k, v in ROOM_TEXT.items()},
        "is_mediator": p.role == RoomRole.MEDIATOR,
        "phone_help": settings.MEDIATION_PHONE_HELP,
        "organisation": case.organisation,
    })


@require_POST
@_api
def join(request, p):
    data = _body(request)
    return JsonResponse(room.join_room(p, epoch=str(data.get("epoch", "")), consent=bool(data.get("consent"))))


@require_GET
@_api
def poll(request, p):
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    return JsonResponse(room.poll_room(p, epoch=request.GET.get("epoch", ""), after=after))


@require_POST
@_api
def signal(request, p):
    data = _body(request)
    n = room.send_signals(p, epoch=str(data.get("epoch", "")), items=data.get("items"))
    return JsonResponse({"stored": n})


@require_POST
@_api
def leave(request, p):
    # sendBeacon posts text/plain; the epoch is in the query string.
    room.leave_room(p, epoch=request.GET.get("epoch", ""))
    return JsonResponse({"ok": True})


@require_POST
@_api
def consent(request, p):
    room.consent_to_recording(p)
    return JsonResponse({"ok": True})


@require_POST
@_api
def record(request, p):
    """Mediator: ``{"action": "request" | "start" | "stop"}``."""
    action = _body(request).get("action")
    if action == "request":
        room.request_recording(p, on=True)
    elif action in ("start", "stop"):
        room.mark_recording(p, on=action == "start")
    else:
        raise MediationError(_("请求格式错误。"))
    ok, missing = room.can_start_recording(p)
    return JsonResponse({"ok": True, "all_consented": ok, "missing": missing})


@require_POST
@_api
def close(request, p):
    """Mediator: end the session for everybody; the links stop working."""
    if p.role != RoomRole.MEDIATOR:
        raise room.RoomRefused("forbidden", _("只有调解员可以结束视频调解。"), 403)
    room.close_room(actor=request.user, session=p.session)
    return JsonResponse({"ok": True, "case_url": reverse("mediation:case", kwargs={"pk": p.session.case_id})})


# ------------------------------------------------------------------ recording upload (chunked, resumable)


@require_POST
@_api
def upload_start(request, p):
    """Mediator: open (or resume) the chunked upload of a recording of this session."""
    if p.role != RoomRole.MEDIATOR:
        raise room.RoomRefused("forbidden", _("只有调解员可以上传录像。"), 403)
    data = _body(request)
    try:
        size = int(data.get("size", 0))
    except (TypeError, ValueError) as exc:
        raise MediationError(_("请求格式错误。")) from exc
    up = chunked.resume_or_start(RecordingUpload, user=p.user, filename=str(data.get("name", "")), size=size,
                                 max_bytes=settings.MEDIATION_RECORDING_MAX_BYTES, default_name="recording.webm",
                                 session=p.session)
    return JsonResponse({"upload": str(up.pk), "received": up.received, "size": up.size, "chunk": CHUNK_BYTES})


@require_POST
@_api
def upload_chunk(request, p, upload):
    if p.role != RoomRole.MEDIATOR:
        raise room.RoomRefused("forbidden", _("只有调解员可以上传录像。"), 403)
    try:
        offset = int(request.GET.get("offset", "-1"))
    except ValueError as exc:
        raise MediationError(_("请求格式错误。")) from exc
    data = request.body
    if len(data) > CHUNK_BYTES:
        raise MediationError(_("分片过大。"))
    try:
        up = chunked.receive_chunk(RecordingUpload, upload_id=upload, user=p.user, offset=offset, data=data,
                                   session=p.session)
    except RecordingUpload.DoesNotExist as exc:
        raise room.RoomRefused("unknown", _("上传会话不存在，请重新上传。"), 404) from exc
    return JsonResponse({"received": up.received, "size": up.size})


@require_POST
@_api
def upload_finish(request, p, upload):
    """All bytes arrived: the recording is stored privately with its SHA-256."""
    if p.role != RoomRole.MEDIATOR:
        raise room.RoomRefused("forbidden", _("只有调解员可以上传录像。"), 403)
    try:
        with chunked.completed(RecordingUpload, upload_id=upload, user=p.user, session=p.session) as (up, fh):
            rec = room.store_recording(p=p, fh=fh, size=up.size)
    except RecordingUpload.DoesNotExist as exc:
        raise room.RoomRefused("unknown", _("上传会话不存在，请重新上传。"), 404) from exc
    return JsonResponse({"id": rec.pk, "sha256": rec.sha256, "size": rec.size})


# ------------------------------------------------------------------ draft agreement


@require_POST
@_api
def share(request, p):
    data = _body(request)
    try:
        deadline = date.fromisoformat(str(data.get("performance_deadline", "")))
    except ValueError:
        deadline = None
    draft = room.share_draft(p, terms=str(data.get("terms", "")), performance_deadline=deadline)
    return JsonResponse({"id": draft.pk, "sha256": draft.sha256})


@require_POST
@_api
def confirm(request, p):
    data = _body(request)
    try:
        draft_id = int(data.get("draft", 0))
    except (TypeError, ValueError):
        draft_id = 0
    c = room.confirm_draft(p, draft_id=draft_id, sha256=str(data.get("sha256", "")), ip=client_ip(request),
                           user_agent=request.headers.get("User-Agent", ""))
    return JsonResponse({"ok": True, "at": c.confirmed_at.isoformat()})


@require_GET
@_api
def draft_pdf(request, p, draft):
    d = AgreementDraft.objects.filter(pk=draft, session_id=p.session_id).first()
    if d is None:
        raise room.RoomRefused("unknown", _("协议草案不存在。"), 404)
    return files.send(request, d, "pdf", filename=f"draft-{d.session_id}.pdf")
