"""The one parser for what people type, as a Brazilian writes it."""

from datetime import date
from decimal import Decimal

import pytest

from copass_app.services.errors import DomainError
from copass_app.services.typed_input import (
    competence_month,
    parse_competence,
    parse_date,
    parse_money,
    parse_optional_date,
    parse_quantity,
)


@pytest.mark.parametrize("typed, value", [
    ("1.500", "1500.00"), ("1.500,00", "1500.00"), ("1500,5", "1500.50"), ("R$ 1.500,00", "1500.00"),
    (" 1500 ", "1500.00"), ("R$\xa01.234.567,89", "1234567.89"), ("0,01", "0.01"), ("12", "12.00"),
    (Decimal("3.5"), "3.50"), (7, "7.00"),
])
def test_money_as_a_brazilian_reads_it(typed, value):
    assert parse_money(typed, "Valor unitário") == Decimal(value)


@pytest.mark.parametrize("typed, message", [
    ("1.50", "ambíguo"), ("1.5", "ambíguo"), ("-10", "negativos"), ("R$ -1,00", "negativos"),
    ("abc", "não é um número"), ("", "informe"), ("1,234", "no máximo 2 casas"), ("1,2,3", "não é um número"),
    ("100000000,00", "máximo"), ("1.5000,00", "não é um número"),
])
def test_money_refusals_name_the_field(typed, message):
    with pytest.raises(DomainError, match=message) as refused:
        parse_money(typed, "Valor unitário")
    assert refused.value.message.startswith("Valor unitário")


def test_money_never_takes_a_float():
    with pytest.raises(TypeError):
        parse_money(1.5)


@pytest.mark.parametrize("typed, value", [("1,2345", "1.2345"), ("2", "2"), ("1.000", "1000"), (" 0,5 ", "0.5")])
def test_quantities_take_up_to_four_decimals(typed, value):
    assert parse_quantity(typed) == Decimal(value)


@pytest.mark.parametrize("typed, message", [
    ("0", "maior que zero"), ("1,23456", "4 casas"), ("-1", "negativos"), ("1.5", "ambíguo"), ("100000", "máxima"),
])
def test_quantity_refusals(typed, message):
    with pytest.raises(DomainError, match=message) as refused:
        parse_quantity(typed)
    assert refused.value.message.startswith("Quantidade")


@pytest.mark.parametrize("typed", ["31/12/2026", "2026-12-31", " 31/12/2026 ", date(2026, 12, 31)])
def test_dates_as_typed_or_sent_by_a_date_input(typed):
    assert parse_date(typed) == date(2026, 12, 31)


@pytest.mark.parametrize("typed, message", [
    ("31/02/2026", "inexistente"), ("0001-12-01", "entre 1900 e 2100"), ("9999-12-31", "entre 1900 e 2100"),
    ("12/31/2026", "inexistente"), ("ontem", "DD/MM/AAAA"), ("", "DD/MM/AAAA"),
])
def test_date_refusals_name_the_field(typed, message):
    with pytest.raises(DomainError, match=message) as refused:
        parse_date(typed, "Data inicial")
    assert refused.value.message.startswith("Data inicial")


def test_an_empty_filter_date_means_no_limit():
    assert parse_optional_date("  ") is None and parse_optional_date(None) is None


def test_competence_typed_or_from_a_month_input():
    assert parse_competence("03/2026") == parse_competence("2026-03") == "2026-03"
    assert competence_month("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    for bad in ("2026-13", "13/2026", "1-12", "0001-12", "março"):
        with pytest.raises(DomainError, match="Competência inválida"):
            parse_competence(bad)
