"""``{% league_rows league %}``: the dashboard's league table (承办单位), the same HTML the
template loop wrote, one format string per unit instead of a template node per cell.

The league is the part of the dashboard that grows with the data: a county's month shows no
unit at 10 k appeals and 13 at 10 M. In the template loop each unit cost nine variable
nodes (a lookup four attributes deep, localisation, escaping each): about 450 Python calls
and 50 µs a row, a tenth of the county dashboard's extra time at 10 M. Here a row is one
format string; every value is escaped with ``html.escape``, which is what Django's
``escape`` does underneath (the values are plain strings and numbers, never safe strings),
without its lazy-string checks. tests/analysis/test_dashboard.py compares the rows with the
template loop's.
"""

from __future__ import annotations

import html

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# One row as the template loop wrote it, with the whitespace between rows.
_ROW = (
    "\n          <tr><td>{}</td><td class=\"text-end\">{}</td><td class=\"text-end\">{}</td>"
    "\n            <td class=\"text-end\">{}</td><td class=\"text-end {}\">{}</td>"
    "\n            <td class=\"text-end\">{}</td><td class=\"text-end\">{}</td></tr>\n        "
)


@register.simple_tag
def league_rows(league):
    """The rows of ``selectors.unit_league`` (each unit's name and figures), in order."""
    esc = html.escape
    rows = []
    for unit in league:
        f = unit["figures"]
        overdue = f["overdue_count"]["value"]
        rows.append(_ROW.format(
            esc(str(unit["name"])), esc(f["submitted"]["display"]), esc(f["completion_rate"]["display"]),
            esc(f["completion_on_time_rate"]["display"]), "text-danger fw-semibold" if overdue else "",
            esc(str(overdue)), esc(f["satisfaction_rate"]["display"]), esc(f["avg_completion_hours"]["display"])))
    return mark_safe("".join(rows))  # every value escaped above
