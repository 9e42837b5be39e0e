"""Citation check: find every statute reference in free Chinese text and say whether it is real.

    find_citations(text) -> list[Citation]

Recognised forms: 《中华人民共和国民法典》第一千一百六十五条, 《民法典》第1165条第一款,
民法典第一千一百六十五条, 《劳动合同法》第八十二条之规定, 刑法第二百六十六条, 第一百二十条之一,
lists after one law (《民法典》第一千一百六十五条、第一千一百六十六条 / 第一款、第二款), and
同法/该法第X条 after a named law. Each reference resolves to the version of the law in force
today and gets a verdict: valid | unknown_law | no_such_article | paragraph_out_of_range |
repealed | not_covered (a judicial interpretation, administrative or local regulation the
library does not hold: neither confirmed nor called fake)."""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import asdict, dataclass, field

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Article, Law, LawStatus, RepealedLaw, Verdict, article_key
from .numerals import NUM_CHARS, article_label, cn2num, num2cn

BAD_VERDICTS = {Verdict.UNKNOWN_LAW, Verdict.NO_SUCH_ARTICLE, Verdict.PARAGRAPH_OUT_OF_RANGE, Verdict.REPEALED}

N = rf"[{NUM_CHARS}]+"
ART_RE = re.compile(
    rf"第\s*(?P<num>{N})\s*条(?:之\s*(?P<suf>{N}))?"
    rf"(?:\s*第\s*(?P<para>{N})\s*款)?(?:\s*第\s*(?P<item>{N})\s*项)?"
)
BRACKET_RE = re.compile(r"《(?P<name>[^《》\n]{2,80})》\s*(?:的\s*)?")
CONT_GAP_RE = re.compile(r"\s*(?:、|，|,|和|及|以及|或者|或|与|至)\s*")
PARA_ONLY_RE = re.compile(rf"第\s*(?P<para>{N})\s*款(?:\s*第\s*(?P<item>{N})\s*项)?")
SAME_LAW_RE = re.compile(r"(?:同法|该法|此法)\s*$")
LEAD_RE = re.compile(r"^(?:.*?(?:根据|依据|依照|按照|参照|违反|适用|对照|援引|引用|参见|见|依|按|据|和|及|与|或|是|为|在|了|的))")
NOT_COVERED_HINT = re.compile(r"(解释|规定|条例|办法|细则|意见|批复|通知|规则|纪要|决定|章程|公约|指引|标准)$")
LOCAL_HINT = re.compile(r"^(?!中华人民共和国).{1,8}?(省|市|自治区|自治州|县|区)")
BARE_NAME_RE = re.compile(r"([\u4e00-\u9fff]{2,30}?(?:法典|法|条例|规定|解释|办法|细则))$")


@dataclass
class Citation:
    start: int
    end: int
    quote: str
    law: str
    article: int | None
    suffix: int = 0
    paragraph: int | None = None
    item: int | None = None
    verdict: str = Verdict.VALID
    url: str = ""
    message: str = ""
    law_slug: str = ""
    successor: str = ""
    acknowledged: bool = False
    article_id: int | None = field(default=None, repr=False)
    law_id: int | None = field(default=None, repr=False)

    @property
    def is_bad(self) -> bool:
        return self.verdict in BAD_VERDICTS and not self.acknowledged

    @property
    def label(self) -> str:
        if self.article is None:
            return ""
        return article_label(self.article, self.suffix)

    @property
    def verdict_label(self) -> str:
        return str(Verdict(self.verdict).label)

    def as_json(self) -> dict:
        return {
            "start": self.start, "end": self.end, "text": self.quote, "law": self.law, "article": self.article,
            "label": self.label, "paragraph": self.paragraph, "verdict": self.verdict, "url": self.url or None,
            "message": self.message, **({"successor": self.successor} if self.successor else {}),
        }

    def as_dict(self) -> dict:
        return asdict(self)


# --- the name table ----------------------------------------------------------------------

_lock = threading.Lock()
_table: dict = {"stamp": None, "checked": 0.0}
STAMP_TTL = 5.0  # seconds between checks whether laws changed (no queries in between)


def _stamp():
    agg = Law.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    return (agg["n"], agg["t"], RepealedLaw.objects.count())


