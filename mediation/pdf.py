"""The mediation agreement (调解协议书) as a PDF.

reportlab's built-in CID font STSong-Light renders Chinese without shipping a font file;
the PDF viewer supplies the glyphs. Layout follows the usual people's-mediation form:
title and number, the parties, the facts, the agreed terms, performance time and method,
the legal effect note, and a signature block for each party, the mediators and the seal.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

FONT = "STSong-Light"
LATIN = "Helvetica"


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass
class PartyLine:
    side: str
    name: str
    phone: str = ""
    address: str = ""


@dataclass
class AgreementData:
    number: str
    organisation: str
    parties: list[PartyLine]
    facts: str
    terms: str
    performance_deadline: date
    performance_method: str = ""
    mediators: list[str] = field(default_factory=list)
    signed_on: date | None = None


def _styles():
    base = dict(fontName=FONT, wordWrap="CJK", leading=20, fontSize=12)
    return {
        "title": ParagraphStyle("title", **{**base, "fontSize": 20, "leading": 28, "alignment": 1}),
        "number": ParagraphStyle("number", **{**base, "fontSize": 11, "alignment": 2}),
        "heading": ParagraphStyle("heading", **{**base, "fontSize": 13, "spaceBefore": 8, "spaceAfter": 2}),
        "body": ParagraphStyle("body", **base),
        "small": ParagraphStyle("small", **{**base, "fontSize": 10, "leading": 15}),
    }


_ASCII_RUN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")


def _para(text: str, style) -> Paragraph:
    """Chinese in STSong-Light; runs of Latin letters and digits in Helvetica, because
    viewers that substitute the CID font often lack its half-width glyphs."""
    marked = _ASCII_RUN.sub(lambda m: f'<font name="{LATIN}">{m.group(0)}</font>', escape(text))
    return Paragraph(marked.replace("\n", "<br/>"), style)


def _date(value: date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": value.year, "m": value.month, "d": value.day}


def render_agreement(data: AgreementData) -> bytes:
    """Return the PDF bytes of the agreement described by ``data``."""
    _register_font()
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
        title=_("人民调解协议书"), author=data.organisation,
    )
    story = [
        _para(_("人民调解协议书"), st["title"]),
        _para(data.number, st["number"]),
        Spacer(1, 4 * mm),
        _para(_("当事人"), st["heading"]),
    ]
    for p in data.parties:
        details = "，".join(x for x in (p.phone and _("电话：%s") % p.phone, p.address and _("住址：%s") % p.address) if x)
        story.append(_para(f"{p.side}：{p.name}" + (f"（{details}）" if details else ""), st["body"]))
    story += [
        _para(_("纠纷主要事实、争议事项"), st["heading"]),
        _para(data.facts, st["body"]),
        _para(_("经调解，自愿达成如下协议"), st["heading"]),
        _para(data.terms, st["body"]),
        _para(_("履行方式、时限"), st["heading"]),
        _para(
            _("履行期限：%(date)s前。") % {"date": _date(data.performance_deadline)}
            + (" " + data.performance_method if data.performance_method else ""),
            st["body"],
        ),
        Spacer(1, 3 * mm),
        _para(
            _("本协议经双方当事人签名（盖章）、调解员签名并加盖调解组织印章后生效。经人民调解委员会调解达成的调解协议，"
              "具有法律约束力，当事人应当按照约定履行。双方当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。"
              "本协议一式三份，当事人各执一份，调解组织留存一份。"),
            st["small"],
        ),
        Spacer(1, 8 * mm),
    ]
    rows = [[_para(f"{p.side}（签名）：", st["body"]), _para(p.name + "　＿＿＿＿＿＿", st["body"])]
            for p in data.parties]
    rows.append([_para(_("调解员（签名）："), st["body"]), _para("、".join(data.mediators) or "＿＿＿＿＿＿", st["body"])])
    rows.append([_para(_("调解组织（印章）："), st["body"]), _para(data.organisation, st["body"])])
    rows.append([_para(_("签订日期："), st["body"]), _para(_date(data.signed_on or date.today()), st["body"])])
    table = Table(rows, colWidths=[45 * mm, None])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, -1), (-1, -1), 0.3, colors.grey),
    ]))
    story.append(KeepTogether([_para(_("签名"), st["heading"]), table]))
    doc.build(story)
    return buf.getvalue()
