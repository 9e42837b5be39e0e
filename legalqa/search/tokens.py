"""Tokens of the search: character unigrams and bigrams over runs of Chinese text, plus
whole Latin/digit words. Word segmentation (jieba) measured worse on this corpus."""

from __future__ import annotations

import re
import unicodedata

RUN_RE = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")

# Question words that carry no legal meaning; removed before n-grams are taken so that
# "怎么办" or "请问" do not match every article that happens to contain 怎/么.
QUESTION_NOISE = [
    "请问一下", "请问", "咨询一下", "咨询", "怎么办呢", "怎么办", "咋办", "咋整", "咋弄", "该怎么做", "怎么处理", "怎么算", "怎么弄",
    "怎样", "怎么", "如何", "什么", "是不是", "有没有", "能不能", "可不可以", "可以吗", "合法吗", "违法吗",
    "算不算", "吗", "呢", "吧", "啊", "呀", "哪些", "哪里", "为什么", "应该", "需要", "我们", "我家", "我的",
    "我", "你", "他们", "她们", "了", "的", "着", "都", "也", "很", "太", "又",
    "现在", "已经", "一直", "突然", "结果", "但是", "可是", "然后", "而且", "如果", "因为", "所以", "这个",
    "那个", "这种", "这样", "一下", "一个", "有人", "自己", "别人家", "人家", "到底", "真的",
]
_NOISE_RE = re.compile("|".join(sorted((re.escape(w) for w in QUESTION_NOISE), key=len, reverse=True)))


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def doc_tokens(text: str) -> list[str]:
    out: list[str] = []
    for run in RUN_RE.findall(normalize(text)):
        if run.isascii():
            out.append(run)
            continue
        out.extend(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def query_runs(text: str) -> list[str]:
    """Runs of meaningful text of a question, with question words cut out."""
    cleaned = _NOISE_RE.sub(" ", normalize(text))
    return RUN_RE.findall(cleaned)


def run_tokens(run: str) -> tuple[list[str], list[str]]:
    if run.isascii():
        return [run], []
    return list(run), [run[i:i + 2] for i in range(len(run) - 1)]
