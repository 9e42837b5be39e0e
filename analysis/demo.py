"""Demo data for the analysis layer of the demo city 清源市 (runs after the other apps' demos).

- Generated boundaries (simple rectangles nested city → county → township → village →
  grid, with made-up populations) so the map is not empty. They are not real geography.
- About five months of history: appeals driven through the loop's real services, then
  moved back in time (appeal, events, clock) so trends, durations and monthly reports
  have something to show; the rollups are then rebuilt from those events.
- Staff logins on working days (工作人员登录率), and October's monthly report for the city
  and the 东湖区 county.
Deterministic (fixed random seed) and idempotent (skipped when the history exists).
"""

from __future__ import annotations

import math
import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from unittest import mock

from django.apps import apps
from django.db.models import Max, Min
from django.utils import timezone

from analysis import reports, rollups
from analysis.facts import day_of
from analysis.models import Boundary, ReportKind, StaffLogin
from analysis.selectors import working_days
from grid.models import Grid, Region, RegionLevel, Role, Unit, User
from grid.notifications.models import Message
from grievances import services
from grievances.deadlines import services as clocks
from grievances.deadlines.policy import SHANGHAI
from grievances.models import Category, CategoryGroup, Grievance

CITY_CODE = "439000000000"
BOX = (112.60, 27.50, 113.50, 28.30)  # lng0, lat0, lng1, lat1 of the made-up city rectangle
HISTORY_TITLE = "【历史】"
HISTORY_MONTHS = 5
PER_MONTH = 48
HANDLER_UNITS = ("01", "02", "03", "05")
RNG_SEED = 2026


# --------------------------------------------------------------------------- boundaries


def _rect(lng0, lat0, lng1, lat1) -> dict:
    ring = [[round(lng0, 4), round(lat0, 4)], [round(lng1, 4), round(lat0, 4)], [round(lng1, 4), round(lat1, 4)],
            [round(lng0, 4), round(lat1, 4)], [round(lng0, 4), round(lat0, 4)]]
    return {"type": "Polygon", "coordinates": [ring]}


def _split(box, n):
    """Cut a box into n cells of a near-square grid (columns across the longer side), so the
    areas look like places rather than strips; the last row may be shorter."""
    lng0, lat0, lng1, lat1 = box
    width, height = lng1 - lng0, lat1 - lat0
    cols = max(1, round(math.sqrt(n * width / height))) if height else n
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        in_row = cols if r < rows - 1 else n - cols * (rows - 1)
        w, h = width / in_row, height / rows
        out.append((lng0 + c * w, lat1 - (r + 1) * h, lng0 + (c + 1) * w, lat1 - r * h))
    return out


def seed_boundaries(rng: random.Random) -> dict[str, tuple]:
    """Nested rectangles for the demo city; returns code → box (used to place appeals)."""
    boxes: dict[str, tuple] = {}
    city = Region.objects.filter(code=CITY_CODE).first()
    if city is None:
        return boxes
    populations: dict[str, int] = {}

    def walk(region, box):
        boxes[region.code] = box
        kids = list(Region.objects.filter(parent=region).order_by("code"))
        if kids:
            for kid, kid_box in zip(kids, _split(box, len(kids)), strict=True):
                walk(kid, kid_box)
            populations[region.code] = sum(populations.get(k.code, 0) for k in kids)
        else:
            populations[region.code] = rng.randrange(2500, 9000, 100)
            grids = list(Grid.objects.filter(village=region).order_by("code"))
            for grid, grid_box in zip(grids, _split(box, len(grids)), strict=True):
                boxes[grid.code] = grid_box
                Boundary.objects.update_or_create(code=grid.code, defaults={
                    "name": grid.name, "geometry": _rect(*grid_box),
                    "center_lng": (grid_box[0] + grid_box[2]) / 2, "center_lat": (grid_box[1] + grid_box[3]) / 2})

    walk(city, BOX)
    for code, box in boxes.items():
        if len(code) != 12:
            continue
        region = Region.objects.get(code=code)
        Boundary.objects.update_or_create(code=code, defaults={
            "name": region.name, "geometry": _rect(*box), "population": populations.get(code),
            "center_lng": (box[0] + box[2]) / 2, "center_lat": (box[1] + box[3]) / 2})
    return boxes


# --------------------------------------------------------------------------- people


