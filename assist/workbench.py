"""Open early-warning alerts on the staff workbench (grid.workbench hook point)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from assist import selectors
from grid.workbench import Counter


def counters(user) -> list[Counter]:
    if not selectors.can_view_alerts(user):
        return []
    return [Counter("spike_alerts", _("待处置预警"), selectors.open_alerts(user).count(), reverse("assist:alerts"),
                    "danger", 60)]
