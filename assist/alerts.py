"""Live early warning: daily counts from the analysis rollups, the detector of
``assist.spikes``, one ``SpikeAlert`` per episode and a message to the region's centre
leaders through the notifications outbox (in-site; SMS too for the worst).

``run_detection`` is idempotent: run it as often as you like (the beat runs it hourly); an
episode already alerted is updated with its latest figures, never announced twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assist import spikes
from assist.models import AlertStatus, SpikeAlert
from grid.models import Region, Role, User

WINDOW_DAYS = 120


class AlertError(Exception):
    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


def counts_from_rollups(start: date, end: date, prefix: str = "") -> dict[tuple[str, str], dict[date, int]]:
    """Appeals per (region code at every level, category id) and submission day, read from
    the rollups (``dim = "category"``; grid scopes and the all-regions row are skipped)."""
    from analysis.models import Rollup

    out: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    rows = (Rollup.objects.filter(dim="category", day__gte=start, day__lte=end, n__gt=0,
                                  scope__startswith=prefix).exclude(scope="").exclude(value="")
            .values_list("scope", "value", "day", "n"))
    for scope, value, day, n in rows.iterator(chunk_size=5000):
        if len(scope) == 12 and scope.isdigit():
            out[(scope, value)][day] = n
    return out


def _level_len(code: str) -> int:
    """Length of the significant prefix of a region code (village 12 … province 2)."""
    return next((n for n in (2, 4, 6, 9) if not code[n:].strip("0")), 12)


def _prefix(code: str) -> str:
    return code[:_level_len(code)]


def significant(alarms: list[spikes.Alarm]) -> list[spikes.Alarm]:
    """Drop an alarm of a region when a region below it alarms for the same category in an
    overlapping episode: the leaders of the place where it happens hear of it, the county
    does not get the same village's spike again as its own."""
    kept: list[spikes.Alarm] = []
    for a in sorted(alarms, key=lambda a: -_level_len(a.region)):
        p = _prefix(a.region)
        if any(k.category == a.category and k.region != a.region and k.region.startswith(p)
               and k.since <= a.last_date and a.since <= k.last_date for k in kept):
            continue
        kept.append(a)
    return sorted(kept, key=lambda a: (a.date, a.region, a.category))


def centre_leaders(region: Region) -> list[User]:
    """The leaders of the nearest centre at or above the region that has leaders (its named
    leader and its centre-leader accounts): a village's spike goes to its township centre's
    leaders, or to the county's when the township centre has none."""
    from grid.models import PREFIX_LENGTH, Unit, UnitKind

    codes = [region.code[:n].ljust(12, "0") for lvl, n in sorted(PREFIX_LENGTH.items()) if lvl <= region.level]
    centres = {u.region_code: u for u in Unit.objects.filter(kind=UnitKind.CENTRE, is_active=True,
                                                              region_code__in=codes)}
    for code in reversed(codes):
        centre = centres.get(code)
        if centre is None:
            continue
        q = Q(unit=centre, role=Role.CENTRE_LEADER, is_active=True)
        if centre.leader_id:
            q |= Q(pk=centre.leader_id, is_active=True)
        leaders = list(User.objects.filter(q).distinct().order_by("pk"))
        if leaders:
            return leaders
    return []


def is_severe(a: spikes.Alarm) -> bool:
    return a.score >= 2 * spikes.THRESHOLD or (a.expected > 0 and a.observed >= 3 * a.expected)


def appeals_link(alert: SpikeAlert) -> str:
    """The centre queue filtered to the alert's region, category and days."""
    return (reverse("admin:grievances_grievance_changelist")
            + f"?region={alert.region_code}&category__id__exact={alert.category_id}"
            + f"&created_at__gte={alert.since.isoformat()}")


def _announce(alert: SpikeAlert, region: Region) -> None:
    from grid.notifications.services import notify

    channels = ("site", "sms") if alert.severe else ("site",)
    notify(key=f"assist:spike:{alert.pk}", template="assist_spike_alert",
           text=_("【预警】{{ region }}自{{ since }}起{{ category }}类诉求{{ observed }}件，预期约{{ expected }}件，"
                  "请关注研判：{{ link }}"),
           context={"region": alert.region_name, "since": alert.since.strftime("%m-%d"),
                    "category": alert.category.name, "observed": alert.observed,
                    "expected": f"{alert.expected:.1f}"},
           users=centre_leaders(region), channels=channels,
           link=settings.SITE_URL.rstrip("/") + reverse("assist:alert", args=[alert.pk]))


@transaction.atomic
def record_alarms(alarms: list[spikes.Alarm]) -> list[SpikeAlert]:
    """Store each alarm as an alert: a new episode is created and announced; an episode
    already alerted (same region and category, last alarm within the episode gap) is
    updated with its latest figures."""
    from grievances.models import Category

    regions = {r.code: r for r in Region.objects.filter(code__in={a.region for a in alarms})}
    categories = {str(c.pk): c for c in Category.objects.filter(pk__in={int(a.category) for a in alarms
                                                                          if a.category.isdigit()})}
    made: list[SpikeAlert] = []
    for a in alarms:
        region, category = regions.get(a.region), categories.get(a.category)
        if region is None or category is None:
            continue
        existing = (SpikeAlert.objects.select_for_update()
                    .filter(region_code=a.region, category=category,
                            last_alarm__gte=a.date - timedelta(days=spikes.EPISODE_GAP),
                            first_alarm__lte=a.last_date)
                    .order_by("-first_alarm").first())
        if existing is not None:
            if a.last_date > existing.last_alarm:
                existing.last_alarm = a.last_date
                existing.save(update_fields=["last_alarm"])
            continue
        alert = SpikeAlert.objects.create(
            region_code=a.region, region_name=region.name, category=category, first_alarm=a.date,
            last_alarm=a.last_date, since=a.since, observed=a.observed, expected=a.expected, score=a.score,
            severe=is_severe(a))
        _announce(alert, region)
        made.append(alert)
    return made


def run_detection(*, today: date | None = None) -> list[SpikeAlert]:
    """Detect on the complete days up to yesterday and record the live episodes (those
    still alarming within the episode gap). Returns the alerts newly raised."""
    today = today or timezone.localdate()
    end = today - timedelta(days=1)
    start = end - timedelta(days=WINDOW_DAYS)
    alarms = spikes.detect(counts_from_rollups(start, end), start=start, end=end)
    live = [a for a in alarms if a.last_date >= end - timedelta(days=spikes.EPISODE_GAP)]
    return record_alarms(significant(live))


@transaction.atomic
def mark_handled(*, actor, alert: SpikeAlert, note: str) -> SpikeAlert:
    """Staff record what was done about the alert (研判处置); the note is required."""
    from grid import permissions

    if not (permissions.is_admin(actor) or (permissions.is_centre(actor)
                                            and permissions.can_see_region_code(actor, alert.region_code))):
        raise AlertError(_("只有该区域的综治中心工作人员可以处置此预警。"))
    note = (note or "").strip()
    if not note:
        raise AlertError(_("请填写处置说明。"))
    locked = SpikeAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.status == AlertStatus.HANDLED:
        raise AlertError(_("该预警已由他人处置。"))
    locked.status, locked.note, locked.handled_by, locked.handled_at = (
        AlertStatus.HANDLED, note, actor, timezone.now())
    locked.save(update_fields=["status", "note", "handled_by", "handled_at"])
    return locked
