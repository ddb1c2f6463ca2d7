from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st

from copass_app import formatting as fmt


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1234.56", "R$ 1.234,56"),
        ("-1234.56", "-R$ 1.234,56"),
        ("0", "R$ 0,00"),
        ("1234567.8", "R$ 1.234.567,80"),
        ("0.005", "R$ 0,01"),  # half-up, as on an invoice
        ("2.675", "R$ 2,68"),
        ("-0.001", "R$ 0,00"),  # no negative zero
        ("1E+3", "R$ 1.000,00"),
    ],
)
def test_money(value, expected):
    assert fmt.money(Decimal(value)) == expected


# money, date_br and datetime_br are written by hand for speed: they must write exactly what babel writes.
@settings(max_examples=400, deadline=None)
@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=3))
def test_money_is_what_babel_writes(value):
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    by_babel = format_currency(abs(cents) if cents == 0 else cents, "BRL", locale="pt_BR").replace("\xa0", " ")
    assert fmt.money(value) == by_babel


@settings(max_examples=400, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 1, 3), max_value=datetime(9999, 12, 31)),
       st.booleans())
def test_dates_are_what_babel_writes(moment, aware):
    assert fmt.date_br(moment.date()) == format_date(moment.date(), "dd/MM/yyyy", locale="pt_BR")
    if aware:
        moment = moment.replace(tzinfo=UTC)
    shown = moment.astimezone(fmt.BRASILIA) if aware else moment
    assert fmt.datetime_br(moment) == format_datetime(shown, "dd/MM/yyyy HH:mm", locale="pt_BR")


def test_money_refuses_float():
    with pytest.raises(TypeError):
        fmt.money(1234.56)


def test_date_and_datetime():
    assert fmt.date_br(date(2026, 12, 31)) == "31/12/2026"
    assert fmt.date_br(date(2026, 1, 2)) == "02/01/2026"
    assert fmt.datetime_br(datetime(2026, 12, 31, 14, 5, 59)) == "31/12/2026 14:05"
    # An aware datetime is shown in its own timezone, not converted to UTC.
    brt = timezone(timedelta(hours=-3))
    assert fmt.datetime_br(datetime(2026, 12, 31, 23, 30, tzinfo=brt)) == "31/12/2026 23:30"


def test_competence():
    assert fmt.competence("2026-12") == "12/2026"
    assert fmt.competence("2027-01") == "01/2027"


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026/12", "12/2026", "", "2026-1"])
def test_competence_invalid(bad):
    with pytest.raises(ValueError, match="Competência inválida"):
        fmt.competence(bad)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("12345678000190", "12.345.678/0001-90"),
        ("12345678909", "123.456.789-09"),
        ("12.345.678/0001-90", "12.345.678/0001-90"),  # already formatted
        ("12abc34501de35", "12.ABC.345/01DE-35"),  # alphanumeric CNPJ (2026)
        ("123", "123"),  # unknown: printed as registered
        ("", ""),
    ],
)
def test_cpf_cnpj(raw, expected):
    assert fmt.cpf_cnpj(raw) == expected


def test_document_label():
    assert fmt.document_label("12345678909") == "CPF"
    assert fmt.document_label("12345678000190") == "CNPJ"


def test_file_size():
    assert fmt.file_size(512) == "512 bytes"
    assert fmt.file_size(48213) == "48,2 kB (48.213 bytes)"
    assert fmt.file_size(5 * 1024 * 1024) == "5,2 MB (5.242.880 bytes)"
    assert fmt.file_size(19_100_000, exact=False) == "19,1 MB"


def test_size_over_limit_uses_one_unit():
    # Was "19,1 MB … excede o limite de 20 MB" with the first in MiB and the second in MB.
    message = fmt.size_over_limit(20_971_520, 20_000_000)
    assert message == "O arquivo tem 21,0 MB e excede o limite de 20,0 MB (20.000.000 bytes)."


def test_datetime_br_shows_stored_utc_in_brasilia_time():
    from datetime import UTC, datetime

    from copass_app.formatting import datetime_br

    assert datetime_br(datetime(2026, 11, 24, 2, 30, tzinfo=UTC)) == "23/11/2026 23:30"


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, places=6))
def test_quantity_is_what_babel_writes(value):
    from babel.numbers import format_decimal

    normalized = value.normalize()
    if normalized == normalized.to_integral():
        normalized = normalized.quantize(Decimal(1))
    assert fmt.quantity(value) == format_decimal(normalized, format="#,##0.####", locale="pt_BR")


def test_quantity_drops_useless_zeros_and_uses_comma():
    from decimal import Decimal

    from copass_app.formatting import quantity

    assert quantity(Decimal("2.0000")) == "2"
    assert quantity(Decimal("1.5000")) == "1,5"
    assert quantity(Decimal("1000")) == "1.000"
    assert quantity(Decimal("1.2345")) == "1,2345"  # babel alone stopped at three decimals: "1,234"
