"""Learned routing, measured on a time split of the history.

    python manage.py evaluate_routing --json
        trains on the older 80 % of the platform's completed history and tests on the newest
        20 %; prints {"n_train","n_test","top1","top3","baseline_top1"}.
    python manage.py evaluate_routing --input history.jsonl --json
        the same on JSON lines {"title","description","kind","category","region_code","unit",
        "created"}; a malformed line stops the command with its line number, nothing printed.
"""

from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from assist import routing
from assist.management.lines import created_at, json_objects, require_strings

FIELDS = ("title", "description", "kind", "category", "region_code", "unit", "created")


def read_records(path: str) -> list[routing.Record]:
    out = []
    for n, row in json_objects(path, FIELDS):
        require_strings(row, ("title", "description", "kind", "region_code"), n)
        if row["unit"] in (None, "") or isinstance(row["unit"], (dict, list, bool)):
            raise CommandError(f"line {n}: unit must be a string or a number")
        out.append(routing.Record(title=row["title"], description=row["description"], kind=row["kind"],
                                  category=str(row["category"] or ""), region_code=row["region_code"],
                                  unit=str(row["unit"]), created=created_at(row, n)))
    return out


class Command(BaseCommand):
    help = "Time-split evaluation of the learned routing against the category+region baseline."

    def add_arguments(self, parser):
        parser.add_argument("--input", help="JSON lines of history (default: the database)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, input=None, json=False, **options):
        if input:
            records = read_records(input)
        else:
            from assist import dispatch

            records = dispatch.history()
        result = routing.evaluate(records)
        self.stdout.write(jsonlib.dumps(result) if json else
                          " ".join(f"{k}={v}" for k, v in result.items()))
