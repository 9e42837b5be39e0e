"""Printable posters (纸屏联动): a PDF with a title, a line of text and a QR code to the page.

The QR code is drawn as vector squares, one per dark module, so it prints sharp at any size.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils.translation import gettext as _

# qrcode (with Pillow) and ReportLab are imported where a QR code or a PDF is drawn: the
# views module imports this one, and a web worker should not hold them until a poster is
# asked for (benchmarks/README.md, "Memory of a web worker").

FONT = "STSong-Light"  # a CID font every PDF reader has: Chinese without embedding a TTF


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def qr_matrix(data: str) -> list[list[bool]]:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


def qr_svg(data: str, module: int = 4) -> str:
    """An inline SVG of the QR code (for the hall screen)."""
    matrix = qr_matrix(data)
    n = len(matrix)
    size = (n + 8) * module
    rects = "".join(
        f'<rect x="{(x + 4) * module}" y="{(y + 4) * module}" width="{module}" height="{module}"/>'
        for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><g fill="#000">{rects}</g></svg>')


def _wrap(text: str, width_chars: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        while len(paragraph) > width_chars:
            lines.append(paragraph[:width_chars])
            paragraph = paragraph[width_chars:]
        lines.append(paragraph)
    return lines


def poster_pdf(*, title: str, text: str, url: str, footer: str = "") -> bytes:
    """An A4 poster; url must be absolute. Uncompressed so the QR squares can be checked."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=0)
    c.setTitle(title)
    c.setFont(FONT, 26)
    y = height - 40 * mm
    for line in _wrap(title, 18)[:3]:
        c.drawCentredString(width / 2, y, line)
        y -= 12 * mm
    c.setFont(FONT, 13)
    y -= 4 * mm
    for line in _wrap(text, 34)[:8]:
        c.drawCentredString(width / 2, y, line)
        y -= 7 * mm
    matrix = qr_matrix(url)
    n = len(matrix)
    module = min(3.2 * mm, (110 * mm) / n)
    side = n * module
    x0 = (width - side) / 2
    y0 = 60 * mm
    c.setFillColorRGB(0, 0, 0)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                c.rect(x0 + col * module, y0 + (n - 1 - row) * module, module, module, stroke=0, fill=1)
    c.setFont(FONT, 14)
    c.drawCentredString(width / 2, y0 - 10 * mm, _("手机扫码打开"))
    c.setFont("Helvetica", 11)  # the address in a Latin font every printer renders
    c.drawCentredString(width / 2, y0 - 17 * mm, url)
    if footer:
        c.setFont(FONT, 12)
        c.drawCentredString(width / 2, 25 * mm, footer)
    c.showPage()
    c.save()
    return buf.getvalue()
