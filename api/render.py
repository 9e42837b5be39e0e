"""The two formats of GeoReport v2: JSON as the spec's examples show it (a list at the top
for services and requests), and XML without namespaces whose elements are the JSON keys,
list items named by their parent (``services/service``, ``service_requests/request`` …)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

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
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(ET.SubElement(element, k), v)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM[element.tag]), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8",
                                                                     xml_declaration=False)


def respond(fmt: str, root: str, value, *, status: int = 200) -> HttpResponse:
    """``root`` names the XML root; the JSON body is ``value`` itself."""
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False, indent=None, separators=(",", ":")).encode()
        return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    return HttpResponse(to_xml(root, value), status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt if fmt in FORMATS else "xml", "errors", [{"code": status, "description": description}],
                   status=status)
