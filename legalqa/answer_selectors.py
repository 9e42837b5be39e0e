"""The answer page of the law search (reads only): the first three articles, each with a
one-line gist taken from its own words, the rest grouped by law, and the next steps that fit
the question's field of law.

Nothing here writes legal advice: the gist is the article's own sentence that shares the
most words with the question (cut to one line), labelled with the name of the concept of the
colloquial table that led to it; the next steps are the platform's own services for that
field (a lawyer of the field, mediation, an appeal to the centre, a document template, a
legal video)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .search.tokens import normalize, query_runs

TOP = 3
GIST_CHARS = 60
RELATED_PER_LAW = 6

# Field of the colloquial concept table (LegalConcept.field) → Q&A field code
# (legalqa.FieldOfLaw.code, the one list used by the Q&A and the legal videos).
CONCEPT_FIELD_TO_QA = {
    "租赁": "housing", "物权": "housing", "物业": "property-mgmt", "劳动": "labour", "社会保障": "labour",
    "婚姻": "marriage", "未成年人": "marriage", "继承": "inheritance", "借贷": "loan", "消费": "consumer",
    "交通": "traffic", "医疗": "medical", "相邻": "neighbour", "土地": "land", "行政": "administrative",
    "合同": "contract", "刑事": "criminal", "诈骗": "criminal",
}
# Without a concept, the field follows the articles shown first (their law, or the 民法典 chapter):
# the field most of them map to, the higher-ranked on a tie, so one stray first hit (a long story's
# detail matched an unrelated article) does not send the citizen to the wrong lawyer.
LAW_TO_QA = {
    "劳动合同法": "labour", "劳动法": "labour", "社会保险法": "labour", "职业病防治法": "labour",
    "劳动争议调解仲裁法": "labour", "道路交通安全法": "traffic", "消费者权益保护法": "consumer",
    "食品安全法": "consumer", "产品质量法": "consumer", "土地管理法": "land", "行政处罚法": "administrative",
    "行政复议法": "administrative", "行政诉讼法": "administrative", "行政强制法": "administrative",
    "治安管理处罚法": "administrative", "国家赔偿法": "administrative", "刑法": "criminal",
    "反家庭暴力法": "marriage", "老年人权益保障法": "marriage", "未成年人保护法": "marriage",
    "妇女权益保障法": "marriage",
}
CHAPTER_TO_QA = [
    ("租赁合同", "housing"), ("物业服务合同", "property-mgmt"), ("业主的建筑物区分所有权", "property-mgmt"),
    ("相邻关系", "neighbour"), ("婚姻家庭", "marriage"), ("继承", "inheritance"), ("借款合同", "loan"),
    ("保证合同", "loan"), ("机动车交通事故责任", "traffic"), ("医疗损害责任", "medical"),
    ("合同", "contract"),
]
# Fields whose disputes are between neighbours, families, landlords, sellers …: the centre's
# mediation fits them; fields where an office or an employer must act: an appeal fits.
MEDIATION_FIELDS = {"housing", "property-mgmt", "neighbour", "marriage", "inheritance", "loan", "consumer",
                    "traffic", "contract", "land", "medical", "labour"}
APPEAL_FIELDS = {"administrative", "labour", "land", "property-mgmt", "consumer", "neighbour", "housing"}


@dataclass
class Gist:
    article: object
    hit: object
    gist_html: str
    full_html: str
    concept: str = ""


@dataclass
class Step:
    kind: str
    label: str
    url: str
    primary: bool = False


@dataclass
class Answer:
    top: list[Gist]
    related: list[dict]
    field_code: str = ""
    field_name: str = ""
    steps: list[Step] = field(default_factory=list)


def build_answer(result, articles: dict, *, concept_fields: dict[str, str] | None = None,
                 concept_laws: dict[str, tuple] | None = None) -> Answer:
    """``result``: a search.engine.SearchResult; ``articles``: article id → Article (with law)."""
    from .search.concepts import concepts_by_name

    by_name = concepts_by_name()
    fired = [by_name[n] for n in result.concepts if n in by_name]
    own = _phrases(result.query, [])
    terms = sorted({t for c in fired for t in c.terms if len(t) >= 2}, key=len, reverse=True)
    items = []
    for hit in result.hits:
        art = articles.get(hit.article_id)
        if art is not None:
            items.append((hit, art))
    top = []
    for hit, art in items[:TOP]:
        sentence = _best_sentence(art.text, result.query, fired)
        top.append(Gist(article=art, hit=hit, gist_html=_mark(sentence, own, terms),
                        full_html=_mark(art.text, own, terms), concept=_concept_for(art, fired)))
    related: dict[int, dict] = {}
    for hit, art in items[TOP:]:
        group = related.setdefault(art.law_id, {"law": art.law, "items": []})
        if len(group["items"]) < RELATED_PER_LAW:
            group["items"].append({"article": art, "hit": hit,
                                   "gist": _cut(_best_sentence(art.text, result.query, fired), 40)})
    code = _field_for(fired, items)
    answer = Answer(top=top, related=list(related.values()), field_code=code)
    if items:
        answer.field_name, answer.steps = _steps(code, result.query, fired)
    return answer


def _phrases(query: str, terms: list[str]) -> list[str]:
    """The question's own runs (two characters or longer), longest first."""
    out = {r for r in query_runs(query) if len(r) >= 2}
    out |= {t for t in terms if len(t) >= 2}
    return sorted(out, key=len, reverse=True)


