"""Duplicate appeals (重复件) from the command line.

    python manage.py find_related --input appeals.jsonl --json

reads JSON lines ``{"id","title","description","region_code","lat","lng","created"}``
(lat/lng may be null; created is an ISO date-time) and prints JSON lines
``{"id","duplicate_of","score"}`` for the items judged duplicates, with the same code as the
pages (``assist.similar``). A malformed line stops the command with its line number before
anything is printed.
"""

from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from assist import similar
from assist.management.lines import created_at, json_objects, require_strings

FIELDS = ("id", "title", "description", "region_code", "lat", "lng", "created")


def _number(value, name, n):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CommandError(f"line {n}: {name} must be a number or null")
    return float(value)


def read_items(path: str) -> list[similar.Item]:
    items, seen = [], set()
    for n, row in json_objects(path, FIELDS):
        if row["id"] in (None, "") or isinstance(row["id"], (dict, list)):
            raise CommandError(f"line {n}: id must be a string or a number")
        if row["id"] in seen:
            raise CommandError(f"line {n}: id {row['id']!r} appears twice")
        seen.add(row["id"])
        require_strings(row, ("title", "description", "region_code"), n)
        lat, lng = _number(row["lat"], "lat", n), _number(row["lng"], "lng", n)
        if (lat is None) != (lng is None):
            raise CommandError(f"line {n}: lat and lng must both be numbers or both null")
        items.append(similar.Item(id=row["id"], title=row["title"], description=row["description"],
                                  region_code=row["region_code"], lat=lat, lng=lng, created=created_at(row, n),
                                  category=row.get("category")))
    return items


class Command(BaseCommand):
    help = "Judge which appeals repeat an earlier one (text + place + time; see assist/similar.py)."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="JSON lines of appeals")
        parser.add_argument("--json", action="store_true", help="print JSON lines (the default too)")

    def handle(self, *args, input=None, **options):
        items = read_items(input)
        lines = [jsonlib.dumps({"id": item.id, "duplicate_of": main.id, "score": round(score, 3)},
                               ensure_ascii=False)
                 for item, main, score in similar.find_duplicates(items)]
        if lines:
            self.stdout.write("\n".join(lines))
