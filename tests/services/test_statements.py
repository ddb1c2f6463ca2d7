"""The TISS files of the money half as the portal builds them from the real services: each valid
against the official 4.03.00 XSD with its epilogo hash, its totals equal to the screens'
(analysis.batch_analysis, payments.payment_detail), owner-checked, refused in Portuguese."""

from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import func
from sqlmodel import select

from copass_app import clock
from copass_app.models import AuditLog
from copass_app.services import analysis, appeals, payments, statements
from copass_app.services.errors import DomainError, NotFound
from copass_app.tiss import codes
from copass_app.tiss.hash import compute_hash, declared_hash
from copass_app.tiss.schema import TISS_NS, get_schema
from tests.services.money_helpers import analysed_batch, bill, clinic, glosas_of, staff_actor

D = Decimal
NS = {"ans": TISS_NS}
ITEMS_A = [("22", "10101012", "Consulta em consultório", D("1"), D("1234.56")),
           ("22", "40302040", "Glicose", D("3"), D("45.67"))]
ITEMS_B = [("22", "41001010", "Tomografia", D("2"), D("500.00")),
           ("19", "70000001", "Seringa descartável", D("1"), D("0.99"))]
WHY = "O valor segue a tabela vigente do contrato."


@pytest.fixture
def staff(factory):
    return staff_actor(factory)


@pytest.fixture
def lucas(factory):
    return clinic(factory, "Clínica São Lucas", municipality="São Paulo")


@pytest.fixture
def other(factory):
    return clinic(factory, "Laboratório Vida")


def valid(data: bytes) -> etree._Element:
    """The file as a provider's system reads it: ISO-8859-1, valid against the XSD, hash right."""
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    root = etree.fromstring(data)
    schema = get_schema()
    assert schema.validate(root), schema.error_log
    assert declared_hash(root) == compute_hash(root)
    return root


def text(root, path: str) -> str:
    return root.xpath(f"string({path})", namespaces=NS)


def money(root, path: str) -> Decimal:
    return D(text(root, path))


def all_texts(root, path: str) -> list[str]:
    return [element.text for element in root.xpath(path, namespaces=NS)]


# --- DEMONSTRATIVO_ANALISE_CONTA -------------------------------------------------------------------


def test_the_analysis_statement_lists_every_item_and_adds_up_to_the_analysis_screen(factory, db, lucas, staff):
    batch = analysed_batch(factory, db, lucas, staff, {1: D("37.01"), 3: D("37.01")}, items=ITEMS_A, guides=2)
    name, data = statements.analysis_statement(db, lucas.actor, batch.id)
    assert name == f"demonstrativo-analise-{batch.protocol_number}.xml"
    root = valid(data)
    screen = analysis.batch_analysis(db, staff, batch.id)
    assert text(root, "//ans:tipoTransacao") == "DEMONSTRATIVO_ANALISE_CONTA"
    assert text(root, "//ans:cabecalho/ans:destino//ans:codigoPrestadorNaOperadora") == lucas.provider.code
    demo = "//ans:demonstrativoAnaliseConta"
    assert money(root, f"{demo}/ans:valorInformadoGeral") == screen.total_value == D("2743.14")
    assert money(root, f"{demo}/ans:valorGlosaGeral") == screen.glosa_value == D("74.02")
    assert money(root, f"{demo}/ans:valorLiberadoGeral") == screen.approved_value == D("2669.12")
    assert money(root, f"{demo}/ans:valorProcessadoGeral") == screen.total_value
    protocol = f"{demo}/ans:dadosConta/ans:dadosProtocolo"
    assert text(root, f"{protocol}/ans:numeroProtocolo") == batch.protocol_number
    assert text(root, f"{protocol}/ans:numeroLotePrestador") == batch.lot_number
    assert text(root, f"{protocol}/ans:situacaoProtocolo") == "3"  # liberado para pagamento
    assert money(root, f"{protocol}/ans:valorLiberadoProtocolo") == screen.approved_value
    guides = root.xpath(f"{protocol}/ans:relacaoGuias", namespaces=NS)
    assert [g.findtext(f"{{{TISS_NS}}}numeroGuiaPrestador") for g in guides] == [
        g.guide_number for g in screen.guides]
    for element, guide in zip(guides, screen.guides, strict=True):
        assert money(element, "ans:valorInformadoGuia") == guide.total
        assert money(element, "ans:valorGlosaGuia") == guide.glosa_value
        assert money(element, "ans:valorLiberadoGuia") == guide.approved_value
        assert text(element, "ans:numeroCarteira") == guide.card_number
        items = element.xpath("ans:detalhesGuia", namespaces=NS)
        assert [text(i, "ans:sequencialItem") for i in items] == ["1", "2"]
        assert [text(i, "ans:procedimento/ans:codigoProcedimento") for i in items] == ["10101012", "40302040"]
        assert [money(i, "ans:valorLiberado") for i in items] == [D("1234.56"), D("100.00")]
        assert text(items[1], "ans:relacaoGlosa/ans:tipoGlosa") == codes.VALUE_ABOVE_CONTRACT
        assert money(items[1], "ans:relacaoGlosa/ans:valorGlosa") == D("37.01")
        assert not items[0].xpath("ans:relacaoGlosa", namespaces=NS)


