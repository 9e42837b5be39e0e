"""What assist adds to the grievance pages (grievances.panels contribution point)."""

from __future__ import annotations

from django.template.loader import render_to_string

from grid import permissions


def submit_panel(request, form=None) -> str:
    """The citizen's form: open items like the one being typed, with 我也遇到了."""
    return render_to_string("assist/_similar_panel.html", {}, request=request)


def item_panel(request, grievance=None) -> str:
    """The centre's item page: links, likely duplicates and related items, link buttons."""
    from assist import related

    if grievance is None or not permissions.is_centre_or_admin(request.user):
        return ""
    return render_to_string("assist/_related_panel.html", {"g": grievance, **related.for_item(grievance)},
                            request=request)
