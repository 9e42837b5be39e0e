"""The sparse BM25 index: built from the database by ``import_laws`` (and again when staff add
a law), written atomically, and loaded by every worker process, which reloads it when the file
changes. Scoring a question is one sparse column slice and a dot product.

The two large parts, the BM25 weight matrix and the vocabulary, are written as ``.npy`` files
beside the main file and memory-mapped: every web worker shares the page cache's one copy and
only the columns a question touches are read, so a worker's memory stays small (issue 18,
benchmarks/README.md "Memory of a web worker")."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import os
import pickle
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from .rank import ARTICLE_FEATURES, article_features
from .tokens import doc_tokens

INDEX_FORMAT = 8
K1 = 1.2
B = 0.75
SKIP_DOC_TYPES = {"修正案", "修改决定"}

class Vocabulary:
    """token → column without a dict of 100,000+ Python strings in every worker: the tokens
    sorted by their UTF-8 bytes (the same order as by code point) in one memory-mapped byte
    string with their offsets, and a token's column is its place in that order. A lookup is a
    binary search of about 17 probes. Fixed-width Unicode (the sixth round's ``<U18``, 8.4 MB
    for 116,641 tokens) held 72 bytes per token, mostly padding; this holds about 9
    (benchmarks/README.md, "Memory of a web worker")."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray):
        # memoryviews of the mappings: indexing them gives Python ints and bytes at once,
        # where a NumPy scalar per probe would cost several times more
        self._blob, self._offsets = memoryview(np.asarray(blob)), memoryview(np.asarray(offsets))
        self._arrays = (blob, offsets)
        self._n = len(offsets) - 1

    @staticmethod
    def arrays(tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(blob, offsets) of ``tokens``, which must be sorted and distinct."""
        encoded = [t.encode("utf-8") for t in tokens]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        dtype = np.int32 if offsets[-1] < 2**31 else np.int64
        return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets.astype(dtype)

    def _token(self, i: int) -> bytes:
        return self._blob[self._offsets[i]:self._offsets[i + 1]].tobytes()

    def get(self, token: str, default=None):
        key = token.encode("utf-8")
        lo, hi = 0, self._n
        while lo < hi:
            mid = (lo + hi) // 2
            if self._token(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < self._n and self._token(lo) == key:
            return lo
        return default

    def __contains__(self, token: str) -> bool:
        return self.get(token) is not None

    def __getitem__(self, token: str) -> int:
        tid = self.get(token)
        if tid is None:
            raise KeyError(token)
        return tid

    def __len__(self) -> int:
        return self._n


class Weights:
    """The BM25 weight matrix (documents × tokens) in compressed-column form over memory-mapped
    arrays. A search reads only its tokens' columns, so this needs no sparse-matrix library:
    importing scipy.sparse added 22 MB to each web worker, while only ``build_index`` needs it.

    A column holds its documents (uint16 while there are at most 65,536 articles) and the
    token's count in each (uint8 while no count exceeds 255), 3 bytes an entry instead of the
    8 of int32 rows and float32 weights; the weight is computed when the column is read, by
    the same float32 operations in the same order as ``build_index`` used to store it, so the
    weights are the same bits (benchmarks/README.md, "Memory of a web worker")."""

    def __init__(self, tf: np.ndarray, indices: np.ndarray, indptr: np.ndarray, doc_norm: np.ndarray,
                 idf: np.ndarray, shape: tuple[int, int]):
        # plain ndarray views of the mappings: slices of an np.memmap are memmaps, slower to use
        self.tf, self.indices, self.indptr = np.asarray(tf), np.asarray(indices), np.asarray(indptr)
        self.doc_norm, self.idf = np.asarray(doc_norm, dtype=np.float32), np.asarray(idf, dtype=np.float32)
        self.shape = shape

    def columns(self, ids: np.ndarray) -> ColumnSlice:
        """Columns ``ids`` (token ids), in that order; their weights computed in one pass."""
        ids = np.asarray(ids, dtype=np.int64)
        ptr = self.indptr
        spans = [(int(ptr[t]), int(ptr[t + 1])) for t in ids.tolist()]
        if not spans:
            return ColumnSlice([], [], self.shape[0])
        rows = np.concatenate([self.indices[a:b] for a, b in spans]).astype(np.intp)
        tf = np.concatenate([self.tf[a:b] for a, b in spans])
        lengths = np.asarray([b - a for a, b in spans], dtype=np.int64)
        vals = bm25_weights(tf, self.doc_norm[rows], np.repeat(self.idf[ids], lengths))
        cuts = list(itertools.pairwise([0, *np.cumsum(lengths).tolist()]))
        return ColumnSlice([rows[a:b] for a, b in cuts], [vals[a:b] for a, b in cuts], self.shape[0])


def bm25_weights(tf: np.ndarray, doc_norm: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """BM25 term weights in float32, element by element: tf·(k1+1) / (tf + k1·(1−b+b·dl/avgdl))
    · idf, with ``doc_norm`` = k1·(1−b+b·dl/avgdl) of each entry's document."""
    tf = np.asarray(tf, dtype=np.float32)
    return tf * np.float32(K1 + 1) / (tf + doc_norm) * np.asarray(idf, dtype=np.float32)


class ColumnSlice:
    """Some columns of ``Weights``: per column, its documents (each once) and their weights."""

    def __init__(self, rows: list[np.ndarray], vals: list[np.ndarray], n_docs: int):
        self.rows, self.vals, self.n_docs = rows, vals, n_docs

    def dot(self, comp: np.ndarray) -> np.ndarray:
        """documents × parts: this slice times ``comp`` (columns × parts), summed in float32
        column by column as a compressed-column product does (the same bits as scipy's)."""
        comp = np.asarray(comp, dtype=np.float32)
        out = np.zeros((comp.shape[1], self.n_docs), dtype=np.float32)
        for j, (rows, vals) in enumerate(zip(self.rows, self.vals, strict=True)):
            for p in np.flatnonzero(comp[j]).tolist():  # adding 0 × weight would change nothing
                # a document appears once in a column, so += on the fancy index is exact
                out[p, rows] += vals * comp[j, p]
        return out.T

    def present(self, docs: np.ndarray, n_cols: int) -> np.ndarray:
        """len(docs) × n_cols: which of the columns have a positive weight in each document."""
        pos = np.full(self.n_docs, -1, dtype=np.int64)
        pos[docs] = np.arange(len(docs))
        out = np.zeros((len(docs), n_cols), dtype=bool)
        for j, (rows, vals) in enumerate(zip(self.rows, self.vals, strict=True)):
            at = pos[rows]
            out[at[(at >= 0) & (vals > 0)], j] = True
        return out


SIDECARS = ("weights_tf", "weights_indices", "weights_indptr", "vocab_bytes", "vocab_offsets")


def _sidecar(path: Path, build: str, name: str) -> Path:
    return path.with_name(f"{path.stem}.{build}.{name}.npy")


def _write_sidecars(out: Path, payload: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write the weight matrix and the vocabulary as .npy files named after this build, so a
    worker never pairs a new main file with an older build's arrays."""
    build = payload["build"]
    for name in SIDECARS:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".index-", suffix=".npy")
        with os.fdopen(fd, "wb") as f:
            np.save(f, arrays[name], allow_pickle=False)
        os.replace(tmp, _sidecar(out, build, name))


def _drop_old_sidecars(out: Path, build: str) -> None:
    """Arrays of earlier builds: a worker that still maps one keeps it until it reloads
    (an unlinked file lives as long as its mapping)."""
    for old in out.parent.glob(f"{out.stem}.*.npy"):
        if f".{build}." not in old.name:
            try:
                old.unlink()
            except FileNotFoundError:
                pass


def _attach_sidecars(idx: dict, path: Path) -> dict:
    build = idx["build"]
    arrays = {name: np.load(_sidecar(path, build, name), mmap_mode="r", allow_pickle=False) for name in SIDECARS}
    idx["weights"] = Weights(arrays["weights_tf"], arrays["weights_indices"], arrays["weights_indptr"],
                             idx["doc_norm"], idx["idf"], tuple(idx["weights_shape"]))
    idx["vocab"] = Vocabulary(arrays["vocab_bytes"], arrays["vocab_offsets"])
    return idx


_lock = threading.RLock()
_cache: dict = {"path": None, "mtime": None, "index": None, "checked": 0.0}
FRESHNESS_TTL = 5.0  # seconds between checks that the index still matches the database


def db_fingerprint() -> str:
    """Changes whenever a law is added, changed or removed (articles change only with their
    law: the import and the paste service save the law)."""
    from django.db.models import Count, Max

    from ..models import Law

    agg = Law.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    return f"{agg['n']}|{agg['t']}"


def index_path() -> Path:
    configured = getattr(settings, "LAWSEARCH_INDEX_PATH", None)
    if configured:
        return Path(configured)
    # One file per database, so a test database or a benchmark copy never reads the index
    # built for another database.
    db = settings.DATABASES["default"]
    key = hashlib.sha1(f"{db['ENGINE']}|{db.get('HOST', '')}|{db.get('PORT', '')}|{db['NAME']}".encode()).hexdigest()[:10]
    return Path(settings.BASE_DIR) / "var" / "lawsearch" / f"index-{key}.pkl"


def searchable_laws(day=None):
    """Per title, the version in force on ``day`` (else the newest text), never a repealed
    law nor an amendment act. Returns Law objects."""
    from ..models import Law, LawStatus

    day = day or timezone.localdate()
    by_title: dict[str, list] = {}
    for law in (Law.objects.exclude(status=LawStatus.REPEALED).exclude(doc_type__in=SKIP_DOC_TYPES)
                .exclude(title__contains="修正案")):
        by_title.setdefault(law.title, []).append(law)
    chosen = []
    for versions in by_title.values():
        in_force = [v for v in versions if v.in_force_from is None or v.in_force_from <= day]
        if in_force:
            chosen.append(max(in_force, key=lambda v: (v.in_force_from or datetime.date.min, v.pk)))
        else:
            chosen.append(max(versions, key=lambda v: (v.is_current_text, v.pk)))
    return chosen


def build_index(path: Path | None = None) -> Path:
    from scipy import sparse

    from ..models import Article

    started = time.monotonic()
    laws = {law.pk: law for law in searchable_laws()}
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[int] = []
    doc_len: list[int] = []
    meta = {"article_id": [], "law_idx": [], "number": [], "suffix": [], "label": [], "group": [], "feats": []}
    groups: dict[tuple[int, str], int] = {}
    # one string per distinct label (第一条 begins nearly every law): the pickle then stores
    # and a worker loads each once, about 0.2 MB for 23,634 articles instead of 2.2 MB
    labels: dict[str, str] = {}
    law_list = sorted(laws.values(), key=lambda law: law.pk)
    law_pos = {law.pk: i for i, law in enumerate(law_list)}
    qs = (
        Article.objects.filter(law_id__in=list(laws))
        .order_by("law_id", "position")
        .values_list("id", "law_id", "number", "suffix", "label", "part", "chapter", "section", "text")
    )
    for doc, (aid, law_id, number, suffix, label, part, chapter, section, text) in enumerate(qs.iterator(chunk_size=2000)):
        law = laws[law_id]
        tokens = doc_tokens(f"{law.short_title} {chapter} {section} {text}")
        counts = Counter(tokens)
        for tok, c in counts.items():
            tid = vocab.get(tok)
            if tid is None:
                tid = vocab[tok] = len(vocab)
            rows.append(doc)
            cols.append(tid)
            vals.append(c)
        doc_len.append(len(tokens))
        meta["article_id"].append(aid)
        meta["law_idx"].append(law_pos[law_id])
        meta["number"].append(number)
        meta["suffix"].append(suffix)
        meta["label"].append(labels.setdefault(label, label))
        gkey = (law_pos[law_id], f"{part} {chapter} {section}".strip())
        meta["feats"].append(article_features(text, gkey[1], number, 1))
        meta["group"].append(groups.setdefault(gkey, len(groups)))
    n_docs = len(doc_len)
    art_feats = np.asarray(meta["feats"], dtype=np.float32).reshape(n_docs, len(ARTICLE_FEATURES))
    # the article's place in its law: number over the law's largest number
    law_idx_arr = np.asarray(meta["law_idx"], dtype=np.int32)
    numbers = np.asarray(meta["number"], dtype=np.float32)
    if n_docs:
        max_num = np.zeros(len(law_list), dtype=np.float32)
        np.maximum.at(max_num, law_idx_arr, numbers)
        art_feats[:, ARTICLE_FEATURES.index("rel_position")] = numbers / np.maximum(max_num[law_idx_arr], 1)
    # columns numbered in the vocabulary's sorted order, so a token's column is its place there
    order = sorted(vocab)
    renumber = np.empty(len(vocab), dtype=np.int64)
    renumber[np.asarray([vocab[t] for t in order], dtype=np.int64)] = np.arange(len(order))
    tf = sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (np.asarray(rows), renumber[np.asarray(cols, dtype=np.int64)])),
        shape=(n_docs, len(vocab)),
    ).tocsc()
    dl = np.asarray(doc_len, dtype=np.float32)
    avgdl = float(dl.mean()) if n_docs else 1.0
    df = np.diff(tf.indptr).astype(np.float32)  # documents per token (a column holds each once)
    idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
    # BM25's length normalisation per document; a column's weights are computed from its
    # counts when a search reads it (Weights.columns)
    norm = K1 * (1 - B + B * dl / avgdl)
    blob, offsets = Vocabulary.arrays(order)
    arrays = {
        "weights_tf": tf.data.astype(np.uint8 if tf.data.max(initial=0) <= 255 else np.uint16),
        "weights_indices": tf.indices.astype(np.uint16 if n_docs <= 65536 else np.int32),
        "weights_indptr": tf.indptr.astype(np.int32 if tf.nnz < 2**31 else np.int64),
        "vocab_bytes": blob, "vocab_offsets": offsets,
    }
    payload = {
        "format": INDEX_FORMAT,
        "build": os.urandom(6).hex(),
        "built_at": timezone.now().isoformat(),
        "built_for": timezone.localdate().isoformat(),
        "idf": idf,
        "doc_norm": norm.astype(np.float32),
        "weights_shape": tf.shape,
        "article_id": np.asarray(meta["article_id"], dtype=np.int64),
        "law_idx": np.asarray(meta["law_idx"], dtype=np.int32),
        "number": np.asarray(meta["number"], dtype=np.int32),
        "suffix": np.asarray(meta["suffix"], dtype=np.int16),
        "label": meta["label"],
        "group": np.asarray(meta["group"], dtype=np.int32),
        "art_feats": art_feats,
        "groups": [{"law_idx": li, "path": path, "names": _heading_names(path)}
                   for (li, path), _ in sorted(groups.items(), key=lambda x: x[1])],
        "laws": [
            {"id": law.pk, "title": law.title, "short": law.short_title, "slug": law.slug,
             "aliases": list(law.aliases or []), "category": law.category, "doc_type": law.doc_type,
             "region": law.region_code or ""}
            for law in law_list
        ],
        "seconds": time.monotonic() - started,
        "fingerprint": db_fingerprint(),
    }
    out = Path(path or index_path())
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_sidecars(out, payload, arrays)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".index-", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, out)
    _drop_old_sidecars(out, payload["build"])
    with _lock:
        _cache.update(path=None, mtime=None, index=None)
    return out