def test_a_batch_closed_without_payment_says_so_at_protocol_and_guide_level(factory, db, lucas, staff):
    batch = analysed_batch(factory, db, lucas, staff, {0: D("25.50"), 1: D("24.50")})
    root = valid(statements.analysis_statement(db, staff, batch.id)[1])
    assert text(root, "//ans:situacaoProtocolo") == "4"
    assert text(root, "//ans:situacaoGuia") == "4"
    assert money(root, "//ans:valorLiberadoGeral") == D("0.00")
    assert money(root, "//ans:valorGlosaGeral") == D("50.00")


def test_the_analysis_statement_is_the_owners_and_staffs_and_waits_for_the_analysis(factory, db, lucas, other,
                                                                                   staff):
    batch = analysed_batch(factory, db, lucas, staff, {1: D("4.50")})
    with pytest.raises(NotFound):
        statements.analysis_statement(db, other.actor, batch.id)
    with pytest.raises(NotFound):
        statements.analysis_statement(db, lucas.actor, 999_999)
    assert statements.analysis_statement(db, staff, batch.id)[1]
    received = bill(factory, db, lucas)
    with pytest.raises(DomainError, match="quando a análise do lote termina"):
        statements.analysis_statement(db, lucas.actor, received)
    downloads = db.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == "file.download",
                                                                       AuditLog.entity_id == str(batch.id))).one()
    assert downloads == 1  # staff's download; the refused ones wrote nothing


# --- DEMONSTRATIVO_PAGAMENTO -----------------------------------------------------------------------


def paid_with_an_appeal(factory, db, who, staff):
    """A (1.371,57, glosa 37,01) and B (1.000,99, glosa 100,00) paid with 20,00 of an accepted appeal of A."""
    a = analysed_batch(factory, db, who, staff, {1: D("37.01")}, items=ITEMS_A)
    b = analysed_batch(factory, db, who, staff, {0: D("100.00")}, items=ITEMS_B)
    [glosa] = glosas_of(db, a.id)
    opened = appeals.open_appeal(db, who.actor, glosa.id, contested_value="37,01", justification=WHY)
    appeals.decide_appeal(db, staff, opened.id, decision="accept_partly", accepted_value="20,00")
    view = payments.register_payment(db, staff, who.provider.id, batch_ids=[a.id, b.id], appeal_ids=[opened.id],
                                     paid_on=clock.today())
    db.commit()
    return a, b, view


