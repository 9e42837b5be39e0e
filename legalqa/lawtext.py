"""Statute text structure: splitting an article into 款, the 编 path of the codes, and the
parser staff use to paste a whole law (编/章/节/条/款), which refuses bad text with a list of
problems instead of guessing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .numerals import NUM_CHARS, cn2num, num2cn

# 项 (（一）, (一), 1.) and 目 lines belong to the 款 above them.
ITEM_RE = re.compile(rf"^\s*(?:[（(][{NUM_CHARS}]+[）)]|[0-9０-９]+[.．、]|[{NUM_CHARS}]+、)")


def split_paragraphs(text: str) -> list[str]:
    """Group the lines of an article into 款: an item line (（一）…) joins the 款 above it."""
    paras: list[str] = []
    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        if paras and ITEM_RE.match(line):
            paras[-1] = paras[-1] + "\n" + line
        else:
            paras.append(line)
    return paras


# The corpus package glues the heading of the next 编, 分编 or 附则 onto the last article before it
# (民法典 1039 ends with "第五编 婚姻家庭"; 35 articles of the current texts): a reader would take it
# for part of the article and the search would index it as the article's words.
TRAILING_HEADING_RE = re.compile(
    rf"\n[ \t\u3000]*(?:第[{NUM_CHARS}]+(?:编|分编|章|节)[^\n。；，：]{{0,40}}|[附总分][ \t\u3000]*则)[ \t\u3000]*$")


def strip_trailing_headings(text: str) -> str:
    """``text`` without the structure headings glued to its end (see TRAILING_HEADING_RE)."""
    text = (text or "").rstrip()
    while (m := TRAILING_HEADING_RE.search(text)) is not None:
        text = text[:m.start()].rstrip()
    return text


# 编 of the two codes whose 编 the corpus does not carry: first article number → 编 title.
PARTS = {
    "中华人民共和国民法典": [
        (1, "第一编 总则"), (205, "第二编 物权"), (463, "第三编 合同"), (989, "第四编 人格权"),
        (1040, "第五编 婚姻家庭"), (1119, "第六编 继承"), (1164, "第七编 侵权责任"), (1259, "附则"),
    ],
    "中华人民共和国刑法": [(1, "第一编 总则"), (102, "第二编 分则"), (452, "附则")],
}


def part_for(title: str, number: int) -> str:
    found = ""
    for first, name in PARTS.get(title, []):
        if number >= first:
            found = name
    return found


# --- the paste parser -------------------------------------------------------------------

HEADING_RE = re.compile(rf"^第([{NUM_CHARS}]+)(编|分编|章|节)\s*(.*)$")
ARTICLE_RE = re.compile(rf"^第([{NUM_CHARS}]+)条(?:之([{NUM_CHARS}]+))?(?:\s+|　|$)(.*)$")
LOOSE_HEADING_RE = re.compile(r"^第\S{1,8}[编章节条]")


@dataclass
class ParsedArticle:
    number: int
    suffix: int
    label: str
    part: str
    chapter: str
    section: str
    text: str
    paragraphs: list[str]
    line_no: int


@dataclass
class ParsedLaw:
    articles: list[ParsedArticle] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    preamble: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.articles)


def parse_law_text(text: str) -> ParsedLaw:
    """Split pasted statute text into articles with their 编/章/节 path and 款.

    Refuses (lists problems, returns no usable result) on: a heading whose number cannot be
    read, an article or chapter numbering gap, a duplicate article number, text before the
    first article that is not a heading or preamble, and an empty article."""
    result = ParsedLaw()
    part = chapter = section = ""
    last_chapter = {"编": 0, "分编": 0, "章": 0, "节": 0}
    current: dict | None = None
    seen: set[tuple[int, int]] = set()
    last_number = 0
    preamble: list[str] = []

    def finish():
        if current is None:
            return
        body = "\n".join(current["lines"]).strip()
        if not body:
            result.problems.append(
                _("第%(line)d行：%(label)s 没有条文内容") % {"line": current["line_no"], "label": current["label"]}
            )
        result.articles.append(ParsedArticle(
            number=current["number"], suffix=current["suffix"], label=current["label"], part=current["part"],
            chapter=current["chapter"], section=current["section"], text=body,
            paragraphs=split_paragraphs(body), line_no=current["line_no"],
        ))

    for line_no, raw in enumerate((text or "").replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip().replace("\u3000", " ")
        if not line:
            continue
        m = HEADING_RE.match(line)
        if m and not ARTICLE_RE.match(line):
            n = cn2num(m.group(1))
            kind = m.group(2)
            if n is None:
                result.problems.append(_("第%(line)d行：无法识别的标题编号“%(text)s”") % {"line": line_no, "text": line[:30]})
                continue
            expected = last_chapter[kind] + 1
            if kind in ("章", "节") and n not in (expected, 1):
                result.problems.append(
                    _("第%(line)d行：%(kind)s号不连续，应为第%(expected)s%(kind)s，实为“%(text)s”")
                    % {"line": line_no, "kind": kind, "expected": num2cn(expected), "text": line[:30]}
                )
            last_chapter[kind] = n
            finish()
            current = None
            title = line
            if kind == "编":
                part, chapter, section = title, "", ""
                last_chapter["节"] = 0
            elif kind == "分编":
                chapter, section = "", ""
            elif kind == "章":
                chapter, section = title, ""
                last_chapter["节"] = 0
            else:
                section = title
            continue
        m = ARTICLE_RE.match(line)
        if m:
            number = cn2num(m.group(1))
            suffix = cn2num(m.group(2)) if m.group(2) else 0
            if number is None or suffix is None:
                result.problems.append(_("第%(line)d行：无法识别的条号“%(text)s”") % {"line": line_no, "text": line[:30]})
                continue
            finish()
            key = (number, suffix)
            label = f"第{num2cn(number)}条" + (f"之{num2cn(suffix)}" if suffix else "")
            if key in seen:
                result.problems.append(_("第%(line)d行：%(label)s 重复") % {"line": line_no, "label": label})
            elif not suffix and number != last_number + 1:
                result.problems.append(
                    _("第%(line)d行：条号不连续，%(prev)s之后应为%(expected)s，实为%(label)s")
                    % {
                        "line": line_no,
                        "prev": f"第{num2cn(last_number)}条" if last_number else _("开头"),
                        "expected": f"第{num2cn(last_number + 1)}条",
                        "label": label,
                    }
                )
            elif suffix and number != last_number:
                result.problems.append(
                    _("第%(line)d行：%(label)s 应紧接在第%(n)s条之后") % {"line": line_no, "label": label, "n": num2cn(number)}
                )
            seen.add(key)
            if not suffix:
                last_number = number
            current = {
                "number": number, "suffix": suffix, "label": label, "part": part, "chapter": chapter,
                "section": section, "lines": [m.group(3).strip()] if m.group(3).strip() else [], "line_no": line_no,
            }
            continue
        if LOOSE_HEADING_RE.match(line):
            result.problems.append(_("第%(line)d行：无法识别的标题“%(text)s”") % {"line": line_no, "text": line[:30]})
            continue
        if current is None:
            if result.articles:
                result.problems.append(
                    _("第%(line)d行：标题之后、条文之前出现正文“%(text)s”") % {"line": line_no, "text": line[:30]}
                )
            else:
                preamble.append(line)
            continue
        current["lines"].append(line)
    finish()
    if not result.articles and not result.problems:
        result.problems.append(_("没有找到任何“第X条”，无法拆分条文"))
    result.preamble = "\n".join(preamble)
    return result
