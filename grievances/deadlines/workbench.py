"""Extension requests awaiting this unit leader, on the staff workbench (grid.workbench
hook point). Items due soon and overdue are counted by grievances.workbench from the same
filters as the lists they open."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from grid import permissions
from grid.workbench import Counter
from grievances.deadlines import selectors


def counters(user) -> list[Counter]:
    if not permissions.is_department_leader(user):
        return []
    return [Counter("extensions", _("待审核延期"), selectors.pending_extensions(user).count(),
                    reverse("deadlines:extensions"), "warning", 41)]