def _mark(text: str, phrases: list[str], terms: list[str] = ()) -> str:
    """Escape ``text`` and mark only the matched phrase: the longest stretches it shares
    with the question (two characters or more; a run is matched piecewise, so 不退押金 marks
    押金 where only that occurs) and the first occurrence of each statute word of the
    concept that led to the article (违约责任), never single characters or every repeat."""
    norm = normalize(text)
    marks = [False] * len(text)
    for phrase in phrases:
        for piece in _pieces_in(phrase, norm):
            start = norm.find(piece)
            while start != -1:
                for i in range(start, start + len(piece)):
                    marks[i] = True
                start = norm.find(piece, start + len(piece))
    for term in terms:
        start = norm.find(term)
        if start != -1 and not any(marks[start:start + len(term)]):
            for i in range(start, start + len(term)):
                marks[i] = True
    out = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = escape(text[i:j])
        out.append(f"<mark>{chunk}</mark>" if marks[i] else chunk)
        i = j
    return mark_safe("".join(out))


def _pieces_in(phrase: str, text: str) -> list[str]:
    """Maximal pieces (two characters or more) of ``phrase`` that occur in ``text``."""
    if phrase in text:
        return [phrase]
    pieces = []
    i = 0
    while i < len(phrase) - 1:
        best = ""
        for j in range(len(phrase), i + 1, -1):
            if phrase[i:j] in text:
                best = phrase[i:j]
                break
        if len(best) >= 2:
            pieces.append(best)
            i += len(best)
        else:
            i += 1
    # single common bigrams of a long run say little (的人, 一个): keep pieces of 3+ then
    return [p for p in pieces if len(p) >= 3] or pieces[:1] if len(phrase) > 6 else pieces


SENTENCE_RE = re.compile(r"[^。；\n]+[。；]?")


def _best_sentence(text: str, query: str, fired) -> str:
    """The sentence (up to 。 or ；) of the article sharing most character bigrams with the
    question and the statute words of the concepts that led to it; the first on a tie."""
    grams = set()
    for run in query_runs(query):
        grams.update(run[i:i + 2] for i in range(len(run) - 1))
    for c in fired:
        for t in c.terms:
            grams.update(t[i:i + 2] for i in range(len(t) - 1))
    best, best_score = "", -1.0
    for m in SENTENCE_RE.finditer(text):
        s = m.group(0).strip()
        if len(s) < 4:
            continue
        score = sum(1 for i in range(len(s) - 1) if s[i:i + 2] in grams) / (1 + len(s) / 80)
        if score > best_score:
            best, best_score = s, score
    return _cut(best or text, GIST_CHARS)


def _cut(s: str, n: int) -> str:
    s = s.strip()
    return s if len(s) <= n else s[: n - 1] + "…"


def _concept_for(article, fired) -> str:
    """The name of a fired concept that prefers the article's law (and chapter, if it names one)."""
    law = article.law
    names = {law.short_title, *(law.aliases or [])}
    heading = f"{article.part} {article.chapter} {article.section}"
    fallback = ""
    for c in fired:
        for entry in c.laws:
            name, _, chapter = entry.partition(":")
            if name in names:
                if chapter and chapter in heading:
                    return c.name
                if not chapter:
                    fallback = fallback or c.name
    return fallback


def _field_for(fired, items) -> str:
    for c in fired:
        code = CONCEPT_FIELD_TO_QA.get(c.field)
        if code:
            return code
    codes = [code for code in (_article_field(art) for _hit, art in items[:TOP]) if code]
    if not codes:
        return "other"
    return max(codes, key=lambda code: (codes.count(code), -codes.index(code)))


def _article_field(art) -> str:
    code = LAW_TO_QA.get(art.law.short_title)
    if code:
        return code
    heading = f"{art.part} {art.chapter} {art.section}"
    return next((code for chapter, code in CHAPTER_TO_QA if chapter in heading), "")


# Next-step providers: apps that offer a service for a field of law (the lawyer Q&A, legal
# videos) register a function in their AppConfig.ready(); legalqa never imports them, so
# the dependency points from them to the library.
StepProvider = Callable[[str, str, str], list[Step]]
_STEP_PROVIDERS: list[StepProvider] = []


def register_step_provider(provider: StepProvider) -> StepProvider:
    """``provider(field_code, field_label, question) -> [Step]``; idempotent."""
    if provider not in _STEP_PROVIDERS:
        _STEP_PROVIDERS.append(provider)
    return provider


def _steps(code: str, query: str, fired) -> tuple[str, list[Step]]:
    label = next((c.field for c in fired if CONCEPT_FIELD_TO_QA.get(c.field) == code), "")
    steps: list[Step] = []
    for provider in _STEP_PROVIDERS:
        steps.extend(provider(code, label, query))
    if code in MEDIATION_FIELDS:
        steps.append(Step("mediation", _("申请调解"), reverse("grievances:submit") + "?kind=dispute"))
    if code in APPEAL_FIELDS:
        steps.append(Step("appeal", _("向综治中心反映"), reverse("grievances:submit") + "?kind=complaint"))
    order = {"lawyer": 0, "mediation": 1, "appeal": 2, "template": 3, "video": 4}
    steps.sort(key=lambda s: order.get(s.kind, 9))
    return label, steps
