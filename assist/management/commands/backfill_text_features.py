"""Store the text features of existing appeals (assist.TextFeatures) for duplicate suggestions.

Pages make and store the features of an appeal that has none when they first meet it, so the
site works without this; run it once after the migration that adds the table, so the first
pages of each township need not. Chunks in primary-key order, each in its own transaction;
stopped, it resumes where it stopped (rows already stored are skipped), or from ``--after``."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef

from assist import related
from assist.models import TextFeatures
from grievances.models import Grievance


class Command(BaseCommand):
    help = "Store the text features of appeals that have none (or, with --refresh, an outdated set)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=2000, help="appeals per transaction")
        parser.add_argument("--after", type=int, default=0, help="start after this appeal id")
        parser.add_argument("--refresh", action="store_true",
                            help="also remake stored sets of another text or measure (after the word lists changed)")

    def handle(self, *args, chunk, after, refresh, **options):
        last, done = after, 0
        while True:
            with transaction.atomic():
                qs = Grievance.objects.filter(pk__gt=last)
                if not refresh:
                    qs = qs.exclude(Exists(TextFeatures.objects.filter(grievance=OuterRef("pk"))))
                rows = list(qs.order_by("pk").values("pk", "title", "description")[:chunk])
                if not rows:
                    break
                related.stored_features(rows)  # one read and one upsert for the chunk
            last, done = rows[-1]["pk"], done + len(rows)
            self.stdout.write(f"{done} appeals, up to id {last}")
        self.stdout.write(f"done: {done} appeals")
