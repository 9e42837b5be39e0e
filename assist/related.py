"""Duplicate and related appeals on the pages: candidates from an index, scored by
``assist.similar``; linking and 我也遇到了 are decided by grievances.services."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Substr
from django.utils import timezone

from assist import similar
from assist.models import TextFeatures
from grievances.models import OPEN_STATES, CoReporter, EventAction, Grievance, GrievanceLink
from grievances.selectors import anonymise

logger = logging.getLogger(__name__)

FIELDS = ("pk", "tracking_no", "title", "description", "region_code", "latitude", "longitude", "created_at",
          "category_id", "state", "region__name", "contact_name", "address")


def _item(row: dict, grams: Mapping[str, float]) -> similar.Item:
    lat, lng = row["latitude"], row["longitude"]
    return similar.Item(id=row["pk"], title=row["title"], description=row["description"],
                        region_code=row["region_code"], lat=float(lat) if lat is not None else None,
                        lng=float(lng) if lng is not None else None, created=row["created_at"],
                        category=row["category_id"], grams=grams)


def save_features(grievances: Iterable[Grievance]) -> None:
    """Store the text features of appeals whose text was just saved (one INSERT … ON CONFLICT
    UPDATE for all of them)."""
    rows = {g.pk: similar.item_text(g.title, g.description) for g in grievances}
    _store({pk: (similar.text_digest(t), similar.features(t)) for pk, t in rows.items()})


def _store(made: Mapping[int, tuple[int, Mapping[str, float]]]) -> None:
    TextFeatures.objects.bulk_create(
        [TextFeatures(grievance_id=pk, digest=d, features=similar.encode(f)) for pk, (d, f) in sorted(made.items())],
        update_conflicts=True, unique_fields=["grievance"], update_fields=["digest", "features"])


def stored_features(rows: Sequence[Mapping]) -> dict[int, Mapping[str, float]]:
    """The text features of appeals (rows with ``pk``, ``title``, ``description``), read in
    one query; a row whose stored set is missing or was made from another text or measure
    (its digest differs) has its features made from the text and stored. Either way they are
    exactly what ``similar.features`` makes of the text."""
    texts = {r["pk"]: similar.item_text(r["title"], r["description"]) for r in rows}
    if not texts:
        return {}
    digests = {pk: similar.text_digest(t) for pk, t in texts.items()}
    out: dict[int, Mapping[str, float]] = {}
    for pk, digest, stored in TextFeatures.objects.filter(pk__in=list(texts)).values_list(
            "pk", "digest", "features"):
        if digest == digests[pk]:
            out[pk] = similar.decode(stored)
    made = {pk: (digests[pk], similar.features(t)) for pk, t in texts.items() if pk not in out}
    if made:
        _store(made)
        out.update((pk, f) for pk, (_d, f) in made.items())
    return out


TEXT_ACTIONS = (EventAction.SUBMITTED, EventAction.ACCEPTED)  # the steps that write an appeal's text


def on_events_committed(events) -> None:
    """After an appeal is filed or accepted (受理 may retitle it): store its text features."""
    saved = {e.grievance_id: e.grievance for e in events if e.action in TEXT_ACTIONS}
    if not saved:
        return
    try:
        save_features(saved.values())
    except Exception:  # noqa: BLE001 — a page makes missing features itself; never disturb the loop
        logger.exception("could not store the text features of appeals %s", sorted(saved))


def candidates(*, region_code: str, around, open_only: bool = True, exclude: int | None = None) -> list[dict]:
    """Items of the same township submitted within the window around ``around``, newest
    first, at most ``MAX_CANDIDATES``: one range of ``grv_town_created_idx`` (township code,
    created_at, id), walked backwards from the window's end and stopped at the cap, so the
    cost is the same at any table size (benchmarks/README.md)."""
    window = timedelta(days=similar.WINDOW_DAYS)
    qs = Grievance.objects.annotate(town=Substr("region_code", 1, 9)).filter(
        town=region_code[:9], created_at__gte=around - window, created_at__lte=around + window)
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return list(qs.order_by("-created_at", "-id").values(*FIELDS)[:similar.MAX_CANDIDATES])


def for_citizen(user, *, region_code: str, category_id, title: str, description: str, lat=None, lng=None,
                limit: int = 3) -> list[dict]:
    """Open items the citizen may be about to file again: title, place, date, stage and how
    many people reported it (no names, no descriptions)."""
    if len(region_code or "") != 12 or not (title or description):
        return []
    now = timezone.now()
    rows = candidates(region_code=region_code, around=now)
    if not rows:
        return []
    me = similar.Item(id=0, title=title or "", description=description or "", region_code=region_code,
                      lat=float(lat) if lat not in (None, "") else None,
                      lng=float(lng) if lng not in (None, "") else None, created=now,
                      category=int(category_id) if str(category_id or "").isdigit() else None)
    by_pk = {r["pk"]: r for r in rows}
    grams = stored_features(rows)
    mine = set(Grievance.objects.filter(pk__in=list(by_pk)).filter(reporter_id=user.pk).values_list("pk", flat=True))
    joined = set(CoReporter.objects.filter(grievance_id__in=list(by_pk), user_id=user.pk)
                 .values_list("grievance_id", flat=True))
    out = []
    for item, score in similar.rank(me, [_item(r, grams[r["pk"]]) for r in rows], minimum=similar.DUPLICATE_AT):
        if item.id in mine:
            continue
        r = by_pk[item.id]
        # Another person's words, shown to a stranger: names, numbers and house numbers are
        # taken out as on the public similar-cases page.
        title = anonymise(r["title"], names=[r["contact_name"], r["address"]])
        out.append({"pk": item.id, "title": title, "place": r["region__name"],
                    "date": timezone.localtime(r["created_at"]).strftime("%Y-%m-%d"),
                    "state": str(Grievance(state=r["state"]).get_state_display()),
                    "reporters": 1 + CoReporter.objects.filter(grievance_id=item.id).count(),
                    "joined": item.id in joined, "score": round(score, 2)})
        if len(out) >= limit:
            break
    return out


def item_links(grievance: Grievance) -> tuple[list[GrievanceLink], list[GrievanceLink]]:
    """The item's links (this item → its main item, other items → this one), each with the
    other item (its number and title) attached. One read of the links in both directions and,
    only when there are any, one of the other items: most items have no link, and a join
    of each direction with the appeals table cost two statements planned against the
    table's indexes (benchmarks/README.md, "change page")."""
    links = list(GrievanceLink.objects.filter(Q(grievance=grievance) | Q(main=grievance)).order_by("id"))
    if not links:
        return [], []
    others = {lk.main_id if lk.grievance_id == grievance.pk else lk.grievance_id for lk in links}
    # (and the two FSM fields, which the FSM mixin reads when an instance is made)
    shown = Grievance.objects.only("tracking_no", "title", "state", "version").order_by().in_bulk(others)
    links_out, links_in = [], []
    for lk in links:
        if lk.grievance_id == grievance.pk:
            lk.grievance, lk.main = grievance, shown[lk.main_id]
            links_out.append(lk)
        else:
            lk.main, lk.grievance = grievance, shown[lk.grievance_id]
            links_in.append(lk)
    return links_out, links_in


