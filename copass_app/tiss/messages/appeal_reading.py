"""Reading an uploaded RECURSO_GLOSA (ctm_recursoGlosa) into plain data, after checks 1–5
(`validation.validate_lot(..., transaction="RECURSO_GLOSA")`) passed on the same bytes.

Like guides.py, reading never raises on a malformed field: what cannot be read is None, and the
rules that need the database (services/appeal_lots.py) say what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from copass_app.tiss.guides import to_date, to_decimal
from copass_app.tiss.xmlpath import NS_PREFIX, element_path, local_name, qualified

APPEAL_PATH = "prestadorParaOperadora/recursoGlosa/guiaRecursoGlosa"
ODONTO_APPEAL_PATH = "prestadorParaOperadora/recursoGlosa/guiaRecursoGlosaOdonto"


@dataclass(frozen=True)
class ParsedAppealItem:
    sequence: int | None
    started_on: date | None
    table: str
    code: str
    glosa_code: str
    value: object  # Decimal, or None when unreadable
    justification: str
    line: int | None
    path: str


@dataclass(frozen=True)
class ParsedWholeGuide:
    """recursoGuiaCompleta: every glosa of the guide with this code, contested in full."""

    glosa_code: str
    justification: str
    line: int | None
    path: str


@dataclass(frozen=True)
class ParsedAppealGuide:
    provider_guide_number: str
    operator_guide_number: str
    items: tuple[ParsedAppealItem, ...]
    whole: tuple[ParsedWholeGuide, ...]
    line: int | None
    path: str


@dataclass(frozen=True)
class ParsedAppeal:
    registro_ans: str
    provider_appeal_number: str
    subject: str  # objetoRecurso: 1 protocolo, 2 guia
    contracted: str  # dadosContratado: code, CPF or CNPJ
    lot_number: str
    protocol_number: str
    protocol_level: bool  # recursoProtocolo instead of recursoGuia
    guides: tuple[ParsedAppealGuide, ...]
    total: object  # valorTotalRecursado (Decimal or None)
    appealed_on: date | None
    line: int | None
    odonto: bool = False


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    return element.find(NS_PREFIX + name) if element is not None else None


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(qualified(path))
    return (found.text or "").strip() if found is not None else ""


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 6 else None


def read_appeal(root: etree._Element) -> ParsedAppeal | None:
    """The recurso of the message, or None when it has none (then it is not a RECURSO_GLOSA at all)."""
    appeal = root.find(qualified(APPEAL_PATH))
    if appeal is None:
        odonto = root.find(qualified(ODONTO_APPEAL_PATH))
        if odonto is None:
            return None
        return ParsedAppeal("", "", "", "", "", "", False, (), None, None, odonto.sourceline, odonto=True)
    contracted = _child(appeal, "dadosContratado")
    contracted_id = (contracted[0].text or "").strip() if contracted is not None and len(contracted) else ""
    option = _child(appeal, "opcaoRecurso")
    return ParsedAppeal(
        registro_ans=_text(appeal, "registroANS"),
        provider_appeal_number=_text(appeal, "numeroGuiaRecGlosaPrestador"),
        subject=_text(appeal, "objetoRecurso"),
        contracted=contracted_id,
        lot_number=_text(appeal, "numeroLote"),
        protocol_number=_text(appeal, "numeroProtocolo"),
        protocol_level=_child(option, "recursoProtocolo") is not None,
        guides=tuple(_guide(element) for element in option.iterchildren(NS_PREFIX + "recursoGuia"))
        if option is not None else (),
        total=to_decimal(_text(appeal, "valorTotalRecursado")),
        appealed_on=to_date(_text(appeal, "dataRecurso")),
        line=appeal.sourceline,
    )


def _guide(element: etree._Element) -> ParsedAppealGuide:
    choice = _child(element, "opcaoRecursoGuia")
    items, whole = [], []
    for child in choice if choice is not None else ():
        name = local_name(child.tag)
        if name == "itensGuia":
            items.append(ParsedAppealItem(
                sequence=_int(_text(child, "sequencialItem")),
                started_on=to_date(_text(child, "dataInicio")),
                table=_text(child, "procRecurso/codigoTabela"),
                code=_text(child, "procRecurso/codigoProcedimento"),
                glosa_code=_text(child, "codGlosaItem"),
                value=to_decimal(_text(child, "valorRecursado")),
                justification=_text(child, "justificativaItem"),
                line=child.sourceline, path=element_path(child)))
        elif name == "recursoGuiaCompleta":
            whole.append(ParsedWholeGuide(_text(child, "codGlosaGuia"), _text(child, "justificativaGuia"),
                                          child.sourceline, element_path(child)))
    return ParsedAppealGuide(
        provider_guide_number=_text(element, "numeroGuiaOrigem"),
        operator_guide_number=_text(element, "numeroGuiaOperadora"),
        items=tuple(items), whole=tuple(whole), line=element.sourceline, path=element_path(element))
