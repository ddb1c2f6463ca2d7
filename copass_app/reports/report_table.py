"""Plain data of a tabular report (the four reports of "Relatórios"), filled by the report services and
drawn by report_pdf / written by report_csv: no queries here.

Cells hold typed values (Decimal, date, int, bool, str); each column says how its values read, so the PDF
shows 'R$ 1.234,56' and '31/12/2026' while the CSV keeps numbers a spreadsheet can add up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

from copass_app import formatting as fmt

Progress = Callable[[int, int], None]  # (lines done, lines in all)


class Kind(StrEnum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    COUNT = "count"
    PERCENT = "percent"  # a fraction: 0.1234 is 12,34 %


@dataclass(frozen=True)
class TableColumn:
    key: str
    label: str
    width: float  # relative: the PDF spreads the widths over the page
    kind: Kind = Kind.TEXT

    @property
    def align(self) -> str:
        return "L" if self.kind in (Kind.TEXT, Kind.DATE) else "R"


@dataclass(frozen=True)
class TableReport:
    title: str
    file_stem: str  # e.g. 'relatorio-nf' (the date and the extension are added)
    operator: str  # "Operadora X · Registro ANS 123456"
    provider: str  # the provider shown, or "Todos os prestadores"
    period: str  # "01/03/2026 a 31/03/2026"
    generated_at: datetime
    columns: tuple[TableColumn, ...]
    rows: list[dict]
    totals: dict  # the totals line: column key -> value (missing keys are blank)
    totals_label: str = "Total"
    notes: tuple[str, ...] = ()  # lines printed under the table (what a figure means)
    landscape: bool = False
    empty_text: str = "Nenhuma linha no período escolhido."
    sections: tuple[TableReport, ...] = field(default=())  # more tables in the same file (glosas per procedure)

    @property
    def line_count(self) -> int:
        return len(self.rows) + sum(s.line_count for s in self.sections)


def display(value: object, kind: Kind) -> str:
    """A cell as a person reads it (PDF, screen)."""
    if value is None or value == "":
        return "" if kind == Kind.TEXT else "-"
    if kind == Kind.MONEY:
        return fmt.money(value)
    if kind == Kind.PERCENT:
        return percent(value)
    if kind == Kind.DATE:
        return _date(value) if isinstance(value, date) else str(value)
    if isinstance(value, bool):
        return "Sim" if value else "Não"
    if kind == Kind.COUNT and isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


@lru_cache(maxsize=4096)
def _date(value: date) -> str:
    """Dates repeat in long reports (a month has 31): formatted once each."""
    return fmt.date_br(value)


def percent(fraction: Decimal) -> str:
    """0.1234 -> '12,34 %'."""
    return f"{percent_value(fraction):.2f}".replace(".", ",") + " %"


def percent_value(fraction: Decimal) -> Decimal:
    return (Decimal(fraction) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
