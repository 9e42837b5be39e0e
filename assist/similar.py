"""Duplicate and related appeals (重复件 / 关联件): text + place + time.

Text: short, colloquial Chinese. Each text becomes the set of its character bigrams (after
dropping punctuation, spaces and the boilerplate every appeal shares: 反映, 问题, 希望,
解决 …); two texts are compared by the Dice coefficient of their sets weighted by squared
inverse document frequency over the texts compared (``Weights``), which works on a
six-character title as on a paragraph and needs no vocabulary trained beforehand.

Place: within ``RADIUS_M`` metres when both have coordinates, else the same village
(region code). Time: submitted within ``WINDOW_DAYS`` of each other.

A pair in the same place and time window is a likely *duplicate* when its text score is at
least ``DUPLICATE_AT``, *related* from ``RELATED_AT``. The thresholds were chosen on the
labelled set (benchmarks/related.py; figures in benchmarks/README.md).

Candidates come from an index, never a scan: on the pages, open items of the township
(index ``grv_town_created_idx`` on the township code and the time) in the window, newest first,
at most ``MAX_CANDIDATES``; in ``find_related`` (batch), blocks per village and per
~1 km cell, in time order. ``score_pair`` and ``judge`` are shared by both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

RADIUS_M = 800.0
WINDOW_DAYS = 30
DUPLICATE_AT = 0.20
RELATED_AT = 0.12
MAX_CANDIDATES = 300

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
# Words nearly every appeal uses: they say nothing about which problem it is.
BOILERPLATE = (
    "反映", "问题", "希望", "解决", "处理", "请求", "要求", "政府", "相关", "部门", "有关", "领导", "帮忙", "帮助",
    "一下", "我们", "你们", "他们", "这个", "那个", "现在", "已经", "还是", "没有", "什么", "怎么", "为什么",
    "一直", "情况", "严重", "影响", "群众", "居民", "村民", "老百姓", "谢谢", "麻烦", "尽快", "赶紧", "及时",
    "管管", "管一管", "来看", "看看", "查一下", "调查", "到底", "真的", "非常", "特别", "好几", "几天", "天天",
)


def normalise(text: str) -> str:
    text = _NOISE.sub("", text or "")
    for w in BOILERPLATE:
        text = text.replace(w, " ")
    return text


def shingles(text: str) -> frozenset[str]:
    """Character bigrams within the pieces left after removing boilerplate."""
    out: set[str] = set()
    for piece in normalise(text).split():
        if len(piece) == 1:
            continue
        out.update(piece[i:i + 2] for i in range(len(piece) - 1))
    return frozenset(out)


class Weights:
    """Bigram weights: squared inverse document frequency over the texts being compared
    (the batch, or the candidates of a page with the new text), so what every report of a
    kind of problem says weighs little and what names this place, stall or firm weighs most."""

    def __init__(self, docs: Iterable[frozenset[str]]):
        df: dict[str, int] = {}
        n = 0
        for d in docs:
            n += 1
            for g in d:
                df[g] = df.get(g, 0) + 1
        self.n = n
        self.w = {g: (math.log((n + 1) / (c + 1)) + 1) ** 2 for g, c in df.items()}
        self.unseen = (math.log(n + 1) + 1) ** 2

    def mass(self, grams: frozenset[str]) -> float:
        return sum(self.w.get(g, self.unseen) for g in grams)


def text_score(a: frozenset[str], b: frozenset[str], weights: Weights | None = None) -> float:
    """Weighted Dice coefficient of two bigram sets (plain Dice without weights)."""
    if not a or not b:
        return 0.0
    if weights is None:
        return 2 * len(a & b) / (len(a) + len(b))
    return 2 * weights.mass(a & b) / (weights.mass(a) + weights.mass(b))


def distance_m(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


@dataclass
class Item:
    id: object
    title: str
    description: str
    region_code: str
    lat: float | None
    lng: float | None
    created: datetime
    category: object = None
    grams: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self):
        if not self.grams:
            self.grams = shingles(f"{self.title} {self.description}")


def same_place(a: Item, b: Item) -> bool:
    """Within ``RADIUS_M`` when both have coordinates (more precise than the village);
    otherwise the same village."""
    if None not in (a.lat, a.lng, b.lat, b.lng):
        return distance_m(a.lat, a.lng, b.lat, b.lng) <= RADIUS_M
    return bool(a.region_code) and a.region_code == b.region_code


def in_window(a: Item, b: Item) -> bool:
    return abs(a.created - b.created) <= timedelta(days=WINDOW_DAYS)


def score_pair(a: Item, b: Item, weights: Weights | None = None) -> float:
    """The text score when place and time match, else 0 (a look-alike elsewhere is no match).
    Two items filed under different categories need a clearer text match."""
    if not (same_place(a, b) and in_window(a, b)):
        return 0.0
    s = text_score(a.grams, b.grams, weights)
    if a.category is not None and b.category is not None and a.category != b.category:
        s *= 0.8
    return s


def judge(score: float) -> str | None:
    if score >= DUPLICATE_AT:
        return "duplicate"
    if score >= RELATED_AT:
        return "related"
    return None


def rank(item: Item, candidates: Sequence[Item], *, minimum: float = RELATED_AT) -> list[tuple[Item, float]]:
    """Candidates scoring at least ``minimum`` against ``item``, best first (weights from
    the candidates and the item)."""
    weights = Weights([item.grams, *(c.grams for c in candidates)])
    scored = [(c, score_pair(item, c, weights)) for c in candidates if c.id != item.id]
    return sorted([(c, s) for c, s in scored if s >= minimum], key=lambda cs: -cs[1])


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return (int(math.floor(lat / 0.01)), int(math.floor(lng / 0.01)))  # ~1.1 km


def find_duplicates(items: Sequence[Item]) -> list[tuple[Item, Item, float]]:
    """Batch: in submission order, each item judged a duplicate of an earlier one is linked to
    that earlier item's main item (the first of its cluster). Blocks: the village, and the
    ~1 km cells around the item's coordinates; only items within the time window are kept
    in a block (a sliding window), so the work per item is bounded by local volume."""
    ordered = sorted(items, key=lambda i: (i.created, str(i.id)))
    weights = Weights(i.grams for i in ordered)
    by_village: dict[str, list[Item]] = {}
    by_cell: dict[tuple[int, int], list[Item]] = {}
    main_of: dict[object, Item] = {}
    out: list[tuple[Item, Item, float]] = []
    for item in ordered:
        pool: dict[int, Item] = {}
        blocks = [by_village.setdefault(item.region_code, [])] if item.region_code else []
        if item.lat is not None and item.lng is not None:
            cy, cx = _cell(item.lat, item.lng)
            blocks += [by_cell.get((cy + dy, cx + dx), []) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
        horizon = item.created - timedelta(days=WINDOW_DAYS)
        for block in blocks:
            while block and block[0].created < horizon:
                block.pop(0)
            for c in block:
                pool[id(c)] = c
        best = max(((c, score_pair(item, c, weights)) for c in pool.values()), key=lambda cs: cs[1], default=None)
        if best is not None and best[1] >= DUPLICATE_AT:
            main = main_of.get(best[0].id, best[0])
            main_of[item.id] = main
            out.append((item, main, best[1]))
        if item.region_code:
            by_village.setdefault(item.region_code, []).append(item)
        if item.lat is not None and item.lng is not None:
            by_cell.setdefault(_cell(item.lat, item.lng), []).append(item)
    return out
