"""PROTOCOLO_RECEBIMENTO: what the portal answers to a lot it accepted (the protocol) or refused
(mensagemErro with the errors)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from copass_app.tiss import codes
from copass_app.tiss.messages.xml import CONTRATADO, el, hash_placeholder, message, opt, provider_id, serialize
from copass_app.tiss.model import LotIssue, ParsedGuide
from copass_app.tiss.schema import TISS_VERSION


@dataclass(frozen=True)
class ReceiptGuide:
    """A guide as the protocol lists it (dadosGuias)."""

    provider_guide_number: str
    card_number: str
    operator_guide_number: str | None = None
    performed_date: date | None = None


def receipt_guides(guides: Iterable[ParsedGuide]) -> list[ReceiptGuide]:
    return [
        ReceiptGuide(g.provider_guide_number or "", g.card_number or "", g.operator_guide_number,
                     g.performed_dates[0] if g.performed_dates else g.period_start)
        for g in guides
    ]


@dataclass(frozen=True)
class ReceiptParty:
    """Who talks to whom: the operator (registro ANS) and the provider (one identifier)."""

    registro_ans: str
    provider_code: str | None = None
    provider_cnpj: str | None = None
    provider_cpf: str | None = None


def _operator_message(party: ReceiptParty, sequence: str, at: datetime) -> tuple[etree._Element, etree._Element]:
    root, header = message("PROTOCOLO_RECEBIMENTO", sequence, at)
    el(el(header, "origem"), "registroANS", party.registro_ans)
    provider_id(el(el(header, "destino"), "identificacaoPrestador"),
                party.provider_code, party.provider_cnpj, party.provider_cpf)
    el(header, "Padrao", TISS_VERSION)
    receipt = el(el(root, "operadoraParaPrestador"), "recebimentoLote")
    return root, receipt


def build_protocol_receipt(
    party: ReceiptParty, *, protocol_number: str, lot_number: str, sent_on: date,
    guides: Sequence[ReceiptGuide], total: Decimal, received_at: datetime, odonto: bool = False,
    sequence: str = "1", encoding: str = "ISO-8859-1", pretty: bool = False,
) -> bytes:
    """PROTOCOLO_RECEBIMENTO / protocoloRecebimento for an accepted lot.

    `received_at` is written as given: pass Brasília local time (`clock.local_now()`), what the
    protocol PDF shows too.
    """
    if not guides:
        raise ValueError("O protocolo de recebimento lista ao menos uma guia.")
    root, receipt = _operator_message(party, sequence, received_at)
    protocol = el(receipt, "protocoloRecebimento")
    el(protocol, "registroANS", party.registro_ans)
    provider_id(el(protocol, "dadosPrestador"), party.provider_code, party.provider_cnpj, party.provider_cpf,
                CONTRATADO)
    el(protocol, "numeroLote", lot_number)
    el(protocol, "dataEnvioLote", sent_on)
    detail = el(protocol, "detalheProtocolo")
    el(detail, "numeroProtocolo", protocol_number)
    el(detail, "valorTotalProtocolo", total)
    listed = el(detail, "dadosGuiasProtocolo")
    for guide in guides:
        (_receipt_odonto if odonto else _receipt_guide)(listed, guide)
    hash_placeholder(root)
    return serialize(root, encoding, pretty)


def _receipt_guide(parent: etree._Element, guide: ReceiptGuide) -> None:
    data = el(parent, "dadosGuias")
    el(data, "numeroGuiaPrestador", guide.provider_guide_number)
    opt(data, "numeroGuiaOperadora", guide.operator_guide_number)
    beneficiary = el(data, "dadosBeneficiario")
    el(beneficiary, "numeroCarteira", guide.card_number)
    el(beneficiary, "atendimentoRN", "N")
    opt(data, "dataRealizacao", guide.performed_date)


def _receipt_odonto(parent: etree._Element, guide: ReceiptGuide) -> None:
    data = el(parent, "dadosGuiasOdonto")
    el(data, "numeroGuiaPrestador", guide.provider_guide_number)
    opt(data, "numeroGuiaOperadora", guide.operator_guide_number)
    el(data, "numeroCarteira", guide.card_number)
    el(data, "atendimentoRN", "N")


def build_lot_refusal(
    party: ReceiptParty, errors: Sequence[LotIssue], *, refused_at: datetime, sequence: str = "1",
    encoding: str = "ISO-8859-1", pretty: bool = False,
) -> bytes:
    """PROTOCOLO_RECEBIMENTO / mensagemErro for a refused lot (`refused_at` in Brasília local time).

    The schema allows a single mensagemErro (one code): it carries the first
    error's code, and descricaoGlosa summarises all errors within its 500
    characters. The full list goes in the printable error report.
    """
    root, receipt = _operator_message(party, sequence, refused_at)
    error = el(receipt, "mensagemErro")
    el(error, "codigoGlosa", _main_code(errors))
    el(error, "descricaoGlosa", refusal_summary(errors))
    hash_placeholder(root)
    return serialize(root, encoding, pretty)


def _main_code(errors: Sequence[LotIssue]) -> str:
    return next((e.code for e in errors if e.code and codes.is_known(e.code)), codes.CANNOT_VALIDATE)


def refusal_summary(errors: Sequence[LotIssue], limit: int = 500, *, title: str = "Lote recusado") -> str:
    """'2 erro(s): [5014] linha 90: ...; [5042] ...' cut to fit st_texto500."""
    parts = []
    for e in errors:
        where = f" linha {e.line}:" if e.line else ""
        parts.append(f"[{e.code or '-'}]{where} {e.message}")
    text = f"{title}, {len(errors)} erro(s): " + "; ".join(parts) if errors else f"{title}."
    text = text.encode("iso-8859-1", "replace").decode("iso-8859-1")
    return text if len(text) <= limit else text[: limit - 3] + "..."
