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
    assert all(codes.is_known(code) for code in codes.RAISED), [c for c in codes.RAISED if not codes.is_known(c)]
    assert describe(codes.INVALID_TRANSACTION) == "TIPO DE TRANSAÇÃO INVÁLIDO"
    assert describe(codes.DUPLICATE_BILLING) == "COBRANÇA DE PROCEDIMENTO EM DUPLICIDADE"


def test_raised_lists_every_constant_once():
    constants = {name: value for name, value in vars(codes).items()
                 if name.isupper() and isinstance(value, str) and value.isdigit() and len(value) == 4}
    assert sorted(constants.values()) == sorted(codes.RAISED)
    assert len(set(codes.RAISED)) == len(codes.RAISED)


def test_no_code_literal_outside_tiss_codes():
    """A TISS code is spelled once, in tiss/codes.py; everything else imports the constant."""
    import re
    from pathlib import Path

    package = Path(codes.__file__).resolve().parents[1]
    literal = re.compile(r"""["'](""" + "|".join(codes.RAISED) + r""")["']""")
    found = []
    for path in sorted(package.rglob("*.py")):
        if path == Path(codes.__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if literal.search(line.split("#")[0]):
                found.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    assert found == []


def test_unknown_and_empty_codes():
    assert "9999" in describe("9999") and "não consta" in describe("9999")
    assert describe(None) == "" and describe("") == ""
