"""Learned re-ranking of the search's candidates.

The lexical search (engine.py) finds candidates well (an answering article is among its first
40 for most questions) but its order is a sum of hand-set weights. This module describes
every candidate by features — BM25 of the question's own words, of the concept table's terms,
of the soft concepts and of the synonyms; the law and chapter preferences; the article's
role (a remedy, a liability, a definition, a procedure, a prohibition, a purpose clause); its
place in the law; law-level priors — and orders them with a linear model learned from the
question sets in benchmarks/lawsearch/ (pairwise logistic loss, trained by
``benchmarks/lawsearch/train_ranker.py``, which also reports the cross-validation that holds
out whole question sets). The model is a small JSON file beside this module; without it the
lexical order stands.

Article features are computed once per article when the index is built (``article_features``);
question features per search, from the same sparse matrix slice the lexical score uses."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("ranker_model.json")

# --- article roles, from the article's own wording ------------------------------------------
ROLE_PATTERNS = {
    "liability": re.compile(r"赔偿|承担[^。；]{0,8}责任|罚款|拘留|有期徒刑|处分|没收|吊销|责令"),
    "remedy": re.compile(r"有权|可以请求|可以要求|可以向|请求[^。；]{0,6}(?:返还|赔偿|支付|解除)|申请|起诉|仲裁|投诉|举报|撤销"),
    "definition": re.compile(r"是指|本法所称|所称[^。；]{0,12}，是|^[^，。；]{2,16}是[^。；]{2,80}的(?:合同|行为|人|组织|权利)。"),
    "procedure": re.compile(r"之日起|日内|期限|程序|手续|登记|备案|审批"),
    "prohibition": re.compile(r"不得|禁止|严禁"),
    "duty": re.compile(r"应当"),
    "purpose": re.compile(r"^为了|^为[^。]{0,40}制定本法|根据宪法，制定本法"),
    "scope": re.compile(r"适用本法|本法适用|参照本法|依照其规定"),
    "breach": re.compile(r"违约|不履行[^。；]{0,10}义务|不符合约定|逾期不|拒不"),
    "refund": re.compile(r"返还|退还|退回|退货|退款|退赔|追回"),
}
ROLE_NAMES = list(ROLE_PATTERNS)
ARTICLE_FEATURES = [
    *[f"role_{r}" for r in ROLE_NAMES],
    "ch_general", "ch_liability", "ch_supplementary", "rel_position", "log_len", "n_paragraph_marks",
]


def article_features(text: str, heading: str, number: int, max_number: int) -> list[float]:
    """Per-article features stored in the index (see ARTICLE_FEATURES)."""
    text = text or ""
    roles = [1.0 if pat.search(text) else 0.0 for pat in ROLE_PATTERNS.values()]
    return [
        *roles,
        1.0 if ("总则" in heading or "一般规定" in heading) else 0.0,
        1.0 if "法律责任" in heading or "罚则" in heading else 0.0,
        1.0 if "附则" in heading else 0.0,
        number / max(max_number, 1),
        math.log1p(len(text)),
        float(text.count("（一）") + text.count("\n")),
    ]


CATEGORIES = ["民法商法", "社会法", "行政法", "刑法", "经济法", "诉讼与非诉讼程序法", "宪法相关法", "行政法规", "地方性法规"]

# Components of the query the engine scores separately (engine.build_query).
COMPONENTS = ["own", "concept", "soft", "synonym"]

# What the question asks for, from its own wording; crossed with the article roles below.
INTENTS = {
    "remedy": re.compile(r"怎么办|咋办|能不能|能否|可以吗|能.{0,8}吗|要回|退|赔|补偿|找谁|去哪|告"),
    "liability": re.compile(r"谁赔|谁负责|谁出|谁承担|负责|责任|赔偿|判|坐牢|拘留|罚"),
    "legality": re.compile(r"合法|违法|算不算|是不是|有效|可以.{0,6}吗|允许"),
    "procedure": re.compile(r"怎么办理|怎么申请|需要什么|条件|手续|多久|期限|流程|去哪"),
    # someone does not do what they owe: 不退 不还 不给 不发 拖着 …
    "nonperformance": re.compile(r"不退|不还|不给|不发|不付|不交|不赔|不修|拖欠|拖着|赖账|不履行|不认账|扣着|不肯"),
}
INTENT_ROLES = [("remedy", "remedy"), ("remedy", "liability"), ("liability", "liability"),
                ("legality", "prohibition"), ("legality", "duty"), ("procedure", "procedure"),
                ("procedure", "remedy"), ("nonperformance", "breach"), ("nonperformance", "refund"),
                ("nonperformance", "liability")]


def question_intents(query: str) -> dict[str, float]:
    return {name: 1.0 if pat.search(query or "") else 0.0 for name, pat in INTENTS.items()}


QUERY_FEATURES = [
    "final_ratio", "final_log", "inv_rank", "total_ratio",
    *[f"{c}_ratio" for c in COMPONENTS], *[f"{c}_log" for c in COMPONENTS],
    "own_cover", "concept_cover", "heading_own_cover", "heading_concept_cover",
    "law_named", "law_preferred", "chapter_preferred", "outside_table", "law_concepts_log",
    "boost", "no_concept", *[f"cat_{c}" for c in CATEGORIES],
    *[f"ask_{i}_x_{r}" for i, r in INTENT_ROLES],
    "mem_article", "mem_votes", "mem_group", "mem_law", "mem_any", "mem_only",
]
FEATURES = QUERY_FEATURES + ARTICLE_FEATURES
# More of this evidence never makes an article a worse answer: the learned weight is kept
# at zero or above, so a candidate far outside what training saw (a short local rule the
# question quotes almost word for word) is not pushed down by a correlated feature.
MONOTONE = {
    "final_ratio", "final_log", "inv_rank", "total_ratio",
    *[f"{c}_ratio" for c in COMPONENTS], *[f"{c}_log" for c in COMPONENTS],
    "own_cover", "concept_cover", "heading_own_cover", "heading_concept_cover",
    "law_named", "law_preferred", "chapter_preferred",
    "mem_article", "mem_votes", "mem_group", "mem_law",
}


@dataclass
class Model:
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    meta: dict
    memory: object = None  # memory.Memory of the questions it was trained on

    def score(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights

    def to_json(self, memory_rows: list[dict] | None = None) -> dict:
        return {"features": self.features, "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "weights": self.weights.round(6).tolist(),
                "meta": self.meta, "memory": memory_rows or []}

    @classmethod
    def from_json(cls, data: dict) -> Model:
        from .memory import shared_memory

        rows = data.get("memory") or []
        return cls(list(data["features"]), np.asarray(data["mean"], dtype=np.float64),
                   np.asarray(data["scale"], dtype=np.float64), np.asarray(data["weights"], dtype=np.float64),
                   dict(data.get("meta") or {}), shared_memory(rows) if rows else None)


_model_cache: dict = {"mtime": None, "model": None}


def load_model(path: Path | None = None) -> Model | None:
    """The shipped model, or None when the file is missing or was trained on other features
    (the lexical order then stands)."""
    path = path or MODEL_PATH
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    if _model_cache["mtime"] != (path, mtime):
        model = Model.from_json(json.loads(path.read_text(encoding="utf-8")))
        _model_cache.update(mtime=(path, mtime), model=model if model.features == FEATURES else None)
    return _model_cache["model"]


def train_pairwise(groups: list[tuple[np.ndarray, np.ndarray]], *, l2: float = 1.0,
                   meta: dict | None = None) -> Model:
    """A linear scorer fitted on pairs (answering article, other candidate of the same
    question) with logistic loss and an L2 penalty (L-BFGS). ``groups`` holds per question
    the candidates' feature matrix and 0/1 labels; questions without an answering candidate
    (or with nothing else) teach nothing and are skipped. Every question weighs the same,
    however many pairs."""
    return _fit(groups, (_pairwise_term,), l2=l2, meta=meta)


def train_listwise(groups: list[tuple[np.ndarray, np.ndarray]], *, l2: float = 1.0,
                   meta: dict | None = None) -> Model:
    """A linear scorer fitted with the listwise softmax loss: per question, minus the log of the
    share a softmax over its candidates' scores gives its answering articles (ListNet's top-one
    form). Unlike the pairwise loss, which weighs a pair the answer wins by a little the same
    whatever the others do, it is smallest when the answer is first by a margin, so it aims at
    recall@1. Same standardisation, L2 penalty, monotone bounds and skipped questions as
    ``train_pairwise``; every question weighs the same."""
    return _fit(groups, (_listwise_term,), l2=l2, meta=meta)


def train_mixed(groups: list[tuple[np.ndarray, np.ndarray]], *, l2: float = 1.0,
                meta: dict | None = None) -> Model:
    """The sum of the pairwise and the listwise losses (one L2 penalty): the first place as the
    listwise loss wants it, without giving up the pairs that keep an answer in the top five."""
    return _fit(groups, (_pairwise_term, _listwise_term), l2=l2, meta=meta)


TRAINERS = {"pairwise": train_pairwise, "listwise": train_listwise, "mixed": train_mixed}


def _fit(groups, terms, *, l2: float, meta: dict | None) -> Model:
    """Minimise the sum of the data ``terms`` (each a function of the standardised groups
    returning the term's loss and gradient at w, averaged over the questions) plus the L2
    penalty, under the monotone bounds (L-BFGS-B)."""
    from scipy.optimize import minimize

    nf = len(FEATURES)
    mean, scale = _standardization(groups)
    used = [((x - mean) / scale, y > 0) for x, y in groups if (y > 0).any() and not (y > 0).all()]
    if not used:
        return Model(list(FEATURES), mean, scale, np.zeros(nf), dict(meta or {}))
    nq = len(used)
    parts = [term(used) for term in terms]

    def loss(w):
        value = 0.5 * l2 * (w @ w) / nq
        grad = l2 * w / nq
        for part in parts:
            v, g = part(w)
            value += v
            grad = grad + g
        return value, grad

    res = minimize(loss, np.zeros(nf), jac=True, method="L-BFGS-B", bounds=_bounds(), options={"maxiter": 500})
    return Model(list(FEATURES), mean, scale, res.x, dict(meta or {}))


def _pairwise_term(used):
    """Logistic loss on every (answer, other candidate) pair, a question's pairs weighing 1 in all."""
    nf = used[0][0].shape[1]
    diffs, pair_w = [], []
    for z, pos in used:
        p, n = np.flatnonzero(pos), np.flatnonzero(~pos)
        d = (z[p][:, None, :] - z[n][None, :, :]).reshape(-1, nf)
        diffs.append(d)
        pair_w.append(np.full(len(d), 1.0 / len(d)))
    dmat = np.vstack(diffs)
    pw = np.concatenate(pair_w)
    nq = len(used)

    def term(w):
        m = dmat @ w
        ll = np.logaddexp(0.0, -m)
        sig = 0.5 * (1.0 - np.tanh(0.5 * m))  # 1 / (1 + exp(m))
        return (pw * ll).sum() / nq, -(dmat * (pw * sig)[:, None]).sum(axis=0) / nq

    return term


def _listwise_term(used):
    """Minus the log of the softmax share of a question's answering articles, averaged."""
    z = np.vstack([u[0] for u in used])
    y = np.concatenate([u[1] for u in used])
    sizes = [len(u[1]) for u in used]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    seg = np.repeat(np.arange(len(sizes)), sizes)
    nq = len(used)

    def lse(values):  # per-question log-sum-exp (a -inf entry adds nothing)
        top = np.maximum.reduceat(values, starts)
        return top + np.log(np.add.reduceat(np.exp(values - top[seg]), starts))

    def term(w):
        sc = z @ w
        all_lse = lse(sc)
        pos_lse = lse(np.where(y, sc, -np.inf))
        p = np.exp(sc - all_lse[seg])
        q = np.where(y, np.exp(sc - pos_lse[seg]), 0.0)
        return (all_lse - pos_lse).sum() / nq, ((p - q) @ z) / nq

    return term


def _standardization(groups) -> tuple[np.ndarray, np.ndarray]:
    allx = np.vstack([x for x, _ in groups]) if groups else np.zeros((1, len(FEATURES)))
    mean = allx.mean(axis=0)
    scale = allx.std(axis=0)
    scale[scale < 1e-6] = 1.0
    return mean, scale


def _bounds() -> list[tuple]:
    return [(0.0, None) if name in MONOTONE else (None, None) for name in FEATURES]


def candidate_matrix(idx: dict, cand, ev=None) -> np.ndarray:
    """Feature matrix (candidates × FEATURES) of an engine.Candidates, with the evidence of
    answered questions (memory.Evidence) when there is one."""
    from .concepts import law_concept_counts

    n = len(cand.docs)
    cols: dict[str, np.ndarray] = {}
    final = cand.final.astype(np.float64)
    top = float(final.max()) if n else 1.0
    cols["final_ratio"] = final / max(top, 1e-9)
    cols["final_log"] = np.log1p(final)
    cols["inv_rank"] = 1.0 / (1.0 + np.arange(n))
    total = sum(cand.parts[c] for c in COMPONENTS).astype(np.float64)
    cols["total_ratio"] = total / max(float(total.max()), 1e-9)
    for c in COMPONENTS:
        v = cand.parts[c].astype(np.float64)
        cols[f"{c}_ratio"] = v / max(float(v.max()), 1e-9)
        cols[f"{c}_log"] = np.log1p(v)
    cols["own_cover"] = cand.covered["own"]
    concept_cover = np.maximum(cand.covered["concept"], cand.covered["soft"])
    cols["concept_cover"] = concept_cover
    own_grams = _grams(cand.q.terms[: max(1, _own_runs(cand))])
    exp_grams = _grams(cand.q.terms[_own_runs(cand):])
    hown = np.zeros(n)
    hexp = np.zeros(n)
    groups = idx["groups"]
    for i, g in enumerate(idx["group"][cand.docs]):
        path = groups[g]["path"]
        if own_grams:
            hown[i] = sum(1 for b in own_grams if b in path) / len(own_grams)
        if exp_grams:
            hexp[i] = sum(1 for b in exp_grams if b in path) / len(exp_grams)
    cols["heading_own_cover"] = hown
    cols["heading_concept_cover"] = hexp
    cols["law_named"] = cand.named
    cols["law_preferred"] = cand.preferred
    cols["chapter_preferred"] = cand.chapter
    cols["outside_table"] = cand.outside
    counts = law_concept_counts()
    laws = idx["laws"]
    law_idx = idx["law_idx"][cand.docs]
    cols["law_concepts_log"] = np.array([
        math.log1p(max((counts.get(name, 0) for name in [laws[li]["short"], *laws[li]["aliases"]]), default=0))
        for li in law_idx])
    cols["boost"] = cand.boost
    cols["no_concept"] = np.full(n, 0.0 if cand.q.concepts else 1.0)
    for c in CATEGORIES:
        cols[f"cat_{c}"] = np.array([1.0 if laws[li]["category"] == c else 0.0 for li in law_idx])
    art = idx["art_feats"][cand.docs].astype(np.float64)
    intents = question_intents(cand.query)
    for i, r in INTENT_ROLES:
        cols[f"ask_{i}_x_{r}"] = intents[i] * art[:, ARTICLE_FEATURES.index(f"role_{r}")]
    if ev is not None:
        cols["mem_article"] = np.array([ev.article.get(int(d), 0.0) for d in cand.docs])
        cols["mem_votes"] = np.array([ev.votes.get(int(d), 0.0) for d in cand.docs])
        cols["mem_group"] = np.array([ev.group.get(int(g), 0.0) for g in idx["group"][cand.docs]])
        cols["mem_law"] = np.array([ev.law.get(int(li), 0.0) for li in law_idx])
        cols["mem_any"] = np.full(n, 1.0 if ev.article else 0.0)
    else:
        for name in ("mem_article", "mem_votes", "mem_group", "mem_law", "mem_any"):
            cols[name] = np.zeros(n)
    cols["mem_only"] = (np.arange(n) >= cand.n_lexical).astype(np.float64)
    x = np.zeros((n, len(FEATURES)))
    for j, name in enumerate(QUERY_FEATURES):
        x[:, j] = cols[name]
    x[:, len(QUERY_FEATURES):] = art
    return x


def _own_runs(cand) -> int:
    """How many of the query's terms are the question's own runs (they come first)."""
    from .tokens import query_runs, run_tokens

    return sum(1 for r in query_runs(cand.query) if run_tokens(r)[1])


def _grams(terms: list[str]) -> set[str]:
    out: set[str] = set()
    for t in terms:
        out.update(t[i:i + 2] for i in range(len(t) - 1))
    return out
