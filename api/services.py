"""Writes of the open API: keys (made, rotated, switched off), appeals filed by a channel,
and the updates pushed back to it (docs/open311.md).

Filing goes through ``grievances.forms.SubmitForm`` (the web form's validation and upload
gate, grid/uploads.py policy "appeal") and ``grievances.services.submit_grievance`` with the
key as an ``ExternalSource``: the same use-case as a citizen's submission, so every rule
of the loop (centre, tracking number, clocks, audit, rollups) applies unchanged.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from api.models import ApiKey, ApiRequest, ApiUpdate
from grid import permissions, throttle
from grid.models import Region
from grievances.models import API_CHANNELS, Channel, ExternalSource, GrievanceEvent

KEY_PREFIX = "zz311_"


class ApiError(Exception):
    """A refusal with the HTTP status of the Open311 error body (400, 403, 404, 429)."""

    def __init__(self, status: int, message):
        super().__init__(str(message))
        self.status = status
        self.message = str(message)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    return raw, raw[: len(KEY_PREFIX) + 6]


def _check_manager(actor, region: Region) -> None:
    # actor None: an operator at the server's shell (manage.py open311_key).
    if actor is None:
        return
    if not (permissions.is_admin(actor) or (permissions.is_centre(actor)
                                             and permissions.can_see_region(actor, region))):
        raise ApiError(403, _("只有管理员或辖区综治中心可以管理本辖区的接口密钥。"))


def _channel(value: str) -> str:
    """The key's channel from its value or its Chinese label ("12345热线" is the hotline)."""
    for c in API_CHANNELS:
        if value in (c.value, str(c.label)):
            return c.value
    raise ApiError(400, _("渠道只能是：%(list)s。") % {"list": "、".join(str(c.label) for c in API_CHANNELS)})


@transaction.atomic
def create_api_key(*, actor, name: str, channel: str, region: Region, rate_limit: int = 120,
                   trusted: bool = False, webhook_url: str = "", key: ApiKey | None = None) -> tuple[ApiKey, str]:
    """A key for one channel filing into one region. Returns the key row and the plain key,
    which is shown once and never stored."""
    _check_manager(actor, region)
    name = (name or "").strip()
    if not name:
        raise ApiError(400, _("请填写渠道名称。"))
    raw, prefix = _new_key()
    key = key or ApiKey()
    key.name, key.channel, key.region, key.region_code = name, _channel(channel), region, region.code
    key.rate_limit, key.trusted, key.webhook_url = rate_limit, trusted, webhook_url
    key.prefix, key.key_hash, key.webhook_secret = prefix, hash_key(raw), secrets.token_hex(32)
    key.created_by = actor if getattr(actor, "pk", None) else None
    key.save()
    return key, raw


@transaction.atomic
def rotate_api_key(*, actor, key: ApiKey) -> str:
    """A new secret for a key whose secret leaked: the old one stops working at once."""
    _check_manager(actor, key.region)
    raw, prefix = _new_key()
    ApiKey.objects.filter(pk=key.pk).update(prefix=prefix, key_hash=hash_key(raw))
    key.prefix, key.key_hash = prefix, hash_key(raw)
    return raw


def set_api_key_active(*, actor, key: ApiKey, active: bool) -> None:
    _check_manager(actor, key.region)
    ApiKey.objects.filter(pk=key.pk).update(is_active=active)
    key.is_active = active


def authenticate(raw: str | None) -> ApiKey:
    """The key for a plain key, or a 403 in the spec's words."""
    if not raw:
        raise ApiError(403, _("缺少api_key，无法提交。"))
    key = ApiKey.objects.select_related("region").filter(key_hash=hash_key(raw.strip())).first()
    if key is None:
        raise ApiError(403, _("api_key无效。"))
    if not key.is_active:
        raise ApiError(403, _("该api_key已停用，请联系综治中心。"))
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def check_rate(*, key: ApiKey | None, address: str | None, anonymous_limit: int) -> None:
    """Per-key (or, without a key, per-address) requests per minute: a fixed-window counter
    shared by every worker (grid.throttle: one atomic INCR in Redis)."""
    if key is not None:
        name, limit = f"open311:key:{key.pk}", key.rate_limit
    else:
        name, limit = f"open311:ip:{address or '-'}", anonymous_limit
    if throttle.hit(name, window=60) > limit:
        raise ApiError(429, _("请求过于频繁，请稍后再试（每分钟最多%(n)d次）。") % {"n": limit})


# ----------------------------------------------------------------------------- filing


def _attributes(data) -> dict[str, list[str]]:
    """attribute[code]=v and attribute[code][]=v (multivaluelist), as the spec writes them."""
    out: dict[str, list[str]] = {}
    for name in data:
        if name.startswith("attribute[") and name.endswith("]"):
            code = name[len("attribute["):].split("]", 1)[0]
            out.setdefault(code, []).extend(v for v in data.getlist(name) if v != "")
    return out


def _yes(values: list[str]) -> bool:
    return bool(values) and values[0].strip().lower() in ("true", "1", "yes", "是", "y")


def _form_errors(form) -> str:
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts.append((f"{label}：" if label else "") + "".join(str(e) for e in errors))
    return "；".join(parts)


