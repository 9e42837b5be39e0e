"""Rebuild the analysis rollups of a date range from the appeals and their events.

    python manage.py rebuild_rollups --from 2026-10-01 --to 2026-10-31
    python manage.py rebuild_rollups --all

Idempotent: running it twice leaves the same rows. Days are submission days (local time).
"""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from analysis import rollups
from analysis.facts import day_of


class Command(BaseCommand):
    help = "Rebuild analysis rollups for a range of submission days from the grievance events."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: --from)")
        parser.add_argument("--all", action="store_true", help="every day that has appeals")

    def handle(self, *args, start=None, end=None, all=False, **options):
        if all:
            from django.db.models import Max, Min

            from grievances.models import Grievance

            bounds = Grievance.objects.aggregate(lo=Min("created_at"), hi=Max("created_at"))
            if bounds["lo"] is None:
                self.stdout.write("no appeals")
                return
            first, last = day_of(bounds["lo"]), day_of(bounds["hi"])
        else:
            if not start:
                raise CommandError("give --from (and --to), or --all")
            try:
                first = date.fromisoformat(start)
                last = date.fromisoformat(end) if end else first
            except ValueError as exc:
                raise CommandError("dates are YYYY-MM-DD") from exc
            if last < first:
                raise CommandError("--to is before --from")
        began = time.monotonic()
        appeals, rows = rollups.rebuild(first, last)
        self.stdout.write(f"{first}..{last}: {appeals} appeals, {rows} rollup rows, "
                          f"{time.monotonic() - began:.1f} s")
