import json
import sys

from django.core.management.base import BaseCommand

from legalqa.search.engine import search


class Command(BaseCommand):
    help = "Search the law library for questions read from stdin, one a line."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object a line")
        parser.add_argument("--limit", type=int, default=5)
        parser.add_argument("--no-expand", action="store_true", help="without the concept table (for measuring)")

    def handle(self, *args, **options):
        # load the index and the concept table before the first question, so "ms" is search time
        search("预热", limit=1)
        for line in sys.stdin:
            q = line.strip()
            if not q:
                continue
            result = search(q, limit=options["limit"], expand=not options["no_expand"])
            if options["json"]:
                self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            else:
                self.stdout.write(f"{q}  ({result.ms:.1f} ms)")
                for h in result.hits:
                    self.stdout.write(f"  {h.law} {h.label}  {h.url}")