def file_request(*, key: ApiKey, data, files: MultiValueDict | None = None) -> tuple[ApiRequest, bool]:
    """POST requests: one appeal filed by the key's channel into the key's region.

    The channel's own ticket number (``attribute[ticket_no]``) is unique per key: posting it
    again returns the first request and files nothing (``created`` False), also when both
    posts arrive at once (the second waits on the first's unique row, then reads it)."""
    from api import selectors
    from grievances import services as grievance_services
    from grievances.forms import SubmitForm
    from grievances.models import Severity

    service = selectors.service_for_code(data.get("service_code", ""))
    attrs = _attributes(data)
    ticket = (attrs.get("ticket_no") or [""])[0].strip()[:64] or None
    if ticket:
        done = ApiRequest.objects.select_related("grievance").filter(key=key, ticket_no=ticket,
                                                                      grievance__isnull=False).first()
        if done is not None:
            return done, False

    description = (data.get("description") or "").strip()
    if not description:
        raise ApiError(400, _("缺少description（诉求内容）。"))
    lat, lng = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address, address_id = (data.get("address_string") or "").strip(), (data.get("address_id") or "").strip()
    if not (address or address_id or (lat and lng)):
        raise ApiError(400, _("缺少位置：请提供lat和long、address_string或address_id之一。"))
    title = (attrs.get("title") or [""])[0].strip() or description.splitlines()[0][:30]
    severity = (attrs.get("severity") or [""])[0]
    if severity and severity not in Severity.values:
        raise ApiError(400, _("attribute[severity]取值无效。"))
    extra = []
    if severity:
        extra.append(_("【%(channel)s研判等级】%(label)s") % {"channel": key.name, "label": Severity(severity).label})
    if data.get("media_url"):
        extra.append(_("【附件链接】%(url)s") % {"url": data["media_url"].strip()[:500]})
    if ticket:
        extra.append(_("【渠道工单号】%(no)s") % {"no": ticket})
    form_data = {
        "kind": service.kind, "category": service.category.pk if service.category else "",
        "region_code": address_id or key.region_code, "address": address[:200], "title": title[:100],
        "description": "\n".join([description, *extra]),
        "contact_name": f"{data.get('last_name', '')}{data.get('first_name', '')}".strip()[:64],
        "contact_phone": (data.get("phone") or "").strip(), "hide_identity": _yes(attrs.get("hide_identity", [])),
        "latitude": lat, "longitude": lng,
    }
    form = SubmitForm(form_data, MultiValueDict({"files": (files.getlist("media") if files else [])}))
    if not form.is_valid():
        raise ApiError(400, _form_errors(form))
    d = form.cleaned_data
    tags = selectors.key_area_tags(attrs.get("tags", []))
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    req = ApiRequest.objects.create(key=key, ticket_no=ticket, token=secrets.token_hex(16))
            except IntegrityError:
                # The same ticket is being filed right now: its transaction has committed
                # (the unique index made us wait for it), so the first request is there.
                done = ApiRequest.objects.select_related("grievance").filter(key=key, ticket_no=ticket).first()
                if done is None or done.grievance_id is None:
                    raise ApiError(400, _("同一工单号正在提交，请稍后查询。")) from None
                return done, False
            g = grievance_services.submit_grievance(
                actor=None, source=ExternalSource(name=key.name, region_code=key.region.code,
                                                  region_level=key.region.level),
                channel=key.channel or Channel.HOTLINE, kind=d["kind"], category=d["category"], region=form.region,
                address=d["address"], title=d["title"], description=d["description"],
                contact_name=d["contact_name"], contact_phone=d["contact_phone"], hide_identity=d["hide_identity"],
                latitude=d.get("latitude"), longitude=d.get("longitude"), files=d["files"], tags=tags,
            )
            req.grievance = g
            req.save(update_fields=["grievance"])
            # The events recorded before the link (the submission) join the key's feed too.
            ApiUpdate.objects.bulk_create([
                ApiUpdate(key=key, event=e, created_at=e.created_at)
                for e in GrievanceEvent.objects.filter(grievance=g, public=True).order_by("id")
            ], ignore_conflicts=True)
    except grievance_services.GrievancePermissionError as exc:
        raise ApiError(403, exc.message) from exc
    except grievance_services.GrievanceError as exc:
        raise ApiError(400, exc.message) from exc
    return req, True


# ----------------------------------------------------------------------------- updates pushed back


def on_grievance_events(events) -> None:
    """Listener on ``grievances.event_recorded`` (in the transaction): a public event of an
    appeal a channel filed joins the key's updates feed (``ApiUpdate``) and, when the key has
    a webhook, becomes one webhook row in the outbox, keyed by key and event, so it commits
    with the event and is delivered once (retried with backoff on failure). Takes a list
    (one event, or a chunk of the deadline scan's): events of appeals no channel filed cost
    nothing; the channels' requests of the others are read in one query and their feed rows
    written in one INSERT."""
    wanted = [e for e in events if e.public and e.grievance.channel in API_CHANNELS]
    if not wanted:
        return
    requests = {req.grievance_id: req for req in ApiRequest.objects.select_related("key").filter(
        grievance_id__in={e.grievance_id for e in wanted})}
    wanted = [e for e in wanted if e.grievance_id in requests]
    if not wanted:
        return
    # Once per event, also when the hook runs again for it.
    ApiUpdate.objects.bulk_create([ApiUpdate(key_id=requests[e.grievance_id].key_id, event=e, created_at=e.created_at)
                                   for e in wanted], ignore_conflicts=True)
    from api import selectors
    from grid.notifications.services import post_webhook

    for event in wanted:
        req = requests[event.grievance_id]
        if not req.key.webhook_url or not req.key.is_active:
            continue
        body = selectors.update_row(event, grievance=event.grievance, full=req.key.trusted)
        body["ticket_no"] = req.ticket_no
        body["token"] = req.token
        post_webhook(key=f"open311:{req.key_id}:{event.pk}", url=req.key.webhook_url,
                     body=json.dumps(body, ensure_ascii=False, separators=(",", ":")))


def on_grievance_event(event) -> None:
    on_grievance_events([event])
