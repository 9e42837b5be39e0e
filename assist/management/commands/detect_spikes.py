"""Early warning (预警) from the command line.

    python manage.py detect_spikes --input counts.csv --json
        reads ``date,region,category,count`` (one row per day, region and category; missing
        rows mean 0) and prints one JSON object per alarm episode:
        {"date","region","category","observed","expected","score"}.
    python manage.py detect_spikes
        runs the live detection over the analysis rollups and records the alerts.

A malformed line stops the command with its line number before anything is printed.
"""

from __future__ import annotations

import csv
import json as jsonlib
from collections import defaultdict
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from assist import alerts, spikes

HEADER = ["date", "region", "category", "count"]


def read_counts(path: str) -> dict[tuple[str, str], dict[date, int]]:
    counts: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    with fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if [h.strip() for h in header or []] != HEADER:
            raise CommandError(f"line 1: the header must be {','.join(HEADER)}")
        for row in reader:
            n = reader.line_num
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) != 4:
                raise CommandError(f"line {n}: expected 4 fields (date,region,category,count), got {len(row)}")
            raw_day, region, category, raw_count = (c.strip() for c in row)
            try:
                day = date.fromisoformat(raw_day)
            except ValueError:
                raise CommandError(f"line {n}: {raw_day!r} is not a date (YYYY-MM-DD)") from None
            if not region or not category:
                raise CommandError(f"line {n}: region and category must not be empty")
            if not raw_count.isdigit():
                raise CommandError(f"line {n}: count {raw_count!r} is not a whole number ≥ 0")
            counts[(region, category)][day] += int(raw_count)
    return counts


class Command(BaseCommand):
    help = "Detect spikes in daily counts per region × category (Poisson CUSUM, see assist/spikes.py)."

    def add_arguments(self, parser):
        parser.add_argument("--input", help="CSV with the header date,region,category,count")
        parser.add_argument("--json", action="store_true", help="print one JSON object per alarm")
        parser.add_argument("--threshold", type=float, default=spikes.THRESHOLD)

    def handle(self, *args, input=None, json=False, threshold=spikes.THRESHOLD, **options):
        if input:
            counts = read_counts(input)
            days = [d for per in counts.values() for d in per]
            if not days:
                return
            found = spikes.detect(counts, start=min(days), end=max(days), threshold=threshold)
            lines = [_dumps(a.as_json()) if json else
                     f"{a.date} {a.region} {a.category} observed={a.observed} expected={a.expected:.1f} "
                     f"score={a.score:.2f}" for a in found]
            if lines:
                self.stdout.write("\n".join(lines))
            return
        made = alerts.run_detection()
        for alert in made:
            self.stdout.write(_dumps({"date": alert.first_alarm.isoformat(), "region": alert.region_code,
                                      "category": str(alert.category_id), "observed": alert.observed,
                                      "expected": round(alert.expected, 2), "score": round(alert.score, 2)})
                              if json else f"{alert} {alert.observed}/{alert.expected:.1f}")


def _dumps(obj) -> str:
    return jsonlib.dumps(obj, ensure_ascii=False)
