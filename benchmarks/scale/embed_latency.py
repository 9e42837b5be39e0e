"""Time of the search's question embedding (``legalqa.search.dense.query_vector``) over 200
distinct questions of benchmarks/lawsearch/*.tsv, one process (benchmarks/README.md, "Memory of
a web worker", 2026-11-29 evening): CPU time and wall time a question, minor page faults a
question, and the process's RSS at the end. Run it in two checkouts alternately to compare.

usage: DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. python benchmarks/scale/embed_latency.py [START]
       (START: the first question's place in the deduplicated list; 0, 200, 400 ... for fresh ones)
"""

import glob
import resource
import sys
import time

import django
import numpy as np


def questions() -> list[str]:
    out, seen = [], set()
    for f in sorted(glob.glob("benchmarks/lawsearch/*.tsv")):
        if "citations" in f:
            continue
        for line in open(f, encoding="utf-8"):
            if line.startswith("#") or "\t" not in line:
                continue
            q = line.split("\t")[1].strip()
            if q and q not in seen:
                seen.add(q)
                out.append(q)
    return out


def main(start: int) -> None:
    django.setup()
    from legalqa.search import dense

    qs = questions()[start:start + 200]
    dense.query_vector("热身")
    cpu, wall, faults = [], [], []
    for q in qs:
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        c0, w0 = time.process_time(), time.perf_counter()
        dense.query_vector(q)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    with open("/proc/self/status") as f:
        rss = next(line.split()[1] for line in f if line.startswith("VmRSS"))
    print(f"{len(qs)} questions: CPU median {np.median(cpu) * 1e3:.1f} ms, mean {np.mean(cpu) * 1e3:.1f} ms; "
          f"wall median {np.median(wall) * 1e3:.1f} ms; minor faults median {int(np.median(faults))}; VmRSS {rss} kB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
