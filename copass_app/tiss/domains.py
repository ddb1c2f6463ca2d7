"""The domain tables (dm_*) of the official TISS 4.03.00 simple-types XSD: the values a field may take.

Read from the pinned XSD itself, once per process, so a typed field is checked against exactly what
the schema accepts (labels for people live in copass_app.vocabulary, checked against these values).
"""

from __future__ import annotations

from functools import cache

from lxml import etree

from copass_app.tiss.schema import verify_schema_pins, xsd_dir

SIMPLE_TYPES_XSD = "tissSimpleTypesV4_03_00.xsd"
_XS = "{http://www.w3.org/2001/XMLSchema}"


@cache
def _domains() -> dict[str, tuple[str, ...]]:
    verify_schema_pins()
    tree = etree.parse(str(xsd_dir() / SIMPLE_TYPES_XSD), etree.XMLParser(no_network=True, resolve_entities=False))
    return {
        simple.get("name"): tuple(e.get("value") for e in simple.iter(_XS + "enumeration"))
        for simple in tree.getroot().iter(_XS + "simpleType")
        if simple.get("name", "").startswith("dm_")
    }


def values(domain: str) -> tuple[str, ...]:
    """The enumeration of one dm_ type, in the XSD's order (KeyError for an unknown domain)."""
    return _domains()[domain]


def allows(domain: str, value: str) -> bool:
    return value in _domains()[domain]
