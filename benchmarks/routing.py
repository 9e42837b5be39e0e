"""Learned routing measured on generated histories (issue 16, part 3).

Writes histories with assist.routing_history (the demo city's 30 villages in 3 counties,
11 categories whose appeals go to 13 departments per county; several departments share a
category, so the text decides; 3 % of items ended at another department, as real histories
do) to benchmarks/data/routing_*.jsonl and runs ``manage.py evaluate_routing --input``
(the older 80 % trains, the newest 20 % tests), also on a history where only the category
matters.

    PYTHONPATH=. python benchmarks/routing.py
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from assist import routing_history  # noqa: E402
from grid.demo import COUNTIES, VILLAGE_NAMES  # noqa: E402

DATA = Path(__file__).parent / "data"


def villages():
    names = iter(VILLAGE_NAMES)
    out = []
    for c_code, _c, towns in COUNTIES:
        for t in range(1, len(towns) + 1):
            for v in range(1, (4 if t == 1 else 3) + 1):
                name = next(names, None)
                if name:
                    out.append((f"{c_code[:6]}{t:03d}{v:03d}", name))
    return out


def main():
    DATA.mkdir(exist_ok=True)
    print("| history | items | n_train | n_test | top-1 | top-3 | baseline top-1 | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for label, kw in (("text matters", {}), ("category only", {"category_only": True, "noise": 0.03})):
        for n in (500, 2000, 10000):
            items = routing_history.generate(n, villages(), **kw)
            path = DATA / f"routing_{'text' if not kw else 'category'}_{n}.jsonl"
            with path.open("w", encoding="utf-8") as fh:
                for h in items:
                    fh.write(json.dumps({"title": h.title, "description": h.description, "kind": h.kind,
                                         "category": h.category, "region_code": h.region_code, "unit": h.unit,
                                         "created": h.created.isoformat()}, ensure_ascii=False) + "\n")
            out = io.StringIO()
            t0 = time.perf_counter()
            call_command("evaluate_routing", input=str(path), json=True, stdout=out)
            r = json.loads(out.getvalue())
            print(f"| {label} | {n} | {r['n_train']} | {r['n_test']} | {r['top1']:.3f} | {r['top3']:.3f} | "
                  f"{r['baseline_top1']:.3f} | {time.perf_counter() - t0:.0f} |")
            if n >= 2000:
                path.unlink()  # keep only the small files in the repository


if __name__ == "__main__":
    main()
