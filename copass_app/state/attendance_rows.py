"""The rows "Digitação de atendimentos" shows, typed, and a stored value written back as the provider types it
(the form's fields hold text: "150,00", "2", "05/03/2026"); the form's state is in state/attendances.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from copass_app import formatting
from copass_app.dbtypes import to_money
from copass_app.models import AttendanceStatus
from copass_app.services import attendances as att
from copass_app.services import typed_input
from copass_app.services.errors import DomainError
from copass_app.vocabulary import GUIDE_TYPE


@dataclass
class AttendanceLine:
    """One typed attendance in the competência's list."""

    id: int = 0
    number: str = ""
    guide_type: str = ""
    beneficiary: str = ""
    card: str = ""
    performed_on: str = ""
    total: str = ""
    status: str = ""  # ATTENDANCE_STATUS value
    protocol: str = ""
    editable: bool = False


def attendance_line(row: att.AttendanceRow) -> AttendanceLine:
    return AttendanceLine(
        id=row.guide_id,
        number=row.number,
        guide_type=GUIDE_TYPE.label(row.guide_type),
        beneficiary=row.beneficiary_name,
        card=row.card_number,
        performed_on=formatting.date_br(row.performed_on) if row.performed_on else "—",
        total=formatting.money(row.total),
        status=str(row.status),
        protocol=row.protocol_number or "",
        editable=str(row.status) == str(AttendanceStatus.DIGITADO),
    )


@dataclass
class ProcedureLine:
    """A procedure of the form, as typed (the service reads quantity and value)."""

    code: str = ""
    description: str = ""
    quantity: str = "1"
    unit_value: str = ""  # "" = the contracted price
    contracted: str = ""  # the contracted price shown beside it
    total: str = ""


@dataclass
class ProcedureHitLine:
    code: str = ""
    name: str = ""
    price: str = ""  # R$ 150,00, or "sem preço contratado"
    price_typed: str = ""  # 150,00 as a provider types it


def procedure_hit_line(hit: att.ProcedureHit) -> ProcedureHitLine:
    if hit.price is None:
        return ProcedureHitLine(hit.code, hit.name, "sem preço contratado", "")
    price = formatting.money(hit.price)
    return ProcedureHitLine(hit.code, hit.name, price, price.replace("R$", "").strip())


@dataclass
class BeneficiaryHitLine:
    card: str = ""
    name: str = ""
    birth: str = ""


def beneficiary_hit_line(hit: att.BeneficiaryHit) -> BeneficiaryHitLine:
    return BeneficiaryHitLine(hit.card_number, hit.name, formatting.date_br(hit.birth_date) if hit.birth_date else "")


@dataclass
class FindingLine:
    """What the automatic critique would propose as a glosa, shown while typing."""

    label: str = ""
    code: str = ""  # TISS table 38
    message: str = ""
    value: str = ""


def finding_line(finding: att.FindingView) -> FindingLine:
    return FindingLine(finding.rule_label, finding.reason_code, finding.message, formatting.money(finding.value))


def line_total(quantity: str, unit_value: str, contracted: str) -> str:
    """Quantity × value as the page shows it while typing ("" when either is not readable yet)."""
    try:
        amount = typed_input.parse_quantity(quantity or "1")
        value = typed_input.parse_money(unit_value or contracted)
    except DomainError:
        return ""
    return formatting.money(to_money(amount * value))


def typed_quantity(value: object) -> str:
    return formatting.quantity(value) if isinstance(value, Decimal) else str(value or "1")


def date_typed(value: object) -> str:
    """A stored date as the provider types it (DD/MM/AAAA)."""
    if isinstance(value, date):
        return formatting.date_br(value)
    return str(value or "")
