"""pt-BR display of money, dates, quantities, sizes and documents (parsing what people type is
`services/typed_input.py`'s job, and only its).

Plain functions with no reflex or database imports, so pages, reports, the CLI
and tests all show values the same way: ``R$ 1.234,56``, ``31/12/2026``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

from copass_app.clock import BRASILIA

LOCALE = "pt_BR"
CENT = Decimal("0.01")
QUANTITY_STEP = Decimal("0.0001")

_COMPETENCE_RE = re.compile(r"(\d{4})-(\d{2})")
# Document punctuation users type or paste: "12.345.678/0001-90".
_DOC_PUNCTUATION_RE = re.compile(r"[\s./-]")
# CNPJ: 12 alphanumeric characters (the alphanumeric CNPJ from July 2026) + 2 check digits.
_CNPJ_RE = re.compile(r"[0-9A-Z]{12}\d{2}")
_CPF_RE = re.compile(r"\d{11}")


# Money and dates are written by hand, in babel's exact pt-BR output (tests/reports/test_formatting.py
# compares them with babel over generated values): every page of a list formats a hundred of them per
# click, and babel's general path (locale lookup, plural rules, currency names) took 20 µs a value,
# half of the server's time for a page of guides. Quantities too; sizes keep babel.
_BR_SEPARATORS = str.maketrans(",.", ".,")


def money(value: Decimal) -> str:
    """Decimal -> 'R$ 1.234,56' (negative: '-R$ 1.234,56')."""
    if not isinstance(value, Decimal):
        # Floats would carry binary rounding errors into what the user sees.
        raise TypeError(f"money() espera Decimal, recebeu {type(value).__name__}")
    # Round half-up like an invoice does (babel would round half-even).
    cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    digits = f"{abs(cents):,.2f}".translate(_BR_SEPARATORS)
    return f"-R$ {digits}" if cents < 0 else f"R$ {digits}"  # never "-R$ 0,00": -0 is not < 0


def date_br(value: date) -> str:
    """date -> '31/12/2026'."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def datetime_br(value: datetime) -> str:
    """datetime -> '31/12/2026 14:05'; stored UTC times are shown in Brasília time (naive stays as is)."""
    if value.tzinfo is not None:
        value = value.astimezone(BRASILIA)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d} {value.hour:02d}:{value.minute:02d}"


def quantity(value: Decimal) -> str:
    """Quantities without useless zeros, all four TISS decimals kept: '2', '1,5', '1,2345', '1.000'.

    By hand like money (babel's "#,##0.####" output, compared in tests): every card of Faturamento shows them."""
    rounded = value.quantize(QUANTITY_STEP, rounding=ROUND_HALF_EVEN) if value.as_tuple().exponent < -4 else value
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.translate(_BR_SEPARATORS)


def competence(value: str) -> str:
    """Billing month 'YYYY-MM' -> '12/2026'."""
    match = _COMPETENCE_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"Competência inválida: {value!r}. Use o formato AAAA-MM.")
    return f"{match.group(2)}/{match.group(1)}"


def cpf_cnpj(document: str) -> str:
    """Digits -> '12.345.678/0001-90' (CNPJ) or '123.456.789-09' (CPF).

    Anything that is neither is returned unchanged: a report must still print
    whatever the operator registered rather than fail.
    """
    raw = _DOC_PUNCTUATION_RE.sub("", document or "").upper()
    if _CNPJ_RE.fullmatch(raw):
        return f"{raw[:2]}.{raw[2:5]}.{raw[5:8]}/{raw[8:12]}-{raw[12:]}"
    if _CPF_RE.fullmatch(raw):
        return f"{raw[:3]}.{raw[3:6]}.{raw[6:9]}-{raw[9:]}"
    return document


def document_label(document: str) -> str:
    """'CPF' for an 11-digit document, 'CNPJ' otherwise (used as a field label)."""
    raw = _DOC_PUNCTUATION_RE.sub("", document or "")
    return "CPF" if _CPF_RE.fullmatch(raw) else "CNPJ"


def file_size(size_bytes: int, *, exact: bool = True) -> str:
    """12345 -> '12,3 kB (12.345 bytes)'. Decimal units (1 MB = 1.000.000 bytes) everywhere, as
    the upload limit is set in bytes and disks are sold: a limit and a size never mix units."""
    in_bytes = f"{format_decimal(size_bytes, locale=LOCALE)} bytes"
    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if size_bytes >= factor:
            # Decimal keeps the rounding exact and predictable (no float).
            scaled = (Decimal(size_bytes) / factor).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            short = f"{format_decimal(scaled, format='#,##0.0', locale=LOCALE)} {unit}"
            return f"{short} ({in_bytes})" if exact else short
    return in_bytes


def size_over_limit(size_bytes: int, limit_bytes: int) -> str:
    """The one message for a file over the upload limit, both figures in the same unit."""
    return (f"O arquivo tem {file_size(size_bytes, exact=False)} e excede o limite de "
            f"{file_size(limit_bytes, exact=False)} ({format_decimal(limit_bytes, locale=LOCALE)} bytes).")
