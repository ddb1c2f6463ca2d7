"""Readable element paths (/mensagemTISS/.../guiaSP-SADT[3]/...) and TISS tag helpers."""

from __future__ import annotations

from lxml import etree

from copass_app.tiss.schema import TISS_NS

NS_PREFIX = f"{{{TISS_NS}}}"
NS_MAP = {"ans": TISS_NS}


def qualified(path: str) -> str:
    """'a/b' -> '{ns}a/{ns}b', for lxml's find()."""
    return "/".join(NS_PREFIX + part for part in path.split("/"))


def local_name(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def element_path(element: etree._Element) -> str:
    """Local names from the root; [n] (1-based) only where the name repeats among siblings."""
    parts = []
    while element is not None:
        parts.append(_step(element))
        element = element.getparent()
    return "/" + "/".join(reversed(parts))


def _step(element: etree._Element) -> str:
    name = local_name(element.tag)
    parent = element.getparent()
    if parent is None:
        return name
    before = sum(1 for _ in element.itersiblings(element.tag, preceding=True))
    if before == 0 and next(element.itersiblings(element.tag), None) is None:
        return name
    return f"{name}[{before + 1}]"


def indexed(name: str, position: int, count: int) -> str:
    """The path step for the position-th of count same-named siblings."""
    return f"{name}[{position}]" if count > 1 else name
