"""Exports of the filtered appeal list (CSV or XLSX), written by a task row by row.

The list is read in keyset chunks of CHUNK rows in submission order (``stream``: each chunk one
short query on the ``(created_at, id)`` index that starts after the last row of the previous
one, inside a window of submission time that adapts to the scope's density) and written as it is read (csv.writer, or
openpyxl's write-only workbook), so a million rows never sit in memory. No server-side
cursor: behind PgBouncer in transaction mode (``DISABLE_SERVER_SIDE_CURSORS``) Django's
``iterator()`` falls back to a client-side cursor that fetches the whole result at once,
and on a replica one long query may be cancelled by WAL replay; short queries do neither.
The task stores its progress in the Export row every PROGRESS_EVERY rows; the page polls
it. The expected total comes from the rollups, so starting an export counts nothing.
Scoping: the list starts from ``Grievance.objects.visible_to(user)`` (grid.permissions),
then narrows to the requested region and submission days.
"""

from __future__ import annotations

import csv
import os
import tempfile
from datetime import datetime, time, timedelta

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from analysis import selectors
from analysis.models import Export, ExportFormat, ExportStatus
from grid.replica import heavy_alias
from grievances.deadlines.policy import SHANGHAI

PROGRESS_EVERY = 5000
CHUNK = 2000
WINDOW, MIN_WINDOW, MAX_WINDOW = timedelta(days=1), timedelta(hours=1), timedelta(days=64)
COLUMNS = (
    ("tracking_no", _l("受理编号")), ("created_at", _l("提交时间")), ("kind", _l("诉求类型")),
    ("category__name", _l("纠纷类别")), ("severity", _l("纠纷等级")), ("channel", _l("来源渠道")),
    ("state", _l("状态")), ("region__name", _l("发生地")), ("handling_unit__name", _l("承办单位")),
    ("title", _l("标题")), ("satisfaction", _l("满意度")), ("completed_at", _l("办结时间")),
)


class ExportError(Exception):
    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


def start_export(*, user, fmt: str, region: str | None, period: str | None, start: str | None,
                 end: str | None) -> Export:
    """Check the scope and the filters, record the export and queue its task."""
    if fmt not in ExportFormat.values:
        raise ExportError(_("请选择导出格式。"))
    try:
        scope = selectors.scope_for(user, region or None)
        span = selectors.period_for(period, start, end)
    except selectors.NotAllowed as exc:
        raise ExportError(exc.message) from exc
    total = selectors.totals(scope, span)["n"]
    filters = {"region": scope.code, "unit": scope.unit.pk if scope.is_unit else None,
               "start": span.start.isoformat(), "end": span.end.isoformat(), "label": str(span.label)}
    with transaction.atomic():
        export = Export.objects.create(user=user, format=fmt, filters=filters, total=total)
        from analysis.tasks import run_export

        transaction.on_commit(lambda: run_export.delay(export.pk))
    return export


