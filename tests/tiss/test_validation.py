"""Checks 1–5 on whole files: what a provider sees for each failure class, and the extracted guides."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import tracemalloc
from datetime import date
from decimal import Decimal

import pytest

from copass_app.tiss.messages import build_lot
from copass_app.tiss.model import (
    GUIDE_CONSULTA,
    GUIDE_HONORARIOS,
    GUIDE_ODONTO,
    GUIDE_RESUMO_INTERNACAO,
    GUIDE_SP_SADT,
    ITEM_EXPENSE,
    ITEM_PROCEDURE,
)
from copass_app.tiss.validation import MAX_SCHEMA_ERRORS, validate_file, validate_lot, validate_stream
from tests.corpus.samples import sample_lot

from .conftest import PASSWD_MARKERS, corpus_bytes, line_of, lot_bytes

GUIDES = "/mensagemTISS/prestadorParaOperadora/loteGuias/guiasTISS"


def codes_of(result) -> list[str | None]:
    return [issue.code for issue in result.errors]


def test_every_corpus_file_gives_the_expected_outcome(corpus, expected):
    for name, outcome in expected.items():
        result = validate_file(corpus / name, max_bytes=outcome.get("max_bytes"))
        assert result.valid is outcome["valid"], (name, result.errors)
        assert sorted(set(codes_of(result))) == sorted(outcome["codes"]), (name, result.errors)


# --- what is read from a valid lot ---------------------------------------------

def test_valid_lot_header_and_totals():
    data = corpus_bytes("valido_sadt_iso8859-1.xml")
    result = validate_lot(data, filename="lote.xml")
    assert result.valid and result.errors == []
    assert (result.version, result.transaction, result.lot_number) == ("4.03.00", "ENVIO_LOTE_GUIAS", "2026000001")
    assert (result.sender_code, result.destination_ans, result.guide_type) == ("100234", "345678", GUIDE_SP_SADT)
    assert result.encoding == "ISO-8859-1" and result.transaction_date == date(2026, 1, 15)
    assert result.guide_count == 3 and result.total == Decimal("85.70")
    assert result.size == len(data) and result.md5 == hashlib.md5(data).hexdigest()
    assert result.declared_hash == result.computed_hash


def test_sadt_guides_and_items_are_extracted_with_decimal_money():
    result = validate_lot(corpus_bytes("valido_sadt_utf8_indentado.xml"))
    guide = result.guides[0]
    assert guide.guide_type == GUIDE_SP_SADT and guide.index == 1
    assert (guide.provider_guide_number, guide.operator_guide_number) == ("00000001", "OP00000001")
    assert guide.authorization_password == "S0000031" and guide.card_number == "00010000791900"
    assert guide.registro_ans == "345678" and guide.executor_code == "100234"
    assert guide.beneficiary_name is None  # TISS 4.x guides do not carry it
    assert guide.total == Decimal("27.60") == guide.items_total  # 12,50 + 8,20 + 6,90
    assert guide.declared_subtotals == {"valorProcedimentos": Decimal("27.60"), "valorTotalGeral": Decimal("27.60")}
    first = guide.items[0]
    assert (first.kind, first.table, first.code) == (ITEM_PROCEDURE, "22", "40304361")
    assert first.description.startswith("Hemograma com contagem de plaquetas")
    assert (first.quantity, first.unit_value, first.total) == (Decimal(1), Decimal("12.50"), Decimal("12.50"))
    assert all(isinstance(v, Decimal) for item in guide.items for v in (item.quantity, item.unit_value, item.total))
    assert first.performed_date == date(2026, 1, 5) and guide.performed_dates == [date(2026, 1, 5)]
    assert first.path == f"{GUIDES}/guiaSP-SADT[1]/procedimentosExecutados/procedimentoExecutado[1]"


def test_item_and_guide_lines_point_into_the_file():
    data = corpus_bytes("valido_sadt_utf8_indentado.xml")
    guides = validate_lot(data).guides
    assert guides[0].line == line_of(data, b"<ans:guiaSP-SADT>")
    assert guides[0].items[0].line == line_of(data, b"<ans:procedimentoExecutado>")


def test_outras_despesas_are_items_with_their_expense_type():
    guides = validate_lot(corpus_bytes("valido_internacao_iso8859-1.xml")).guides
    expenses = [item for guide in guides for item in guide.items if item.kind == ITEM_EXPENSE]
    assert {item.expense_type for item in expenses} >= {"05", "07"}
    daily = next(item for item in expenses if item.expense_type == "05")
    assert (daily.table, daily.code, daily.description) == ("18", "60000023", "DIÁRIA COMPACTA DE APARTAMENTO LUXO")
    assert daily.quantity == Decimal(2) and daily.total == Decimal("1560.00")
    assert "/outrasDespesas/despesa" in daily.path


def test_internacao_keeps_period_password_and_request_guide():
    guide = validate_lot(corpus_bytes("valido_internacao_utf8.xml")).guides[0]
    assert guide.guide_type == GUIDE_RESUMO_INTERNACAO
    assert (guide.period_start, guide.period_end) == (date(2026, 1, 5), date(2026, 1, 7))
    assert guide.request_guide_number == "SI00000001" and guide.authorization_password == "S0000031"
    assert guide.total == guide.items_total


def test_honorarios_items_and_total():
    guide = validate_lot(corpus_bytes("valido_honorarios_iso8859-1.xml")).guides[1]
    assert guide.guide_type == GUIDE_HONORARIOS and guide.card_number
    assert guide.request_guide_number == "SI00000002" and guide.executor_code == "100234"
    assert [item.code for item in guide.items] == ["10102019", "31303102", "31003079"]
    assert guide.total == guide.items_total == Decimal("4020.00")


def test_consulta_item_comes_from_the_single_procedure():
    guide = validate_lot(corpus_bytes("valido_consulta_utf8.xml")).guides[2]
    assert guide.guide_type == GUIDE_CONSULTA and guide.authorization_password is None
    [item] = guide.items
    assert (item.table, item.code, item.quantity, item.total) == ("22", "10101012", Decimal(1), Decimal("150.00"))
    assert item.performed_date == date(2026, 1, 7) == guide.performed_dates[0]


def test_odonto_items():
    guide = validate_lot(corpus_bytes("valido_odonto_iso8859-1.xml")).guides[0]
    assert guide.guide_type == GUIDE_ODONTO and guide.executor_code == "PROF001"
    assert [(i.code, i.unit_value, i.total) for i in guide.items] == [
        ("81000030", None, Decimal("60.00")), ("84000198", None, Decimal("45.00")),
        ("81000030", None, Decimal("60.00"))]
    assert guide.total == Decimal("165.00")


def test_guides_of_an_unreadable_file_are_empty():
    result = validate_lot(b"")
    assert result.guides == [] and result.guide_count == 0 and result.md5 == hashlib.md5(b"").hexdigest()


# --- check 1 and 2: reading the file ----------------------------------------------

def test_external_entity_never_reaches_the_result():
    result = validate_lot(corpus_bytes("erro_entidade_externa_etc_passwd.xml"))
    assert codes_of(result) == ["5001"] and result.errors[0].line == 2
    assert "DOCTYPE" in result.errors[0].message
    everything = json.dumps(result.to_dict(), ensure_ascii=False) + repr(result.errors) + repr(result.guides)
    assert not any(marker in everything for marker in PASSWD_MARKERS)


def test_entity_bomb_is_refused_within_a_second_and_50_mb():
    data = corpus_bytes("erro_bomba_de_entidades.xml")
    tracemalloc.start()
    start = time.perf_counter()
    result = validate_lot(data)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert codes_of(result) == ["5001"]
    assert elapsed < 1.0 and peak < 50 * 1024 * 1024


def test_truncated_file():
    data = corpus_bytes("erro_truncado.xml")
    [issue] = validate_lot(data).errors
    assert issue.code == "5007" and issue.line == data.rstrip().count(b"\n") + 1
    assert "incompleto" in issue.message


def test_empty_and_pdf_files():
    assert [(i.code, i.message) for i in validate_lot(b"").errors] == [("5002", "O arquivo está vazio.")]
    [pdf] = validate_lot(corpus_bytes("erro_pdf_renomeado.xml")).errors
    assert pdf.code == "5002" and "PDF" in pdf.message


def test_oversize_file_is_refused():
    [issue] = validate_lot(corpus_bytes("erro_tamanho.xml"), max_bytes=64 * 1024).errors
    assert issue.code == "5002" and "excede o limite de 65,5 kB (65.536 bytes)" in issue.message


def test_oversize_stream_is_refused_without_reading_it_all():
    stream = io.BytesIO(corpus_bytes("erro_tamanho.xml"))
    result = validate_stream(stream, filename="grande.xml", max_bytes=64 * 1024)
    assert codes_of(result) == ["5002"] and result.filename == "grande.xml"
    assert stream.tell() <= 64 * 1024 + 1


def test_wrong_encoding_declaration():
    [issue] = validate_lot(corpus_bytes("erro_codificacao.xml")).errors
    assert issue.code == "5002" and "declara encoding UTF-8, mas o conteúdo está gravado em ISO-8859-1" in issue.message


# --- check 3: namespace and XSD -------------------------------------------------

def test_wrong_namespace_stops_before_the_xsd():
    [issue] = validate_lot(corpus_bytes("erro_namespace.xml")).errors
    assert issue.code == "5001" and issue.path == "/mensagemTISS"
    assert "http://www.ans.gov.br/padroes/tiss/schemas" in issue.message


def test_other_root_element_is_not_tiss():
    [issue] = validate_lot(b"<?xml version='1.0'?><html><body/></html>").errors
    assert issue.code == "5001" and "<html>" in issue.message


def test_xsd_errors_have_line_path_guide_and_portuguese_message():
    data = corpus_bytes("erro_xsd.xml")
    registro, carteira = validate_lot(data).errors
    assert registro.code == "5027"  # REGISTRO ANS DA OPERADORA INVÁLIDO
    assert registro.line == line_of(data, b"34567A")
    assert registro.path == f"{GUIDES}/guiaSP-SADT[2]/cabecalhoGuia/registroANS"
    assert registro.guide_number == "00000002"
    assert registro.message == ("Guia 00000002: O valor '34567A' do campo 'registroANS' não está no formato "
                                "exigido ([0-9]{6}).")
    assert "is not accepted by the pattern" in registro.detail
    assert carteira.code == "5002" and carteira.guide_number == "00000002"
    assert "Esperado: numeroCarteira" in carteira.message
    assert carteira.path == f"{GUIDES}/guiaSP-SADT[2]/dadosBeneficiario/atendimentoRN"


def test_schema_errors_are_capped():
    data = lot_bytes(GUIDE_SP_SADT, guides=100, items_per_guide=1)
    data = data.replace(b"<ans:atendimentoRN>N<", b"<ans:atendimentoRN>X<")
    data = data.replace(b"<ans:CNES>1234567<", b"<ans:CNES>12345678<")
    data = data.replace(b"<ans:tipoAtendimento>23<", b"<ans:tipoAtendimento>99<")
    errors = validate_lot(data).errors
    assert len(errors) == MAX_SCHEMA_ERRORS + 2  # the cap's notice, and the hash
    assert "só os primeiros 200" in errors[MAX_SCHEMA_ERRORS].message
    assert errors[0].code == "5032"  # INDICADOR DE RECÉM-NATO INVÁLIDO


# --- check 4: hash ------------------------------------------------------------------

def test_wrong_hash():
    data = corpus_bytes("erro_hash.xml")
    [issue] = validate_lot(data).errors
    assert issue.code == "5014" and issue.line == line_of(data, b"<ans:hash>")
    assert issue.path == "/mensagemTISS/epilogo/hash"
    assert "0" * 32 in issue.message and "calculado" in issue.message


def test_uppercase_hash_is_accepted():
    data = lot_bytes(GUIDE_SP_SADT)
    data = re.sub(rb"<ans:hash>([0-9a-f]{32})", lambda m: b"<ans:hash>" + m.group(1).upper(), data)
    assert validate_lot(data).valid


def test_missing_hash():
    data = re.sub(rb"<ans:epilogo>.*</ans:epilogo>", b"", lot_bytes(GUIDE_SP_SADT))
    result = validate_lot(data)
    assert "5014" in codes_of(result)
    assert any("não foi informado" in issue.message for issue in result.errors)


def test_character_outside_iso_8859_1_is_reported():
    data = lot_bytes(GUIDE_SP_SADT, encoding="UTF-8").replace(b"Hemograma", "Hemograma €".encode(), 1)
    [issue] = validate_lot(data).errors
    assert issue.code == "5014" and "'€'" in issue.message


# --- check 5: header, guide count, totals -------------------------------------------

def test_wrong_transaction():
    data = corpus_bytes("erro_transacao.xml")
    [issue] = validate_lot(data).errors
    assert issue.code == "3148" and issue.line == line_of(data, b"<ans:tipoTransacao>")
    assert "SOLICITACAO_PROCEDIMENTOS" in issue.message and "ENVIO_LOTE_GUIAS" in issue.message


def test_transaction_outside_the_domain_is_reported_once():
    data = lot_bytes(GUIDE_SP_SADT).replace(b">ENVIO_LOTE_GUIAS<", b">ENVIO_LOTE<")
    assert codes_of(validate_lot(data)) == ["5014", "3148"]


def test_wrong_padrao():
    [issue] = validate_lot(corpus_bytes("erro_padrao.xml")).errors
    assert issue.code == "5028" and issue.path == "/mensagemTISS/cabecalho/Padrao"
    assert "'4.02.00'" in issue.message and "4.03.00" in issue.message


def test_padrao_outside_the_domain_is_reported_once():
    spec = sample_lot(GUIDE_SP_SADT)
    spec.version = "3.05.00"
    assert codes_of(validate_lot(build_lot(spec))) == ["5028"]


def test_more_than_100_guides():
    data = corpus_bytes("erro_mais_de_100_guias.xml")
    result = validate_lot(data)
    assert codes_of(result) == ["5015"] and result.guide_count == 101
    assert "101 guias" in result.errors[0].message and "máximo por lote é 100" in result.errors[0].message


def test_guide_total_different_from_its_items():
    data = corpus_bytes("erro_total_da_guia.xml")
    [issue] = validate_lot(data).errors
    assert issue.code == "5042" and issue.guide_number == "00000002"
    assert issue.path == f"{GUIDES}/guiaSP-SADT[2]/valorTotal/valorTotalGeral"
    assert issue.line == line_of(data, b"<ans:valorTotalGeral>32.50<")
    assert issue.message == ("Guia 00000002: o valor total informado (R$ 32,50) é diferente da soma dos itens "
                             "(R$ 22,50).")


def test_subtotal_different_from_its_items():
    data = lot_bytes(GUIDE_RESUMO_INTERNACAO, guides=1, items_per_guide=7)
    declared = re.search(rb"<ans:valorMedicamentos>([0-9.]+)<", data).group(1)
    data = data.replace(b"<ans:valorMedicamentos>" + declared, b"<ans:valorMedicamentos>0.01", 1)
    [issue] = [i for i in validate_lot(data).errors if i.code == "5042"]
    assert "o valor de medicamentos informado (R$ 0,01)" in issue.message
    assert issue.path.endswith("/valorTotal/valorMedicamentos")


@pytest.mark.parametrize("guide_type", [GUIDE_HONORARIOS, GUIDE_ODONTO])
def test_total_rule_for_other_guide_types(guide_type):
    spec = sample_lot(guide_type, guides=2)
    spec.guides[0].total = Decimal("0.01")
    [issue] = validate_lot(build_lot(spec)).errors
    assert issue.code == "5042" and issue.guide_number == "00000001"


def test_lot_message_without_lot():
    data = lot_bytes(GUIDE_SP_SADT)
    data = re.sub(rb"<ans:loteGuias>.*</ans:loteGuias>", b"", data)
    assert "5007" in codes_of(validate_lot(data))


def test_all_errors_are_collected_in_check_order():
    spec = sample_lot(GUIDE_SP_SADT, guides=3, pretty=True)
    spec.version = "4.01.00"
    spec.guides[2].total = Decimal("1.00")
    data = build_lot(spec).replace(b"<ans:CNES>1234567<", b"<ans:CNES>12345678<", 1)
    result = validate_lot(data)
    assert codes_of(result) == ["5002", "5014", "5028", "5042"]
    assert [issue.guide_number for issue in result.errors] == ["00000001", None, None, "00000003"]


def test_to_dict_shape():
    result = validate_lot(corpus_bytes("erro_total_da_guia.xml"), filename="x.xml")
    report = result.to_dict()
    assert list(report) == ["file", "valid", "version", "transaction", "lot", "guides", "total", "errors"]
    assert report["total"] == "95.70" and report["guides"] == 3 and report["valid"] is False
    assert report["errors"][0] == {
        "code": "5042", "line": 197, "path": f"{GUIDES}/guiaSP-SADT[2]/valorTotal/valorTotalGeral",
        "message": "Guia 00000002: o valor total informado (R$ 32,50) é diferente da soma dos itens (R$ 22,50)."}


def test_comments_anywhere_do_not_disturb_reading():
    data = lot_bytes(GUIDE_RESUMO_INTERNACAO, guides=2, pretty=True)
    for tag in (b"<ans:valorTotal>", b"<ans:procedimentoExecutado>", b"<ans:despesa>", b"<ans:cabecalhoGuia>"):
        data = data.replace(tag, tag + b"<!-- gerado pelo sistema X -->")
    result = validate_lot(data)
    assert result.valid, result.errors
    guide = result.guides[0]
    assert guide.total == guide.items_total and "valorTotalGeral" in guide.declared_subtotals
    assert guide.provider_guide_number == "00000001"
