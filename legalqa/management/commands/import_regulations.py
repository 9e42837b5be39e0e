"""python manage.py import_regulations FOLDER — import every *.txt in FOLDER as a 行政法规 or
地方性法规 and print what changed (see docs/law-library.md, Regulations). Idempotent: a second
run with the same files writes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from legalqa.library_services import import_regulation_folder


class Command(BaseCommand):
    help = "Import regulations (行政法规/地方性法规) from a folder of UTF-8 text files and report what changed."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, folder, **options):
        from pathlib import Path

        path = Path(folder)
        if not path.is_dir():
            raise CommandError(f"not a folder: {folder}")
        with transaction.atomic():
            report = import_regulation_folder(path)
        for f in report.files:
            self.stdout.write(f.line())
        self.stdout.write(report.summary())
