"""Reading the guides of a loteGuias into ParsedGuide/ParsedItem.

Extraction never raises on a malformed guide: a missing or unreadable field
becomes None, because the XSD check already reports what is wrong and the
caller still wants everything that could be read.

TISS 4.x billing guides no longer carry the beneficiary's name, so
`ParsedGuide.beneficiary_name` stays None here.

Speed matters (a lot has up to 100 guides with many items): lxml's find()
parses its path on every call, so fields are looked up in dicts of each
element's children, built once, keyed by the qualified tag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from lxml import etree

from copass_app.tiss.model import (
    GUIDE_CONSULTA,
    GUIDE_HONORARIOS,
    GUIDE_ODONTO,
    GUIDE_RESUMO_INTERNACAO,
    GUIDE_SP_SADT,
    ITEM_EXPENSE,
    ITEM_PROCEDURE,
    ParsedGuide,
    ParsedItem,
)
from copass_app.tiss.xmlpath import NS_PREFIX, indexed, qualified

LOT_PATH = "/mensagemTISS/prestadorParaOperadora/loteGuias"
GUIDES_ELEMENT = qualified("prestadorParaOperadora/loteGuias/guiasTISS")


# TISS decimals have at most 12 digits (st_decimal12-2); past this a value is not one and is left
# unread (the XSD reports it): '1E+30' or 30 nines made the totals' sum and money() raise.
_MAX_MAGNITUDE = 17
_MAX_DIGITS = 28  # the decimal context's precision


def to_decimal(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)  # surrounding whitespace is accepted
    except InvalidOperation:
        return None
    if not value.is_finite() or len(value.as_tuple().digits) > _MAX_DIGITS:
        return None
    return value if value.is_zero() or abs(value.adjusted()) <= _MAX_MAGNITUDE else None


def to_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text else None
    except ValueError:
        return None


def to_int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


# --- items -----------------------------------------------------------------

_T = {name: NS_PREFIX + name for name in (
    "sequencialItem", "dataExecucao", "codigoTabela", "codigoProcedimento", "descricaoProcedimento",
    "quantidadeExecutada", "valorUnitario", "valorTotal", "reducaoAcrescimo", "codigoDespesa",
    "valorProcedimento", "qtdProc", "valorProc", "dataRealizacao",
)}


def _flat(element: etree._Element) -> Callable[[str], str | None]:
    """Text of the item's descendants by local name, read in one pass.

    Within one item no two fields we read share a name (procedimento's
    codigoTabela sits beside the line's valorTotal), so one flat dict is enough.
    """
    texts = {child.tag: child.text for child in element.iter()}
    return lambda name: texts.get(_T[name])


def _procedure_item(element: etree._Element, path: str, _: date | None) -> ParsedItem:
    """ct_procedimentoExecutado{Sadt,Int,HonorIndiv}; outrasDespesas/despesa has the same fields."""
    f = _flat(element)
    return ParsedItem(
        kind=ITEM_EXPENSE if element.tag == _DESPESA else ITEM_PROCEDURE,
        sequence=to_int(f("sequencialItem")), table=_clean(f("codigoTabela")),
        code=_clean(f("codigoProcedimento")), description=_clean(f("descricaoProcedimento")),
        quantity=to_decimal(f("quantidadeExecutada")), unit_value=to_decimal(f("valorUnitario")),
        total=to_decimal(f("valorTotal")), performed_date=to_date(f("dataExecucao")),
        expense_type=_clean(f("codigoDespesa")), reduction_factor=to_decimal(f("reducaoAcrescimo")),
        line=element.sourceline, path=path,
    )


def _consulta_item(element: etree._Element, path: str, guide_date: date | None) -> ParsedItem:
    """The one procedure of a guia de consulta: its value is the guide's, its date too."""
    f = _flat(element)
    value = to_decimal(f("valorProcedimento"))
    return ParsedItem(
        kind=ITEM_PROCEDURE, sequence=1, table=_clean(f("codigoTabela")), code=_clean(f("codigoProcedimento")),
        description=None, quantity=Decimal(1), unit_value=value, total=value, performed_date=guide_date,
        line=element.sourceline, path=path,
    )


def _odonto_item(element: etree._Element, path: str, _: date | None) -> ParsedItem:
    """guiaOdonto/procedimentosExecutados: valorProc is the line's value, there is no unit value."""
    f = _flat(element)
    return ParsedItem(
        kind=ITEM_PROCEDURE, sequence=to_int(f("sequencialItem")), table=_clean(f("codigoTabela")),
        code=_clean(f("codigoProcedimento")), description=_clean(f("descricaoProcedimento")),
        quantity=to_decimal(f("qtdProc")), unit_value=None, total=to_decimal(f("valorProc")),
        performed_date=to_date(f("dataRealizacao")), line=element.sourceline, path=path,
    )


_DESPESA = NS_PREFIX + "despesa"
ItemReader = Callable[[etree._Element, str, "date | None"], ParsedItem]


# --- guides ------------------------------------------------------------------

@dataclass(frozen=True)
class _Layout:
    """Where one guide type keeps each field (paths relative to the guide; first present wins)."""

    provider: str
    registro_ans: str
    card: str
    total: str
    executor: tuple[str, ...]
    items: tuple[tuple[str, str, ItemReader], ...]  # (container path, item name, reader)
    operator: tuple[str, ...] = ()
    password: tuple[str, ...] = ()
    request: tuple[str, ...] = ()
    start: str = ""
    end: str = ""
    performed: str = ""  # date of the items that carry none (consulta)
    subtotals: str = ""  # ct_guiaValorTotal: valorProcedimentos, valorMateriais…


_EXECUTOR = tuple(f"contratadoExecutante/{n}"
                  for n in ("codigoPrestadorNaOperadora", "cnpjContratado", "cpfContratado"))
_SADT_ITEMS = (
    ("procedimentosExecutados", "procedimentoExecutado", _procedure_item),
    ("outrasDespesas", "despesa", _procedure_item),
)

LAYOUTS: dict[str, _Layout] = {
    GUIDE_CONSULTA: _Layout(
        provider="cabecalhoConsulta/numeroGuiaPrestador", registro_ans="cabecalhoConsulta/registroANS",
        card="dadosBeneficiario/numeroCarteira", total="dadosAtendimento/procedimento/valorProcedimento",
        executor=_EXECUTOR, items=(("dadosAtendimento", "procedimento", _consulta_item),),
        operator=("numeroGuiaOperadora",), performed="dadosAtendimento/dataAtendimento",
    ),
    GUIDE_SP_SADT: _Layout(
        provider="cabecalhoGuia/numeroGuiaPrestador", registro_ans="cabecalhoGuia/registroANS",
        card="dadosBeneficiario/numeroCarteira", total="valorTotal/valorTotalGeral",
        executor=tuple(f"dadosExecutante/{p}" for p in _EXECUTOR), items=_SADT_ITEMS,
        operator=("dadosAutorizacao/numeroGuiaOperadora",), password=("dadosAutorizacao/senha",),
        request=("cabecalhoGuia/guiaPrincipal",), subtotals="valorTotal",
    ),
    GUIDE_RESUMO_INTERNACAO: _Layout(
        provider="cabecalhoGuia/numeroGuiaPrestador", registro_ans="cabecalhoGuia/registroANS",
        card="dadosBeneficiario/numeroCarteira", total="valorTotal/valorTotalGeral",
        executor=tuple(f"dadosExecutante/{p}" for p in _EXECUTOR), items=_SADT_ITEMS,
        operator=("dadosAutorizacao/numeroGuiaOperadora",), password=("dadosAutorizacao/senha",),
        request=("numeroGuiaSolicitacaoInternacao",), start="dadosInternacao/dataInicioFaturamento",
        end="dadosInternacao/dataFinalFaturamento", subtotals="valorTotal",
    ),
    GUIDE_HONORARIOS: _Layout(
        provider="cabecalhoGuia/numeroGuiaPrestador", registro_ans="cabecalhoGuia/registroANS",
        card="beneficiario/numeroCarteira", total="valorTotalHonorarios",
        executor=("dadosContratadoExecutante/codigonaOperadora",),
        items=(("procedimentosRealizados", "procedimentoRealizado", _procedure_item),),
        operator=("numeroGuiaOperadora",), password=("senha",), request=("guiaSolicInternacao",),
        start="dadosInternacao/dataInicioFaturamento", end="dadosInternacao/dataFimFaturamento",
    ),
    GUIDE_ODONTO: _Layout(
        provider="numeroGuiaPrestador", registro_ans="registroANS", card="dadosBeneficiario/numeroCarteira",
        total="valorTotalProc", executor=("dadosProfissionaisResponsaveis/codigoProfExec",),
        items=(("", "procedimentosExecutados", _odonto_item),),
        operator=("numeroGuiaOperadora",), password=("senhaAutorizacao",), request=("numeroGuiaPrincipal",),
    ),
}
_GUIDE_TAGS = {NS_PREFIX + name: name for name in LAYOUTS}


class _Fields:
    """Field lookups below one guide, indexing each element's children once."""

    def __init__(self, element: etree._Element) -> None:
        self._children: dict[str, dict[str, etree._Element]] = {"": _index(element)}

    def element(self, path: str) -> etree._Element | None:
        if not path:
            return None
        parent, tag = _split(path)
        return self._index_of(parent).get(tag)

    def text(self, *paths: str) -> str | None:
        """Text of the first of the paths that has one."""
        for path in paths:
            element = self.element(path)
            text = _clean(element.text) if element is not None else None
            if text:
                return text
        return None

    def _index_of(self, path: str) -> dict[str, etree._Element]:
        if path not in self._children:
            self._children[path] = _index(self.element(path))
        return self._children[path]


@cache
def _split(path: str) -> tuple[str, str]:
    """'a/b/c' -> ('a/b', '{ns}c')."""
    parent, _, name = path.rpartition("/")
    return parent, NS_PREFIX + name


def _index(element: etree._Element | None) -> dict[str, etree._Element]:
    return {child.tag: child for child in element} if element is not None else {}


def guide_elements(root: etree._Element) -> list[etree._Element]:
    """The guide elements of the lot, whatever their type, in document order."""
    container = root.find(GUIDES_ELEMENT)
    if container is None:
        return []
    return [child for child in container if child.tag in _GUIDE_TAGS]


def extract_guides(root: etree._Element) -> list[ParsedGuide]:
    return read_guides(guide_elements(root))


def read_guides(elements: list[etree._Element]) -> list[ParsedGuide]:
    """ParsedGuides for guide elements (as guide_elements returns them), in the same order."""
    counts = Counter(element.tag for element in elements)
    seen: Counter[str] = Counter()
    guides = []
    for index, element in enumerate(elements, start=1):
        seen[element.tag] += 1
        name = _GUIDE_TAGS[element.tag]
        path = f"{LOT_PATH}/guiasTISS/{indexed(name, seen[element.tag], counts[element.tag])}"
        guides.append(read_guide(element, name, index, path))
    return guides


def read_guide(element: etree._Element, guide_type: str, index: int, path: str) -> ParsedGuide:
    layout = LAYOUTS[guide_type]
    fields = _Fields(element)
    items = _read_items(fields, element, layout, path)
    return ParsedGuide(
        guide_type=guide_type, index=index,
        provider_guide_number=fields.text(layout.provider),
        operator_guide_number=fields.text(*layout.operator),
        authorization_password=fields.text(*layout.password),
        card_number=fields.text(layout.card),
        registro_ans=fields.text(layout.registro_ans),
        executor_code=fields.text(*layout.executor),
        request_guide_number=fields.text(*layout.request),
        total=to_decimal(fields.text(layout.total)),
        declared_subtotals=_subtotals(fields.element(layout.subtotals)),
        items=items,
        performed_dates=sorted({item.performed_date for item in items if item.performed_date}),
        period_start=to_date(fields.text(layout.start)),
        period_end=to_date(fields.text(layout.end)),
        line=element.sourceline,
        path=path,
    )


def _read_items(fields: _Fields, guide: etree._Element, layout: _Layout, guide_path: str) -> list[ParsedItem]:
    guide_date = to_date(fields.text(layout.performed))
    items = []
    for container_path, item_name, reader in layout.items:
        container = fields.element(container_path) if container_path else guide
        if container is None:
            continue
        elements = list(container.iterchildren(NS_PREFIX + item_name))
        prefix = f"{guide_path}/{container_path}" if container_path else guide_path
        for position, element in enumerate(elements, start=1):
            step = indexed(item_name, position, len(elements))
            items.append(reader(element, f"{prefix}/{step}", guide_date))
    return items


def _subtotals(container: etree._Element | None) -> dict[str, Decimal]:
    """Declared values of ct_guiaValorTotal by name (valorTotalGeral included)."""
    if container is None:
        return {}
    children = container.iterchildren(etree.Element)  # elements only: comments have no name
    values = {child.tag[len(NS_PREFIX):]: to_decimal(child.text) for child in children}
    return {name: value for name, value in values.items() if value is not None}
