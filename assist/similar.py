"""Duplicate and related appeals (重复件 / 关联件): text + place + time.

Text: short, colloquial Chinese, told by different people in their own words. Each text
becomes a set of features (``features``; after dropping punctuation, spaces and the
boilerplate every appeal shares: 反映, 问题, 希望, 来电人 …): its single characters and
character bigrams, the names of the places, estates, firms and shops it mentions (``names``:
the characters before 小区/华庭/路/村/公司/烧烤 …, and quoted names), and what its problem
words mean in the platform's colloquial word lists (``concepts``). Two texts are compared
by TF-IDF cosine, the inverse document frequency taken over the texts compared
(``Weights``; a page with fewer than ``MIN_DOCS`` texts is counted as if the missing ones were
typical appeals, ``rates``), which works on a six-character title as on a paragraph.

Place: within ``RADIUS_M`` metres when both have coordinates, else the same village
(region code). Time: submitted within ``WINDOW_DAYS`` of each other.

A pair in the same place and time window is scored by a small logistic regression over
``pair_features`` (the cosine split by kind, the overlap over the shorter text, the distance,
the days between, the same village, different building numbers), trained on the labelled sets
by benchmarks/related_model.py: a likely *duplicate* from probability ``DUPLICATE_AT``,
*related* from ``RELATED_AT``. The threshold was chosen by leave-one-set-out across the sets
and measured once on a held-out set (benchmarks/related.py; figures in benchmarks/README.md).

Candidates come from an index, never a scan: on the pages, open items of the township
(index ``grv_town_created_idx`` on the township code and the time) in the window, newest first,
at most ``MAX_CANDIDATES``; in ``find_related`` (batch), blocks per village and per
~1 km cell, in time order. ``score_pair`` and ``judge`` are shared by both.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path

RADIUS_M = 800.0
WINDOW_DAYS = 30
DUPLICATE_AT = 0.65
RELATED_AT = 0.35
MAX_CANDIDATES = 300

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
# Words nearly every appeal uses: they say nothing about which problem it is.
BOILERPLATE = (
    "反映", "问题", "希望", "解决", "处理", "请求", "要求", "政府", "相关", "部门", "有关", "领导", "帮忙", "帮助",
    "一下", "我们", "你们", "他们", "这个", "那个", "现在", "已经", "还是", "没有", "什么", "怎么", "为什么",
    "一直", "情况", "严重", "影响", "群众", "居民", "村民", "老百姓", "谢谢", "麻烦", "尽快", "赶紧", "及时",
    "管管", "管一管", "来看", "看看", "查一下", "调查", "到底", "真的", "非常", "特别", "好几", "几天", "天天",
    # a hotline operator's summary: "来电人反映…，来电人称该…"
    "来电人", "来电", "投诉",
)


def normalise(text: str) -> str:
    text = _NOISE.sub("", text or "")
    for w in BOILERPLATE:
        text = text.replace(w, " ")
    return text


def shingles(text: str, pieces: list[str] | None = None) -> frozenset[str]:
    """Character bigrams within the pieces left after removing boilerplate."""
    out: set[str] = set()
    for piece in normalise(text).split() if pieces is None else pieces:
        if len(piece) == 1:
            continue
        out.update(piece[i:i + 2] for i in range(len(piece) - 1))
    return frozenset(out)


# Words that end the name of an estate, a road or place, a firm, shop or institution: the two
# characters before them are the name's own part (锦绣|华庭, 建设|路, 老周|烧烤, 宏达|公司).
NAME_ENDINGS = (
    "小区", "花园", "华庭", "华府", "家园", "公寓", "大厦", "新村", "苑", "府", "湾", "城",
    "大道", "路", "街", "巷", "村", "社区", "桥", "河", "广场", "公园", "市场",
    "公司", "集团", "工厂", "厂", "饭店", "酒店", "餐馆", "烧烤", "超市", "店", "馆",
    "医院", "学校", "小学", "中学", "幼儿园",
)
NOT_NAMES = frozenset((
    "那家", "这家", "一家", "那个", "这个", "门口", "我们", "你们", "他们", "对面", "旁边", "附近", "隔壁", "楼下",
    "楼上", "里面", "外面", "边上", "新开", "整个", "所在", "本村", "全村", "我家", "住在", "个小", "的小",
))
_CJK = "\u4e00-\u9fff"
# overlapping: 清河路 gives 清河 even after 映清|河 was seen
_NAME_RE = re.compile(f"(?=([{_CJK}]{{2}})(" + "|".join(sorted(NAME_ENDINGS, key=len, reverse=True)) + "))")
_NAME3_RE = re.compile(f"(?=([{_CJK}]{{3}})(" + "|".join(sorted(NAME_ENDINGS, key=len, reverse=True)) + "))")
_QUOTED_RE = re.compile(r"[“\"「『《]([^”\"」』》]{2,12})[”\"」』》]")
_NOT_CJK = re.compile(f"[^{_CJK}]+")

# Feature kinds and their weight beside a character bigram (1.0), chosen on the tuning sets
# (benchmarks/related.py; README): single characters carry most of what two wordings of one
# problem share (灯/黑, 水/停, 吵/噪 …: people rarely repeat a whole two-character word);
# a shared name (锦绣华庭, 老周烧烤, “湘味轩”) and a problem word's meaning from the
# colloquial word lists add a little each.
NAME_WEIGHT = 2.0
CONCEPT_WEIGHT = 1.0
CHAR_WEIGHT = 3.0
# Characters that say nothing on their own (particles, pronouns, measure words); on a page
# with a handful of candidates their IDF cannot tell that.
FUNCTION_CHARS = frozenset("的了个是在有我你他她它们这那都也就还又很太把被给说要会着过吗呢吧啊呀和跟与及等之其该从对为以于而并但却再才只已得地么啥哪谁")
# find_duplicates links a report to the main item of its best match only if it also scores
# at least this share of DUPLICATE_AT against that main item (no chains A~B~C where A and C
# are two different problems of one village).
CHAIN_AT = 0.75
MIN_DOCS = 100


def names(text: str, pieces: list[str] | None = None) -> set[str]:
    """The name parts of places, estates, firms and shops the text mentions, and quoted names."""
    out: set[str] = set()
    for piece in normalise(text).split() if pieces is None else pieces:
        for m in _NAME_RE.finditer(piece):
            if m.group(1) not in NOT_NAMES:
                out.add(m.group(1) + m.group(2))
        # and with one character more: 罗|建筑公司 tells two firms apart where 建筑公司 cannot
        for m in _NAME3_RE.finditer(piece):
            if m.group(1)[1:] not in NOT_NAMES:
                out.add(m.group(1) + m.group(2))
    out.update(_NOISE.sub("", q) for q in _QUOTED_RE.findall(text or ""))
    return {n for n in out if len(n) >= 2}


def concepts(text: str) -> set[str]:
    """What the problem words mean, from word lists the platform already keeps, not written
    for this: the department directory's everyday words (grid.directory_terms: 油烟 → 环境污染
    大气 餐饮, 漏水 → 房屋安全 物业) and the law search's seed concepts, whose triggers are
    colloquial phrasings of one situation (相邻排水与漏水: 漏水 渗水 滴水 水管 …)."""
    words, directory, legal = _vocabulary()
    # the substrings that could be a listed word, looked up: a few dozen set lookups rather
    # than a substring search for each of the ~2,000 listed words
    starts = _STARTS
    present = {text[i:i + k] for i, c in enumerate(text) if c in starts for k in starts[c]} & words
    out: set[str] = set()
    maybe: set[int] = set()
    for w in present:
        out.update(directory.get(w, ()))
        maybe.update(legal.get(w, ()))
    for name, trig in (_LEGAL_ROWS[i] for i in maybe):
        if name not in out and all(not part.isdisjoint(present) for part in trig):
            out.add(name)
    return out


_VOCAB: list = []
_STARTS: dict[str, set[int]] = {}
_LEGAL_ROWS: list[tuple[str, tuple[frozenset[str], ...]]] = []


def _vocabulary():
    """Every word of both lists (to find the ones a text contains in one pass), the directory
    terms, and the seed rows of legalqa's concept table (the text, not the rows staff edit:
    the same vocabulary on every machine and no query per suggestion)."""
    if not _VOCAB:
        from grid.directory_terms import DIRECTORY_TERMS
        from legalqa.search.concepts import seed_rows

        directory: dict[str, tuple[str, ...]] = dict(DIRECTORY_TERMS)
        legal: dict[str, set[int]] = {}  # word -> the triggers that use it
        for row in seed_rows():
            for t in row["triggers"].split("\n"):
                # a trigger: parts that must all occur, each a set of alternatives (a+b/c)
                trig = tuple(frozenset(alt for alt in part.split("/") if alt) for part in t.split("+") if part)
                if not trig:
                    continue
                for alt in frozenset().union(*trig):
                    legal.setdefault(alt, set()).add(len(_LEGAL_ROWS))
                _LEGAL_ROWS.append((row["name"], trig))
        words = frozenset(directory) | frozenset(legal)
        for w in words:  # first character -> the lengths of the listed words it starts
            _STARTS.setdefault(w[0], set()).add(len(w))
        _VOCAB.extend((words, directory, legal))
    return _VOCAB


def features(text: str) -> dict[str, float]:
    """The text's features with their kind weights: single characters, character bigrams (as
    ``shingles``), names (``@``) and problem concepts (``#``). Read-only: the same text's
    features are shared (a page scores the township's open items again at every keystroke)."""
    return _features(text or "")


@functools.lru_cache(maxsize=4096)
def _features(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    norm = normalise(text)
    pieces = norm.split()
    if CHAR_WEIGHT:
        for c in _NOT_CJK.sub("", norm):
            if c not in FUNCTION_CHARS:
                out[c] = CHAR_WEIGHT
    for g in shingles(text, pieces):
        out[g] = 1.0
    if NAME_WEIGHT:
        for n in names(text, pieces):
            out["@" + n] = NAME_WEIGHT
    if CONCEPT_WEIGHT:
        for c in concepts(text):
            out["#" + c] = CONCEPT_WEIGHT
    return out


# Bump when the way features are made changes in a way the constants below do not show (a
# regular expression, a new kind, the stored form): every stored feature set is then made again
# when read.
FEATURES_REVISION = 1


def encode(feats: Mapping[str, float]) -> str:
    """A feature set as stored (``assist.TextFeatures``): ``features`` writes the kinds one
    after another (characters, bigrams, names, concepts), so each kind is kept in its order
    in one tab-separated section (characters and bigrams run together, names and concepts
    one a line); the weights follow from the kind."""
    chars = "".join(g for g in feats if len(g) == 1)
    grams = "".join(g for g in feats if len(g) == 2 and g[0] not in "@#")
    named = "\n".join(g[1:] for g in feats if g[0] == "@")
    meant = "\n".join(g[1:] for g in feats if g[0] == "#")
    return f"{chars}\t{grams}\t{named}\t{meant}" if feats else ""


def decode(stored: str) -> dict[str, float]:
    """``encode`` undone: the same features with the same weights in the same order, so the
    scores are the very same floats as from the text (a test checks it on the labelled sets)."""
    if not stored:
        return {}
    chars, grams, named, meant = stored.split("\t")
    out = dict.fromkeys(chars, CHAR_WEIGHT)
    out.update(dict.fromkeys([grams[i:i + 2] for i in range(0, len(grams), 2)], 1.0))
    if named:
        out.update(dict.fromkeys(["@" + n for n in named.split("\n")], NAME_WEIGHT))
    if meant:
        out.update(dict.fromkeys(["#" + c for c in meant.split("\n")], CONCEPT_WEIGHT))
    return out


@functools.cache
def measure_version() -> str:
    """A fingerprint of everything that decides a text's features (word lists, names, weights,
    ``FEATURES_REVISION``): a stored feature set made under another one is made again."""
    from grid.directory_terms import DIRECTORY_TERMS
    from legalqa.search.concepts import seed_rows

    h = hashlib.blake2b(digest_size=8)
    for part in (FEATURES_REVISION, BOILERPLATE, NAME_ENDINGS, sorted(NOT_NAMES), sorted(FUNCTION_CHARS),
                 CHAR_WEIGHT, NAME_WEIGHT, CONCEPT_WEIGHT, _NAME_RE.pattern, _NAME3_RE.pattern, _QUOTED_RE.pattern,
                 _NOISE.pattern, sorted(dict(DIRECTORY_TERMS).items()),
                 [(r["name"], r["triggers"]) for r in seed_rows()]):
        h.update(repr(part).encode())
    return h.hexdigest()


def item_text(title: str, description: str) -> str:
    """The text an appeal is compared by."""
    return f"{title} {description}"


def text_digest(text: str) -> int:
    """A signed 64-bit digest of the text and ``measure_version``: a stored feature set is
    used only while both are unchanged (an edited title, another word list)."""
    h = hashlib.blake2b(text.encode(), digest_size=8, key=measure_version().encode())
    return int.from_bytes(h.digest(), "big", signed=True)


class Weights:
    """Squared inverse document frequency of each feature over the texts being compared (the
    batch, or the candidates of a page with the new text), so what every report of a kind
    of problem says weighs little and what names this place, stall or firm weighs most."""

    def __init__(self, docs: Iterable[Mapping[str, float]]):
        docs = list(docs)
        self.n = n = len(docs)
        self.df = Counter(chain.from_iterable(docs))
        # IDF over a handful of texts (a quiet township's page) says little: counted as if
        # there were at least MIN_DOCS texts, the missing ones typical appeals (``rates``: a
        # character like 楼 is in many, a name in none). A batch of MIN_DOCS or more texts is
        # counted as it is.
        self.m = max(n, MIN_DOCS)
        self.pad = self.m - n
        self.unseen = (math.log(self.m + 1) + 1) ** 2
        self.w = _IDF(self)  # computed for the features that are compared, when first needed
        self._norms: dict[int, tuple[Mapping[str, float], float]] = {}
        self._buildings: dict[int, tuple[Mapping[str, float], set[str]]] = {}

    def norm2(self, feats: Mapping[str, float]) -> float:
        """The squared length of the text's TF-IDF vector (kept: a text meets many others)."""
        hit = self._norms.get(id(feats))
        if hit is not None and hit[0] is feats:
            return hit[1]
        w = self.w
        n2 = sum(v * v * w[g] for g, v in feats.items())
        self._norms[id(feats)] = (feats, n2)
        return n2

    def buildings(self, feats: Mapping[str, float]) -> set[str]:
        """``_buildings`` of the text, kept like its length."""
        hit = self._buildings.get(id(feats))
        if hit is not None and hit[0] is feats:
            return hit[1]
        out = _buildings(feats)
        self._buildings[id(feats)] = (feats, out)
        return out


class _IDF(dict):
    def __init__(self, weights: Weights):
        super().__init__()
        self.df, self.m, self.pad = weights.df, weights.m, weights.pad
        self.rates = rates() if self.pad else {}

    def __missing__(self, g: str) -> float:
        df = self.df.get(g, 0) + self.pad * self.rates.get(g, 0.0)
        v = self[g] = (math.log((self.m + 1) / (df + 1)) + 1) ** 2
        return v


RATES_PATH = Path(__file__).with_name("text_rates.tsv")


@functools.cache
def rates() -> dict[str, float]:
    """The share of reference appeals each feature occurs in (``assist/text_rates.tsv``, written
    by benchmarks/related_rates.py; features in fewer than 3 of them are absent: rate 0)."""
    lines = RATES_PATH.read_text(encoding="utf-8").splitlines()
    docs = int(lines[0])
    return {g: int(k) / docs for g, k in (line.split("\t") for line in lines[1:])}


def text_score(a: Mapping[str, float], b: Mapping[str, float], weights: Weights | None = None) -> float:
    """TF-IDF cosine of two feature sets: each feature's value is its kind weight times its
    inverse document frequency (kind weights only without ``weights``)."""
    if not a or not b:
        return 0.0
    shared = a.keys() & b.keys()
    if not shared or all(len(g) == 1 for g in shared):
        return 0.0  # single characters alone are no match: no shared word, name or meaning
    if weights is None:
        num = sum(a[g] * b[g] for g in shared)
        return num / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    w = weights.w
    num = sum(a[g] * b[g] * w[g] for g in shared)
    return num / math.sqrt(weights.norm2(a) * weights.norm2(b))


def text_parts(a: Mapping[str, float], b: Mapping[str, float], weights: Weights) -> tuple[float, ...]:
    """The TF-IDF cosine split by feature kind (single characters, bigrams, names, meanings:
    the four add up to ``text_score``), and the shared weight over the shorter text's length
    (a two-word title inside a long description): one pass over the shared features."""
    shared = a.keys() & b.keys()
    if not shared:
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    w = weights.w
    # the characters of the names both mention: a character or bigram made of them says where,
    # not what (御龙湾 in two reports of two problems of one estate)
    named = [g for g in shared if g[0] == "@"]
    placed = set("".join(g[1:] for g in named)) if named else None
    chars = grams = names = meant = 0.0
    word = False  # single characters alone are no match: no shared word, name or meaning
    for g in shared:
        v = a[g] * b[g] * w[g]
        if len(g) == 1:
            if placed and g in placed:
                names += v
            else:
                chars += v
            continue
        word = True
        if g[0] == "@" or (placed and placed.issuperset(g)):
            names += v
        elif g[0] == "#":
            meant += v
        else:
            grams += v
    if not word:
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    parts = (chars, grams, names, meant)
    na, nb = weights.norm2(a), weights.norm2(b)
    d = math.sqrt(na * nb)
    return (parts[0] / d, parts[1] / d, parts[2] / d, parts[3] / d, sum(parts) / min(na, nb))


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
    grams: Mapping[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not self.grams:
            self.grams = features(item_text(self.title, self.description))


def same_place(a: Item, b: Item) -> bool:
    """Within ``RADIUS_M`` when both have coordinates (more precise than the village);
    otherwise the same village."""
    if None not in (a.lat, a.lng, b.lat, b.lng):
        return distance_m(a.lat, a.lng, b.lat, b.lng) <= RADIUS_M
    return bool(a.region_code) and a.region_code == b.region_code


def in_window(a: Item, b: Item) -> bool:
    return abs(a.created - b.created) <= timedelta(days=WINDOW_DAYS)


PAIR_FEATURES = ("chars", "bigrams", "names", "meanings", "shorter", "coordinates", "distance", "days", "village",
                 "problem", "other_building")
# A logistic regression over PAIR_FEATURES, trained by benchmarks/related_model.py on the four
# earlier labelled sets (pairs in the same place and window; each set weighing the same; C=10);
# C, DUPLICATE_AT and CHAIN_AT were chosen by leave-one-set-out (train on three, find_duplicates on
# the fourth) with the rule written in benchmarks/README.md before measuring. Re-run the script
# and paste its output to retrain.
PAIR_COEF = (10.9587, -4.8364, 8.3877, 0.2577, -0.2431, 3.4003, -7.2539, -3.1587, -1.1904, 6.3801, -5.6983)
PAIR_INTERCEPT = 0.0113


_NUMERALS = {"一": "1", "二": "2", "两": "2", "三": "3", "叁": "3", "贰": "2", "四": "4", "五": "5", "六": "6",
             "七": "7", "八": "8", "九": "9", "十": "0"}


def _buildings(feats: Mapping[str, float]) -> set[str]:
    """The building numbers a text names, by their last digit: the bigram of a digit or numeral
    and 栋/幢 (3栋, 叁栋 → 3; 12栋 → 2); 三号楼 is not read."""
    out: set[str] = set()
    if "栋" not in feats and "幢" not in feats:  # the characters are features of their own
        return out
    for g in feats:
        if len(g) == 2 and g[1] in "栋幢" and (g[0].isdigit() or g[0] in _NUMERALS):
            out.add(_NUMERALS.get(g[0], g[0]))
    return out


def other_building(a: Mapping[str, float], b: Mapping[str, float], weights: Weights | None = None) -> float:
    """1 when both texts name a building and none is the same (3栋 / 5栋), else 0."""
    ba = weights.buildings(a) if weights is not None else _buildings(a)
    if not ba:
        return 0.0
    bb = weights.buildings(b) if weights is not None else _buildings(b)
    return float(bool(bb) and ba.isdisjoint(bb))


def pair_features(a: Item, b: Item, weights: Weights | None = None) -> tuple[float, ...]:
    """What the model weighs about a pair in the same place and window (PAIR_FEATURES): the
    text cosine by kind (characters and bigrams of names counted as names), the shared weight
    over the shorter text, whether both have coordinates and their distance (in RADIUS_M), the
    days between them (in WINDOW_DAYS), the same village, and the cosine of what is not a name
    (the problem). All from the two items: no query, no scan."""
    weights = weights if weights is not None else Weights([a.grams, b.grams])
    chars, grams, named, meant, shorter = text_parts(a.grams, b.grams, weights)
    coords = None not in (a.lat, a.lng, b.lat, b.lng)
    dist = distance_m(a.lat, a.lng, b.lat, b.lng) / RADIUS_M if coords else 0.0
    days = abs((a.created - b.created).total_seconds()) / 86400 / WINDOW_DAYS
    problem = chars + grams + meant
    return (chars, grams, named, meant, shorter, float(coords), dist, days,
            float(bool(a.region_code) and a.region_code == b.region_code), problem, other_building(a.grams, b.grams, weights))


def pair_probability(feats: Sequence[float]) -> float:
    z = PAIR_INTERCEPT + sum(c * f for c, f in zip(PAIR_COEF, feats, strict=True))
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def score_pair(a: Item, b: Item, weights: Weights | None = None) -> float:
    """How likely the two tell one problem (the pair model's probability) when place and time
    match, else 0 (a look-alike elsewhere is no match). Two items filed under different
    categories need a clearer match."""
    if not (same_place(a, b) and in_window(a, b)):
        return 0.0
    s = pair_probability(pair_features(a, b, weights))
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
            if main is not best[0] and score_pair(item, main, weights) < CHAIN_AT * DUPLICATE_AT:
                best = None  # like its best match, but not like that match's main item
        if best is not None and best[1] >= DUPLICATE_AT:
            main_of[item.id] = main
            out.append((item, main, best[1]))
        if item.region_code:
            by_village.setdefault(item.region_code, []).append(item)
        if item.lat is not None and item.lng is not None:
            by_cell.setdefault(_cell(item.lat, item.lng), []).append(item)
    return out
