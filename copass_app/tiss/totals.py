"""Check 5042: a guide's declared total must equal the sum of its items.

Only the values the rule needs are read, with one compiled XPath per field
(the walk happens in C), so this costs a fraction of the XSD validation even on
a 100-guide lot. Money is Decimal throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from copass_app.tiss.guides import LAYOUTS, to_decimal
from copass_app.tiss.model import (
    GUIDE_HONORARIOS,
    GUIDE_ODONTO,
    GUIDE_RESUMO_INTERNACAO,
    GUIDE_SP_SADT,
)
from copass_app.tiss.xmlpath import NS_MAP, NS_PREFIX

ZERO = Decimal("0.00")


def _xpath(path: str) -> etree.XPath:
    return etree.XPath(path, namespaces=NS_MAP, smart_strings=False)


def _texts(relative_path: str) -> etree.XPath:
    """The text of every element at a path below the guide, as plain strings."""
    return _xpath(f"{relative_path}/text()")


# Per guide type: where the item values are. Outras despesas come as two lists
# (codes, values) that pair up one to one.
_ITEM_VALUES = {
    GUIDE_SP_SADT: _texts("ans:procedimentosExecutados/ans:procedimentoExecutado/ans:valorTotal"),
    GUIDE_RESUMO_INTERNACAO: _texts("ans:procedimentosExecutados/ans:procedimentoExecutado/ans:valorTotal"),
    GUIDE_HONORARIOS: _texts("ans:procedimentosRealizados/ans:procedimentoRealizado/ans:valorTotal"),
    GUIDE_ODONTO: _texts("ans:procedimentosExecutados/ans:valorProc"),
}
_EXPENSE_CODES = _texts("ans:outrasDespesas/ans:despesa/ans:codigoDespesa")
_EXPENSE_VALUES = _texts("ans:outrasDespesas/ans:despesa/ans:servicosExecutados/ans:valorTotal")
_SUBTOTALS = _xpath("ans:valorTotal/*")
_DECLARED = {name: _texts("ans:" + layout.total.replace("/", "/ans:")) for name, layout in LAYOUTS.items()}

# Subtotals of ct_guiaValorTotal: (label, codigoDespesa of the items it adds up; None = procedures).
SUBTOTALS = {
    "valorProcedimentos": ("procedimentos", None),
    "valorDiarias": ("diárias", "05"),
    "valorTaxasAlugueis": ("taxas e aluguéis", "07"),
    "valorMateriais": ("materiais", "03"),
    "valorMedicamentos": ("medicamentos", "02"),
    "valorOPME": ("OPME", "08"),
    "valorGasesMedicinais": ("gases medicinais", "01"),
}


@dataclass
class GuideTotals:
    guide_type: str
    declared: Decimal | None  # the guide's total as written (None if absent or unreadable)
    procedures: list[Decimal | None] = field(default_factory=list)
    expenses: list[tuple[str, Decimal | None]] = field(default_factory=list)  # (codigoDespesa, value)
    subtotals: dict[str, Decimal | None] = field(default_factory=dict)  # as declared in valorTotal
    readable: bool = True  # False when the item values cannot be paired or parsed


@dataclass(frozen=True)
class Mismatch:
    """A declared value that differs from the sum of the items it should add up."""

    relative_path: str  # from the guide element, e.g. valorTotal/valorTotalGeral
    what: str
    declared: Decimal
    versus: str
    computed: Decimal


def read_totals(element: etree._Element, guide_type: str) -> GuideTotals:
    if guide_type in (GUIDE_SP_SADT, GUIDE_RESUMO_INTERNACAO):
        return _read_sadt_like(element, guide_type)
    declared = _DECLARED[guide_type](element)
    totals = GuideTotals(guide_type, to_decimal(declared[0]) if declared else None)
    if guide_type in _ITEM_VALUES:  # a guia de consulta has one value: nothing to add up
        totals.procedures = [to_decimal(text) for text in _ITEM_VALUES[guide_type](element)]
        totals.readable = None not in totals.procedures
    return totals


def _read_sadt_like(element: etree._Element, guide_type: str) -> GuideTotals:
    """SP/SADT and resumo de internação: procedures, outras despesas and ct_guiaValorTotal."""
    subtotals = {e.tag[len(NS_PREFIX):]: to_decimal(e.text) for e in _SUBTOTALS(element)}
    procedures = [to_decimal(text) for text in _ITEM_VALUES[guide_type](element)]
    # A despesa lacking its code or value is an XSD error; then the lists cannot pair up (not `readable`).
    codes, values = _EXPENSE_CODES(element), _EXPENSE_VALUES(element)
    expenses = [(code.strip(), to_decimal(value)) for code, value in zip(codes, values, strict=False)]
    readable = len(codes) == len(values) and None not in procedures and all(v is not None for _, v in expenses)
    return GuideTotals(guide_type, subtotals.get("valorTotalGeral"), procedures, expenses, subtotals, readable)


def mismatches(totals: GuideTotals) -> list[Mismatch]:
    """Every declared total or subtotal that differs from its items (empty if unreadable)."""
    if totals.guide_type not in _ITEM_VALUES or totals.declared is None or not totals.readable:
        return []  # an unreadable value is an XSD error already
    found = []
    items_sum = sum(totals.procedures, ZERO) + sum((v for _, v in totals.expenses), ZERO)
    if totals.declared != items_sum:
        found.append(Mismatch(LAYOUTS[totals.guide_type].total, "o valor total informado", totals.declared,
                              "da soma dos itens", items_sum))
    for name, (label, expense_type) in SUBTOTALS.items():
        declared = totals.subtotals.get(name)
        if declared is None:
            continue
        if expense_type is None:
            computed = sum(totals.procedures, ZERO)
        else:
            computed = sum((v for code, v in totals.expenses if code == expense_type), ZERO)
        if declared != computed:
            found.append(Mismatch(f"valorTotal/{name}", f"o valor de {label} informado", declared,
                                  f"da soma dos itens de {label}", computed))
    return found
