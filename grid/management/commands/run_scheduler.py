"""``manage.py run_scheduler``: the periodic scans of the embedded profile (grid/scheduler.py).

``make run`` starts it next to ``runserver``. With a broker configured (REDIS_URL) it
refuses: run ``celery -A config beat`` and a worker instead.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from grid.scheduler import Scheduler, loop


class Command(BaseCommand):
    help = "Run the periodic scans (CELERY_BEAT_SCHEDULE) in-process, for the embedded demo profile."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every scan once and exit")

    def handle(self, *args, **options):
        if settings.REDIS_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("A broker is configured (REDIS_URL): run `celery -A config beat` and a worker.")
        entries = settings.CELERY_BEAT_SCHEDULE
        self.stdout.write(f"embedded scheduler: {len(entries)} periodic tasks ({', '.join(sorted(entries))})")
        try:
            loop(Scheduler(entries), once=options["once"])
        except KeyboardInterrupt:
            pass
