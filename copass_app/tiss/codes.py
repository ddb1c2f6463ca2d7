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

# Codes the portal itself raises while checking a lot (all present in the table).
NOT_TISS_MESSAGE = "5001"  # MENSAGEM ELETRÔNICA FORA DO PADRÃO TISS
CANNOT_VALIDATE = "5002"  # NÃO FOI POSSÍVEL VALIDAR O ARQUIVO XML
INCOMPLETE_MESSAGE = "5007"  # MENSAGEM INCONSISTENTE OU INCOMPLETA
INVALID_HASH = "5014"  # CÓDIGO HASH INVÁLIDO. MENSAGEM PODE ESTAR CORROMPIDA.
TOO_MANY_GUIDES = "5015"  # NÚMERO DE GUIAS ... SUPERIOR AO TAMANHO MÁXIMO PERMITIDO.
INVALID_VERSION = "5028"  # VERSÃO DO PADRÃO INVÁLIDA
GUIDE_TOTAL_MISMATCH = "5042"  # VALOR INFORMADO DA GUIA DIFERENTE DO SOMATÓRIO ... DOS ITENS
INVALID_TRANSACTION = "3148"  # TIPO DE TRANSAÇÃO INVÁLIDO
DUPLICATE_BILLING = "1702"  # COBRANÇA DE PROCEDIMENTO EM DUPLICIDADE


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
