"""A TISS guide element as JSON, losslessly and in element order, for batch_guide_detail.guide.

    ["guiaConsulta", [["cabecalhoConsulta", [["registroANS", "345678"], …]], …]]

Each node is [name, text] for a leaf or [name, [children…]] for a container. Names are local names
in the TISS namespace; an element of another namespace (assinaturaDigitalGuia's xmldsig content)
keeps its Clark name "{ns}name". Text is kept as written (stripped of the indentation around it):
values, dates and codes are the provider's own, never re-formatted. Comments are not content.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from copass_app.tiss.xmlpath import NS_PREFIX

Node = list  # [name, str] or [name, list[Node]]


_PREFIX_LENGTH = len(NS_PREFIX)


def _tag(name: str) -> str:
    return name if name.startswith("{") else NS_PREFIX + name


def to_tree(element: etree._Element) -> Node:
    """The element and everything below it (elements only: comments and processing instructions go).

    Written for speed (an upload stores every guide of its lot: ~10,000 elements in 100 SP/SADT guides)."""
    tag = element.tag
    name = tag[_PREFIX_LENGTH:] if tag.startswith(NS_PREFIX) else tag
    if len(element):
        children = [to_tree(child) for child in element if child.tag.__class__ is str]
        if children:
            return [name, children]
    return [name, (element.text or "").strip()]


def append_tree(parent: etree._Element, node: Node) -> etree._Element:
    """Write the node (as to_tree made it) under parent; the element written is returned."""
    name, content = node
    element = etree.SubElement(parent, _tag(name))
    if isinstance(content, list):
        for child in content:
            append_tree(element, child)
    else:
        element.text = content
    return element


def is_tree(value: Any) -> bool:
    """The shape check of a stored tree (the content itself is checked by the XSD when written out)."""
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and value[0]):
        return False
    content = value[1]
    return isinstance(content, str) or (isinstance(content, list) and all(is_tree(child) for child in content))


def find(node: Node, path: str) -> Node | None:
    """The first node at 'a/b/c' below node (local names), or None."""
    for step in path.split("/"):
        content = node[1]
        if not isinstance(content, list):
            return None
        node = next((child for child in content if child[0] == step), None)
        if node is None:
            return None
    return node


def text(node: Node, path: str) -> str | None:
    found = find(node, path)
    return found[1] if found is not None and isinstance(found[1], str) else None