def _handlers() -> dict[int, User]:
    """One handler per department used by the history (the existing demo handlers first)."""
    out: dict[int, User] = {}
    for user in User.objects.filter(role=Role.DEPT_HANDLER, unit__isnull=False, is_active=True).order_by("pk"):
        out.setdefault(user.unit_id, user)
    for county in Region.objects.filter(code__startswith="4390", level=RegionLevel.COUNTY).order_by("code"):
        for suffix in HANDLER_UNITS:
            unit = Unit.objects.filter(code=f"D-{county.code[:6]}-{suffix}").first()
            if unit is None or unit.pk in out:
                continue
            username = f"bumen_{county.code[4:6]}{suffix}"
            user = User.objects.filter(username=username).first() or User(username=username)
            user.display_name = f"{unit.name}办理人"
            user.role, user.unit, user.is_staff = Role.DEPT_HANDLER, unit, False
            user.phone = f"1390001{county.code[4:6]}{suffix}"
            from grid.demo import DEMO_PASSWORD

            user.set_password(DEMO_PASSWORD)
            user.save()
            out[unit.pk] = user
    return out


def _resident(n: int) -> User:
    """History residents: citizen accounts that rated their appeals, left inactive so the
    demo's login list stays short."""
    phone = f"1370000{n:04d}"
    user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User.objects.create_user(username=phone, phone=phone, role=Role.CITIZEN,
                                        display_name=f"居民{n:04d}")
    return user


# --------------------------------------------------------------------------- history


def _months(today: date) -> list[date]:
    first = today.replace(day=1)
    out = []
    for _ in range(HISTORY_MONTHS):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(first)
    return sorted(out) + [today.replace(day=1)]


def _month_span(month: date, today: date) -> tuple[date, int]:
    """The last day of ``month`` the history may use and how many appeals it gets: a past month in full,
    the current one up to yesterday and in proportion (none on its first day)."""
    if month == today.replace(day=1):
        return today - timedelta(days=1), PER_MONTH * (today.day - 1) // 30
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1), PER_MONTH


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 19), rng.randint(0, 59)), tzinfo=SHANGHAI)


@contextmanager
def _at(moment: datetime):
    """Run the loop's real services as if it were ``moment``: ``timezone.now`` and every
    model field defaulting to it return that moment (events are immutable, so history is
    written at its time instead of being moved there afterwards)."""
    real = timezone.now
    fields = [f for model in apps.get_models() for f in model._meta.concrete_fields
              if getattr(f, "default", None) is real]

    def fake():
        return moment

    for f in fields:
        f.default = fake
        f.__dict__.pop("_get_default", None)
    try:
        with mock.patch("django.utils.timezone.now", fake):
            yield
    finally:
        for f in fields:
            f.default = real
            f.__dict__.pop("_get_default", None)


def _one(rng, n, when: datetime, village: Region, boxes, handlers, units_by_county, city_staff, categories,
         now: datetime):
    """One appeal's life through the services, each step at its own moment (never later than now)."""
    units = units_by_county.get(village.code[:6], [])
    kind = rng.choices(["dispute", "livelihood", "complaint", "inquiry", "legal_aid"], [40, 25, 20, 10, 5])[0]
    category = rng.choice(categories)
    box = boxes.get(village.code)
    coords = {}
    if box and rng.random() < 0.6:
        coords = {"latitude": f"{rng.uniform(box[1], box[3]):.6f}", "longitude": f"{rng.uniform(box[0], box[2]):.6f}"}
    resident = _resident(n % 160)
    channel = rng.choices(["web", "hotline", "walk_in", "screening"], [50, 30, 10, 10])[0]
    actor = resident if channel == "web" else city_staff
    t = when

    def step(hours: float) -> bool:
        nonlocal t
        t = t + timedelta(hours=hours)
        return t < now

    def fresh():
        return Grievance.objects.get(pk=g.pk)

    with _at(t):
        g = services.submit_grievance(
            actor=actor, kind=kind, region=village, title=f"{HISTORY_TITLE}{category.name}问题反映",
            description=f"{village.name}群众反映{category.name}方面的问题，请求协调处理。", category=category,
            channel=channel, contact_name=resident.display_name, contact_phone=resident.phone, **coords)
    if not step(rng.choice([1, 2, 3, 5, 8, 20, 30])):
        return g
    if rng.random() < 0.04:
        with _at(t):
            services.reject_grievance(actor=city_staff, grievance=fresh(), reason="属于诉讼程序，不予受理",
                                      guidance="请向人民法院起诉，可到公共法律服务中心咨询。")
        return g
    severity = rng.choices(["simple", "ordinary", "major", "grave"], [45, 40, 12, 3])[0] if kind == "dispute" else ""
    with _at(t):
        services.accept_grievance(actor=city_staff, grievance=fresh(), kind=kind, severity=severity, category=category)
    if not units or not step(1):
        return g
    unit = rng.choice(units)
    handler = handlers[unit.pk]
    with _at(t):
        services.dispatch_grievance(actor=city_staff, grievance=fresh(), unit=unit)
    late = rng.random() < 0.1
    if late:
        # Nobody signs for ten days: the deadline scan supervises it as overdue.
        if not step(24 * 10):
            return g
        with _at(t):
            clocks.process_clock(g.pk, now=t)
    if not step(rng.choice([1, 2, 4, 10])):
        return g
    with _at(t):
        services.sign_grievance(actor=handler, grievance=fresh())
    if rng.random() < 0.4:
        if not step(rng.choice([6, 20, 40])):
            return g
        with _at(t):
            services.interim_reply(actor=handler, grievance=fresh(), note="已联系当事人，正在调查核实。")
    if not step(rng.choice([4, 10, 20, 40, 70, 110, 160])):
        return g
    with _at(t):
        services.complete_grievance(actor=handler, grievance=fresh(), result="经协调，问题已解决，已向群众反馈。")
    if not step(rng.choice([2, 8, 20])):
        return g
    with _at(t):
        services.verify_grievance(actor=city_staff, grievance=fresh())
    if not step(rng.choice([5, 20, 40])):
        return g
    with _at(t):
        if channel != "web":
            services.record_return_visit(actor=city_staff, grievance=fresh(), satisfaction="satisfied",
                                             note="电话回访，群众表示满意。")
        else:
            sat = rng.choices(["satisfied", "basic", "unsatisfied"], [78, 16, 6])[0]
            services.rate_grievance(actor=resident, grievance=fresh(), satisfaction=sat,
                                    comment="问题还没有彻底解决。" if sat == "unsatisfied" else "")
    return g