def for_item(grievance: Grievance, *, limit: int = 8) -> dict:
    """The item's links, and its likely duplicates and related items not linked yet."""
    links_out, links_in = item_links(grievance)
    linked = {lk.main_id for lk in links_out} | {lk.grievance_id for lk in links_in}
    rows = candidates(region_code=grievance.region_code, around=grievance.created_at, open_only=False,
                      exclude=grievance.pk)
    mine = {"pk": grievance.pk, "title": grievance.title, "description": grievance.description,
            "region_code": grievance.region_code, "latitude": grievance.latitude,
            "longitude": grievance.longitude, "created_at": grievance.created_at,
            "category_id": grievance.category_id}
    grams = stored_features([mine, *rows])  # one query for the item and its candidates
    me = _item(mine, grams[grievance.pk])
    by_pk = {r["pk"]: r for r in rows}
    suggestions = []
    for item, score in similar.rank(me, [_item(r, grams[r["pk"]]) for r in rows]):
        if item.id in linked:
            continue
        r = by_pk[item.id]
        suggestions.append({"pk": item.id, "tracking_no": r["tracking_no"], "title": r["title"],
                            "place": r["region__name"], "created": r["created_at"], "state": r["state"],
                            "state_label": str(Grievance(state=r["state"]).get_state_display()),
                            "kind": similar.judge(score), "score": round(score, 2)})
        if len(suggestions) >= limit:
            break
    return {"links_out": links_out, "links_in": links_in, "suggestions": suggestions,
            "co_reporters": CoReporter.objects.filter(grievance=grievance).count()}