def _names() -> dict:
    """name as written → ("law", title) | ("repealed", RepealedLaw). Cached per process until
    a law or a repealed-law entry changes."""
    now = time.monotonic()
    # Under pytest every call re-checks (one database per test, rolled back in between).
    ttl = 0.0 if "PYTEST_CURRENT_TEST" in os.environ else STAMP_TTL
    if _table.get("stamp") is not None and now - _table.get("checked", 0.0) < ttl:
        return _table
    stamp = _stamp()
    if _table.get("stamp") == stamp:
        _table["checked"] = now
        return _table
    with _lock:
        names: dict[str, tuple] = {}
        groups: dict[str, list[Law]] = {}
        for law in Law.objects.exclude(doc_type__in=["修正案", "修改决定"]):
            groups.setdefault(law.title, []).append(law)
        for rep in RepealedLaw.objects.select_related("successor"):
            for name in {rep.name, _short(rep.name)}:
                names[name] = ("repealed", rep)
        for title, versions in groups.items():
            keys = {title}
            for v in versions:
                keys.add(v.short_title)
                keys.update(v.aliases or [])
            for key in keys:
                if key:
                    names[key] = ("law", title)
        _table.clear()
        _table.update(stamp=stamp, checked=now, names=names, groups=groups, articles={},
                      maxlen=max((len(k) for k in names), default=0))
    return _table


def _short(name: str) -> str:
    return name[len("中华人民共和国"):] if name.startswith("中华人民共和国") and len(name) >= 9 else name


def version_in_force(versions: list[Law], day=None) -> Law | None:
    """Of the versions of one title, the one in force on ``day``; a repealed title has none.
    A law whose only text takes effect later still resolves to that text."""
    day = day or timezone.localdate()
    live = [v for v in versions if v.status != LawStatus.REPEALED]
    if not live:
        return None
    in_force = [v for v in live if v.in_force_from is None or v.in_force_from <= day]
    if in_force:
        return max(in_force, key=lambda v: (v.in_force_from or day.min, v.pk))
    return max(live, key=lambda v: (v.is_current_text, v.pk))


def _law_articles(table: dict, law_id: int) -> dict:
    """(number, suffix) → (article id, number of 款) for one law, cached with the name table,
    so checking references costs no queries once a law has been seen."""
    cache = table.setdefault("articles", {})
    if law_id not in cache:
        cache[law_id] = {
            (n, suf): (pk, len(paras or []))
            for pk, n, suf, paras in Article.objects.filter(law_id=law_id).values_list(
                "id", "number", "suffix", "paragraphs")
        }
    return cache[law_id]


def resolve_law_name(name: str, table: dict | None = None) -> tuple[str, object] | None:
    table = table or _names()
    name = name.strip().strip("《》 ")
    hit = table["names"].get(name)
    if hit is None and name.startswith("中华人民共和国"):
        hit = table["names"].get(_short(name))
    return hit


# --- finding -------------------------------------------------------------------------------

def _clean_bare_name(prefix: str) -> str | None:
    m = BARE_NAME_RE.search(prefix)
    if not m:
        return None
    name = LEAD_RE.sub("", m.group(1)) or m.group(1)
    return name if len(name) >= 2 else None


def _known_suffix(prefix: str, table: dict) -> str | None:
    """The longest known law name that ``prefix`` ends with."""
    names = table["names"]
    for k in range(min(table["maxlen"], len(prefix)), 1, -1):
        if prefix[-k:] in names:
            return prefix[-k:]
    return None


def find_citations(text: str, *, day=None) -> list[Citation]:
    """Every statute reference in ``text`` with its span, resolution and verdict."""
    text = text or ""
    if "第" not in text:
        return []
    table = _names()
    raw: list[dict] = []
    consumed_until = 0
    last_law: str | None = None
    bracket_spans = {m.end(): m for m in BRACKET_RE.finditer(text)}
    for m in ART_RE.finditer(text):
        if m.start() < consumed_until:
            continue
        start = m.start()
        law_name = None
        before = text[max(0, start - 90):start]
        # 《X》 directly before (allowing 的 / spaces)
        bm = None
        for end_pos, cand in bracket_spans.items():
            if end_pos == start:
                bm = cand
                break
        if bm is not None:
            law_name = bm.group("name").strip()
            start = bm.start()
        else:
            known = _known_suffix(before, table)
            same = SAME_LAW_RE.search(before)
            if known:
                law_name = known
                start = start - len(known)
            elif same and last_law:
                law_name = last_law
                start = start - len(same.group(0))
            elif raw and CONT_GAP_RE.fullmatch(text[raw[-1]["end"]:m.start()]):
                law_name = raw[-1]["law_name"]
            else:
                bare = _clean_bare_name(before)
                if bare:
                    law_name = bare
                    start = start - len(bare)
        if law_name is None:
            continue
        item = {
            "start": start, "end": m.end(), "law_name": law_name,
            "number": cn2num(m.group("num")), "suffix": cn2num(m.group("suf")) if m.group("suf") else 0,
            "para": cn2num(m.group("para")) if m.group("para") else None,
            "item": cn2num(m.group("item")) if m.group("item") else None,
        }
        raw.append(item)
        last_law = law_name
        consumed_until = m.end()
        # paragraph lists: 第一千一百六十五条第一款、第二款
        pos = m.end()
        while item["para"] is not None:
            gap = re.match(r"\s*(?:、|，|,|和|及|或)\s*", text[pos:])
            if not gap:
                break
            pm = PARA_ONLY_RE.match(text, pos + gap.end())
            if not pm:
                break
            extra = dict(item, start=pm.start(), end=pm.end(), para=cn2num(pm.group("para")),
                         item=cn2num(pm.group("item")) if pm.group("item") else None)
            raw.append(extra)
            pos = consumed_until = pm.end()
    return [_judge(r, text, table, day) for r in raw]