def seed_history(rng: random.Random, boxes, stdout) -> int:
    if Grievance.objects.filter(title__startswith=HISTORY_TITLE).exists():
        return 0
    city_staff = User.objects.filter(username="shi_zhongxin").first()
    if city_staff is None:
        return 0
    handlers = _handlers()
    units_by_county: dict[str, list[Unit]] = {}
    for unit in Unit.objects.filter(pk__in=list(handlers), kind="department").order_by("code"):
        units_by_county.setdefault(unit.region_code[:6], []).append(unit)
    categories = list(Category.objects.filter(group=CategoryGroup.DISPUTE, is_active=True).order_by("sort_order"))
    villages = list(Region.objects.filter(code__startswith="4390", level=RegionLevel.VILLAGE).order_by("code"))
    weights = [3 if v.code.startswith("439001") else 1 for v in villages]

    today = timezone.localdate()
    now = timezone.now()
    made = 0
    last_message = Message.objects.aggregate(m=Max("id"))["m"] or 0
    for month in _months(today):
        last_day, count = _month_span(month, today)
        for _i in range(count):
            day = month + timedelta(days=rng.randint(0, (last_day - month).days))
            t0 = _moment(day, rng)
            village = rng.choices(villages, weights)[0]
            _one(rng, made, t0, village, boxes, handlers, units_by_county, city_staff, categories, now)
            made += 1
    User.objects.filter(role=Role.CITIZEN, phone__startswith="1370000").update(is_active=False)
    # The history happened "months ago": its SMS and bell messages are not sent today.
    Message.objects.filter(id__gt=last_message).delete()
    stdout.write(f"analysis: {made} history appeals over {HISTORY_MONTHS + 1} months")
    return made


def seed_logins(rng: random.Random) -> int:
    """Staff logins on working days: most staff most days, so the rate varies by unit."""


    today = timezone.localdate()
    start = _months(today)[0]
    staff = list(User.objects.filter(role__in=["centre_staff", "centre_leader", "dept_handler", "dept_leader",
                                               "mediator"], unit__isnull=False, is_active=True)
                 .select_related("unit").order_by("pk"))
    rows = []
    for user in staff:
        habit = rng.uniform(0.55, 0.98)
        for day in working_days(start, today - timedelta(days=1)):
            if rng.random() < habit:
                rows.append(StaffLogin(user=user, day=day, unit_id=user.unit_id, region_code=user.unit.region_code,
                                       first_at=datetime.combine(day, time(8, 30), tzinfo=SHANGHAI)))
    StaffLogin.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def seed(stdout) -> None:
    rng = random.Random(RNG_SEED)
    boxes = seed_boundaries(rng)
    made = seed_history(rng, boxes, stdout)
    if made:
        bounds = Grievance.objects.aggregate(lo=Min("created_at"), hi=Max("created_at"))
        appeals, rows = rollups.rebuild(day_of(bounds["lo"]), day_of(bounds["hi"]))
        stdout.write(f"analysis: rollups rebuilt for {appeals} appeals ({rows} rows)")
        seed_logins(rng)

    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    for code in (CITY_CODE, "439001000000"):
        region = Region.objects.filter(code=code).first()
        if region is not None:
            reports.generate(kind=ReportKind.MONTHLY, region=region, start=last_month, notify_leaders=False)
    stdout.write(f"analysis: {Boundary.objects.count()} boundaries, "
                 f"{StaffLogin.objects.count()} staff login days, last month's reports ready")
