import json
import sys

from django.core.management.base import BaseCommand

from legalqa.citations import find_citations


class Command(BaseCommand):
    help = "Check statute references in texts read from stdin, one a line."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object a line")

    def handle(self, *args, json_output=False, **options):
        as_json = options.get("json")
        for line in sys.stdin:
            text = line.rstrip("\n")
            found = find_citations(text)
            if as_json:
                self.stdout.write(json.dumps({"citations": [c.as_json() for c in found]}, ensure_ascii=False))
                continue
            for c in found:
                self.stdout.write(f"{c.quote}\t{c.verdict}\t{c.message or c.url}")
