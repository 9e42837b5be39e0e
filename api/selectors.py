"""Reads of the open API: the services (appeal kinds and dispute categories), jurisdictions,
requests and their updates, each already in the shape of the GeoReport v2 response.

What a GET shows is the public similar-cases page's view of an appeal (grievances.selectors
``anonymise``, place at township level at most): never a name, a phone number or an exact
address. Only a trusted government key reading a request it filed itself sees the full
text, the exact place and the material (through the permission-checked file view).
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from django.db import connection
from django.db.models import CharField, Q
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import ApiKey, ApiRequest, ApiUpdate
from api.services import ApiError
from grid.models import PREFIX_LENGTH, Region, Unit, UnitKind
from grievances.deadlines.selectors import expected_expression
from grievances.models import (
    OPEN_STATES,
    Category,
    CategoryGroup,
    EventAction,
    Grievance,
    GrievanceEvent,
    GrievanceKind,
    State,
)
from grievances.selectors import anonymise

MAX_REQUESTS = 1000
# The page reader on PostgreSQL (``_public_rows``); False: the reference reader everywhere
# (benchmarks/api/requests.py --reference measures the two in the same run).
FAST_PAGES = True
MAX_SPAN = timedelta(days=90)
DISPUTE_PREFIX = "dispute-"
# Legal aid is applied for with its own form (legalqa.lawyers), never through the API.
API_KINDS = [k for k in GrievanceKind if k != GrievanceKind.LEGAL_AID]

KIND_KEYWORDS = {
    GrievanceKind.DISPUTE: "纠纷,调解,矛盾",
    GrievanceKind.LIVELIHOOD: "民生,供水,供电,供暖,燃气,道路,路灯,垃圾",
    GrievanceKind.COMPLAINT: "投诉,举报,反映",
    GrievanceKind.INQUIRY: "咨询,政策,办事指南",
    GrievanceKind.SUGGESTION: "意见,建议",
    GrievanceKind.BUSINESS: "企业,营商环境,纾困",
}

# The seven-step loop: the step each state belongs to (DOMAIN.md §4), for status_notes.
STEP = {
    State.SUBMITTED: gettext_lazy("发现"), State.ACCEPTED: gettext_lazy("受理"), State.REJECTED: gettext_lazy("受理"),
    State.DISPATCHED: gettext_lazy("分流"), State.HANDLING: gettext_lazy("处置"), State.COMPLETED: gettext_lazy("跟踪"),
    State.VERIFIED: gettext_lazy("反馈"), State.CLOSED: gettext_lazy("反馈"),
}
CLOSED_STATES = (State.CLOSED, State.REJECTED)
# The mySociety servicerequestupdates extension's statuses (as FixMyStreet reads them).
UPDATE_STATUS = {
    State.SUBMITTED: "open", State.ACCEPTED: "investigating", State.REJECTED: "no_further_action",
    State.DISPATCHED: "action_scheduled", State.HANDLING: "in_progress", State.COMPLETED: "fixed",
    State.VERIFIED: "fixed", State.CLOSED: "closed",
}


@dataclass(frozen=True)
class Service:
    code: str
    kind: str
    category: Category | None


def _categories():
    return list(Category.objects.filter(group=CategoryGroup.DISPUTE, is_active=True).order_by("sort_order", "code"))


def service_list() -> list[dict]:
    rows = []
    for kind in API_KINDS:
        label = str(kind.label)
        if kind == GrievanceKind.DISPUTE:
            for c in _categories():
                rows.append({
                    "service_code": DISPUTE_PREFIX + c.code, "service_name": c.name,
                    "description": c.description or c.name, "metadata": True, "type": "realtime",
                    "keywords": ",".join([c.name, KIND_KEYWORDS[kind]]), "group": label,
                })
        rows.append({
            "service_code": kind.value, "service_name": label,
            "description": _("%(kind)s（类别由工作人员确定）") % {"kind": label}
            if kind == GrievanceKind.DISPUTE else label,
            "metadata": True, "type": "realtime", "keywords": KIND_KEYWORDS[kind], "group": label,
        })
    return rows


def service_for_code(code: str) -> Service:
    code = (code or "").strip()
    if not code:
        raise ApiError(400, _("缺少service_code。"))
    if code.startswith(DISPUTE_PREFIX):
        category = Category.objects.filter(group=CategoryGroup.DISPUTE, is_active=True,
                                           code=code[len(DISPUTE_PREFIX):]).first()
        if category is not None:
            return Service(code, GrievanceKind.DISPUTE, category)
    elif code in [k.value for k in API_KINDS]:
        return Service(code, code, None)
    raise ApiError(404, _("service_code“%(code)s”不存在。") % {"code": code})


def service_code_of(g: Grievance) -> str:
    if g.kind == GrievanceKind.DISPUTE and g.category_id:
        return DISPUTE_PREFIX + g.category.code
    return g.kind


def service_definition(code: str) -> dict:
    from grievances.models import Severity

    service = service_for_code(code)
    attrs = [
        ("title", "string", False, _("标题（一句话说明问题；不填则取诉求内容的开头）"), None),
        ("ticket_no", "string", False,
         _("渠道工单号（如12345热线工单号）：同一密钥重复提交同一工单号，返回首次受理的诉求，不会重复立案"), None),
        ("severity", "singlevaluelist", False, _("渠道研判的纠纷等级（受理时由综治中心最终定级）"),
         [(s.value, str(s.label)) for s in Severity]),
        ("hide_identity", "singlevaluelist", False, _("对承办部门隐藏反映人姓名和电话（匿名）"),
         [("true", _("是")), ("false", _("否"))]),
        ("tags", "multivaluelist", False, _("重点领域标签"),
         [(c.code, c.name) for c in Category.objects.filter(group=CategoryGroup.KEY_AREA, is_active=True)]),
    ]
    return {
        "service_code": service.code,
        "attributes": [
            {"variable": True, "code": code_, "datatype": datatype, "required": required,
             "datatype_description": None, "order": n, "description": str(description),
             **({"values": [{"key": k, "name": str(v)} for k, v in values]} if values is not None else {})}
            for n, (code_, datatype, required, description, values) in enumerate(attrs, start=1)
        ],
    }


def key_area_tags(codes: list[str]) -> list[Category]:
    if not codes:
        return []
    tags = list(Category.objects.filter(group=CategoryGroup.KEY_AREA, is_active=True, code__in=codes))
    if len(tags) != len(set(codes)):
        raise ApiError(400, _("attribute[tags]中有不存在的标签。"))
    return tags


# ----------------------------------------------------------------------------- jurisdictions


def jurisdiction_prefix(jurisdiction_id: str | None) -> str:
    """The region prefix a request is limited to; "" for absent or empty (spec: an empty
    optional argument is an absent one). A jurisdiction is the region of a topmost centre:
    a centre there and none above it (two small queries, not the list of every centre)."""
    jid = (jurisdiction_id or "").strip()
    if not jid:
        return ""
    region = Region.objects.filter(code=jid).first()
    if region is not None:
        above = [jid[:n].ljust(12, "0") for level, n in PREFIX_LENGTH.items() if level < region.level]
        centres = set(Unit.objects.filter(kind=UnitKind.CENTRE, is_active=True, region_code__in=[jid, *above])
                      .values_list("region_code", flat=True))
        if centres == {jid}:
            return region.prefix
    raise ApiError(404, _("jurisdiction_id“%(id)s”不存在。") % {"id": jid})


# ----------------------------------------------------------------------------- dates


_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")


def parse_w3c(value: str, name: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _W3C.match(value):
        raise ApiError(400, _("%(name)s格式错误，应为W3C格式，例如2026-01-01T00:00:00+08:00。") % {"name": name})
    try:
        if "T" not in value:
            return timezone.make_aware(datetime.fromisoformat(value))
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, _("%(name)s不是有效的日期时间。") % {"name": name}) from None


def w3c(dt: datetime | None, tz=None) -> str | None:
    if not dt:
        return None
    return dt.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds")


def date_range(start_raw: str, end_raw: str) -> tuple[datetime, datetime]:
    """Spec: the range defaults to the most recent 90 days and may not span more."""
    start, end = parse_w3c(start_raw, "start_date"), parse_w3c(end_raw, "end_date")
    if start and end:
        if end < start:
            raise ApiError(400, _("end_date不能早于start_date。"))
        if end - start > MAX_SPAN:
            raise ApiError(400, _("start_date与end_date之间不能超过90天。"))
    elif start:
        end = start + MAX_SPAN
    elif end:
        start = end - MAX_SPAN
    else:
        end = timezone.now()
        start = end - MAX_SPAN
    return start, end


# ----------------------------------------------------------------------------- requests


def _place(g: Grievance) -> Region:
    # Township level at most, as on the similar-cases page: never the village, never the address.
    return g.region.parent if g.region.level >= 5 and g.region.parent_id else g.region


def _labels() -> dict:
    """Labels looked up once per response, not once per row (1000 rows a page)."""
    return {"state": {k: str(v) for k, v in State.choices}, "step": {k: str(v) for k, v in STEP.items()},
            "kind": {k: str(v) for k, v in GrievanceKind.choices}, "tz": timezone.get_current_timezone()}


def request_row(g: Grievance, *, full: bool, media_url: str | None = None, description: str | None = None,
                labels: dict | None = None, expected: datetime | None = None) -> dict:
    """One request as the spec shows it. ``full`` (a trusted key reading its own request)
    adds the text (``description``), the exact place, the coordinates and the material.
    ``expected``: the deadline clock's due time of the step the citizen waits for
    (grievances.deadlines.selectors.expected_expression)."""
    labels = labels or _labels()
    tz = labels["tz"]
    closed = g.state in CLOSED_STATES
    notes = f"{labels['step'][g.state]}：{labels['state'][g.state]}"
    if full:
        notes += f"。{g.result}" if g.result else ""
    else:
        names = [g.contact_name, g.address]
        description = anonymise(g.title, names=names) if g.state == State.CLOSED else None
        if g.state == State.CLOSED and g.result:
            notes += "。" + anonymise(g.result, names=names)
    place = g.region if full else _place(g)
    agency = g.handling_unit or g.centre
    return {
        "service_request_id": g.tracking_no,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": g.category.name if g.kind == GrievanceKind.DISPUTE and g.category_id
        else labels["kind"][g.kind],
        "service_code": service_code_of(g),
        "description": description,
        "agency_responsible": agency.name if agency else None,
        "service_notice": None,
        "requested_datetime": w3c(g.created_at, tz),
        "updated_datetime": w3c(g.closed_at if g.state == State.CLOSED and g.closed_at else g.updated_at, tz),
        "expected_datetime": w3c(expected, tz),
        "address": (f"{place.name} {g.address}".strip() if full else place.name),
        "address_id": place.code,
        "zipcode": None,
        "lat": float(g.latitude) if full and g.latitude is not None else None,
        "long": float(g.longitude) if full and g.longitude is not None else None,
        "media_url": media_url,
    }


def _visible() -> Q:
    return ~Q(kind=GrievanceKind.LEGAL_AID)


_FIELDS = ("id", "tracking_no", "kind", "category_id", "state", "region_id", "handling_unit_id", "centre_id",
           "title", "result", "contact_name", "address", "latitude", "longitude")


def _text(expression):
    # A timestamp as the database's text, parsed by datetime.fromisoformat (C): the driver's
    # time-zone-aware loader costs more than the whole query for 4000 timestamps a page.
    return Cast(expression, output_field=CharField())


def _parse(value: str | None) -> datetime | None:
    if value is None:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)  # SQLite keeps naive UTC


_RELATED = ("region__name", "region__code", "region__level", "region__parent_id", "region__parent__name",
            "region__parent__code", "category__code", "category__name", "handling_unit__name", "centre__name")


def _records(ids) -> list[SimpleNamespace]:
    """The page's appeals (``ids``: a list, or a query of ids) newest first, as plain records
    with the attributes ``request_row`` reads, in one query with their region, category,
    units and deadline clock joined. Building 1000 model instances with five related objects
    each would cost more than the query."""
    rows = Grievance.objects.filter(pk__in=ids).order_by().annotate(
        created_s=_text("created_at"), updated_s=_text("updated_at"), closed_s=_text("closed_at"),
        expected_s=_text(expected_expression()),
    ).values_list(*_FIELDS, "created_s", "updated_s", "closed_s", "expected_s", *_RELATED)
    n = len(_FIELDS)
    out = []
    for row in rows:
        (created, updated, closed, expected, r_name, r_code, r_level, r_parent, p_name, p_code, c_code, c_name,
         unit, centre) = row[n:]
        rec = SimpleNamespace(**dict(zip(_FIELDS, row[:n], strict=True)))
        rec.created_at, rec.updated_at = _parse(created), _parse(updated)
        rec.closed_at, rec.expected = _parse(closed), _parse(expected)
        rec.region = SimpleNamespace(name=r_name, code=r_code, level=r_level, parent_id=r_parent,
                                     parent=SimpleNamespace(name=p_name, code=p_code) if r_parent else None)
        rec.category = SimpleNamespace(code=c_code, name=c_name) if rec.category_id else None
        rec.handling_unit = SimpleNamespace(name=unit) if rec.handling_unit_id else None
        rec.centre = SimpleNamespace(name=centre) if rec.centre_id else None
        out.append(rec)
    out.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return out


def _page_sql(ids) -> tuple[str, list]:
    """The page's query for PostgreSQL: the page of ids first (``ids``, a query of ids or a
    list), then each page row's appeal, clock, category, region (and its parent) and units
    by primary key, with the township-level place, the responsible agency and the three
    datetimes the row shows (as the database's text: formatting them in SQL, AT TIME ZONE and
    to_char, cost the server more than ``w3c`` costs Python)."""
    from grievances.deadlines.models import Clock

    if isinstance(ids, list):
        page, params = "g.id = ANY(%s::bigint[])", [ids]
    else:
        sub, params = ids.query.sql_with_params()
        page, params = f"g.id IN ({sub})", list(params)
    sql = f"""
        SELECT g.id, g.tracking_no, g.kind, c.code, c.name, g.state, g.title, g.result, g.contact_name, g.address,
               g.created_at::text,
               (CASE WHEN g.state = %s AND g.closed_at IS NOT NULL THEN g.closed_at ELSE g.updated_at END)::text,
               (CASE WHEN k.is_open AND k.paused_at IS NULL THEN COALESCE(k.completion_due, k.centre_due)
                     ELSE NULL END)::text,
               CASE WHEN r.level >= 5 AND r.parent_id IS NOT NULL THEN p.name ELSE r.name END,
               CASE WHEN r.level >= 5 AND r.parent_id IS NOT NULL THEN p.code ELSE r.code END,
               COALESCE(u.name, ce.name)
        FROM {Grievance._meta.db_table} g
        JOIN {Region._meta.db_table} r ON r.id = g.region_id
        LEFT JOIN {Region._meta.db_table} p ON p.id = r.parent_id
        LEFT JOIN {Category._meta.db_table} c ON c.id = g.category_id
        LEFT JOIN {Unit._meta.db_table} u ON u.id = g.handling_unit_id
        LEFT JOIN {Unit._meta.db_table} ce ON ce.id = g.centre_id
        LEFT JOIN {Clock._meta.db_table} k ON k.grievance_id = g.id
        WHERE {page}
        ORDER BY g.created_at DESC, g.id DESC"""
    return sql, [State.CLOSED.value, *params]


def _public_rows(ids) -> list[tuple[int, dict]]:
    """The page's rows as the public sees them (``request_row`` with ``full=False``), newest
    first, with their ids, in one query on PostgreSQL, built from the query's tuples with
    the labels looked up once: no model instances, no namespaces, no related objects (a
    1000-row page cost ~56 ms of CPU that way)."""
    sql, params = _page_sql(ids)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    labels = _labels()
    notes = {state: f"{labels['step'][state]}：{labels['state'][state]}" for state in labels["step"]}
    kinds = labels["kind"]
    dispute, closed_state = GrievanceKind.DISPUTE.value, State.CLOSED.value
    closed_states = {s.value for s in CLOSED_STATES}
    tz = labels["tz"]

    def w3c_text(value: str | None) -> str | None:
        return _parse(value).astimezone(tz).isoformat(timespec="seconds") if value else None

    out = []
    for (pk, tracking_no, kind, c_code, c_name, state, title, result, contact_name, address, created, updated,
         expected, place, place_code, agency) in rows:
        note, description = notes[state], None
        if state == closed_state:
            names = [contact_name, address]
            description = anonymise(title, names=names)
            if result:
                note += "。" + anonymise(result, names=names)
        category = kind == dispute and c_code is not None
        out.append((pk, {
            "service_request_id": tracking_no,
            "status": "closed" if state in closed_states else "open",
            "status_notes": note,
            "service_name": c_name if category else kinds[kind],
            "service_code": DISPUTE_PREFIX + c_code if category else kind,
            "description": description,
            "agency_responsible": agency,
            "service_notice": None,
            "requested_datetime": w3c_text(created),
            "updated_datetime": w3c_text(updated),
            "expected_datetime": w3c_text(expected),
            "address": place,
            "address_id": place_code,
            "zipcode": None,
            "lat": None,
            "long": None,
            "media_url": None,
        }))
    return out


def _rows(ids, *, key: ApiKey | None, absolute, fast: bool | None = None) -> list[dict]:
    """The rows of ``ids`` (a list, or a query of ids) newest first. On PostgreSQL (``fast``)
    the page is read by ``_public_rows`` and only a trusted key's own requests (text, exact
    place, material) are rebuilt by the reference path below; elsewhere the reference path
    reads the whole page."""
    if fast is None:
        fast = FAST_PAGES and connection.vendor == "postgresql"
    if fast:
        page = _public_rows(ids)
        own = set()
        if key is not None and key.trusted and page:
            own = set(ApiRequest.objects.filter(key=key, grievance_id__in=[pk for pk, _row in page])
                      .values_list("grievance_id", flat=True))
        if not own:
            return [row for _pk, row in page]
        full = {row["service_request_id"]: row for row in _reference_rows(sorted(own), key=key, absolute=absolute)}
        return [full.get(row["service_request_id"], row) if pk in own else row for pk, row in page]
    return _reference_rows(ids, key=key, absolute=absolute)


def _reference_rows(ids, *, key: ApiKey | None, absolute) -> list[dict]:
    """The rows of ``ids`` (a list, or a query of ids) newest first: one query for the page
    (without the long texts only a trusted key's own requests show); for a trusted key its
    own requests' text and first public attachment."""
    records = _records(ids)
    ids = [r.id for r in records]
    own, media, texts = set(), {}, {}
    if key is not None and key.trusted and ids:
        own = set(ApiRequest.objects.filter(key=key, grievance_id__in=ids).values_list("grievance_id", flat=True))
    if own:
        from grievances.models import Attachment

        texts = dict(Grievance.objects.filter(pk__in=own).values_list("pk", "description"))
        for a in Attachment.objects.filter(grievance_id__in=own, public=True).order_by("grievance_id", "pk"):
            media.setdefault(a.grievance_id, absolute(a.file.url))
    labels = _labels()
    return [request_row(r, full=r.id in own, media_url=media.get(r.id), description=texts.get(r.id), labels=labels,
                        expected=r.expected) for r in records]


def _newest(qs, start, end):
    """The newest ``MAX_REQUESTS`` rows of ``qs`` in the range, newest first (a query)."""
    return qs.filter(created_at__gte=start, created_at__lte=end).order_by("-created_at", "-id")[:MAX_REQUESTS]


def requests(params, *, key: ApiKey | None, absolute) -> list[dict]:
    """GET requests: service_request_id (comma list) overrides everything else; otherwise
    service_code, status, start_date/end_date (90 days at most, the last 90 by default),
    jurisdiction_id, newest first, 1000 at most.

    The page's ids come from indexes, newest first, and stop at the 1000th (migration
    grievances 0016; plans and figures in benchmarks/README.md): without a service code down
    ``grv_created_cover_idx`` (created_at, id) INCLUDE (kind, category_id, state,
    region_code), an index-only walk that filters status and region inside the index; with
    status=open down the small partial ``grv_open_created_idx``; per service code down
    ``grv_kind_cat_created_idx`` (kind, category_id, created_at, id) or
    ``grv_kind_created_idx`` (kind, created_at, id), one ordered query per code merged here
    (an OR of codes has no ordered index path). Then the page's rows by primary key."""
    qs = Grievance.objects.filter(_visible())
    prefix = jurisdiction_prefix(params.get("jurisdiction_id"))
    if len(prefix) in (4, 6, 9):
        # A city, a county or a township: its own index (grv_city/county/town_created_idx),
        # newest first, so a small jurisdiction does not walk the whole province's 90 days.
        qs = qs.annotate(scope=Substr("region_code", 1, len(prefix))).filter(scope=prefix)
    elif prefix:
        qs = qs.filter(region_code__startswith=prefix)
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        found = qs.filter(tracking_no__in=ids[:MAX_REQUESTS]).order_by("-created_at", "-id")
        return _rows(list(found.values_list("id", flat=True)), key=key, absolute=absolute)
    codes = list(dict.fromkeys(c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()))
    chosen = [service_for_code(code) for code in codes]
    statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise ApiError(400, _("status只能是open或closed。"))
    if statuses == {"open"}:
        qs = qs.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=CLOSED_STATES)
    start, end = date_range(params.get("start_date"), params.get("end_date"))
    scoped = [qs.filter(kind=s.kind, category=s.category) if s.category else qs.filter(kind=s.kind) for s in chosen]
    if len(scoped) <= 1:
        # The page's ids as a subquery of the page's query: one round trip.
        return _rows(_newest(scoped[0] if scoped else qs, start, end).values("id"), key=key, absolute=absolute)
    pages = [list(_newest(one, start, end).values_list("created_at", "id")) for one in scoped]
    seen: set[int] = set()
    page: list[int] = []
    # "dispute" and "dispute-neighbour" overlap: an appeal is listed once.
    for _at, pk in heapq.merge(*pages, reverse=True):
        if pk not in seen:
            seen.add(pk)
            page.append(pk)
            if len(page) == MAX_REQUESTS:
                break
    return _rows(page, key=key, absolute=absolute)


