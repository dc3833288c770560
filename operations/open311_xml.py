"""The Open311 GeoReport v2 answers in XML, the spec's other format (FixMyStreet's Open311 client reads XML).

The same data as the JSON answers (``operations/open311.py``), written as the spec's examples are:
a root element per endpoint, one element per item (``<service_requests><request>…``), a list inside an
item as its plural name holding singular elements (``<endpoints><endpoint>``), ``null`` as an empty
element, booleans as ``true``/``false``.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["ROOTS", "to_xml"]

#: what an answer is → (root element, item element) as in the spec
ROOTS: dict[str, tuple[str, str]] = {
    "services": ("services", "service"), "requests": ("service_requests", "request"),
    "errors": ("errors", "error"), "discovery": ("discovery", ""), "definition": ("service_definition", ""),
}


# characters XML 1.0 cannot hold at all: dropped, so one bad character never breaks a whole feed
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else f"{name}_item"


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, str(key)), inner)
    elif isinstance(value, list):
        for inner in value:
            _fill(ET.SubElement(element, _singular(element.tag)), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def to_xml(kind: str, body: Any) -> bytes:
    """The answer ``body`` (as the JSON would carry it) as an XML document of ``kind`` (a key of :data:`ROOTS`)."""
    root_name, item = ROOTS[kind]
    root = ET.Element(root_name)
    if item:
        for entry in body:
            _fill(ET.SubElement(root, item), entry)
    else:
        _fill(root, body)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
