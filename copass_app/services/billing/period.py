"""The rules for what the provider types on "Faturamento de atendimentos": the period or the
competência, a corrected Realização, an added item's quantity and value.

Text goes through the one parser (`typed_input`), so `1.500,00` is R$ 1.500,00 here as everywhere.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from copass_app import formatting as fmt
from copass_app.dbtypes import to_money
from copass_app.models import Guide
from copass_app.services import typed_input
from copass_app.services.errors import DomainError

MAX_PERIOD_DAYS = 366
MIN_UNIT_VALUE = Decimal("0.01")

BOTH_PERIODS = "Escolha o período por datas ou pela competência, não os dois."
NO_PERIOD = "Informe a data inicial e a data final do período, ou a competência."


def resolve_period(start: object, end: object, competence: object, today: date) -> tuple[date, date, str]:
    """The period to bill and its competência, from either a competência or a start and end date.

    A competência means that whole month. A date period is billed for the month of its end, or of
    today when the period ends later (nothing performed after today can be billed yet).
    """
    start, end, competence = (None if _blank(value) else value for value in (start, end, competence))
    if competence is not None:
        if start is not None or end is not None:
            raise DomainError(BOTH_PERIODS)
        competence = typed_input.parse_competence(competence, "Competência")
        start, end = typed_input.competence_month(competence)
        if start > today:
            raise DomainError("A competência não pode ser futura.")
        return start, end, competence
    if start is None or end is None:
        raise DomainError(NO_PERIOD)
    start = typed_input.parse_date(start, "Data inicial")
    end = typed_input.parse_date(end, "Data final")
    if start > end:
        raise DomainError("A data inicial do período é posterior à data final.")
    if start > today:
        raise DomainError("O período escolhido está no futuro: não há atendimentos realizados a faturar.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(f"O período pode ter no máximo {MAX_PERIOD_DAYS} dias.")
    return start, end, f"{min(end, today):%Y-%m}"


def performed_date(guide: Guide, value: object, today: date) -> date:
    """A corrected Realização: not in the future, within the guide's request, authorization and validity."""
    new_date = typed_input.parse_date(value, "Data de realização")
    if new_date > today:
        raise DomainError("A data de realização não pode ser futura.")
    if new_date < guide.requested_on:
        raise DomainError(
            f"A data de realização não pode ser anterior à solicitação da guia ({fmt.date_br(guide.requested_on)})."
        )
    if guide.authorized_on and new_date < guide.authorized_on:
        raise DomainError(
            f"A data de realização não pode ser anterior à autorização da guia ({fmt.date_br(guide.authorized_on)})."
        )
    if guide.valid_until and new_date > guide.valid_until:
        raise DomainError(
            "A data de realização não pode ser posterior à validade da autorização "
            f"({fmt.date_br(guide.valid_until)})."
        )
    return new_date


def extra_item_amounts(quantity: object, unit_value: object) -> tuple[Decimal, Decimal]:
    """Quantity (> 0, up to 4 decimals) and unit value (≥ R$ 0,01) of an added item, within the TISS maxima."""
    quantity = typed_input.parse_quantity(quantity, "Quantidade")
    unit_value = typed_input.parse_money(unit_value, "Valor unitário")
    if unit_value < MIN_UNIT_VALUE:
        raise DomainError("Valor unitário: informe ao menos R$ 0,01.")
    if to_money(quantity * unit_value) > typed_input.MAX_MONEY:
        raise DomainError("Valor total do item: ultrapassa o máximo permitido pelo padrão TISS (R$ 99.999.999,99).")
    return quantity, unit_value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