def test_the_payment_statement_adds_up_to_the_payment_screen(factory, db, lucas, staff):
    a, b, view = paid_with_an_appeal(factory, db, lucas, staff)
    name, data = statements.payment_statement(db, lucas.actor, view.id)
    assert name == f"demonstrativo-pagamento-{view.number}.xml"
    root = valid(data)
    detail = payments.payment_detail(db, lucas.actor, view.id)
    assert text(root, "//ans:tipoTransacao") == "DEMONSTRATIVO_PAGAMENTO"
    assert text(root, "//ans:numeroDemonstrativo") == detail.number
    paid = "//ans:pagamentosPorData/ans:dadosPagamento"
    assert text(root, f"{paid}/ans:dataPagamento") == detail.paid_on.isoformat()
    assert (text(root, f"{paid}/ans:banco"), text(root, f"{paid}/ans:agencia"),
            text(root, f"{paid}/ans:nrContaCheque")) == ("001", "1234-5", "98765-4")
    gross = "//ans:totaisBrutosDemonstrativo"
    assert money(root, f"{gross}/ans:valorInformadoBruto") == detail.gross == D("2372.56")
    assert money(root, f"{gross}/ans:valorGlosaBruto") == detail.glosa == D("137.01")
    assert money(root, f"{gross}/ans:valorLiberadoBruto") == detail.approved + detail.appeals_value
    assert money(root, "//ans:totalDebitosDemonstrativo") == detail.withholding_value
    assert money(root, "//ans:valorLiberadoDemonstrativo") == detail.net
    assert money(root, "//ans:liquidoPorData") == detail.net
    protocols = root.xpath("//ans:relacaoProtocolos", namespaces=NS)
    assert [text(p, "ans:numeroProtocolo") for p in protocols] == [a.protocol_number, b.protocol_number,
                                                                   a.protocol_number]
    assert [text(p, "ans:guiasDoLote/ans:tipoPagamento") for p in protocols] == ["1", "1", "2"]
    assert [money(p, "ans:valorLiberado") for p in protocols] == [D("1334.56"), D("900.99"), D("20.00")]
    assert [money(p, "ans:valorInformado") for p in protocols] == [D("1371.57"), D("1000.99"), D("0.00")]
    withheld = [line for line in detail.withholdings if line.value > 0]
    assert all_texts(root, "//ans:debitosCreditos/ans:tipoDebitoCredito") == [
        statements.TAX_KIND[line.tax] for line in withheld]
    assert [D(v) for v in all_texts(root, "//ans:debitosCreditos/ans:valorDbCr")] == [line.value for line in withheld]
    assert set(all_texts(root, "//ans:debitosCreditos/ans:indicador")) == {"1"}


def test_a_tax_that_was_not_withheld_is_not_a_debit(factory, db, lucas, staff):
    """Base 50,00: every tax is R$ 10,00 or less, none withheld, so the statement lists no debit at all."""
    batch = analysed_batch(factory, db, lucas, staff)
    view = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[batch.id], appeal_ids=[],
                                     paid_on=clock.today())
    assert view.withholdings and all(line.value == 0 for line in view.withholdings)
    root = valid(statements.payment_statement(db, staff, view.id)[1])
    assert not root.xpath("//ans:debitosCreditos", namespaces=NS)
    assert money(root, "//ans:totalDebitosDemonstrativo") == D("0.00")
    assert money(root, "//ans:valorLiberadoDemonstrativo") == view.net == D("50.00")


def test_another_providers_payment_statement_is_not_found(factory, db, lucas, other, staff):
    _a, _b, view = paid_with_an_appeal(factory, db, lucas, staff)
    with pytest.raises(NotFound):
        statements.payment_statement(db, other.actor, view.id)
    with pytest.raises(NotFound):
        statements.payment_statement(db, lucas.actor, "abc")


# --- RECURSO_GLOSA and its receipt -----------------------------------------------------------------


