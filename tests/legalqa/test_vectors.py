"""Article vectors for the search's article channel (legalqa/search/vectors.py, the
``embed_articles`` command and task): every indexed article embedded once, resumable, and a
re-import re-embeds only the passages that changed."""

import numpy as np
import pytest
from django.core.management import call_command

from legalqa import tasks
from legalqa.models import Article
from legalqa.search import vectors
from legalqa.search.index import build_index, index_path, load_index


class FakeEmbedder:
    """A vector per passage from its hash (no model), counting what it was asked to embed."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, passages):
        self.seen += passages
        out = []
        for p in passages:
            rng = np.random.default_rng(int(vectors.passage_hash(p)[:8], 16))
            out.append(rng.standard_normal(vectors.DIM))
        return np.array(out, dtype=np.float32)


def store_files(pattern):
    idx = load_index()
    return idx, sorted(vectors.store_dir(index_path()).glob(pattern))


def test_every_indexed_article_is_embedded_once_and_aligned_with_the_index(law_corpus):
    idx = load_index()
    fake = FakeEmbedder()
    result = vectors.embed_index(idx, index_path(), embed=fake, batch=2, chunk=3)
    n = len(idx["article_id"])
    assert result["rows"] == n and result["missing"] == 0
    assert len(fake.seen) == len(set(fake.seen))  # a passage shared by two rows is embedded once
    aligned = np.load(result["aligned"])
    assert aligned.shape == (n,) and aligned.dtype == vectors.ALIGNED_DTYPE
    mat = aligned["code"].astype(np.float32) * aligned["scale"][:, None]
    assert result["aligned"].endswith(f"aligned-{idx['build']}.npy")
    # row i is the (normalised) vector of row i's passage
    passages = vectors.index_passages(idx)
    want = fake([passages[-1]])[0]
    np.testing.assert_allclose(mat[-1], want / np.linalg.norm(want), atol=2e-3)
    # the cosines from the int8 codes are those of the float vectors, within the quantisation
    q = want / np.linalg.norm(want)
    np.testing.assert_allclose(vectors.cosines(aligned, q), mat @ q, atol=1e-5)
    assert abs(vectors.cosines(aligned, q)[-1] - 1.0) < 5e-3
    assert any("借款" in p or "民法典" in p for p in passages)
    # compacted into one chunk; a second run embeds nothing
    assert len(store_files("chunk-*.npz")[1]) == 1
    again = FakeEmbedder()
    assert vectors.embed_index(idx, index_path(), embed=again)["embedded"] == 0
    assert again.seen == []


def test_an_interrupted_run_resumes_and_no_aligned_file_until_every_article_has_a_vector(law_corpus):
    idx = load_index()
    first = vectors.embed_index(idx, index_path(), embed=FakeEmbedder(), limit=2, chunk=1)
    assert first["embedded"] == 2 and first["missing"] > 0 and first["aligned"] is None
    assert store_files("aligned-*.npy")[1] == []
    rest = FakeEmbedder()
    second = vectors.embed_index(idx, index_path(), embed=rest)
    assert second["embedded"] == first["missing"] and second["missing"] == 0 and second["aligned"]
    assert len(rest.seen) == first["missing"]


def test_shards_split_the_work_and_only_the_full_run_aligns(law_corpus):
    idx = load_index()
    a, b = FakeEmbedder(), FakeEmbedder()
    ra = vectors.embed_index(idx, index_path(), embed=a, shard=(0, 2))
    rb = vectors.embed_index(idx, index_path(), embed=b, shard=(1, 2))
    assert not set(a.seen) & set(b.seen)
    assert ra["aligned"] is None and rb["aligned"] is None and rb["missing"] == 0
    final = vectors.embed_index(idx, index_path(), embed=FakeEmbedder())
    assert final["embedded"] == 0 and final["aligned"]


def test_a_changed_article_is_embedded_again_and_the_new_build_gets_its_own_file(law_corpus):
    idx = load_index()
    vectors.embed_index(idx, index_path(), embed=FakeEmbedder())
    old_build = idx["build"]
    art = Article.objects.filter(law=law_corpus["civil"]).order_by("position").first()
    art.text = art.text + "（修改）"
    art.save()
    build_index()
    idx = load_index()
    assert idx["build"] != old_build
    fake = FakeEmbedder()
    result = vectors.embed_index(idx, index_path(), embed=fake)
    assert result["embedded"] == 1 and "（修改）" in fake.seen[0]
    _, aligned = store_files("aligned-*.npy")
    assert [p.name for p in aligned] == [f"aligned-{idx['build']}.npy"]  # the old build's file removed


def test_a_damaged_chunk_is_skipped_and_its_passages_embedded_again(law_corpus):
    idx = load_index()
    vectors.embed_index(idx, index_path(), embed=FakeEmbedder())
    _, chunks = store_files("chunk-*.npz")
    chunks[0].write_bytes(b"not a zip")
    fake = FakeEmbedder()
    result = vectors.embed_index(idx, index_path(), embed=fake)
    assert result["embedded"] == len(set(vectors.index_passages(idx))) and result["missing"] == 0


def test_the_command_embeds_with_the_default_embedder(law_corpus, monkeypatch, capsys):
    fake = FakeEmbedder()
    monkeypatch.setattr(vectors, "default_embedder", lambda: fake)
    call_command("embed_articles", "--nice", "0", "--batch", "4")
    out = capsys.readouterr().out
    assert "0 without a vector" in out and "aligned:" in out
    assert fake.seen
    with pytest.raises(Exception, match="shard"):
        call_command("embed_articles", "--nice", "0", "--shard", "2/2")


def test_the_task_is_queued_after_an_import_only_with_a_broker(law_corpus, settings, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.embed_articles, "delay", lambda: queued.append(1))
    settings.CELERY_TASK_ALWAYS_EAGER = True  # development server, tests: never an hour inside a request
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.queue_embedding() is False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.LAWSEARCH_EMBED_ARTICLES = False
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.queue_embedding() is False
    settings.LAWSEARCH_EMBED_ARTICLES = True
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.queue_embedding() is True
    assert queued == [1]


def test_the_task_embeds_what_is_missing(law_corpus, monkeypatch):
    fake = FakeEmbedder()
    monkeypatch.setattr(vectors, "default_embedder", lambda: fake)
    monkeypatch.setattr("os.nice", lambda n: 0)
    result = tasks.embed_articles.run()
    assert result["missing"] == 0 and result["embedded"] == len(set(fake.seen)) > 0


def test_the_int8_aligned_vectors_give_the_float_cosines_within_the_quantisation_step():
    """The aligned file keeps each article's vector as int8 codes and a scale (9 MB instead of
    36 MB per worker); its cosines are the float vectors' within about 1e-3, in blocks or not."""
    rng = np.random.default_rng(7)
    v = rng.standard_normal((5000, vectors.DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q = v[123] + 0.6 * v[4567]
    q /= np.linalg.norm(q)
    aligned = vectors.quantise(v)
    assert aligned.nbytes == 5000 * (vectors.DIM + 4)
    got, want = vectors.cosines(aligned, q), v @ q
    assert np.abs(got - want).max() < 2e-3
    assert list(np.argsort(-got)[:2]) == list(np.argsort(-want)[:2]) == [123, 4567]
    zero = vectors.quantise(np.zeros((1, vectors.DIM)))  # no division by zero
    assert vectors.cosines(zero, q)[0] == 0.0


def test_shipped_vectors_are_taken_first_and_only_a_changed_passage_is_embedded(law_corpus, tmp_path):
    """A new deployment takes the vectors the repository ships (corpus_e5.npz) for every passage
    it holds, and embeds only what changed since: an amended article."""
    idx = load_index()
    vectors.embed_index(idx, index_path(), embed=FakeEmbedder())
    seed = tmp_path / "corpus_e5.npz"
    assert vectors.export_seed(idx, index_path(), seed, "fake 1") == len(set(vectors.index_passages(idx)))
    for f in vectors.store_dir(index_path()).iterdir():  # a new machine: no store
        f.unlink()
    article = law_corpus["civil"].articles.get(number=1165)
    article.text = "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。（修改后）"
    article.save()
    build_index()
    idx = load_index()
    fake = FakeEmbedder()
    result = vectors.embed_index(idx, index_path(), embed=fake, seed=seed, model="fake 1")
    assert len(fake.seen) == 1 and "（修改后）" in fake.seen[0]
    assert result["seeded"] == len(set(vectors.index_passages(idx))) - 1 and result["missing"] == 0
    aligned = np.load(result["aligned"])
    mat = aligned["code"].astype(np.float32) * aligned["scale"][:, None]
    passages = vectors.index_passages(idx)
    for row in (0, len(passages) - 1):  # a shipped vector is the one the embedder gave, within int8 steps
        want = FakeEmbedder()([passages[row]])[0]
        np.testing.assert_allclose(mat[row], want / np.linalg.norm(want), atol=4e-3)


def test_shipped_vectors_of_another_embedder_or_a_damaged_file_are_not_used(law_corpus, tmp_path):
    idx = load_index()
    vectors.embed_index(idx, index_path(), embed=FakeEmbedder())
    seed = tmp_path / "corpus_e5.npz"
    vectors.export_seed(idx, index_path(), seed, "fake 1")
    distinct = len(set(vectors.index_passages(idx)))
    for model, damage in (("fake 2", False), (None, False), ("fake 1", True)):
        for f in vectors.store_dir(index_path()).iterdir():
            f.unlink()
        if damage:
            seed.write_bytes(b"not a zip")
        fake = FakeEmbedder()
        result = vectors.embed_index(idx, index_path(), embed=fake, seed=seed, model=model)
        assert result["seeded"] == 0 and len(fake.seen) == distinct and result["aligned"]


def test_the_command_exports_the_shipped_vectors_and_a_new_store_starts_from_them(law_corpus, monkeypatch,
                                                                                  tmp_path, capsys):
    seed = tmp_path / "corpus_e5.npz"
    monkeypatch.setattr(vectors, "SEED_FILE", seed)
    monkeypatch.setattr(vectors, "embedder_version", lambda: "fake 1")
    fake = FakeEmbedder()
    monkeypatch.setattr(vectors, "default_embedder", lambda: fake)
    with pytest.raises(Exception, match="no vector yet"):
        call_command("embed_articles", "--nice", "0", "--export-seed")
    call_command("embed_articles", "--nice", "0")
    call_command("embed_articles", "--nice", "0", "--export-seed")
    assert seed.exists() and "passage vectors written" in capsys.readouterr().out
    for f in vectors.store_dir(index_path()).iterdir():
        f.unlink()
    fake.seen.clear()
    call_command("embed_articles", "--nice", "0")
    out = capsys.readouterr().out
    assert fake.seen == [] and "0 passages embedded" in out and "aligned:" in out
    for f in vectors.store_dir(index_path()).iterdir():
        f.unlink()
    call_command("embed_articles", "--nice", "0", "--no-seed")
    assert len(fake.seen) == len(set(vectors.index_passages(load_index())))


def test_a_passage_hash_ending_in_zero_bytes_is_kept_whole_in_the_shipped_file(tmp_path):
    """One SHA-1 in 256 ends in a zero byte; stored as numpy bytes it would lose it and never match."""
    hashes = ["ab" * 18 + "0000", "00" * 20, "12" * 20]
    vecs = np.random.default_rng(3).standard_normal((3, vectors.DIM)).astype(np.float32)
    vectors.write_seed(tmp_path / "s.npz", hashes, vecs, "fake 1")
    got = vectors.read_seed(tmp_path / "s.npz")
    assert got["hashes"] == hashes and got["model"] == "fake 1"
    restored = got["code"].astype(np.float32) * got["scale"][:, None]
    np.testing.assert_allclose(restored, vecs, atol=float(np.abs(vecs).max()) / 127)
