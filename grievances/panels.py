"""Contribution point "item panels": what higher apps add to the grievance pages.

grievances owns the citizen's submit form and the centre's workbench (admin item page) but
not every suggestion shown there: an app registers a provider for a slot in its
``AppConfig.ready()`` with ``register(slot, provider)``, so the dependency stays
grievances ← contributor. A provider takes the request and the slot's keyword arguments
and returns HTML (already rendered from its own template) or "" for nothing.

Slots:
- ``submit``: the citizen's submit form, under the description (``form=``);
- ``item``: the centre's item page, in the facts column (``grievance=``);
- ``dispatch``: inside the dispatch form, above its fields (``grievance=``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

SLOTS = ("submit", "item", "dispatch")
Provider = Callable[..., str]
_providers: dict[str, list[Provider]] = {slot: [] for slot in SLOTS}


def register(slot: str, provider: Provider) -> None:
    if slot not in _providers:
        raise ValueError(f"unknown panel slot {slot!r}")
    if provider not in _providers[slot]:
        _providers[slot].append(provider)


def render(slot: str, request, **kwargs) -> SafeString:
    return mark_safe("".join(p(request, **kwargs) or "" for p in _providers[slot]))  # noqa: S308 — providers render templates
