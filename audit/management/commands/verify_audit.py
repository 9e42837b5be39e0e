"""Walk the audit chain; exit 1 naming the first bad row, 0 when the chain is intact."""

import time

from django.core.management.base import BaseCommand, CommandError

from audit import heads, verify


class Command(BaseCommand):
    help = "Verify the hash-chained audit trail (and, with --head, signed head files)."

    def add_arguments(self, parser):
        parser.add_argument("--head", action="append", default=[], metavar="FILE",
                            help="a signed head file (var/audit-heads/YYYY-MM-DD.json); repeatable")
        parser.add_argument("--chunk-size", type=int, default=10_000)
        parser.add_argument("--workers", type=int, default=1,
                            help="verify segments of the chain in this many processes at once (PostgreSQL)")
        parser.add_argument("--skip-events", action="store_true",
                            help="do not re-hash the grievance events the trail witnesses")

    def handle(self, *args, **options):
        try:
            signed = [heads.read_head(path) for path in options["head"]]
        except heads.BadHead as exc:
            raise CommandError(str(exc)) from exc
        started = time.monotonic()
        verbosity = options["verbosity"]

        def progress(seq):
            if verbosity > 1:
                self.stdout.write(f"… row {seq}")

        report = verify.walk(heads=signed, chunk_size=options["chunk_size"],
                             check_events=not options["skip_events"], progress=progress,
                             workers=max(1, options["workers"]))
        if not report.ok:
            where = f"row {report.bad_seq}" if report.bad_seq is not None else "the grievance events"
            raise CommandError(f"audit trail broken at {where}: {report.problem}")
        seconds = time.monotonic() - started
        checked = f"; signed heads matched: {', '.join(report.heads_checked)}" if report.heads_checked else ""
        self.stdout.write(self.style.SUCCESS(
            f"audit trail intact: {report.rows} rows, last row {report.last_seq} {report.last_hash[:16]}…, "
            f"{report.witnessed_events} grievance events re-hashed, {seconds:.1f} s{checked}"))
