"""DOCX document templates: marked fields are Jinja placeholders such as ``{{ 原告姓名 }}``
(docxtpl). Staff upload a DOCX; citizens fill the fields online and download the result."""

from __future__ import annotations

import io
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PLACEHOLDER_RE = re.compile(r"\{\{\s*([^\s{}|]+)\s*\}\}")
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def _docx(source):
    from docx import Document

    if hasattr(source, "seek"):
        source.seek(0)
    return Document(source)


def paragraphs(source) -> list[str]:
    """The document's text, paragraph by paragraph, tables included (for the preview)."""
    doc = _docx(source)
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            out.append(" | ".join(cell.text for cell in row.cells))
    return out


def placeholders(source) -> list[str]:
    """The marked fields in document order, each once."""
    seen: list[str] = []
    for text in paragraphs(source):
        for name in PLACEHOLDER_RE.findall(text):
            if name not in seen:
                seen.append(name)
    return seen


def validate_template_file(f) -> list[str]:
    """A DOCX (zip with word/document.xml) that docxtpl can render; returns its fields."""
    import zipfile

    if f.size > MAX_TEMPLATE_BYTES:
        raise ValidationError(_("模板文件不能超过5MB。"))
    f.seek(0)
    try:
        with zipfile.ZipFile(f) as z:
            if "word/document.xml" not in z.namelist():
                raise ValidationError(_("请上传 Word（.docx）格式的模板。"))
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("请上传 Word（.docx）格式的模板。")) from exc
    f.seek(0)
    try:
        names = placeholders(f)
        render(f, {n: "" for n in names})
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 — any template syntax error is the uploader's to fix
        raise ValidationError(_("模板中的填写标记有误：%(error)s") % {"error": exc}) from exc
    finally:
        f.seek(0)
    if not names:
        raise ValidationError(_("模板中没有待填写的标记，请用 {{ 字段名 }} 标出需要填写的地方。"))
    return names


def render(source, values: dict) -> bytes:
    from docxtpl import DocxTemplate

    if hasattr(source, "seek"):
        source.seek(0)
    tpl = DocxTemplate(source)
    tpl.render({k: v for k, v in values.items()}, autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def build_docx(title: str, lines: list[str]) -> bytes:
    """Write a simple DOCX (title + paragraphs) — used for the demo templates."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(title)
    run.bold = True
    for line in lines:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
