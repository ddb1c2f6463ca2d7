import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from copass_app.reports import table_csv
from copass_app.reports.csv_export import cell_text

COLUMNS = [
    ("protocol", "Protocolo"),
    ("competence", "Competência"),
    ("beneficiary", "Beneficiário"),
    ("received_at", "Recebido em"),
    ("total", "Valor total"),
]


def _rows():
    return [
        {
            "protocol": "2026000123",
            "competence": "12/2026",
            "beneficiary": "João Conceição; filho",
            "received_at": datetime(2026, 12, 31, 14, 5),
            "total": Decimal("1234.56"),
            "ignored": "not exported",
        },
        {
            "protocol": "2026000124",
            "competence": "12/2026",
            "beneficiary": 'Ana "Aninha"',
            "received_at": datetime(2026, 12, 31, 15, 0),
            "total": Decimal("-10.5"),
        },
    ]


def _parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_excel_pt_br_layout():
    data = table_csv(_rows(), COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Protocolo;Competência;Beneficiário;Recebido em;Valor total"
    assert "\r\n" in text
    assert _parse(data)[1:] == [
        ["2026000123", "12/2026", "João Conceição; filho", "31/12/2026 14:05", "1234,56"],
        ["2026000124", "12/2026", 'Ana "Aninha"', "31/12/2026 15:00", "-10,5"],
    ]


def test_empty_rows_give_only_the_header():
    assert _parse(table_csv([], COLUMNS)) == [[label for _, label in COLUMNS]]


def test_missing_key_is_an_error():
    with pytest.raises(KeyError):
        table_csv([{"protocol": "1"}], COLUMNS)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        (True, "Sim"),
        (False, "Não"),
        (42, "42"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.10"), "0,10"),
        (date(2026, 1, 2), "02/01/2026"),
        ("00012345678901234567", '="00012345678901234567"'),  # card number stays text
        ("0123", '="0123"'),
        ("2026000123", "2026000123"),
        ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),  # CSV injection neutralised
        ("+55 11", "'+55 11"),
        ("@soma", "'@soma"),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected


def test_float_is_refused():
    with pytest.raises(TypeError):
        cell_text(1.5)
