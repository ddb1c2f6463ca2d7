from decimal import Decimal

import pytest

from copass_app.services import catalog
from copass_app.services.errors import DomainError


@pytest.fixture
def items(factory):
    made = {}
    for table, code, name, price in [
        ("19", "70000018", "Seringa descartável 10 ml", "1.35"),
        ("19", "70000026", "Seringa descartável 20 ml", "1.90"),
        ("19", "70123456", "Cateter intravenoso 100% silicone", "12.00"),
        ("19", "71000010", "Atadura de crepom", "2.40"),
        ("20", "90000010", "Soro fisiológico 0,9% 500 ml", "6.80"),
        ("20", "90000028", "Dipirona sódica 500 mg/ml", "3.10"),
        ("18", "60000775", "Taxa de sala de observação", "40.00"),
        ("22", "40301630", "Hemograma com contagem de plaquetas", "25.50"),
    ]:
        made[code] = factory.catalog_item(table, code, name, Decimal(price))
    return made


def codes(hits):
    return [hit.code for hit in hits]


def test_search_by_code_prefix(db, items):
    assert codes(catalog.search(db, "19", "7000")) == ["70000018", "70000026"]
    assert codes(catalog.search(db, "19", "70000018")) == ["70000018"]


def test_search_by_name_ignores_accents_and_case(db, items):
    assert codes(catalog.search(db, "19", "SERINGA DESCARTAVEL")) == ["70000018", "70000026"]
    assert codes(catalog.search(db, "20", "sodica")) == ["90000028"]
    assert codes(catalog.search(db, "18", "observacao")) == ["60000775"]


def test_search_matches_every_word_in_any_order(db, items):
    assert codes(catalog.search(db, "19", "20 ml seringa")) == ["70000026"]


def test_hits_carry_the_contracted_price(db, items):
    [hit] = catalog.search(db, "20", "dipirona")
    assert (hit.id, hit.table_code, hit.name, hit.unit, hit.price) == (
        items["90000028"].id, "20", "Dipirona sódica 500 mg/ml", "UN", Decimal("3.10"))


def test_search_stays_in_the_chosen_table(db, items):
    assert catalog.search(db, "18", "seringa") == []
    assert codes(catalog.search(db, "20", "9")) == ["90000028", "90000010"]  # by name: dipirona, soro


def test_code_hits_come_before_name_hits(db, factory, items):
    factory.catalog_item("19", "80000001", "Kit 70000 peças", Decimal("1.00"))
    assert codes(catalog.search(db, "19", "70000")) == ["70000018", "70000026", "80000001"]


def test_like_wildcards_typed_by_the_user_are_plain_text(db, items):
    assert codes(catalog.search(db, "19", "100%")) == ["70123456"]
    assert codes(catalog.search(db, "19", "%")) == ["70123456"]  # only the name that holds a "%"
    assert catalog.search(db, "19", "_") == []


def test_limit_is_respected(db, items):
    assert len(catalog.search(db, "19", "seringa", limit=1)) == 1


def test_empty_term_finds_nothing(db, items):
    assert catalog.search(db, "19", "   ") == []


@pytest.mark.parametrize("table", ["22", "00", "", "1"])
def test_only_tables_18_19_and_20_are_searched(db, items, table):
    with pytest.raises(DomainError, match="tabela 18"):
        catalog.search(db, table, "hemograma")