def _bounds(export: Export) -> tuple[datetime, datetime]:
    from datetime import date

    f = export.filters
    lo = datetime.combine(date.fromisoformat(f["start"]), time.min, tzinfo=SHANGHAI)
    hi = datetime.combine(date.fromisoformat(f["end"]) + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    return lo, hi


def appeals(export: Export):
    """The appeals of the export (not yet limited to its period), scoped to its owner (never
    more than they may see)."""
    from grievances.models import Grievance

    f = export.filters
    qs = Grievance.objects.visible_to(export.user)
    if f.get("region"):
        from grid.models import Region

        region = Region.objects.get(code=f["region"])
        qs = qs.filter(region_code__startswith=region.prefix)
    if f.get("unit"):
        qs = qs.filter(handling_unit_id=f["unit"])
    # A bulk read of rows this export did not write: the replica when it is fresh.
    return qs.using(heavy_alias())


def stream(qs, lo: datetime, hi: datetime, columns: tuple[str, ...], chunk: int | None = None):
    """The rows of ``qs`` submitted in [lo, hi) as ``values_list(*columns)`` tuples, in
    (submission time, id) order, at most ``chunk`` rows in memory: keyset chunks, each
    ``ORDER BY created_at, id LIMIT chunk`` from the last row read, inside a window of
    submission time. The window bounds what one query may read whatever plan the database
    picks for the scope; it starts at WINDOW, doubles after a window that held less than a
    chunk (sparse scopes: few queries) and halves after one that held more than four."""
    chunk = chunk or CHUNK
    hi = min(hi, timezone.now() + timedelta(seconds=1))  # nothing is submitted in the future
    window = WINDOW
    start, window_end = lo, min(lo + window, hi)
    after_id, in_window = None, 0
    while True:
        q = qs.filter(created_at__gte=start, created_at__lt=window_end)
        if after_id is not None:
            q = q.exclude(created_at=start, id__lte=after_id)
        rows = list(q.order_by("created_at", "id").values_list("created_at", "id", *columns)[:chunk])
        for row in rows:
            yield row[2:]
        in_window += len(rows)
        if len(rows) == chunk:
            start, after_id = rows[-1][0], rows[-1][1]
            continue
        if window_end >= hi:
            return
        if in_window < chunk:
            window = min(window * 2, MAX_WINDOW)
        elif in_window > 4 * chunk:
            window = max(window / 2, MIN_WINDOW)
        start, window_end, after_id, in_window = window_end, min(window_end + window, hi), None, 0


def rows_of(export: Export):
    """The export's rows, streamed (``stream``)."""
    return stream(appeals(export), *_bounds(export), tuple(c for c, _label in COLUMNS))


def _labels():
    from grievances.models import Channel, GrievanceKind, Satisfaction, Severity, State

    return {"kind": dict(GrievanceKind.choices), "severity": dict(Severity.choices),
            "channel": dict(Channel.choices), "state": dict(State.choices), "satisfaction": dict(Satisfaction.choices)}


def _cells(row, labels) -> list:
    out = []
    for (col, _label), value in zip(COLUMNS, row, strict=True):
        if col in labels:
            value = str(labels[col].get(value, value or ""))
        elif isinstance(value, datetime):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        out.append("" if value is None else value)
    return out


def run(export_id: int) -> None:
    """Write the file; idempotent (a finished export is left alone)."""
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.PENDING).update(status=ExportStatus.RUNNING)
    if not claimed:
        return
    export = Export.objects.select_related("user").get(pk=export_id)
    labels = _labels()
    header = [str(label) for _c, label in COLUMNS]
    fd, path = tempfile.mkstemp(suffix=f".{export.format}")
    os.close(fd)
    done = 0
    try:
        rows = rows_of(export)
        if export.format == ExportFormat.CSV:
            with open(path, "w", newline="", encoding="utf-8-sig") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                for row in rows:
                    writer.writerow(_cells(row, labels))
                    done += 1
                    if done % PROGRESS_EVERY == 0:
                        Export.objects.filter(pk=export_id).update(done=done)
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet(_("诉求清单"))
            ws.append(header)
            for row in rows:
                ws.append(_cells(row, labels))
                done += 1
                if done % PROGRESS_EVERY == 0:
                    Export.objects.filter(pk=export_id).update(done=done)
            wb.save(path)
        name = f"appeals-{export.filters['start']}-{export.filters['end']}-{export.pk}.{export.format}"
        with open(path, "rb") as fh:
            export.file.save(name, File(fh), save=False)
        Export.objects.filter(pk=export_id).update(
            file=export.file.name, done=done, total=max(done, export.total), status=ExportStatus.DONE,
            finished_at=timezone.now())
    except Exception as exc:
        Export.objects.filter(pk=export_id).update(status=ExportStatus.FAILED, error=str(exc)[:200])
        raise
    finally:
        os.unlink(path)


def exports_of(user, limit: int = 20):
    return Export.objects.filter(user=user).order_by("-id")[:limit]