def test_the_appeal_message_carries_each_contested_item_and_its_receipt_answers_it(factory, db, lucas, other, staff):
    batch = analysed_batch(factory, db, lucas, staff, {0: D("200.00"), 1: D("0.99"), 2: D("200.00"), 3: D("0.99")},
                           items=ITEMS_B, guides=2)
    first, second, third, _fourth = glosas_of(db, batch.id)
    appeals.open_appeal(db, lucas.actor, first.id, contested_value="150,00", justification=WHY)
    appeals.open_appeal(db, lucas.actor, second.id, contested_value="0,99", justification="Seringa usada na aplicação.")
    appeals.open_appeal(db, lucas.actor, third.id, contested_value="200,00", justification=WHY)
    name, data = statements.appeal_message(db, lucas.actor, batch.id)
    assert name == f"recurso-glosa-{batch.protocol_number}.xml"
    root = valid(data)
    assert text(root, "//ans:tipoTransacao") == "RECURSO_GLOSA"
    assert text(root, "//ans:cabecalho/ans:origem//ans:codigoPrestadorNaOperadora") == lucas.provider.code
    appeal = "//ans:guiaRecursoGlosa"
    assert text(root, f"{appeal}/ans:numeroProtocolo") == batch.protocol_number
    assert text(root, f"{appeal}/ans:objetoRecurso") == "2"
    assert money(root, f"{appeal}/ans:valorTotalRecursado") == D("350.99")
    guides = root.xpath("//ans:recursoGuia", namespaces=NS)
    assert [len(g.xpath(".//ans:itensGuia", namespaces=NS)) for g in guides] == [2, 1]
    assert all_texts(root, "//ans:itensGuia/ans:sequencialItem") == ["1", "2", "1"]
    assert all_texts(root, "//ans:itensGuia/ans:valorRecursado") == ["150.00", "0.99", "200.00"]
    assert all_texts(root, "//ans:itensGuia/ans:justificativaItem")[1] == "Seringa usada na aplicação."

    receipt = valid(statements.appeal_receipt(db, lucas.actor, batch.id)[1])
    assert text(receipt, "//ans:tipoTransacao") == "RECEBIMENTO_RECURSO_GLOSA"
    assert text(receipt, "//ans:protocoloRecebimento/ans:nrProtocoloRecursado") == batch.protocol_number
    assert text(receipt, "//ans:qtGuiasRecurso") == "2"
    assert money(receipt, "//ans:protocoloRecebimento/ans:valorTotalRecursado") == D("350.99")
    assert len(text(receipt, "//ans:nrProtocoloRecursoGlosa")) == 12
    assert statements.appeal_message(db, staff, batch.id)[1]
    with pytest.raises(NotFound):
        statements.appeal_message(db, other.actor, batch.id)
    with pytest.raises(NotFound):
        statements.appeal_receipt(db, other.actor, batch.id)


def test_a_batch_without_appeals_has_no_appeal_message(factory, db, lucas, staff):
    batch = analysed_batch(factory, db, lucas, staff, {1: D("4.50")})
    with pytest.raises(NotFound, match="não tem recursos"):
        statements.appeal_message(db, lucas.actor, batch.id)


def test_a_payment_of_an_accepted_appeal_alone_lists_its_protocol_as_a_recurso(factory, db, lucas, staff):
    batch = analysed_batch(factory, db, lucas, staff, {1: D("37.01")}, items=ITEMS_A)
    payments.register_payment(db, staff, lucas.provider.id, batch_ids=[batch.id], appeal_ids=[],
                              paid_on=clock.today())
    [glosa] = glosas_of(db, batch.id)
    opened = appeals.open_appeal(db, lucas.actor, glosa.id, contested_value="37,01", justification=WHY)
    appeals.decide_appeal(db, staff, opened.id, decision="accept")
    later = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[], appeal_ids=[opened.id],
                                      paid_on=clock.today())
    root = valid(statements.payment_statement(db, lucas.actor, later.id)[1])
    [protocol] = root.xpath("//ans:relacaoProtocolos", namespaces=NS)
    assert text(protocol, "ans:numeroProtocolo") == batch.protocol_number
    assert text(protocol, "ans:guiasDoLote/ans:tipoPagamento") == "2"
    assert money(root, "//ans:valorInformadoBruto") == later.gross == D("0.00")
    assert money(root, "//ans:valorLiberadoBruto") == later.appeals_value == D("37.01")
    assert money(root, "//ans:valorLiberadoDemonstrativo") == later.net == D("37.01")  # every tax under R$ 10,00
