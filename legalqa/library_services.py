"""Write use-cases of the law library (the lawyer Q&A part of legalqa keeps its own module)."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from .corpus import short_title_of
from .lawtext import parse_law_text
from .models import Article, CitationLink, Law, LawCategory, LawRequest, LawSource, LawStatus


class LawTextRefused(Exception):
    """The pasted text was not stored; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def record_citations(obj, text: str) -> list[CitationLink]:
    """Replace the citation index rows of ``obj`` with the references found in ``text``.
    Other apps call this when they publish (an answer, a video, a case explanation), so the
    article pages list them under "related" without anyone linking by hand."""
    from .citations import find_citations

    ct = ContentType.objects.get_for_model(obj)
    found = find_citations(text or "")
    with transaction.atomic():
        CitationLink.objects.filter(content_type=ct, object_id=str(obj.pk)).delete()
        rows = [
            CitationLink(
                content_type=ct, object_id=str(obj.pk), article_id=c.article_id, law_title=c.law[:200],
                article_number=c.article, paragraph=c.paragraph, verdict=c.verdict, quote=c.quote[:200],
            )
            for c in found
        ]
        CitationLink.objects.bulk_create(rows)
    return rows


def forget_citations(obj) -> None:
    """Drop the citation rows of an object that is unpublished or deleted."""
    ct = ContentType.objects.get_for_model(obj)
    CitationLink.objects.filter(content_type=ct, object_id=str(obj.pk)).delete()


def add_law_from_text(
    *, title: str, text: str, category: str = LawCategory.LOCAL_REGULATION, doc_type: str = "",
    issuing_body: str = "", promulgated_on: datetime.date | None = None,
    effective_on: datetime.date | None = None, aliases: list[str] | None = None, region_code: str = "",
    replace: Law | None = None, rebuild_index: bool = True,
) -> Law:
    """Staff add a law the package lacks (a local regulation, a new amendment) by pasting its
    text. The parser splits 编/章/节/条/款; any problem (numbering gap, duplicate, unreadable
    heading) refuses the whole text and nothing is written. With ``replace`` the given
    staff-entered law gets the new text (its address stays)."""
    parsed = parse_law_text(text)
    problems = list(parsed.problems)
    title = (title or "").strip()
    if not title:
        problems.insert(0, _("请填写法律名称"))
    clash = Law.objects.filter(title=title, is_current_text=True)
    if replace is not None:
        clash = clash.exclude(pk=replace.pk)
        if replace.source != LawSource.STAFF:
            problems.insert(0, _("数据包导入的法律不能在此替换，请新增一个版本"))
    if title and clash.exists():
        problems.insert(0, _("已有同名法律《%(t)s》；如为新版本，请先将旧版本标为已修改") % {"t": title})
    if problems:
        raise LawTextRefused(problems)
    short = short_title_of(title)
    digest = hashlib.sha256(text.encode()).hexdigest()
    with transaction.atomic():
        if replace is None:
            base = short if len(short) <= 40 else f"local-{digest[:10]}"
            slug, n = base, 2
            while Law.objects.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            law = Law(source=LawSource.STAFF, source_id=f"staff-{digest[:16]}-{Law.objects.count() + 1}", slug=slug)
        else:
            law = replace
            law.articles.all().delete()
        law.title, law.short_title = title, short
        law.aliases = aliases or []
        law.category = category
        law.doc_type = doc_type or ("地方性法规" if category == LawCategory.LOCAL_REGULATION else "法律")
        law.issuing_body, law.promulgated_on, law.effective_on = issuing_body, promulgated_on, effective_on
        law.version_date = promulgated_on
        law.in_force_from = effective_on or promulgated_on
        law.status, law.is_current_text = LawStatus.IN_FORCE, True
        law.region_code, law.content_hash, law.article_count = region_code, digest, len(parsed.articles)
        law.save()
        Article.objects.bulk_create([
            Article(law=law, number=a.number, suffix=a.suffix, label=a.label, position=i + 1, part=a.part,
                    chapter=a.chapter, section=a.section, text=a.text, paragraphs=a.paragraphs)
            for i, a in enumerate(parsed.articles)
        ])
        if rebuild_index:
            transaction.on_commit(_rebuild_index)
    return law


