"""Pull the text out of the PDFs reportlab writes with the STSong-Light CID font.

The CID font's encoding (UniGB-UCS2-H) stores every character as two big-endian bytes, so
the shown strings (``(...) Tj``) decode as UTF-16-BE once the PDF literal escapes are undone.
"""

import base64
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.S)
_STRING = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt]
            i += 2
        elif nxt.isdigit():
            m = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            out.append(int(m.group(0), 8))
            i += 1 + len(m.group(0))
        else:
            i += 2
    return bytes(out)


def pdf_text(data: bytes) -> str:
    chunks = []
    for stream in _STREAM.findall(data):
        stream = stream.strip()
        if stream.endswith(b"~>"):  # reportlab's default filter chain: ASCII85 then Flate
            stream = base64.a85decode(stream, adobe=True)
        try:
            stream = zlib.decompress(stream)
        except zlib.error:
            pass
        for raw in _STRING.findall(stream):
            chunks.append(_unescape(raw).decode("utf-16-be", errors="replace"))
    return "".join(chunks)
