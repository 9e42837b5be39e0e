"""Sign the audit chain's current head and write it to AUDIT_HEAD_DIR/YYYY-MM-DD.json."""

from django.core.management.base import BaseCommand, CommandError

from audit import heads


class Command(BaseCommand):
    help = "Write today's signed audit head file (the Celery beat does this daily)."

    def handle(self, *args, **options):
        try:
            path, head = heads.write_head()
        except heads.BadHead as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{path}: row {head.seq} {head.row_hash}"))
