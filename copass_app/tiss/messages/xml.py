"""The few helpers every TISS message the portal writes shares: elements in the TISS namespace,
values as the XSD writes them, the message header and the epilogo hash."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from copass_app.tiss.hash import set_hash
from copass_app.tiss.schema import TISS_NS

CENT = Decimal("0.01")
_P = f"{{{TISS_NS}}}"


def el(parent: etree._Element, name: str, text: object = None) -> etree._Element:
    element = etree.SubElement(parent, _P + name)
    if text is not None:
        element.text = as_text(text)
    return element


def opt(parent: etree._Element, name: str, text: object) -> None:
    """An optional element: written only when there is a value."""
    if text is not None:
        el(parent, name, text)


def as_text(value: object) -> str:
    if isinstance(value, Decimal):  # money: two decimals, rounded like an invoice
        return str(value.quantize(CENT, rounding=ROUND_HALF_UP))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def quantity_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def serialize(root: etree._Element, encoding: str, pretty: bool) -> bytes:
    set_hash(root)
    return etree.tostring(root, xml_declaration=True, encoding=encoding, pretty_print=pretty)


def message(transaction: str, sequence: str, at: datetime) -> tuple[etree._Element, etree._Element]:
    """mensagemTISS and its cabecalho. `at` is written as its own wall-clock date and time: the caller
    passes the moment in the time zone the message must show (Brasília for what the portal sends)."""
    root = etree.Element(_P + "mensagemTISS", nsmap={"ans": TISS_NS})
    header = el(root, "cabecalho")
    ident = el(header, "identificacaoTransacao")
    el(ident, "tipoTransacao", transaction)
    el(ident, "sequencialTransacao", sequence)
    el(ident, "dataRegistroTransacao", at.date())
    el(ident, "horaRegistroTransacao", at.strftime("%H:%M:%S"))
    return root, header


def provider_id(parent: etree._Element, code: str | None, cnpj: str | None, cpf: str | None = None,
                names: tuple[str, str, str] = ("codigoPrestadorNaOperadora", "CNPJ", "CPF")) -> None:
    """ct_prestadorIdentificacao / ct_contratadoDados: exactly one of code, CNPJ, CPF."""
    for name, value in zip(names, (code, cnpj, cpf), strict=True):
        if value:
            el(parent, name, value)
            return
    raise ValueError("Informe o código do prestador na operadora, o CNPJ ou o CPF.")


CONTRATADO = ("codigoPrestadorNaOperadora", "cnpjContratado", "cpfContratado")


def hash_placeholder(root: etree._Element) -> None:
    """The empty epilogo/hash that `serialize` fills in."""
    el(el(root, "epilogo"), "hash", "")
