"""TISS error and glosa codes (dm_tipoGlosa, "tabela 38"), read from the official XSD.

The descriptions are not in the XSD as data: ANS lists them in the comments of
the dm_tipoGlosa type of tissSimpleTypesV4_03_00.xsd, one per line, as
`1702<TAB>COBRANÇA DE PROCEDIMENTO EM DUPLICIDADE`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from copass_app.tiss.schema import xsd_dir

SIMPLE_TYPES_XSD = "tissSimpleTypesV4_03_00.xsd"
_XS = "http://www.w3.org/2001/XMLSchema"
_CODE_LINE = re.compile(r"^\s*(\d{4})\s+(\S.*?)\s*$", re.MULTILINE)

# Every code the portal itself raises (all present in the table; a test checks each one).
# Nothing else in copass_app/ spells a code: import it from here.
# Checks 1-5, the file itself:
NOT_TISS_MESSAGE = "5001"  # MENSAGEM ELETRÔNICA FORA DO PADRÃO TISS
CANNOT_VALIDATE = "5002"  # NÃO FOI POSSÍVEL VALIDAR O ARQUIVO XML
INCOMPLETE_MESSAGE = "5007"  # MENSAGEM INCONSISTENTE OU INCOMPLETA
INVALID_HASH = "5014"  # CÓDIGO HASH INVÁLIDO. MENSAGEM PODE ESTAR CORROMPIDA.
TOO_MANY_GUIDES = "5015"  # NÚMERO DE GUIAS ... SUPERIOR AO TAMANHO MÁXIMO PERMITIDO.
INVALID_VERSION = "5028"  # VERSÃO DO PADRÃO INVÁLIDA
GUIDE_TOTAL_MISMATCH = "5042"  # VALOR INFORMADO DA GUIA DIFERENTE DO SOMATÓRIO ... DOS ITENS
INVALID_TRANSACTION = "3148"  # TIPO DE TRANSAÇÃO INVÁLIDO
# Fields of the header and guides whose value the XSD refuses:
INVALID_TRANSACTION_DATE = "5025"  # DATA DE REGISTRO DA TRANSAÇÃO INVÁLIDA
INVALID_TRANSACTION_TIME = "5026"  # HORA DE REGISTRO DA TRANSAÇÃO INVÁLIDA
INVALID_OPERATOR = "5027"  # REGISTRO ANS DA OPERADORA INVÁLIDO
INVALID_CARE_CHARACTER = "5031"  # CARÁTER DE ATENDIMENTO INVÁLIDO
INVALID_NEWBORN_FLAG = "5032"  # INDICADOR DE RECÉM-NATO INVÁLIDO
INVALID_CLOSING_REASON = "5033"  # MOTIVO DE ENCERRAMENTO INVÁLIDO
INVALID_TOOTH = "5037"  # CÓDIGO DO DENTE INVÁLIDO
INVALID_REGION = "5038"  # CÓDIGO DA REGIÃO DA BOCA INVÁLIDO
INVALID_TOOTH_FACE = "5039"  # CÓDIGO DA FACE DO DENTE INVÁLIDO
# Check 6, the rules that need the database:
INVALID_PROVIDER = "1203"  # CÓDIGO PRESTADOR INVÁLIDO
IDENTIFIER_REPEATED = "5053"  # IDENTIFICADOR JÁ INFORMADO (the lot number)
GUIDE_ALREADY_SENT = "1308"  # GUIA JÁ APRESENTADA
INVALID_GUIDE = "1307"  # NÚMERO DA GUIA INVÁLIDO
NOT_AUTHORIZED = "1402"  # PROCEDIMENTO NÃO AUTORIZADO (the guide is not authorized)
BENEFICIARY_MISMATCH = "1011"  # IDENTIFICAÇÃO DO BENEFICIÁRIO NÃO CONSISTENTE
GUIDE_EXPIRED = "1321"  # VALIDADE DA GUIA EXPIRADA
BEFORE_AUTHORIZATION = "1840"  # PROCEDIMENTO EXECUTADO ANTES DA AUTORIZAÇÃO
INVALID_DATE = "1323"  # DATA PREENCHIDA INCORRETAMENTE
PROCEDURE_NOT_AUTHORIZED = "1815"  # PROCEDIMENTO NÃO AUTORIZADO (not in the guide's authorization)
ABOVE_AUTHORIZED = "1820"  # COBRANÇA DE PROCEDIMENTO EM QUANTIDADE ACIMA DA MÁXIMA PERMITIDA/AUTORIZADA
DUPLICATE_BILLING = "1702"  # COBRANÇA DE PROCEDIMENTO EM DUPLICIDADE
# Glosas the automatic critique proposes (besides 1702, 1820, 1321 and 1815 above):
VALUE_ABOVE_CONTRACT = "1705"  # VALOR APRESENTADO A MAIOR
INVALID_CARD = "1001"  # NÚMERO DA CARTEIRA INVÁLIDO

RAISED = (
    NOT_TISS_MESSAGE, CANNOT_VALIDATE, INCOMPLETE_MESSAGE, INVALID_HASH, TOO_MANY_GUIDES, INVALID_VERSION,
    GUIDE_TOTAL_MISMATCH, INVALID_TRANSACTION, INVALID_TRANSACTION_DATE, INVALID_TRANSACTION_TIME,
    INVALID_OPERATOR, INVALID_CARE_CHARACTER, INVALID_NEWBORN_FLAG, INVALID_CLOSING_REASON, INVALID_TOOTH,
    INVALID_REGION, INVALID_TOOTH_FACE, INVALID_PROVIDER, IDENTIFIER_REPEATED, GUIDE_ALREADY_SENT, INVALID_GUIDE,
    NOT_AUTHORIZED, BENEFICIARY_MISMATCH, GUIDE_EXPIRED, BEFORE_AUTHORIZATION, INVALID_DATE,
    PROCEDURE_NOT_AUTHORIZED, ABOVE_AUTHORIZED, DUPLICATE_BILLING, VALUE_ABOVE_CONTRACT, INVALID_CARD,
)


@lru_cache(maxsize=1)
def all_codes() -> dict[str, str]:
    """Every code of table 38 with its official description, in XSD order."""
    tree = etree.parse(str(xsd_dir() / SIMPLE_TYPES_XSD), etree.XMLParser(no_network=True))
    simple_type = tree.find(f"{{{_XS}}}simpleType[@name='dm_tipoGlosa']")
    codes: dict[str, str] = {}
    for comment in simple_type.iter(etree.Comment):
        for code, description in _CODE_LINE.findall(comment.text or ""):
            codes.setdefault(code, description)
    return codes


def describe(code: str | None) -> str:
    """Official description of a code, or a neutral text when the code is unknown."""
    if not code:
        return ""
    return all_codes().get(str(code).strip(), f"Código TISS {code} não consta da tabela 38")


def is_known(code: str) -> bool:
    return str(code).strip() in all_codes()
