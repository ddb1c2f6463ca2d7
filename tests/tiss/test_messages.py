"""Messages the portal writes (tiss.messages): lots, protocol receipts and refusals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from copass_app.tiss.hash import compute_hash, declared_hash
from copass_app.tiss.messages import (
    GuideSpec,
    ItemSpec,
    ReceiptGuide,
    ReceiptParty,
    build_lot,
    build_lot_refusal,
    build_protocol_receipt,
    receipt_guides,
    refusal_summary,
)
from copass_app.tiss.model import GUIDE_CONSULTA, GUIDE_ODONTO, GUIDE_RESUMO_INTERNACAO, GUIDE_TYPES, LotIssue
from copass_app.tiss.schema import get_schema
from copass_app.tiss.validation import validate_lot
from tests.corpus.samples import PROFESSIONAL, sample_lot

PARTY = ReceiptParty(registro_ans="345678", provider_code="100234")
AT = datetime(2026, 1, 20, 9, 30, 0)


def assert_schema_valid(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    schema = get_schema()
    assert schema.validate(root), schema.error_log
    assert declared_hash(root) == compute_hash(root)
    return root


@pytest.mark.parametrize("guide_type", GUIDE_TYPES)
@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-8"])
def test_built_lot_is_valid_against_the_xsd(guide_type, encoding):
    data = build_lot(sample_lot(guide_type, guides=4, encoding=encoding))
    assert data.startswith(f"<?xml version='1.0' encoding='{encoding}'?>".encode())
    assert_schema_valid(data)
    assert validate_lot(data).valid


def test_pretty_lot_keeps_the_hash():
    data = build_lot(sample_lot(GUIDE_RESUMO_INTERNACAO, pretty=True))
    assert data.count(b"\n") > 100
    assert_schema_valid(data)


def test_guide_total_defaults_to_the_items_and_can_be_overridden():
    spec = sample_lot(GUIDE_RESUMO_INTERNACAO, guides=1)
    guide = spec.guides[0]
    assert guide.guide_total() == sum(item.line_total() for item in guide.items)
    guide.total = Decimal("1.00")
    assert b"<ans:valorTotalGeral>1.00</ans:valorTotalGeral>" in build_lot(spec)


def test_consulta_has_exactly_one_procedure():
    spec = sample_lot(GUIDE_CONSULTA, guides=1)
    spec.guides[0].items.append(spec.guides[0].items[0])
    with pytest.raises(ValueError, match="exatamente um procedimento"):
        build_lot(spec)


def test_internacao_needs_the_authorization_password():
    spec = sample_lot(GUIDE_RESUMO_INTERNACAO, guides=1)
    spec.guides[0].authorization_password = None
    with pytest.raises(ValueError, match="senha de autorização"):
        build_lot(spec)


def test_provider_without_any_identifier_is_refused():
    spec = sample_lot(GUIDE_CONSULTA, guides=1)
    spec.sender_code = None
    with pytest.raises(ValueError, match="código do prestador"):
        build_lot(spec)


def test_item_total_rounds_half_up_to_cents():
    item = ItemSpec("90598296", "DIPIRONA", Decimal("0.125"), quantity=Decimal("1"))
    assert item.line_total() == Decimal("0.13")


def test_protocol_receipt_is_valid_and_lists_the_guides():
    result = validate_lot(build_lot(sample_lot(GUIDE_RESUMO_INTERNACAO, guides=3)))
    data = build_protocol_receipt(PARTY, protocol_number="202600000123", lot_number=result.lot_number,
                                  sent_on=date(2026, 1, 20), guides=receipt_guides(result.guides),
                                  total=result.total, received_at=AT)
    root = assert_schema_valid(data)
    ns = {"ans": "http://www.ans.gov.br/padroes/tiss/schemas"}
    assert root.findtext("ans:cabecalho/ans:identificacaoTransacao/ans:tipoTransacao", namespaces=ns) == \
        "PROTOCOLO_RECEBIMENTO"
    detail = "ans:operadoraParaPrestador/ans:recebimentoLote/ans:protocoloRecebimento/ans:detalheProtocolo"
    assert root.findtext(f"{detail}/ans:numeroProtocolo", namespaces=ns) == "202600000123"
    assert root.findtext(f"{detail}/ans:valorTotalProtocolo", namespaces=ns) == f"{result.total:.2f}"
    assert len(root.findall(f"{detail}/ans:dadosGuiasProtocolo/ans:dadosGuias", namespaces=ns)) == 3


def test_protocol_receipt_for_odonto_uses_its_guide_structure():
    data = build_protocol_receipt(
        ReceiptParty(registro_ans="345678", provider_cnpj="12345678000190"), protocol_number="1",
        lot_number="7", sent_on=date(2026, 1, 2), guides=[ReceiptGuide("G1", "123")], total=Decimal("60.00"),
        odonto=True, received_at=AT)
    assert b"dadosGuiasOdonto" in data and b"<ans:cnpjContratado>12345678000190<" in data
    assert_schema_valid(data)


def test_protocol_needs_guides():
    with pytest.raises(ValueError):
        build_protocol_receipt(PARTY, protocol_number="1", lot_number="1", sent_on=date(2026, 1, 1),
                               guides=[], total=Decimal("0"), received_at=AT)


def test_refusal_carries_the_main_code_and_all_errors_summarised():
    errors = [LotIssue("O hash do epílogo não confere.", code="5014", line=290),
              LotIssue("Guia 2: o valor total difere da soma dos itens.", code="5042", line=120)]
    data = build_lot_refusal(PARTY, errors, refused_at=AT, pretty=True)
    root = assert_schema_valid(data)
    ns = {"ans": "http://www.ans.gov.br/padroes/tiss/schemas"}
    error = root.find("ans:operadoraParaPrestador/ans:recebimentoLote/ans:mensagemErro", namespaces=ns)
    assert error.findtext("ans:codigoGlosa", namespaces=ns) == "5014"
    description = error.findtext("ans:descricaoGlosa", namespaces=ns)
    assert "2 erro(s)" in description and "[5042] linha 120" in description


def test_refusal_without_known_code_uses_5002_and_fits_500_characters():
    errors = [LotIssue("x" * 300, code=None), LotIssue("y" * 300, code="9999")]
    data = build_lot_refusal(ReceiptParty(registro_ans="345678", provider_cpf="12345678909"), errors, refused_at=AT)
    assert b"<ans:codigoGlosa>5002<" in data
    assert_schema_valid(data)
    assert len(refusal_summary(errors)) == 500


def test_refusal_summary_is_iso_8859_1_safe():
    summary = refusal_summary([LotIssue("valor em € inválido", code="5050")])
    summary.encode("iso-8859-1")


def test_receipt_guides_from_parsed_guides():
    result = validate_lot(build_lot(sample_lot(GUIDE_ODONTO, guides=2)))
    guides = receipt_guides(result.guides)
    assert [g.provider_guide_number for g in guides] == ["00000001", "00000002"]
    assert guides[0].performed_date == result.guides[0].performed_dates[0]


def test_spec_items_default_to_the_guide_date():
    guide = GuideSpec("1", "123", date(2026, 1, 3), [ItemSpec("10101012", "Consulta", Decimal("100.00"))],
                      PROFESSIONAL)
    spec = sample_lot(GUIDE_CONSULTA, guides=1)
    spec.guides = [guide]
    assert b"<ans:dataAtendimento>2026-01-03<" in build_lot(spec)


def test_message_times_are_the_callers_wall_clock():
    """The receipt writes the moment it is given (the caller passes Brasília time), not UTC."""
    from zoneinfo import ZoneInfo

    at = datetime(2026, 3, 10, 22, 30, 5, tzinfo=ZoneInfo("America/Sao_Paulo"))
    data = build_lot_refusal(PARTY, [LotIssue("x", code="5014")], refused_at=at)
    assert b"<ans:dataRegistroTransacao>2026-03-10<" in data and b"<ans:horaRegistroTransacao>22:30:05<" in data


def test_production_messages_carry_no_sample_names():
    """Who sends and who executes come from the caller: the lot builder has no default clinic or doctor."""
    import inspect

    from copass_app.tiss import messages

    for module in (messages.lots, messages.receipts, messages.xml):
        source = inspect.getsource(module).upper()
        assert "SAO LUCAS" not in source and "SÃO LUCAS" not in source and "ANA MARIA" not in source
    with pytest.raises(TypeError):
        messages.ProfessionalSpec()  # type: ignore[call-arg]
