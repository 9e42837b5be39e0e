"""The hostile-upload corpus (issue 12), generated on the fly, with the verdict each upload
door must give.

Each :class:`Sample` says what its content really is (``kind``: one of the gate's kinds,
or None for something no door may keep). A door accepts a sample exactly when the sample's
kind is among the door's policy kinds; everything else must be refused with a message,
never a 5xx. ``run_corpus`` in the endpoint tests checks both directions.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grid import uploads


@dataclass(frozen=True)
class Sample:
    key: str
    name: str
    data: bytes
    content_type: str
    kind: str | None  # what the content really is; None: must be refused everywhere

    def upload(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.data, content_type=self.content_type)

    def accepted_by(self, policy: str) -> bool:
        return self.kind is not None and self.kind in uploads.POLICIES[policy].kinds


def jpeg(size=(64, 48), *, gps=False) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    buf = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        ifd = exif.get_ifd(0x8825)
        ifd[1], ifd[2], ifd[3], ifd[4] = "N", (30.0, 15.0, 10.0), "E", (112.0, 30.0, 5.0)
        img.save(buf, "JPEG", exif=exif)
    else:
        img.save(buf, "JPEG")
    return buf.getvalue()


def png(size=(10, 10)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (0, 100, 0)).save(buf, "PNG")
    return buf.getvalue()


def bomb_png() -> bytes:
    """A 20 kB PNG that claims 10000 x 10000 pixels (100 megapixels)."""
    buf = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buf, "PNG")
    return buf.getvalue()


def pdf() -> bytes:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    xref = len(body)
    return body + (b"xref\n0 3\n0000000000 65535 f \ntrailer<</Size 3/Root 1 0 R>>\nstartxref\n"
                   + str(xref).encode() + b"\n%%EOF\n")


def ooxml(kind: str, *, extra: dict | None = None) -> bytes:
    main = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"/>')
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        zf.writestr(main, '<?xml version="1.0"?><document>借条</document>')
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def zip_bomb_docx() -> bytes:
    """A structurally complete DOCX whose one member inflates 1000-fold to 50 MB."""
    return ooxml("docx", extra={"word/media/filler.bin": b"\0" * (50 * 1024 * 1024)})


def mp4() -> bytes:
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), dtype=np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def wav(seconds: float = 1.0) -> bytes:
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * int(8000 * seconds))
    return buf.getvalue()


HTML = "<html><body><script>alert(document.cookie)</script>身份证</body></html>".encode()
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def build() -> list[Sample]:
    good_jpeg = jpeg()
    good_pdf = pdf()
    return [
        # what honest people send
        Sample("jpeg", "现场照片.jpg", good_jpeg, "image/jpeg", "image"),
        Sample("png", "a.png", png(), "image/png", "image"),
        Sample("gps_jpeg", "gps.jpg", jpeg(gps=True), "image/jpeg", "image"),
        Sample("pdf", "证明.pdf", good_pdf, "application/pdf", "pdf"),
        Sample("docx", "申请书.docx", ooxml("docx"), "application/octet-stream", "docx"),
        Sample("xlsx", "清单.xlsx", ooxml("xlsx"), "application/octet-stream", "xlsx"),
        Sample("mp4", "现场.mp4", mp4(), "video/mp4", "video"),
        Sample("wav", "语音.wav", wav(), "audio/wav", "audio"),
        # polyglots: kept only as the re-encoded image, the payload dropped
        Sample("jpeg_html", "poly.jpg", good_jpeg + HTML, "image/jpeg", "image"),
        Sample("jpeg_zip", "poly2.jpg", good_jpeg + ooxml("docx"), "image/jpeg", "image"),
        # hostile names on honest content: kept, the name reduced to display text
        Sample("name_traversal", "../../etc/passwd", png(), "image/png", "image"),
        Sample("name_nul_rtl", "x\x00y\u202egpj.exe", png(), "image/png", "image"),
        # things no door keeps
        Sample("bomb_png", "bomb.png", bomb_png(), "image/png", None),
        Sample("exe_as_pdf", "report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "application/pdf", None),
        Sample("zip_bomb_docx", "合同.docx", zip_bomb_docx(), "application/octet-stream", None),
        Sample("html_id", "身份证.html", HTML, "text/html", None),
        Sample("html_as_jpg", "身份证.jpg", HTML, "image/jpeg", None),
        Sample("svg_script", "xss.svg", SVG, "image/svg+xml", None),
        Sample("empty", "empty.jpg", b"", "image/jpeg", None),
        Sample("truncated_jpeg", "broken.jpg", jpeg(size=(640, 480))[:300], "image/jpeg", None),
        Sample("truncated_pdf", "broken.pdf", good_pdf[: len(good_pdf) // 2], "application/pdf", None),
        Sample("fake_mp4", "clip.mp4", struct.pack(">I", 24) + b"ftypisom" + b"\x00" * 200, "video/mp4", None),
        Sample("pdf_js", "js.pdf", good_pdf.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript"
                                                    b"/JS(app.alert(1))>>"), "application/pdf", None),
        Sample("docm_macro", "macro.docx", ooxml("docx", extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
               "application/octet-stream", None),
    ]


_CORPUS: list[Sample] | None = None


def corpus() -> list[Sample]:
    """Built once per test run (the zip bomb takes a moment to deflate)."""
    global _CORPUS
    if _CORPUS is None:
        _CORPUS = build()
    return _CORPUS


def has_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as img:
        return bool(img.getexif()) or "exif" in img.info


def run_corpus(samples, policy: str, submit, stored_count) -> list:
    """Send every sample through one upload door and return the wrong verdicts.

    ``submit(sample)`` posts the form (with valid other fields) and returns the response;
    ``stored_count()`` counts the files the door has kept. A sample is accepted when the
    count grows. A refusal must answer without a 5xx and show a message naming the file
    on the re-rendered form (not a redirect that loses what was typed).
    """
    wrong = []
    for sample in samples:
        before = stored_count()
        response = submit(sample)
        if response.status_code >= 500:
            wrong.append((sample.key, response.status_code))
            continue
        accepted = stored_count() > before
        if accepted != sample.accepted_by(policy):
            wrong.append((sample.key, "accepted" if accepted else f"refused ({response.status_code})"))
        elif not accepted:
            body = response.content.decode()
            shown = uploads.display_name(sample.name) if sample.name else ""
            if response.status_code in (301, 302) or (shown and shown not in body and "文件" not in body):
                wrong.append((sample.key, f"no message ({response.status_code})"))
    return wrong
