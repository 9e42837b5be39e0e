"""Write a report's DOCX and XLSX and print their paths, one per line.

    python manage.py build_report --period month --month 2026-10 --region 439000000000
    python manage.py build_report --period day --date 2026-10-08 --region 439001000000

The report is made once per kind, region and period (figures frozen at that moment); a
second run prints the same two files.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from analysis import reports
from analysis.models import ReportKind
from grid.files import local_path
from grid.models import Region

KINDS = {"day": ReportKind.DAILY, "week": ReportKind.WEEKLY, "month": ReportKind.MONTHLY, "year": ReportKind.YEARLY}


class Command(BaseCommand):
    help = "Generate (once) a daily/weekly/monthly/yearly report for a region and print its two file paths."

    def add_arguments(self, parser):
        parser.add_argument("--period", choices=sorted(KINDS), required=True)
        parser.add_argument("--month", help="YYYY-MM (for --period month)")
        parser.add_argument("--year", type=int, help="YYYY (for --period year)")
        parser.add_argument("--date", help="YYYY-MM-DD inside the period (day, week; or any period)")
        parser.add_argument("--region", required=True, help="12-digit region code")

    def handle(self, *args, period, month=None, year=None, date=None, region, **options):
        kind = KINDS[period]
        try:
            if month:
                day = _date.fromisoformat(f"{month}-01")
            elif year:
                day = _date(year, 1, 1)
            elif date:
                day = _date.fromisoformat(date)
            else:
                raise CommandError("give --month, --year or --date")
        except ValueError as exc:
            raise CommandError("dates are YYYY-MM or YYYY-MM-DD") from exc
        place = Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(f"no region with code {region}")
        report = reports.generate(kind=kind, region=place, start=day)
        # The files' paths on a file-system storage, their names in an object store (staff
        # download them from the report's page either way).
        for f in (report.docx, report.xlsx):
            self.stdout.write(local_path(f.storage, f.name) or f.name)


_date = date
