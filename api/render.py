"""The two formats of GeoReport v2: JSON as the spec's examples show it (a list at the top
for services and requests), and XML without namespaces whose elements are the JSON keys,
list items named by their parent (``services/service``, ``service_requests/request`` …)."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from django.http import HttpResponse

ITEM = {
    "services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
    "errors": "error", "endpoints": "endpoint", "formats": "format",
    "service_request_updates": "request_update",
}
FORMATS = ("xml", "json")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _fill_generic(out: list[str], tag: str, value) -> None:
    """``<tag>value</tag>`` appended as strings (a page of 1000 requests is ~20,000 elements:
    building them as ElementTree nodes cost more than reading the page). Empty: ``<tag />``."""
    if value is None or value == [] or value == {}:
        out.append(f"<{tag} />")
    elif isinstance(value, dict):
        out.append(f"<{tag}>")
        for k, v in value.items():
            _fill_generic(out, k, v)
        out.append(f"</{tag}>")
    elif isinstance(value, list):
        out.append(f"<{tag}>")
        for item in value:
            _fill_generic(out, ITEM[tag], item)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_text(value)}</{tag}>")


def _fill(out: list[str], tag: str, value) -> None:
    """What ``_fill_generic`` writes, with the list of flat rows (a page of requests or
    updates) written row by row without a call per element (a third of the XML's CPU)."""
    if not (isinstance(value, list) and value and tag in ITEM):
        _fill_generic(out, tag, value)
        return
    item = ITEM[tag]
    out.append(f"<{tag}>")
    for row in value:
        if not isinstance(row, dict) or not row:
            _fill_generic(out, item, row)
            continue
        out.append(f"<{item}>")
        for k, v in row.items():
            if v is None:
                out.append(f"<{k} />")
            elif v.__class__ is str:
                out.append(f"<{k}>{escape(v)}</{k}>")
            else:
                _fill_generic(out, k, v)
        out.append(f"</{item}>")
    out.append(f"</{tag}>")


def to_xml(root: str, value) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _fill(out, root, value)
    return "".join(out).encode()


def respond(fmt: str, root: str, value, *, status: int = 200) -> HttpResponse:
    """``root`` names the XML root; the JSON body is ``value`` itself."""
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False, indent=None, separators=(",", ":")).encode()
        return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    return HttpResponse(to_xml(root, value), status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt if fmt in FORMATS else "xml", "errors", [{"code": status, "description": description}],
                   status=status)
