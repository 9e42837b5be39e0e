"""Pull the text out of the agreement PDFs reportlab writes.

Chinese is set in the CID font STSong-Light, whose encoding (UniGB-UCS2-H) stores every
character as two big-endian bytes: those strings decode as UTF-16-BE. Latin runs are set
in Helvetica (one byte per character). The content streams are followed in order,
switching decoding whenever the font changes (``/F2 12 Tf``).
"""

import base64
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.S)
_OBJ = re.compile(rb"\d+ 0 obj\s*(.*?)endobj", re.S)
_TOKENS = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
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


def _cid_fonts(data: bytes) -> set[bytes]:
    names = set()
    for body in _OBJ.findall(data):
        if b"/Type /Font" in body and b"STSong" in body:
            m = re.search(rb"/Name /(F\d+)", body)
            if m:
                names.add(m.group(1))
    return names


def _decode_stream(stream: bytes) -> bytes:
    stream = stream.strip()
    if stream.endswith(b"~>"):  # reportlab's default filter chain: ASCII85 then Flate
        stream = base64.a85decode(stream, adobe=True)
    try:
        return zlib.decompress(stream)
    except zlib.error:
        return stream


def pdf_text(data: bytes) -> str:
    cid = _cid_fonts(data)
    chunks = []
    for stream in _STREAM.findall(data):
        font = None
        for font_name, raw in _TOKENS.findall(_decode_stream(stream)):
            if font_name:
                font = font_name
                continue
            text = _unescape(raw)
            chunks.append(text.decode("utf-16-be", errors="replace") if font in cid else text.decode("latin-1"))
    return "".join(chunks)
