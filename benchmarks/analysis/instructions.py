"""Instructions per dashboard request, counted by valgrind (issue 15: "flat from 10 k").

Wall and CPU times of the same request moved by 0.5–3× between rounds a minute apart on these
shared 2-core machines (load 4–9), too much to settle ±20 %. Callgrind counts the instructions
the web process executes, which do not depend on what else the machine does: the same request
on the same data gives the same count within a fraction of a percent. What it does not count:
the PostgreSQL backend's work (see ``dashboard.py --only shown``: the warm SQL of each request,
from EXPLAIN ANALYZE) and waiting.

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench10k \\
        nice -n 10 .venv/bin/python benchmarks/analysis/instructions.py [--requests "city|county"] [--runs 5] \\
        [--extra "label|username|url"]

runs this script again under ``valgrind --tool=callgrind`` (about 50× slower than normal): the
child logs every user in, requests every URL three times (imports, caches, the first query
plans), then for each URL makes ``--runs`` requests between two calls of ``os.getresuid()``,
which nothing else in the process calls; ``--dump-before=*getresuid*`` makes callgrind write
its counters at each mark, so each measured segment is one file. The bare Django "hello" view
is measured the same way in the same process. Read-only (GET requests; sessions are written by
``force_login`` into the benchmark database's session table, as dashboard.py does).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MARK = "getresuid"


def child(only: str, runs: int, extra: list[str], scale_pages: str = "") -> None:
    sys.path.insert(0, str(HERE))
    import dashboard  # sets up Django on DATABASE_URL (through benchmarks/fill.py)
    from django.conf import settings
    from django.test import Client

    from grid.models import User

    settings.ROOT_URLCONF = "dashboard"
    settings.ALLOWED_HOSTS = ["*"]
    month = dashboard.last_full_month()
    if scale_pages:  # the pages of benchmarks/scale/pages.py (issue 18, goal 2)
        sys.path.insert(0, str(ROOT / "benchmarks" / "scale"))
        import pages

        rows = [r for r in pages.urls() if scale_pages == "all" or r[2] == "/__hello__/"
                or any(o in r[0] for o in scale_pages.split("|"))] + [tuple(e.split("|", 2)) for e in extra]
    else:
        rows = dashboard.requests(month, extra, only)
    clients = []
    for label, username, url in rows:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        clients.append((label, client, url))
    print("LABELS\t" + "\t".join(label for label, _c, _u in clients), flush=True)
    os.getresuid()
    for _label, client, url in clients:
        for _ in range(runs):
            client.get(url)
        os.getresuid()


def totals(prefix: str) -> list[int]:
    """The instruction totals of callgrind's dump files, in the order they were written."""
    files = glob.glob(prefix + ".*")
    files.sort(key=lambda f: int(f.rsplit(".", 1)[1]))
    out = []
    for f in files:
        m = re.search(r"^totals: (\d+)", Path(f).read_text(errors="replace"), re.M)
        out.append(int(m.group(1)) if m else 0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", default="", help="only requests whose label contains this (a|b)")
    parser.add_argument("--runs", type=int, default=5, help="requests per measured segment")
    parser.add_argument("--extra", action="append", default=[], help="one more request, \"label|username|url\" "
                        "(repeatable; also after --scale-pages)")
    parser.add_argument("--scale-pages", default="", help="instead of the dashboard's requests, the pages of "
                        "benchmarks/scale/pages.py whose label contains this (a|b; \"all\": every page)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.requests, args.runs, args.extra, args.scale_pages)
        return
    out = tempfile.mkdtemp(prefix="callgrind-")
    prefix = os.path.join(out, "cg")
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--dump-before=*{MARK}*", f"--callgrind-out-file={prefix}",
         sys.executable, __file__, "--child", "--requests", args.requests, "--runs", str(args.runs),
         *[f"--extra={e}" for e in args.extra], f"--scale-pages={args.scale_pages}"],
        env=env, capture_output=True, text=True)
    labels = next((line.split("\t")[1:] for line in proc.stdout.splitlines() if line.startswith("LABELS\t")), None)
    if proc.returncode or labels is None:
        sys.exit(proc.stdout[-2000:] + proc.stderr[-3000:])
    # Each mark writes a dump on entering getresuid's wrapper and one on entering libc's (a
    # few instructions apart): keep the segments of real work, in order; the first is the
    # start-up and warm-up, then one per request label.
    segments = [t for t in totals(prefix) if t > 100_000][1:]
    if len(segments) != len(labels):
        sys.exit(f"expected {len(labels)} measured segments, found {len(segments)}: {segments}")
    name = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1]
    print(f"{name}: instructions per request (callgrind, {args.runs} requests a segment, PYTHONHASHSEED=0)")
    for label, total in zip(labels, segments, strict=True):
        print(f"| {label} | {total / args.runs / 1e6:,.1f} M |")
    for f in glob.glob(prefix + "*"):
        os.remove(f)
    os.rmdir(out)


if __name__ == "__main__":
    main()
