"""Build the fictional demo city deterministically and idempotently, then let every app add
its own demo data (``<app>.demo.seed``), and print the logins."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_APPS = [
    "grid", "grievances", "grievances.deadlines", "mediation", "legalqa", "legalqa.lawyers", "pufa_media", "analysis",
    "assist",
]


class Command(BaseCommand):
    help = "Load the demo city, units, users of every role and sample data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", help="only these apps' demo data")

    def handle(self, *args, only=None, **options):
        for app in DEMO_APPS:
            if only and app not in only:
                continue
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{app}.demo":
                    continue
                raise
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {app}"))
            with transaction.atomic():
                module.seed(stdout=self.stdout)
        from grid.demo import print_logins

        print_logins(self.stdout)
