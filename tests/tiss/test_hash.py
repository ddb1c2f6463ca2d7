"""The epilogo hash: MD5 of the leaf values in document order, ISO-8859-1, epilogo left out."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from copass_app.tiss.hash import (
    HashEncodingError,
    compact_hash,
    compute_hash,
    declared_hash,
    hashed_text,
    set_hash,
)
from copass_app.tiss.model import GUIDE_HONORARIOS, GUIDE_SP_SADT
from copass_app.tiss.parsing import parse_xml

from .conftest import lot_bytes

NS = "http://www.ans.gov.br/padroes/tiss/schemas"
SMALL = f"""<ans:mensagemTISS xmlns:ans="{NS}">
  <ans:cabecalho>
    <ans:a>1</ans:a>
    <ans:b>São</ans:b>
  </ans:cabecalho>
  <ans:corpo><ans:c> </ans:c><ans:d>x</ans:d></ans:corpo>
  <ans:epilogo><ans:hash>ignorado</ans:hash></ans:epilogo>
</ans:mensagemTISS>"""


def test_hash_is_md5_of_the_leaf_values_in_iso_8859_1():
    root = etree.fromstring(SMALL)
    assert hashed_text(root) == "1São x"
    assert compute_hash(root) == hashlib.md5("1São x".encode("iso-8859-1")).hexdigest()


def test_epilogo_is_left_out():
    root = etree.fromstring(SMALL)
    before = compute_hash(root)
    root.find(f"{{{NS}}}epilogo/{{{NS}}}hash").text = "outro"
    assert compute_hash(root) == before


def test_pretty_and_compact_files_hash_the_same():
    compact = etree.fromstring(lot_bytes(GUIDE_SP_SADT))
    pretty = etree.fromstring(lot_bytes(GUIDE_SP_SADT, pretty=True))
    assert compute_hash(compact) == compute_hash(pretty) == declared_hash(pretty)


@pytest.mark.parametrize("pretty", [False, True])
def test_fast_hash_agrees_on_trees_from_parse_xml(pretty):
    root = parse_xml(lot_bytes(GUIDE_HONORARIOS, pretty=pretty, encoding="UTF-8")).getroot()
    assert compact_hash(root) == compute_hash(root) == declared_hash(root)


def test_a_value_made_of_spaces_counts():
    root = parse_xml(SMALL.encode()).getroot()
    assert compact_hash(root) == compute_hash(root) == hashlib.md5("1São x".encode("latin-1")).hexdigest()


def test_set_hash_writes_the_digest():
    root = etree.fromstring(SMALL)
    digest = set_hash(root)
    assert declared_hash(root) == digest == compute_hash(root)


def test_character_outside_iso_8859_1_cannot_be_hashed():
    root = etree.fromstring(SMALL.replace("São", "10 €"))
    with pytest.raises(HashEncodingError, match="U\\+20AC"):
        compute_hash(root)
    with pytest.raises(HashEncodingError, match="'€'"):
        compact_hash(root)


def test_set_hash_needs_an_epilogo():
    with pytest.raises(ValueError, match="epilogo"):
        set_hash(etree.fromstring(f'<ans:mensagemTISS xmlns:ans="{NS}"/>'))
