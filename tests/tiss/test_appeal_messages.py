"""RECURSO_GLOSA and RECEBIMENTO_RECURSO_GLOSA as plain data in, XML out (no database): valid
against the official XSD with the epilogo hash, checked like a lot, and read back as written."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from copass_app.tiss import codes
from copass_app.tiss.messages.appeal_reading import read_appeal
from copass_app.tiss.messages.appeals import (
    AppealedGuide,
    AppealedItem,
    AppealReceiptSpec,
    AppealSpec,
    build_appeal,
    build_appeal_receipt,
    build_appeal_refusal,
)
from copass_app.tiss.messages.receipts import ReceiptParty, refusal_summary
from copass_app.tiss.model import LotIssue
from copass_app.tiss.parsing import parse_xml
from copass_app.tiss.validation import validate_lot
from tests.tiss.test_statements import valid, value

D = Decimal
PARTY = ReceiptParty(registro_ans="345678", provider_code="100234")
WHY = "Procedimento autorizado pela senha 12345678 — ver anexo."
GUIDES = (
    AppealedGuide("G1", (AppealedItem(1, date(2026, 3, 1), "22", "41001010", "Tomografia", "1705", D("150.00"), WHY),
                         AppealedItem(2, date(2026, 3, 1), "19", "70000001", "Seringa", "1702", D("0.99"), WHY)),
                  operator_guide_number="OP-1", password="SENHA1"),
    AppealedGuide("G2", (AppealedItem(1, date(2026, 3, 2), "22", "40302040", "Glicose", "1705", D("3.00"), WHY),)),
)
SPEC = AppealSpec(PARTY, "Copass Saúde", "RG-77", "12", "202600000005", date(2026, 3, 20),
                  datetime(2026, 3, 20, 10, 15), GUIDES)


def test_the_appeal_is_valid_checked_like_a_lot_and_read_back_as_written():
    data = build_appeal(SPEC)
    root = valid(data)
    assert value(root, "//ans:tipoTransacao") == "RECURSO_GLOSA"
    assert value(root, "//ans:cabecalho/ans:origem//ans:codigoPrestadorNaOperadora") == "100234"
    assert value(root, "//ans:cabecalho/ans:destino/ans:registroANS") == "345678"
    assert value(root, "//ans:valorTotalRecursado") == "153.99"
    check = validate_lot(data, transaction="RECURSO_GLOSA")
    assert check.valid, check.errors
    assert (check.sender_code, check.destination_ans) == ("100234", "345678")
    parsed = read_appeal(parse_xml(data).getroot())
    assert (parsed.protocol_number, parsed.lot_number, parsed.contracted, parsed.subject) == (
        "202600000005", "12", "100234", "2")
    assert parsed.total == D("153.99") and parsed.appealed_on == date(2026, 3, 20) and not parsed.protocol_level
    assert [g.provider_guide_number for g in parsed.guides] == ["G1", "G2"]
    assert [(i.sequence, i.table, i.code, i.glosa_code, i.value) for i in parsed.guides[0].items] == [
        (1, "22", "41001010", "1705", D("150.00")), (2, "19", "70000001", "1702", D("0.99"))]
    assert parsed.guides[0].items[0].justification == WHY.replace("—", "-")  # ISO-8859-1 has no em dash


def test_an_appeal_is_not_a_lot():
    errors = validate_lot(build_appeal(SPEC)).errors
    assert [e.code for e in errors] == [codes.INVALID_TRANSACTION]
    assert "um lote de guias deve ser enviado como ENVIO_LOTE_GUIAS" in errors[0].message


def test_an_appeal_lists_guides_with_items():
    with pytest.raises(ValueError, match="ao menos uma guia"):
        build_appeal(AppealSpec(**{**SPEC.__dict__, "guides": ()}))
    with pytest.raises(ValueError, match="ao menos um item"):
        build_appeal(AppealSpec(**{**SPEC.__dict__, "guides": (AppealedGuide("G1", ()),)}))


def test_the_receipt_answers_the_appeal_and_the_refusal_names_the_first_known_code():
    receipt = valid(build_appeal_receipt(AppealReceiptSpec(
        PARTY, "R26000000001", date(2026, 3, 20), date(2026, 3, 21), "12", "202600000005",
        datetime(2026, 3, 21, 8, 0), GUIDES, observation="Recebido.")))
    assert value(receipt, "//ans:tipoTransacao") == "RECEBIMENTO_RECURSO_GLOSA"
    assert value(receipt, "//ans:cabecalho/ans:origem/ans:registroANS") == "345678"
    assert value(receipt, "//ans:qtGuiasRecurso") == "2"
    assert value(receipt, "//ans:protocoloRecebimento/ans:valorTotalRecursado") == "153.99"
    errors = [LotIssue("sem código"), LotIssue("Hash errado", code=codes.INVALID_HASH, line=9)]
    refusal = valid(build_appeal_refusal(PARTY, errors, refused_at=datetime(2026, 3, 21, 8, 0)))
    assert value(refusal, "//ans:mensagemErro/ans:codigoGlosa") == codes.INVALID_HASH
    assert value(refusal, "//ans:mensagemErro/ans:descricaoGlosa").startswith("Recurso de glosa recusado, 2 erro(s)")
    assert refusal_summary(errors).startswith("Lote recusado, 2 erro(s)")  # the lot's wording is unchanged
