"""libxml2's XSD messages in Portuguese, with the TISS code of the field where one exists."""

from __future__ import annotations

import pytest

from copass_app.tiss.model import GUIDE_SP_SADT
from copass_app.tiss.validation import validate_lot
from copass_app.tiss.xsd_messages import code_for, translate

from .conftest import lot_bytes

E = "Element '{http://www.ans.gov.br/padroes/tiss/schemas}"


@pytest.mark.parametrize("english, portuguese", [
    (E + "numeroLote': [facet 'minLength'] The value has a length of '0'; this underruns the allowed minimum "
         "length of '1'.", "O campo 'numeroLote' está vazio ou curto demais (mínimo de 1 caractere(s))."),
    (E + "CNES': [facet 'maxLength'] The value has a length of '8'; this exceeds the allowed maximum length of '7'.",
     "O campo 'CNES' tem 8 caracteres; o máximo permitido é 7."),
    (E + "UF': [facet 'length'] The value has a length of '3'; this differs from the allowed length of '2'.",
     "O campo 'UF' deve ter exatamente 2 caracteres (tem 3)."),
    (E + "caraterAtendimento': [facet 'enumeration'] The value '7' is not an element of the set {'1', '2'}.",
     "O valor '7' do campo 'caraterAtendimento' não é um dos valores permitidos (1, 2)."),
    (E + "registroANS': [facet 'pattern'] The value '12A' is not accepted by the pattern '[0-9]{6}'.",
     "O valor '12A' do campo 'registroANS' não está no formato exigido ([0-9]{6})."),
    (E + "valorUnitario': [facet 'fractionDigits'] The value '1.234' has more fractional digits than are "
         "allowed ('2').", "O valor '1.234' do campo 'valorUnitario' tem mais de 2 casas decimais."),
    (E + "quantidadeExecutada': [facet 'totalDigits'] The value '1000' has more digits than are allowed ('3').",
     "O valor '1000' do campo 'quantidadeExecutada' tem mais de 3 dígitos."),
    (E + "dataExecucao': '2026-13-45' is not a valid value of the atomic type "
         "'{http://www.ans.gov.br/padroes/tiss/schemas}st_data'.",
     "O valor '2026-13-45' do campo 'dataExecucao' não é válido; deve ser uma data no formato AAAA-MM-DD."),
    (E + "extra': This element is not expected. Expected is ( {http://www.ans.gov.br/padroes/tiss/schemas}CNES ).",
     "O elemento 'extra' não era esperado nesta posição. Esperado: CNES."),
    (E + "dadosSolicitante': Missing child element(s). Expected is one of ( {x}a, {x}b ).",
     "Falta elemento obrigatório dentro de 'dadosSolicitante'. Esperado: a, b."),
    (E + "cabecalho': Character content other than whitespace is not allowed because the content type is "
         "'element-only'.", "O elemento 'cabecalho' não pode conter texto, apenas outros elementos."),
])
def test_common_messages_are_translated(english, portuguese):
    assert translate(english)[0] == portuguese


def test_long_enumerations_are_shortened():
    values = ", ".join(f"'{n:02d}'" for n in range(30))
    message, field, is_value = translate(
        E + f"UF': [facet 'enumeration'] The value '9' is not an element of the set {{{values}}}.")
    assert message.endswith("00, 01, 02, 03, 04, 05, 06, 07, 08, 09, 10, 11, ...).")
    assert (field, is_value) == ("UF", True)


def test_unknown_message_gets_a_generic_sentence():
    assert translate("algo inesperado")[0] == "O arquivo não está de acordo com o esquema TISS 4.03.00."
    assert translate(E + "x': qualquer coisa")[0] == "O elemento 'x' não está de acordo com o esquema TISS 4.03.00."


def test_fields_with_their_own_code():
    assert code_for("registroANS", True) == "5027"
    assert code_for("dataRegistroTransacao", True) == "5025"
    assert code_for("caraterAtendimento", True) == "5031"
    assert code_for("registroANS", False) == "5002"  # a structure error is not a bad value
    assert code_for("CNES", True) == "5002"


def test_several_value_errors_in_one_file_are_all_reported_in_portuguese():
    data = lot_bytes(GUIDE_SP_SADT, guides=2, pretty=True)
    for old, new in [(b">2026-01-05<", b">2026-13-45<"), (b"<ans:valorUnitario>12.50<", b"<ans:valorUnitario>12.505<"),
                     (b"<ans:caraterAtendimento>1<", b"<ans:caraterAtendimento>7<")]:
        data = data.replace(old, new, 1)
    errors = [e for e in validate_lot(data).errors if e.code != "5014"]
    assert [e.code for e in errors] == ["5031", "5002", "5002"]
    assert all(e.message.startswith("Guia 00000001: O ") and e.detail.startswith("Element") for e in errors)
