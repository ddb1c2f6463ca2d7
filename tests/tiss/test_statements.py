"""The demonstrativos as plain data in, XML out: valid against the official 4.03.00 XSD, hashed,
and adding up line by line (tiss.messages.statements, no database)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from copass_app.tiss.hash import compute_hash, declared_hash
from copass_app.tiss.messages.receipts import ReceiptParty
from copass_app.tiss.messages.statements import (
    APPEAL,
    CREDIT,
    AnalysedGuide,
    AnalysedItem,
    AnalysedProtocol,
    Deduction,
    GlosaLine,
    PaidGuide,
    PaidProtocol,
    PaymentStatementData,
    Statement,
    build_analysis_statement,
    build_payment_statement,
)
from copass_app.tiss.schema import TISS_NS, get_schema

D = Decimal
NS = {"ans": TISS_NS}
PARTY = ReceiptParty(registro_ans="345678", provider_code="100234")
STATEMENT = Statement(PARTY, "Copass Saúde", "12345678000195", "202600000005", datetime(2026, 3, 10, 9, 30),
                      cnes="1234567")


def valid(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    schema = get_schema()
    assert schema.validate(root), schema.error_log
    assert declared_hash(root) == compute_hash(root)
    return root


def value(root, path: str) -> str:
    return root.xpath(f"string({path})", namespaces=NS)


def item(sequence: int, informed: str, *glosas: tuple[str, str], description: str = "Hemograma") -> AnalysedItem:
    return AnalysedItem(sequence, date(2026, 3, 1), "22", "40301630", description, D("1"), D(informed),
                        tuple(GlosaLine(code, D(v)) for code, v in glosas))


def protocol(*guides: AnalysedGuide, number: str = "202600000005") -> AnalysedProtocol:
    return AnalysedProtocol("12", number, date(2026, 3, 2), "3", guides)


def guide(number: str, *items: AnalysedItem) -> AnalysedGuide:
    return AnalysedGuide(number, "0001234", date(2026, 3, 1), "3", items, operator_guide_number="OP-1")


def test_the_analysis_statement_is_valid_and_adds_up_at_every_level():
    first = guide("G1", item(1, "25.50", ("1705", "5.50")), item(2, "24.50"))
    second = guide("G2", item(1, "100.00", ("1702", "60.00"), ("1705", "40.00")))
    root = valid(build_analysis_statement(STATEMENT, [protocol(first, second), protocol(guide("G3", item(1, "9.99")),
                                                                                          number="202600000006")]))
    assert value(root, "//ans:tipoTransacao") == "DEMONSTRATIVO_ANALISE_CONTA"
    assert value(root, "//ans:cabecalho/ans:origem/ans:registroANS") == "345678"
    assert value(root, "//ans:dadosPrestador/ans:CNES") == "1234567"
    assert [value(root, f"//ans:valor{k}Geral") for k in ("Informado", "Processado", "Liberado", "Glosa")] == [
        "159.99", "159.99", "54.49", "105.50"]
    assert root.xpath("//ans:dadosProtocolo[1]/ans:valorGlosaProtocolo/text()", namespaces=NS) == ["105.50"]
    assert root.xpath("//ans:relacaoGuias/ans:valorLiberadoGuia/text()", namespaces=NS) == ["44.50", "0.00", "9.99"]
    assert root.xpath("//ans:relacaoGuias[ans:numeroGuiaPrestador='G2']//ans:tipoGlosa/text()",
                      namespaces=NS) == ["1702", "1705"]


def test_descriptions_are_cut_and_written_in_latin1_and_a_pretty_file_keeps_its_hash():
    long = "Ressonância – crânio " + "x" * 200
    data = build_analysis_statement(STATEMENT, [protocol(guide("G1", item(1, "1.00", description=long)))],
                                    pretty=True)
    root = valid(data)
    description = value(root, "//ans:descricaoProcedimento")
    assert len(description) == 150 and description.startswith("Ressonância - crânio")
    assert data.count(b"\n") > 30 and data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")


def test_a_statement_without_protocols_is_refused():
    with pytest.raises(ValueError, match="ao menos um protocolo"):
        build_analysis_statement(STATEMENT, [])
    with pytest.raises(ValueError, match="ao menos um protocolo"):
        build_payment_statement(STATEMENT, PaymentStatementData(date(2026, 3, 15), ()))


def payment(**changes) -> PaymentStatementData:
    fields = dict(
        paid_on=date(2026, 3, 15),
        protocols=(PaidProtocol(date(2026, 3, 2), "202600000005", "12", D("150.00"),
                                (PaidGuide("G1", D("50.00"), D("44.50"), D("5.50")),
                                 PaidGuide("G2", D("100.00"), D("0.00"), D("100.00")))),
                   PaidProtocol(date(2026, 2, 2), "202600000001", "7", D("0.00"),
                                (PaidGuide("G0", D("30.00"), D("30.00"), kind=APPEAL),))),
        deductions=(Deduction("01", "IRRF 1,5% sobre R$ 1.000,00", D("15.00")),
                    Deduction("07", "Acerto", D("1.25"), indicator=CREDIT)),
        bank="001", agency="1234-5", account="98765-4")
    fields.update(changes)
    return PaymentStatementData(**fields)


def test_the_payment_statement_is_valid_and_its_net_is_liberado_minus_debits_plus_credits():
    root = valid(build_payment_statement(STATEMENT, payment()))
    assert value(root, "//ans:tipoTransacao") == "DEMONSTRATIVO_PAGAMENTO"
    assert [value(root, f"//ans:valor{k}Bruto") for k in ("Informado", "Processado", "Liberado", "Glosa")] == [
        "150.00", "180.00", "74.50", "105.50"]
    assert value(root, "//ans:totalDebitosPorData") == "15.00"
    assert value(root, "//ans:totalCreditosPorData") == "1.25"
    assert value(root, "//ans:liquidoPorData") == value(root, "//ans:valorLiberadoDemonstrativo") == "60.75"
    assert root.xpath("//ans:guiasDoLote/ans:tipoPagamento/text()", namespaces=NS) == ["1", "1", "2"]
    assert value(root, "//ans:dadosPagamento/ans:formaPagamento") == "1"


def test_bank_data_is_optional_and_a_protocol_lists_one_to_a_hundred_guides():
    root = valid(build_payment_statement(STATEMENT, payment(bank=None, agency=None, account=None, deductions=())))
    assert not root.xpath("//ans:banco | //ans:debitosCreditosPorData", namespaces=NS)
    too_many = PaidProtocol(date(2026, 3, 2), "202600000005", "12", D("0"),
                            tuple(PaidGuide(f"G{n}", D("1"), D("1")) for n in range(101)))
    with pytest.raises(ValueError, match="de 1 a 100 guias"):
        build_payment_statement(STATEMENT, payment(protocols=(too_many,)))