def _judge(r: dict, text: str, table: dict, day) -> Citation:
    c = Citation(start=r["start"], end=r["end"], quote=text[r["start"]:r["end"]], law=r["law_name"],
                 article=r["number"], suffix=r["suffix"], paragraph=r["para"], item=r["item"])
    hit = resolve_law_name(r["law_name"], table)
    if hit is None:
        name = r["law_name"]
        if NOT_COVERED_HINT.search(name) or LOCAL_HINT.match(name) or "最高人民" in name:
            c.verdict = Verdict.NOT_COVERED
            c.message = _("本库未收录《%(name)s》，无法核验（不视为错误）") % {"name": name}
        else:
            c.verdict = Verdict.UNKNOWN_LAW
            c.message = _("没有名为《%(name)s》的法律，请核对法律名称") % {"name": name}
        return c
    kind, ref = hit
    if kind == "repealed":
        return _repealed(c, ref, text)
    law = version_in_force(table["groups"][ref], day)
    if law is None:
        rep = RepealedLaw.objects.filter(name=ref).select_related("successor").first()
        if rep:
            return _repealed(c, rep, text)
        c.law = ref
        c.verdict = Verdict.REPEALED
        c.message = _("《%(name)s》已废止") % {"name": _short(ref)}
        return c
    c.law, c.law_id, c.law_slug = law.title, law.pk, law.slug
    if c.article is None:
        c.verdict = Verdict.NO_SUCH_ARTICLE
        c.message = _("无法识别条号")
        c.url = law.get_absolute_url()
        return c
    known = _law_articles(table, law.pk)
    art = known.get((c.article, c.suffix))
    if art is None:
        c.verdict = Verdict.NO_SUCH_ARTICLE
        last = max((n for (n, suf) in known if not suf), default=0)
        c.message = _("《%(law)s》没有%(label)s（该法共%(n)s条）") % {
            "law": law.short_title, "label": article_label(c.article, c.suffix), "n": num2cn(last or 0)}
        c.url = law.get_absolute_url()
        return c
    c.article_id = art[0]
    from django.urls import reverse

    c.url = reverse("legalqa:article_detail", kwargs={"law": law.slug, "article": article_key(c.article, c.suffix)})
    n_paras = art[1] or 1
    if c.paragraph is not None and not (1 <= c.paragraph <= n_paras):
        c.verdict = Verdict.PARAGRAPH_OUT_OF_RANGE
        c.message = _("《%(law)s》%(label)s只有%(n)d款，没有第%(p)s款") % {
            "law": law.short_title, "label": article_label(c.article, c.suffix), "n": n_paras,
            "p": num2cn(c.paragraph)}
        return c
    if c.paragraph:
        c.url += f"#p{c.paragraph}"
    c.verdict = Verdict.VALID
    return c


def _repealed(c: Citation, rep: RepealedLaw, text: str) -> Citation:
    c.law = rep.name
    c.verdict = Verdict.REPEALED
    before = text[max(0, c.start - 2):c.start]
    after = text[c.end:c.end + 8]
    c.acknowledged = before.endswith("原") or "已废止" in after or "已失效" in after
    if rep.successor_id:
        c.successor = rep.successor_name
        c.url = rep.successor.get_absolute_url()
        when = rep.repealed_on.strftime("%Y年%-m月%-d日") if rep.repealed_on else ""
        c.message = _("《%(name)s》已%(when)s废止，现由《%(succ)s》规定，请引用新法条文") % {
            "name": _short(rep.name), "when": (_("于") + when) if when else "", "succ": _short(rep.successor_name)}
    else:
        c.message = _("《%(name)s》已废止") % {"name": _short(rep.name)}
    return c


def bad_citations(text: str) -> list[Citation]:
    return [c for c in find_citations(text) if c.is_bad]


def record_citations(obj, text: str) -> list:
    """Store the references found in ``text`` for ``obj`` (see legalqa.library_services)."""
    from .library_services import record_citations as _record

    return _record(obj, text)
