"""Learned routing on the dispatch form: training from the platform's history, suggestions
for an item, and the record of what staff chose (production accuracy)."""

from __future__ import annotations

import logging

from django.template.loader import render_to_string

from assist import routing
from assist.models import RoutingModel, RoutingOutcome
from grid import permissions
from grid.models import Unit
from grievances.models import Grievance, ReturnRequest, ReturnStatus, State

logger = logging.getLogger(__name__)
DONE_STATES = (State.COMPLETED, State.VERIFIED, State.CLOSED)
_cache: dict[int, routing.Model] = {}


def _record(g: dict) -> routing.Record:
    return routing.Record(title=g["title"], description=g["description"], kind=g["kind"],
                          category=str(g["category_id"] or ""), region_code=g["region_code"],
                          unit=g.get("handling_unit_id"), created=g["created_at"])


def history() -> list[routing.Record]:
    """Confirmed history: items completed (办结) whose final lead unit is known and that were
    never returned with approval (a unit that returned it was not the right one)."""
    returned = ReturnRequest.objects.filter(status=ReturnStatus.APPROVED).values("grievance_id")
    rows = (Grievance.objects.filter(state__in=DONE_STATES, handling_unit__isnull=False)
            .exclude(pk__in=returned).order_by("created_at")
            .values("title", "description", "kind", "category_id", "region_code", "handling_unit_id", "created_at"))
    return [_record(r) for r in rows.iterator(chunk_size=5000)]


def train() -> RoutingModel | None:
    """Train on all history and store a new active version with its time-split figures;
    None (and the rule table alone) when there is too little history."""
    records = history()
    if not routing.can_learn(records):
        return None
    figures = routing.evaluate(records)
    model = routing.Model().fit(records)
    row = RoutingModel.objects.create(n_history=len(records), n_units=len(model.units), figures=figures,
                                      data=model.dumps())
    RoutingModel.objects.exclude(pk=row.pk).update(is_active=False)
    return row


def active() -> tuple[RoutingModel | None, routing.Model | None]:
    row = RoutingModel.objects.filter(is_active=True).defer("data").order_by("-pk").first()
    if row is None:
        return None, None
    if row.pk not in _cache:
        data = RoutingModel.objects.filter(pk=row.pk).values_list("data", flat=True).first()
        _cache.clear()
        _cache[row.pk] = routing.Model.loads(bytes(data))
    return row, _cache[row.pk]


def _allowed_units(user, grievance: Grievance) -> dict[str, Unit]:
    returned = ReturnRequest.objects.filter(grievance=grievance, status=ReturnStatus.APPROVED).values("unit_id")
    # no user: the outcome bookkeeping, every unit that serves the item's place
    qs = permissions.dispatch_units(user, grievance) if user is not None else permissions.place_units(grievance)
    return qs.exclude(pk__in=returned)


def suggest(grievance: Grievance, user=None, k: int = 3) -> dict:
    """The top ``k`` units with their share of similar past items (units the user may
    dispatch to, not ones that returned this item), and the model used; no model: empty."""
    row, model = active()
    if model is None:
        return {"model": None, "items": []}
    record = _record({"title": grievance.title, "description": grievance.description, "kind": grievance.kind,
                      "category_id": grievance.category_id, "region_code": grievance.region_code,
                      "created_at": grievance.created_at})
    candidates = [u for u in model.units if u.isdigit()]
    units = {str(u.pk): u for u in _allowed_units(user, grievance).filter(pk__in=[int(u) for u in candidates])}
    ranked = model.rank(record, k=k, allowed=set(units))
    return {"model": row, "items": [{"unit": units[u], "share": share, "pct": round(share * 100)} for u, share in ranked]}


def production_figures() -> dict:
    qs = RoutingOutcome.objects.exclude(suggested=[])
    n = qs.count()
    if not n:
        return {"n": 0}
    return {"n": n, "top1": qs.filter(top1=True).count() / n, "top3": qs.filter(top3=True).count() / n,
            "rule": qs.filter(rule_hit=True).count() / n}


def on_event_committed(event) -> None:
    """After a dispatch commits: record what was suggested and what staff chose."""
    if event.action not in ("dispatched", "joint_opened") or event.to_state != State.DISPATCHED or not event.unit_id:
        return
    try:
        from grievances.selectors import routing_suggestion

        g = Grievance.objects.select_related("region").get(pk=event.grievance_id)
        result = suggest(g, None)
        suggested = [s["unit"].pk for s in result["items"]]
        rule = routing_suggestion(g)
        RoutingOutcome.objects.get_or_create(event_id=event.pk, defaults=dict(
            grievance=g, model=result["model"], suggested=suggested, rule_unit_id=rule.pk if rule else None,
            chosen_unit_id=event.unit_id, top1=bool(suggested) and suggested[0] == event.unit_id,
            top3=event.unit_id in suggested, rule_hit=bool(rule) and rule.pk == event.unit_id))
    except Exception:  # noqa: BLE001 — bookkeeping must never disturb the loop
        logger.exception("could not record the routing outcome of event %s", event.pk)


def dispatch_panel(request, grievance=None) -> str:
    if grievance is None or not permissions.is_centre_or_admin(request.user):
        return ""
    result = suggest(grievance, request.user)
    return render_to_string("assist/_dispatch_panel.html", {**result, "production": production_figures()},
                            request=request)
