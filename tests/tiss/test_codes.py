"""Table 38 (dm_tipoGlosa) read from the comments of the official simple-types XSD."""

from __future__ import annotations

from copass_app.tiss import codes
from copass_app.tiss.codes import all_codes, describe


def test_known_glosa_is_described():
    assert describe("1702") == "COBRANÇA DE PROCEDIMENTO EM DUPLICIDADE"
    assert describe("1001") == "NÚMERO DA CARTEIRA INVÁLIDO"


def test_message_codes_are_described():
    assert describe("5002") == "NÃO FOI POSSÍVEL VALIDAR O ARQUIVO XML"
    assert describe("5014") == "CÓDIGO HASH INVÁLIDO. MENSAGEM PODE ESTAR CORROMPIDA."
    assert describe("5042") == "VALOR INFORMADO DA GUIA DIFERENTE DO SOMATÓRIO DO VALOR INFORMADO DOS ITENS"


def test_table_is_complete_and_cached():
    table = all_codes()
    assert len(table) > 700
    assert all(len(code) == 4 and code.isdigit() for code in table)
    assert all_codes() is table


def test_every_code_the_portal_raises_exists_in_the_table():
    raised = [codes.NOT_TISS_MESSAGE, codes.CANNOT_VALIDATE, codes.INCOMPLETE_MESSAGE, codes.INVALID_HASH,
              codes.TOO_MANY_GUIDES, codes.INVALID_VERSION, codes.GUIDE_TOTAL_MISMATCH, codes.INVALID_TRANSACTION]
    assert all(codes.is_known(code) for code in raised)
    assert describe(codes.INVALID_TRANSACTION) == "TIPO DE TRANSAÇÃO INVÁLIDO"


def test_unknown_and_empty_codes():
    assert "9999" in describe("9999") and "não consta" in describe("9999")
    assert describe(None) == "" and describe("") == ""
