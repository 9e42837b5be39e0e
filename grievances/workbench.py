"""The grievance loop's counters on the staff workbench (grid.workbench hook point)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from grid import permissions
from grid.workbench import Counter
from grievances import selectors

CHANGELIST = "admin:grievances_grievance_changelist"


def counters(user) -> list[Counter]:
    if permissions.is_centre_or_admin(user):
        c = selectors.centre_workbench_counts(user)
        queue = reverse(CHANGELIST)
        return [
            Counter("todo", _("待受理"), c["submitted"], f"{queue}?state__exact=submitted", "primary", 10),
            Counter("soon", _("即将超期"), c["soon"], f"{queue}?flag=soon", "warning", 20),
            Counter("overdue", _("已超期"), c["overdue"], f"{queue}?flag=overdue", "danger", 30),
            Counter("review", _("退回待重新分流"), c["returned"], f"{queue}?state__exact=accepted&flag=returned",
                    "warning", 40),
            Counter("new_supervision", _("新督办"), c["new_supervision"], f"{queue}?flag=new_supervision",
                    "danger", 50),
        ]
    if permissions.is_department(user) or permissions.is_mediator(user):
        c = selectors.unit_workbench_counts(user)
        inbox = reverse("grievances:inbox")
        result = [
            Counter("todo", _("待签收"), c["todo"], f"{inbox}?f=todo", "primary", 10),
            Counter("soon", _("即将超期"), c["soon"], f"{inbox}?f=soon", "warning", 20),
            Counter("overdue", _("已超期"), c["overdue"], f"{inbox}?f=overdue", "danger", 30),
            Counter("new_supervision", _("新督办"), c["new_supervision"], f"{inbox}?f=new_supervision", "danger", 50),
        ]
        if permissions.is_department_leader(user):
            result.append(Counter("review", _("待审核退回"), c["pending_returns"], reverse("grievances:returns"),
                                  "warning", 40))
        return result
    return []
