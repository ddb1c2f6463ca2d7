"""What every report is filtered by, checked once: whose data (a provider always its own; staff any
provider or all of them), the period (payment or analysis dates, Brasília days) or the competência.

`resolve(db, actor, filters)` turns what the page sent into a `Scope` or refuses it with a Portuguese
message; the report modules only build their queries from a Scope, so none of them can forget the owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import Operator, Provider
from copass_app.services.access import Actor, require_provider
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.paging import Page
from copass_app.services.typed_input import competence_month, parse_competence, parse_optional_date

PROVIDER_NOT_FOUND = "Prestador não encontrado."
ALL_PROVIDERS = "Todos os prestadores"
ZERO = Decimal("0.00")
SHARE = Decimal("0.0001")  # a share is kept to 0,01 % (four places of the fraction)

Row = TypeVar("Row")
Totals = TypeVar("Totals")


@dataclass(frozen=True)
class ReportFilters:
    """What the page (or the CLI, or the dashboard) asks for; every field may be what a person typed."""

    provider_id: int | str | None = None  # staff only: a provider's own user always gets its own data
    date_from: date | str | None = None  # dd/mm/aaaa or aaaa-mm-dd; empty: no lower limit
    date_to: date | str | None = None
    competence: str | None = None  # 'AAAA-MM' or 'MM/AAAA': the batches' competência
    payment_id: int | str | None = None  # the NF report of one payment


@dataclass(frozen=True)
class Scope:
    provider_id: int | None  # None: every provider (staff only)
    provider_name: str  # the provider shown in the header, or "Todos os prestadores"
    provider_code: str
    provider_document: str
    operator_name: str
    operator_ans: str
    date_from: date | None
    date_to: date | None
    competence: str | None
    payment_id: int | None = None

    @property
    def period_label(self) -> str:
        parts = ["somente o pagamento escolhido"] if self.payment_id is not None else []
        if self.date_from and self.date_to:
            parts.append(f"{fmt.date_br(self.date_from)} a {fmt.date_br(self.date_to)}")
        elif self.date_from:
            parts.append(f"a partir de {fmt.date_br(self.date_from)}")
        elif self.date_to:
            parts.append(f"até {fmt.date_br(self.date_to)}")
        if self.competence:
            parts.append(f"competência {fmt.competence(self.competence)}")
        return " · ".join(parts) or "todo o período"

    @property
    def provider_label(self) -> str:
        if self.provider_id is None:
            return self.provider_name
        document = f" · {fmt.document_label(self.provider_document)} {fmt.cpf_cnpj(self.provider_document)}" \
            if self.provider_document else ""
        return f"{self.provider_name} (código {self.provider_code}){document}"

    @property
    def reaches_today(self) -> bool:
        """Whether what is still to be paid belongs to the period (it is paid today at the earliest)."""
        return self.payment_id is None and (self.date_to is None or self.date_to >= clock.today())


@dataclass(frozen=True)
class Report(Generic[Row, Totals]):
    """One page of a report, its totals over the whole filter, and what it covers."""

    page: Page[Row]
    totals: Totals
    scope: Scope
    extra: dict = field(default_factory=dict)


def resolve(db: Session, actor: Actor, filters: ReportFilters) -> Scope:
    """The filters checked: the owner, the dates (from ≤ to) and the competência."""
    if actor.is_staff:
        provider_id = _optional_id(filters.provider_id)
        if provider_id is not None and db.get(Provider, provider_id) is None:
            raise NotFound(PROVIDER_NOT_FOUND)
    else:
        provider_id = require_provider(actor)
    date_from = parse_optional_date(filters.date_from, "Data inicial")
    date_to = parse_optional_date(filters.date_to, "Data final")
    if date_from and date_to and date_from > date_to:
        raise DomainError("A data inicial do período é posterior à data final.")
    text = str(filters.competence or "").strip()
    competence = parse_competence(text) if text else None
    provider = db.get(Provider, provider_id) if provider_id is not None else None
    operator = db.get(Operator, provider.operator_id) if provider else db.exec(
        select(Operator).order_by(Operator.id)).first()
    payment_id = _optional_id(filters.payment_id)
    if filters.payment_id not in (None, "") and payment_id is None:
        payment_id = 0  # a crafted id: no payment has it (answered as not found by the report)
    return Scope(
        provider_id=provider_id,
        provider_name=provider.name if provider else ALL_PROVIDERS,
        provider_code=provider.code if provider else "",
        provider_document=provider.document if provider else "",
        operator_name=operator.name if operator else "",
        operator_ans=operator.registro_ans if operator else "",
        date_from=date_from, date_to=date_to, competence=competence, payment_id=payment_id)


def day_bounds(scope: Scope) -> tuple[datetime | None, datetime | None]:
    """The period as stored moments (aware UTC): from the start of the first Brasília day to the start of
    the day after the last (exclusive)."""
    start = clock.brasilia_midnight(scope.date_from).astimezone(UTC) if scope.date_from else None
    end = clock.brasilia_midnight(scope.date_to + timedelta(days=1)).astimezone(UTC) if scope.date_to else None
    return start, end


def moment_conditions(column, scope: Scope) -> list:
    start, end = day_bounds(scope)
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


def date_conditions(column, scope: Scope) -> list:
    conditions = []
    if scope.date_from:
        conditions.append(column >= scope.date_from)
    if scope.date_to:
        conditions.append(column <= scope.date_to)
    return conditions


def competence_bounds(competence: str) -> tuple[date, date]:
    return competence_month(competence)


def share(part: Decimal, whole: Decimal) -> Decimal:
    """part ÷ whole as a fraction rounded half-up to 0,01 % (0 when nothing was billed)."""
    if not whole:
        return Decimal("0.0000")
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, rounding=ROUND_HALF_UP)


def percent(fraction: Decimal) -> str:
    """0.1234 -> '12,34 %'."""
    value = (Decimal(fraction) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:.2f}".replace(".", ",") + " %"


def money_or_zero(value: Decimal | None) -> Decimal:
    return ZERO if value is None else Decimal(value)


def _optional_id(value: object) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    number = int(text)
    return number if 0 < number < 2**63 else None