def request_detail(service_request_id: str, *, key: ApiKey | None, absolute) -> list[dict]:
    pk = Grievance.objects.filter(_visible(), tracking_no=service_request_id.strip()).values_list(
        "id", flat=True).first()
    if pk is None:
        raise ApiError(404, _("service_request_id“%(id)s”不存在。") % {"id": service_request_id})
    return _rows([pk], key=key, absolute=absolute)


def token_lookup(token: str) -> list[dict]:
    req = ApiRequest.objects.select_related("grievance").filter(token=token.strip(), grievance__isnull=False).first()
    if req is None:
        raise ApiError(404, _("token“%(token)s”不存在。") % {"token": token})
    return [{"service_request_id": req.grievance.tracking_no, "token": req.token}]


# ----------------------------------------------------------------------------- updates


def update_row(event: GrievanceEvent, *, grievance: Grievance, full: bool, tz=None, actions: dict | None = None) -> dict:
    actions = actions if actions is not None else {k: str(v) for k, v in EventAction.choices}
    description = actions.get(event.action, event.action)
    if full and event.note:
        description += f"：{event.note}"
    state = event.to_state or grievance.state
    return {
        "update_id": str(event.pk),
        "service_request_id": grievance.tracking_no,
        "status": UPDATE_STATUS.get(state, "open"),
        "updated_datetime": w3c(event.created_at, tz),
        "description": description,
        "media_url": None,
    }