def _rebuild_index():
    from .search.index import build_index
    from .tasks import queue_embedding

    build_index()
    queue_embedding()  # the article vectors of the new index, in the background


# --- regulations from a folder of text files ------------------------------------------------

HEADER_KEYS = {"名称": "title", "标题": "title", "类别": "category", "层级": "category", "制定机关": "issuing_body",
               "公布日期": "promulgated_on", "施行日期": "effective_on", "适用地区": "region_code", "别名": "aliases"}
HEADER_RE = re.compile(r"^\s*(名称|标题|类别|层级|制定机关|公布日期|施行日期|适用地区|别名)\s*[:：]\s*(.*?)\s*$")
REGULATION_CATEGORIES = {LawCategory.ADMIN_REGULATION.value, LawCategory.LOCAL_REGULATION.value}


@dataclass
class RegulationFileResult:
    file: str
    title: str = ""
    action: str = ""        # created | updated | unchanged | refused
    problems: list[str] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    deleted: int = 0

    def line(self) -> str:
        if self.action == "created":
            return _("新增：《%(t)s》（%(f)s），%(n)d条") % {"t": self.title, "f": self.file, "n": self.added}
        if self.action == "updated":
            return _("更新：《%(t)s》（%(f)s），新增条文%(a)d条，修改%(c)d条，删除%(d)d条") % {
                "t": self.title, "f": self.file, "a": self.added, "c": self.changed, "d": self.deleted}
        if self.action == "unchanged":
            return _("未变：《%(t)s》（%(f)s）") % {"t": self.title, "f": self.file}
        return _("未导入：%(f)s：%(p)s") % {"f": self.file, "p": "；".join(self.problems)}


@dataclass
class RegulationImportReport:
    folder: str
    files: list[RegulationFileResult] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for f in self.files if f.action == action)

    @property
    def changed(self) -> bool:
        return any(f.action in ("created", "updated") for f in self.files)

    def summary(self) -> str:
        return _("共%(n)d个文件：新增%(c)d部，更新%(u)d部，未变%(s)d部，未导入%(r)d个。") % {
            "n": len(self.files), "c": self.count("created"), "u": self.count("updated"),
            "s": self.count("unchanged"), "r": self.count("refused")}


def read_regulation_file(path: Path) -> tuple[dict, str, list[str]]:
    """Metadata lines at the top (名称：… 类别：地方性法规 适用地区：440000000000 …), then the
    statute text. Returns (metadata, text, problems)."""
    problems: list[str] = []
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return {}, "", [_("文件不是UTF-8编码的文本")]
    meta: dict = {}
    lines = raw.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = HEADER_RE.match(line)
        if m:
            meta[HEADER_KEYS[m.group(1)]] = m.group(2)
        elif line.strip() not in ("", "---"):
            break
        i += 1
    text = "\n".join(lines[i:]).strip()
    meta.setdefault("title", path.stem)
    cat = meta.get("category", "")
    if not cat:
        meta["category"] = LawCategory.LOCAL_REGULATION if meta.get("region_code") else LawCategory.ADMIN_REGULATION
    elif cat not in REGULATION_CATEGORIES:
        problems.append(_("类别只能是“行政法规”或“地方性法规”，不是“%(c)s”") % {"c": cat})
    for key in ("promulgated_on", "effective_on"):
        if meta.get(key):
            try:
                meta[key] = datetime.date.fromisoformat(meta[key])
            except ValueError:
                problems.append(_("日期“%(v)s”无法识别，请写成2024-01-31") % {"v": meta[key]})
                meta[key] = None
    code = meta.get("region_code", "")
    if meta.get("category") == LawCategory.LOCAL_REGULATION:
        from grid.models import Region

        if not code:
            problems.append(_("地方性法规须写明“适用地区：”（12位行政区划代码）"))
        elif not Region.objects.filter(code=code).exists():
            problems.append(_("适用地区代码%(c)s不在本平台的区域表中") % {"c": code})
    elif code:
        problems.append(_("行政法规全国适用，不应写“适用地区”"))
    meta["aliases"] = (meta.get("aliases") or "").split()
    return meta, text, problems


