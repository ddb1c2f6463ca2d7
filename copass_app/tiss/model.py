"""Plain results of reading a TISS lot: issues found, guides and items extracted.

These dataclasses are the contract with the rest of the portal: the business
rules that need the database (check 6) work on `ParsedGuide`/`ParsedItem`, and
pages, reports and the CLI show `LotIssue`s. Money is always Decimal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

GUIDE_CONSULTA = "guiaConsulta"
GUIDE_SP_SADT = "guiaSP-SADT"
GUIDE_RESUMO_INTERNACAO = "guiaResumoInternacao"
GUIDE_HONORARIOS = "guiaHonorarios"
GUIDE_ODONTO = "guiaOdonto"
GUIDE_TYPES = (GUIDE_CONSULTA, GUIDE_SP_SADT, GUIDE_RESUMO_INTERNACAO, GUIDE_HONORARIOS, GUIDE_ODONTO)
GUIDE_LABELS = {
    GUIDE_CONSULTA: "Consulta",
    GUIDE_SP_SADT: "SP/SADT",
    GUIDE_RESUMO_INTERNACAO: "Resumo de internação",
    GUIDE_HONORARIOS: "Honorários",
    GUIDE_ODONTO: "Tratamento odontológico",
}
MAX_GUIDES_PER_LOT = 100

ITEM_PROCEDURE = "procedimento"
ITEM_EXPENSE = "despesa"  # outras despesas: diárias, taxas, materiais, medicamentos, gases, OPME


@dataclass(frozen=True)
class LotIssue:
    """One problem found in a file, as a provider should read it."""

    message: str
    code: str | None = None
    line: int | None = None
    path: str | None = None
    guide_number: str | None = None
    detail: str | None = None  # the parser's or the XSD validator's own text, for support

    def to_dict(self) -> dict[str, Any]:
        """The CLI's --json shape of an error (the message already names the guide)."""
        return {"code": self.code, "line": self.line, "path": self.path, "message": self.message}


@dataclass
class ParsedItem:
    """A billed line: a procedure, or another expense (taxa, diária, material, medicamento)."""

    kind: str  # ITEM_PROCEDURE or ITEM_EXPENSE
    sequence: int | None
    table: str | None  # 22 procedimentos, 18 taxas/diárias, 19 materiais, 20 medicamentos, 00 própria
    code: str | None
    description: str | None
    quantity: Decimal | None
    unit_value: Decimal | None
    total: Decimal | None
    performed_date: date | None
    expense_type: str | None = None  # codigoDespesa of outras despesas (01 gases … 08 OPME)
    reduction_factor: Decimal | None = None  # reducaoAcrescimo
    line: int | None = None
    path: str = ""


@dataclass
class ParsedGuide:
    """A guide of the lot with what billing needs; fields absent from the file are None."""

    guide_type: str  # one of GUIDE_TYPES (the TISS element name)
    index: int  # 1-based position in the lot
    provider_guide_number: str | None
    operator_guide_number: str | None
    authorization_password: str | None
    card_number: str | None
    registro_ans: str | None
    executor_code: str | None  # contratado executante: code at the operator, CNPJ or CPF
    request_guide_number: str | None  # guia principal / guia de solicitação de internação
    total: Decimal | None  # the value the guide declares
    # SP/SADT and resumo de internação: valorProcedimentos, valorDiarias, valorMateriais… as declared
    declared_subtotals: dict[str, Decimal] = field(default_factory=dict)
    items: list[ParsedItem] = field(default_factory=list)
    performed_dates: list[date] = field(default_factory=list)
    period_start: date | None = None  # internação / honorários: billing period
    period_end: date | None = None
    # TISS 4.x removed the beneficiary's name from billing guides; kept for data
    # coming from elsewhere (the database) so callers have one place to look.
    beneficiary_name: str | None = None
    line: int | None = None
    path: str = ""

    @property
    def items_total(self) -> Decimal:
        return sum((item.total for item in self.items if item.total is not None), Decimal("0.00"))

    @property
    def label(self) -> str:
        number = self.provider_guide_number or f"(sem número, posição {self.index})"
        return f"Guia {number}"


@dataclass
class LotValidation:
    """Outcome of checks 1–5 on one file, plus what was read from it.

    `guides` (every guide with its items, for the rules that need the database)
    and `md5` are computed on first use: the checks themselves need neither, and
    reading every field of 100 guides costs more than validating the file.
    """

    filename: str | None = None
    size: int = 0
    encoding: str | None = None
    version: str | None = None  # cabecalho/Padrao
    transaction: str | None = None  # tipoTransacao
    transaction_sequence: str | None = None
    transaction_date: date | None = None
    lot_number: str | None = None
    sender_code: str | None = None  # codigoPrestadorNaOperadora
    sender_cnpj: str | None = None
    sender_cpf: str | None = None
    destination_ans: str | None = None  # registro ANS of the operator
    guide_type: str | None = None
    guide_count: int = 0
    total: Decimal = Decimal("0.00")  # sum of the totals the guides declare
    declared_hash: str | None = None
    computed_hash: str | None = None
    errors: list[LotIssue] = field(default_factory=list)
    source: bytes | None = field(default=None, repr=False, compare=False)
    readable: bool = field(default=False, repr=False)  # parsed as a TISS message: guides can be read

    @property
    def valid(self) -> bool:
        return not self.errors

    @cached_property
    def md5(self) -> str:
        """MD5 of the file's bytes, to recognise a file sent twice ("" when it was not read)."""
        return hashlib.md5(self.source).hexdigest() if self.source is not None else ""

    @cached_property
    def guides(self) -> list[ParsedGuide]:
        """Every guide with its items; reads the file again (safely) on first use."""
        if not self.readable or self.source is None:
            return []
        from copass_app.tiss.guides import extract_guides
        from copass_app.tiss.parsing import parse_xml

        return extract_guides(parse_xml(self.source, max_bytes=len(self.source)).getroot())

    def to_dict(self) -> dict[str, Any]:
        """The CLI's --json shape (money as a decimal string)."""
        return {
            "file": self.filename,
            "valid": self.valid,
            "version": self.version,
            "transaction": self.transaction,
            "lot": self.lot_number,
            "guides": self.guide_count,
            "total": str(self.total),
            "errors": [issue.to_dict() for issue in self.errors],
        }
