"""The one parser for what people type, as a Brazilian writes it: money, quantities, dates and
the competência. Pages, the CLI and the API all come through here, and each refusal is a
DomainError whose Portuguese message names the field.

Money and quantities: the comma is the decimal mark and the dot groups thousands, so `1.500`,
`1.500,00`, `R$ 1.500,00` and ` 1500 ` are all R$ 1.500,00 and `1500,5` is R$ 1.500,50. A dot
followed by anything but groups of three digits (`1.50`, `1.5`) could be an English decimal
point: it is refused as ambiguous rather than guessed. Negatives are refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from copass_app.services.errors import DomainError

MONEY_PLACES = 2
QUANTITY_PLACES = 4
# TISS ct_procedimentoExecutado*: valores st_decimal10-2, quantidadeExecutada st_decimal9-4.
MAX_MONEY = Decimal("99999999.99")
MAX_QUANTITY = Decimal("99999.9999")
MIN_YEAR, MAX_YEAR = 1900, 2100

COMPETENCE_PATTERN = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_NUMBER = re.compile(r"(?P<int>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d+))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_money(value: object, field: str = "Valor") -> Decimal:
    """pt-BR money → Decimal with two places; refuses negatives, ambiguity and more than 2 decimals."""
    number = _parse_number(value, field, currency=True)
    # The bound first: quantize() raises InvalidOperation past 28 digits (a pasted 30-digit number).
    if number > MAX_MONEY:
        raise DomainError(f"{field}: o valor ultrapassa o máximo permitido pelo padrão TISS (R$ 99.999.999,99).")
    if number != number.quantize(Decimal(1).scaleb(-MONEY_PLACES)):
        raise DomainError(f"{field}: use no máximo {MONEY_PLACES} casas decimais (por exemplo 1.234,56).")
    return number.quantize(Decimal("0.01"))


def parse_quantity(value: object, field: str = "Quantidade") -> Decimal:
    """pt-BR quantity → Decimal, up to four decimals (`1,2345`); zero and negatives refused."""
    number = _parse_number(value, field, currency=False)
    if number > MAX_QUANTITY:  # before quantize(), which fails past 28 digits
        raise DomainError(f"{field}: a quantidade máxima é 99.999,9999.")
    places = Decimal(1).scaleb(-QUANTITY_PLACES)
    if number != number.quantize(places):
        raise DomainError(f"{field}: use no máximo {QUANTITY_PLACES} casas decimais (por exemplo 1,2345).")
    if number == 0:
        raise DomainError(f"{field}: informe uma quantidade maior que zero.")
    # '1,500000' is 1,5: trailing zeros past the fourth decimal are dropped, the digits typed are kept.
    return number.quantize(places) if number.as_tuple().exponent < -QUANTITY_PLACES else number


def parse_date(value: object, field: str = "Data") -> date:
    """DD/MM/AAAA as typed, or AAAA-MM-DD as a date input sends it; years 1900–2100 only."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    iso, br = _ISO_DATE.fullmatch(text), _BR_DATE.fullmatch(text)
    parts = iso.groups() if iso else (br.group(3), br.group(2), br.group(1)) if br else None
    if parts is None:
        raise DomainError(f"{field}: data inválida. Use o formato DD/MM/AAAA.")
    year, month, day = (int(part) for part in parts)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(f"{field}: o ano deve estar entre {MIN_YEAR} e {MAX_YEAR}.")
    try:
        return date(year, month, day)
    except ValueError:  # 31/02/2026
        raise DomainError(f"{field}: data inexistente ({text}).") from None


def parse_optional_date(value: object, field: str = "Data") -> date | None:
    """An empty filter field means "no limit"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, field)


def parse_competence(value: object, field: str = "Competência") -> str:
    """AAAA-MM (as a month input sends it) or MM/AAAA (as typed) → 'AAAA-MM'."""
    text = value.strip() if isinstance(value, str) else ""
    typed = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if typed:
        text = f"{typed.group(2)}-{int(typed.group(1)):02d}"
    match = COMPETENCE_PATTERN.fullmatch(text)
    if not match or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise DomainError(f"{field} inválida. Use o formato MM/AAAA, por exemplo 03/2026.")
    return text


def competence_month(competence: str) -> tuple[date, date]:
    """First and last day of a competência 'AAAA-MM'."""
    first = date(int(competence[:4]), int(competence[5:7]), 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def _parse_number(value: object, field: str, *, currency: bool) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        # Floats carry binary rounding into money; a bool is never a number someone typed.
        raise TypeError("Use Decimal ou texto para valores e quantidades, nunca float.")
    if isinstance(value, Decimal | int):
        number = Decimal(value)
        if not number.is_finite():
            raise DomainError(f"{field} inválido(a).")
        if number < 0:
            raise DomainError(f"{field}: valores negativos não são aceitos.")
        return number
    text = value.replace("\xa0", " ").strip() if isinstance(value, str) else ""
    if currency:
        text = re.sub(r"^R\$\s*", "", text)
    if text.startswith("-"):
        raise DomainError(f"{field}: valores negativos não são aceitos.")
    if not text:
        raise DomainError(f"{field}: informe um número.")
    match = _NUMBER.fullmatch(text)
    if not match:
        example = "1.234,56" if currency else "1,5"
        if re.fullmatch(r"\d+\.\d+", text):
            raise DomainError(f"{field}: “{text}” é ambíguo. Use vírgula para os decimais, por exemplo {example}.")
        raise DomainError(f"{field}: “{text}” não é um número. Use o formato {example}.")
    digits = match["int"].replace(".", "") + (f".{match['dec']}" if match["dec"] else "")
    try:
        return Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise DomainError(f"{field}: “{text}” não é um número.") from None
