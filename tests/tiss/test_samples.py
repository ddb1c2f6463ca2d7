"""The sample catalog uses real TUSS terms, and the committed corpus is what the generator makes."""

from __future__ import annotations

import importlib.util

import pytest

from tests.corpus.samples import CATALOG

from .conftest import CORPUS


@pytest.fixture(scope="module")
def tuss():
    import tiss.tuss

    return tiss.tuss


def test_sample_items_are_real_tuss_codes_with_their_official_names(tuss):
    for item in CATALOG:
        found = tuss.lookup(item.code, tabela=item.table)
        assert found, f"{item.code} não está na tabela {item.table}"
        assert found[0]["termo"][:150] == item.name


def test_committed_corpus_matches_the_generator(tmp_path):
    spec = importlib.util.spec_from_file_location("build_corpus", CORPUS / "build_corpus.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    files = generator.build_files(generator.tuss_pools())
    assert set(files) | {"expected.json"} == {p.name for p in CORPUS.iterdir() if p.suffix in (".xml", ".json")}
    for name, (content, _) in files.items():
        assert (CORPUS / name).read_bytes() == content, f"{name} mudou: rode tests/corpus/build_corpus.py"
