"""CSV files that open correctly in Excel configured for pt-BR."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from copass_app import formatting as fmt

SEPARATOR = ";"  # Excel pt-BR splits on ';' because ',' is the decimal mark
ENCODING = "utf-8-sig"  # the BOM makes Excel read UTF-8 instead of cp1252
# Text starting with these is run as a formula by spreadsheets (CSV injection);
# names and messages may come from uploaded XML, so they are not trusted.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel turns long digit strings into numbers: card numbers lose leading zeros
# and anything past 15 digits. Such codes are written as ="000123" to stay text.
_EXCEL_MAX_DIGITS = 15


def table_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> bytes:
    """Rows (dicts) -> CSV bytes with a header of labels, in the order of `columns`.

    `columns` is a list of (key, label). A key missing from a row is an error
    (a typo would otherwise export an empty column silently).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow([label for _, label in columns])
    for row in rows:
        writer.writerow([cell_text(row[key]) for key, _ in columns])
    return buffer.getvalue().encode(ENCODING)


def cell_text(value: Any) -> str:
    """One value as Excel pt-BR reads it: 1234,56 · 31/12/2026 · Sim/Não."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "Sim" if value else "Não"
    if isinstance(value, float):
        raise TypeError("Use Decimal para valores (float perde centavos).")
    if isinstance(value, Decimal):
        # No thousands separator, so Excel parses it as a number; 'f' avoids 1E+3.
        return format(value, "f").replace(".", ",")
    if isinstance(value, datetime):  # before date: datetime is a date subclass
        return fmt.datetime_br(value)
    if isinstance(value, date):
        return fmt.date_br(value)
    if isinstance(value, int):
        return str(value)
    return _text_cell(str(value))


def _text_cell(text: str) -> str:
    if _is_numeric_code(text):
        return f'="{text}"'
    return _neutralize_formula(text)


def _is_numeric_code(text: str) -> bool:
    """Digits Excel would mangle: a leading zero, or more digits than it keeps."""
    if not (text.isascii() and text.isdigit()):
        return False
    return (len(text) > 1 and text.startswith("0")) or len(text) > _EXCEL_MAX_DIGITS


def _neutralize_formula(text: str) -> str:
    # A leading apostrophe makes the spreadsheet show the text instead of evaluating it.
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text
