"""Hook point "workbench counters": the counts a member of staff sees on their home page.

grid owns the page (everyone's home) but not the work: each working app registers a
provider in its ``AppConfig.ready()`` with ``register(provider)``. A provider takes the
signed-in user and returns the counters that concern them (an empty list for a role it
has nothing for); each counter links to the filtered list it counts. Providers read
through their app's selectors, so each count is scoped like the list it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grid import permissions


@dataclass(frozen=True)
class Counter:
    key: str        # stable name for tests and styling: todo, soon, overdue, review, supervised, ...
    label: str
    count: int
    url: str
    tone: str = "primary"   # primary | warning | danger | secondary
    order: int = 50         # left to right: 10 to accept, 20 soon, 30 overdue, 40 review, 50 supervision


Provider = Callable[[object], list[Counter]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def is_staff_home(user) -> bool:
    """Who lands on a workbench instead of the citizens' home page."""
    return any(check(user) for check in (permissions.is_admin, permissions.is_centre, permissions.is_department,
                                         permissions.is_mediator, permissions.is_lawyer))


def counters_for(user) -> list[Counter]:
    counters = [c for provider in _providers for c in provider(user)]
    return sorted(counters, key=lambda c: (c.order, c.key))