def import_regulation_folder(folder: Path | str) -> RegulationImportReport:
    """Import every ``*.txt`` of ``folder`` as a 行政法规 or 地方性法规 (see
    read_regulation_file). A file whose title and text match what is stored writes nothing;
    a changed one replaces the stored text (its address stays); a refused one changes
    nothing and says why. The search index is rebuilt once, after commit, when anything
    changed; the run is recorded in 法规导入记录."""
    from .models import ImportRun

    folder = Path(folder)
    report = RegulationImportReport(folder=str(folder))
    started = datetime.datetime.now(datetime.UTC)
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.txt")):
        res = RegulationFileResult(file=path.name)
        report.files.append(res)
        meta, text, problems = read_regulation_file(path)
        digest.update(path.name.encode() + text.encode())
        res.title = meta.get("title", "")
        if problems:
            res.action, res.problems = "refused", problems
            continue
        existing = Law.objects.filter(title=res.title, is_current_text=True).first()
        if existing is not None and existing.source != LawSource.STAFF:
            res.action, res.problems = "refused", [_("数据包已收录同名法律，不能用文本文件替换")]
            continue
        if existing is not None and _same_regulation(existing, meta, text):
            res.action = "unchanged"
            continue
        old = {(a.number, a.suffix): a.text for a in existing.articles.all()} if existing else {}
        try:
            law = add_law_from_text(
                title=res.title, text=text, category=meta["category"], doc_type=meta["category"],
                issuing_body=meta.get("issuing_body", ""), promulgated_on=meta.get("promulgated_on"),
                effective_on=meta.get("effective_on"), aliases=meta["aliases"],
                region_code=meta.get("region_code", ""), replace=existing, rebuild_index=False,
            )
        except LawTextRefused as exc:
            res.action, res.problems = "refused", exc.problems
            continue
        new = {(a.number, a.suffix): a.text for a in law.articles.all()}
        res.added = len(new.keys() - old.keys())
        res.deleted = len(old.keys() - new.keys())
        res.changed = sum(1 for k in new.keys() & old.keys() if new[k] != old[k])
        res.action = "updated" if existing else "created"
    if report.changed:
        transaction.on_commit(_rebuild_index)
        ImportRun.objects.create(
            source_hash=f"regulations-{digest.hexdigest()[:52]}", started_at=started,
            laws_total=len(report.files), laws_created=report.count("created"), laws_updated=report.count("updated"),
            articles_created=sum(f.added for f in report.files), articles_updated=sum(f.changed for f in report.files),
            articles_deleted=sum(f.deleted for f in report.files),
            report="\n".join([report.summary(), *(f.line() for f in report.files)]),
        )
    return report


def _same_regulation(law: Law, meta: dict, text: str) -> bool:
    return (
        law.content_hash == hashlib.sha256(text.encode()).hexdigest()
        and law.category == meta["category"]
        and law.region_code == meta.get("region_code", "")
        and law.issuing_body == meta.get("issuing_body", "")
        and law.promulgated_on == meta.get("promulgated_on")
        and law.effective_on == meta.get("effective_on")
        and list(law.aliases or []) == meta["aliases"]
    )


def request_law(name: str) -> LawRequest:
    """A reader asks for a law the library lacks; repeated requests count up."""
    from django.db.models import F
    from django.utils import timezone

    name = name.strip()[:200]
    now = timezone.now()
    row, created = LawRequest.objects.get_or_create(name=name, defaults={"first_requested_at": now,
                                                                          "last_requested_at": now})
    if not created:
        LawRequest.objects.filter(pk=row.pk).update(count=F("count") + 1, last_requested_at=now, handled=False)
        row.refresh_from_db()
    return row
