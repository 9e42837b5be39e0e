"""The citizen form's suggestions simulated on a labelled set, without the database (issue 16,
part 2): for each report in time order, the candidates a page would read (the earlier reports of
its township within ``WINDOW_DAYS``, newest first, at most ``MAX_CANDIDATES``; the pages show
only open items, here every earlier report is open), ranked by ``similar.rank`` with the form's
minimum ``DUPLICATE_AT``, the first three shown, as ``related.for_citizen`` does.

- precision: shown suggestions that are of the report's own cluster;
- recall: reports after a cluster's first whose three suggestions include one of its cluster.

    PYTHONPATH=. python benchmarks/related_pages.py [--heldout | --heldout2 | --heldout3 | --heldout4]
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from assist import similar  # noqa: E402
from assist.management.commands.find_related import read_items  # noqa: E402

DATA = Path(__file__).parent / "data"
SETS = {"": "related_labelled", "--heldout": "related_heldout", "--heldout2": "related_heldout2",
        "--heldout3": "related_heldout3", "--heldout4": "related_heldout4"}


def simulate(path: Path) -> tuple[float, float, int]:
    items = sorted(read_items(str(path)), key=lambda i: (i.created, str(i.id)))
    cluster = {json.loads(line)["id"]: json.loads(line)["cluster"] for line in path.open(encoding="utf-8")}
    first: dict[str, object] = {}
    shown = right = found = due = 0
    window = timedelta(days=similar.WINDOW_DAYS)
    for k, item in enumerate(items):
        c = cluster[item.id]
        cands = [o for o in reversed(items[:k]) if o.region_code[:9] == item.region_code[:9]
                 and item.created - o.created <= window][:similar.MAX_CANDIDATES]
        top = similar.rank(item, cands, minimum=similar.DUPLICATE_AT)[:3]
        shown += len(top)
        right += sum(1 for o, _s in top if cluster[o.id] == c)
        if c.startswith("C") and c in first:
            due += 1
            found += any(cluster[o.id] == c for o, _s in top)
        first.setdefault(c, item.id)
    return right / max(1, shown), found / max(1, due), shown


def main():
    arg = next((a for a in sys.argv[1:] if a in SETS), "")
    path = DATA / f"{SETS[arg]}.jsonl"
    p, r, n = simulate(path)
    print(f"{path.name}: citizen-form suggestions (top 3 at {similar.DUPLICATE_AT}): precision {p:.3f}, "
          f"recall {r:.3f}, {n} shown")


if __name__ == "__main__":
    main()
