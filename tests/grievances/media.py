"""Sample files made on the fly."""

import io
import struct

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg_with_gps(name="photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 15.0, 10.0)
    gps[3] = "E"
    gps[4] = (112.0, 30.0, 5.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def png(name="a.png", size=(10, 10)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (0, 100, 0)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def bomb_png(name="bomb.png") -> SimpleUploadedFile:
    """A tiny PNG that claims 30000 × 30000 pixels (900 megapixels)."""
    buf = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def text_as_jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("not-really.jpg", b"hello, I am a shell script\n" * 10, content_type="image/jpeg")


def truncated_jpeg() -> SimpleUploadedFile:
    data = jpeg_with_gps().read()
    return SimpleUploadedFile("broken.jpg", data[:120], content_type="image/jpeg")


def fake_mp4() -> SimpleUploadedFile:
    return SimpleUploadedFile("clip.mp4", struct.pack(">I", 24) + b"ftypisom" + b"\x00" * 200,
                              content_type="video/mp4")


def exe_as_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                              content_type="application/pdf")


def huge_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * (10 * 1024 * 1024 + 10),
                              content_type="image/jpeg")


def mp4(name="现场.mp4") -> SimpleUploadedFile:
    """A real five-frame MPEG-4 clip made with PyAV."""
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
    return SimpleUploadedFile(name, buf.getvalue(), content_type="video/mp4")
