"""The answer-key lookup of the law search's memories (legalqa/search/memory.KeyRows)."""

import random

import numpy as np

from legalqa.search.memory import KeyRows, _short


def _index(laws, rows):
    """``rows``: (law position, number, suffix) in index order."""
    return {
        "laws": laws,
        "law_idx": np.asarray([r[0] for r in rows], dtype=np.int32),
        "number": np.asarray([r[1] for r in rows], dtype=np.int32),
        "suffix": np.asarray([r[2] for r in rows], dtype=np.int16),
    }


def _every_key(idx):
    """What the lookup replaced: a dict of every row's keys, the first row winning."""
    out = {}
    for d in range(len(idx["number"])):
        law = idx["laws"][idx["law_idx"][d]]
        for name in {_short(law["title"]), law["short"]}:
            out.setdefault((name, int(idx["number"][d]), int(idx["suffix"][d])), d)
    return out


LAWS = [
    {"title": "中华人民共和国民法典", "short": "民法典"},
    {"title": "中华人民共和国刑法", "short": "刑法"},
    {"title": "工伤保险条例", "short": "工伤保险条例"},
    {"title": "中华人民共和国劳动法", "short": "劳动法"},
]


def test_finds_the_article_by_full_or_short_title_and_suffix():
    idx = _index(LAWS, [(0, 577, 0), (0, 716, 0), (1, 133, 0), (1, 133, 1), (2, 14, 0)])
    rows = KeyRows(idx)
    assert rows.get(("民法典", 577, 0)) == 0
    assert rows.get(("民法典", 716, 0)) == 1
    assert rows.get(("刑法", 133, 1)) == 3          # 第一百三十三条之一, not 第133条
    assert rows.get(("工伤保险条例", 14, 0)) == 4
    assert rows.get(("劳动法", 14, 0)) is None       # 工伤保险条例 has a 第14条, 劳动法 has none here
    assert rows.get(("民法典", 9999, 0)) is None
    assert rows.get(("不存在的法", 1, 0), -1) == -1


def test_same_answers_as_a_dict_of_every_key():
    rng = random.Random(7)
    laws = LAWS + [{"title": "中华人民共和国民法典", "short": "民法典"}]   # two laws of one name: the first row wins
    rows = [(li, n, s) for li in range(len(laws)) for n in range(1, 60) for s in (0, 0, 1) if rng.random() < 0.5]
    idx = _index(laws, rows)
    every = _every_key(idx)
    lookup = KeyRows(idx)
    for key, d in every.items():
        assert lookup.get(key) == d
    for law in laws:
        for n in range(60):
            for s in (0, 1, 2):
                assert lookup.get((law["short"], n, s)) == every.get((law["short"], n, s))