def updates(params, *, key: ApiKey) -> list[dict]:
    """mySociety's servicerequestupdates: the public timeline events, between start_date and
    end_date (90 days at most), of the requests this key filed; oldest first, 1000 at most.
    One range of the key's feed (``ApiUpdate``, index apiupdate_key_at_idx (key, created_at,
    id)) with the events and their appeals by primary key, read as plain records."""
    start, end = date_range(params.get("start_date"), params.get("end_date"))
    rows = (ApiUpdate.objects.filter(key=key, created_at__gte=start, created_at__lte=end).order_by("created_at", "id")
            .annotate(at=_text("created_at"))
            .values("event_id", "event__action", "event__note", "event__to_state", "at",
                    "event__grievance__tracking_no", "event__grievance__state")[:MAX_REQUESTS])
    tz = timezone.get_current_timezone()
    actions = {k: str(v) for k, v in EventAction.choices}
    out = []
    for r in rows:
        event = SimpleNamespace(pk=r["event_id"], action=r["event__action"], note=r["event__note"],
                                to_state=r["event__to_state"], created_at=_parse(r["at"]))
        grievance = SimpleNamespace(tracking_no=r["event__grievance__tracking_no"], state=r["event__grievance__state"])
        out.append(update_row(event, grievance=grievance, full=key.trusted, tz=tz, actions=actions))
    return out