def ensure_index() -> Path:
    path = index_path()
    if not path.exists():
        return build_index(path)
    return path


def load_index() -> dict:
    """The index of this process, reloaded when the file on disk has changed."""
    path = index_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        build_index(path)
        mtime = path.stat().st_mtime_ns
    if _cache["index"] is not None and _cache["path"] == path and _cache["mtime"] == mtime:
        return _fresh(_cache["index"], path)
    with _lock:
        if _cache["index"] is not None and _cache["path"] == path and _cache["mtime"] == mtime:
            return _cache["index"]
        with open(path, "rb") as f:
            idx = pickle.load(f)  # our own file, written by build_index
        if idx.get("format") != INDEX_FORMAT:
            build_index(path)
            with open(path, "rb") as fh:
                idx = pickle.load(fh)
            mtime = path.stat().st_mtime_ns
        try:
            idx = _attach_sidecars(idx, path)
        except FileNotFoundError:  # a rebuild replaced this build's arrays meanwhile: read the new one
            with open(path, "rb") as fh:
                idx = _attach_sidecars(pickle.load(fh), path)
            mtime = path.stat().st_mtime_ns
        # a file just read is checked against the database at once: a process started after the
        # database changed (a migration, another process's import) would otherwise search the old
        # file for FRESHNESS_TTL, and a one-shot command (embed_articles) for its whole life
        _cache.update(path=path, mtime=mtime, index=idx, checked=0.0)
        return _fresh(idx, path)


def _fresh(idx: dict, path: Path) -> dict:
    """Rebuild when the database no longer matches the index (a law added or changed since,
    another database restored under the same name). Checked at most every few seconds; on
    every call under pytest, where each test has its own rolled-back data."""
    ttl = 0.0 if "PYTEST_CURRENT_TEST" in os.environ else FRESHNESS_TTL
    now = time.monotonic()
    if now - _cache.get("checked", 0.0) < ttl:
        return idx
    _cache["checked"] = now
    if idx.get("fingerprint") == db_fingerprint():
        return idx
    with _lock:
        try:
            if path.stat().st_mtime_ns != _cache["mtime"]:  # another worker rebuilt it meanwhile
                return load_index()
        except FileNotFoundError:
            pass
        build_index(path)
        return load_index()


def _heading_names(path: str) -> list[str]:
    """``第三编 合同 第十四章 租赁合同`` → ["合同", "租赁合同"] (headings without their numbers)."""
    import re

    return [m.strip() for m in re.split(r"第[^\s编章节]{1,8}(?:分编|编|章|节)", path) if m.strip()]
