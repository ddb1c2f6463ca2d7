"""Typed rows of the money half as the provider reads it: a batch's glosas per item and its history,
its appeals (recursos de glosa) and its payments with their withholdings — text ready to show, built
from the services' frozen results."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from copass_app import formatting
from copass_app.services import appeals as appeal_service
from copass_app.services import batches as batch_service
from copass_app.services import payments as payment_service
from copass_app.services.withholdings import MINIMUM_WITHHOLDING

NOT_WITHHELD = f"não retido: até {formatting.money(MINIMUM_WITHHOLDING)}"


def typed_money(value: Decimal) -> str:
    """'1.234,56': a money field prefilled as a person types it (typed_input.parse_money reads it back)."""
    return formatting.money(value).removeprefix("R$").strip()


def _money_or_dash(value: Decimal | None) -> str:
    return formatting.money(value) if value is not None else "—"


# --- a batch: history, guides, items and their glosas ---------------------------------------------


@dataclass
class HistoryStep:
    status: str = ""  # BATCH_STATUS value
    label: str = ""
    at: str = ""


@dataclass
class DetailItem:
    id: int = 0
    table: str = ""
    code: str = ""
    description: str = ""
    quantity: str = ""
    unit_value: str = ""
    total: str = ""
    approved: str = "—"  # "—" until the analysis is over
    has_glosa: bool = False
    glosa_id: int = 0
    glosa_code: str = ""
    glosa_description: str = ""
    glosa_note: str = ""
    glosa_value: str = ""
    glosa_value_typed: str = ""  # prefills "Valor contestado"
    can_appeal: bool = False
    appeal_status: str = ""  # APPEAL_STATUS value; "" when never appealed
    appeal_contested: str = ""
    appeal_accepted: str = ""  # "" until decided
    appeal_note: str = ""
    appeal_paid: bool = False


@dataclass
class DetailGuide:
    batch_guide_id: int = 0
    number: str = ""
    beneficiary: str = ""
    performed_on: str = ""
    item_count: int = 0
    total: str = ""
    glosa: str = ""
    has_glosa: bool = False
    can_appeal: bool = False  # a glosa of the guide has no appeal yet
    lines: list[DetailItem] = field(default_factory=list)  # not "items": a Var method


def detail_item(item: batch_service.BatchItemLine, analysed: bool) -> DetailItem:
    glosa = item.glosa
    line = DetailItem(
        id=item.id, table=item.table_code, code=item.code, description=item.description,
        quantity=formatting.quantity(item.quantity), unit_value=formatting.money(item.unit_value),
        total=formatting.money(item.total), approved=_money_or_dash(item.approved_value))
    if glosa is None:
        return line
    line.has_glosa, line.glosa_id = True, glosa.id
    line.glosa_code, line.glosa_description, line.glosa_note = glosa.reason_code, glosa.reason_description, glosa.note
    line.glosa_value, line.glosa_value_typed = formatting.money(glosa.value), typed_money(glosa.value)
    line.can_appeal = analysed and glosa.appealable
    if glosa.appeal_status is not None:
        line.appeal_status = str(glosa.appeal_status)
        line.appeal_contested = _money_or_dash(glosa.contested_value)
        line.appeal_accepted = formatting.money(glosa.accepted_value) if glosa.accepted_value is not None else ""
        line.appeal_note = glosa.decision_note
        line.appeal_paid = glosa.appeal_payment_id is not None
    return line


def detail_guide(guide: batch_service.BatchGuideLine, analysed: bool) -> DetailGuide:
    return DetailGuide(
        batch_guide_id=guide.batch_guide_id, number=guide.provider_guide_number, beneficiary=guide.beneficiary_name,
        performed_on=formatting.date_br(guide.performed_on), item_count=guide.item_count,
        total=formatting.money(guide.total), glosa=formatting.money(guide.glosa_value),
        has_glosa=guide.glosa_value > 0, can_appeal=analysed and guide.appealable_count > 0,
        lines=[detail_item(item, analysed) for item in guide.items])


def history_steps(steps: list[batch_service.BatchStep]) -> list[HistoryStep]:
    return [HistoryStep(str(step.status), step.label, formatting.datetime_br(step.at)) for step in steps]


# --- payments -------------------------------------------------------------------------------------


@dataclass
class PaymentLine:
    id: int = 0
    number: str = ""
    paid_on: str = ""
    batches: int = 0
    gross: str = ""
    glosa: str = ""
    approved: str = ""
    appeals: str = ""
    withholdings: str = ""
    net: str = ""


def payment_line(row: payment_service.PaymentRow) -> PaymentLine:
    return PaymentLine(
        id=row.id, number=row.number, paid_on=formatting.date_br(row.paid_on), batches=row.batch_count,
        gross=formatting.money(row.gross), glosa=formatting.money(row.glosa), approved=formatting.money(row.approved),
        appeals=formatting.money(row.appeals_value), withholdings=formatting.money(row.withholding_value),
        net=formatting.money(row.net))


@dataclass
class WithholdingRow:
    tax: str = ""  # TAX value
    label: str = ""
    base: str = ""
    rate: str = ""
    value: str = ""  # what was withheld, or NOT_WITHHELD
    withheld: bool = False


@dataclass
class PaidBatchLine:
    id: int = 0
    protocol: str = ""
    lot: str = ""
    competence: str = ""
    gross: str = ""
    glosa: str = ""
    approved: str = ""


@dataclass
class PaidAppealLine:
    id: int = 0
    protocol: str = ""
    guide: str = ""
    item: str = ""
    glosa_code: str = ""
    accepted: str = ""


@dataclass
class PaymentDetailView:
    id: int = 0
    number: str = ""
    paid_on: str = ""
    gross: str = ""
    glosa: str = ""
    approved: str = ""
    appeals: str = ""
    withholdings: str = ""
    net: str = ""
    bank: str = ""
    agency: str = ""
    account: str = ""
    withholding_rows: list[WithholdingRow] = field(default_factory=list)
    batches: list[PaidBatchLine] = field(default_factory=list)
    appeal_rows: list[PaidAppealLine] = field(default_factory=list)


def payment_detail_view(view: payment_service.PaymentView) -> PaymentDetailView:
    return PaymentDetailView(
        id=view.id, number=view.number, paid_on=formatting.date_br(view.paid_on), gross=formatting.money(view.gross),
        glosa=formatting.money(view.glosa), approved=formatting.money(view.approved),
        appeals=formatting.money(view.appeals_value), withholdings=formatting.money(view.withholding_value),
        net=formatting.money(view.net), bank=view.bank or "—", agency=view.agency or "—",
        account=view.account or "—",
        withholding_rows=[WithholdingRow(
            tax=str(line.tax), label=line.label, base=formatting.money(line.base),
            rate=f"{formatting.quantity(line.rate_percent)} %",
            value=formatting.money(line.value) if line.withheld else NOT_WITHHELD, withheld=line.withheld)
            for line in view.withholdings],
        batches=[PaidBatchLine(b.id, b.protocol_number, b.lot_number, formatting.competence(b.competence),
                               formatting.money(b.gross), formatting.money(b.glosa), formatting.money(b.approved))
                 for b in view.batches],
        appeal_rows=[PaidAppealLine(a.id, a.protocol_number, a.guide_number, f"{a.item_code} · {a.item_description}",
                                    a.reason_code, formatting.money(a.accepted_value or Decimal("0")))
                     for a in view.appeals])


# --- appeals --------------------------------------------------------------------------------------


@dataclass
class AppealLine:
    id: int = 0
    opened_at: str = ""
    status: str = ""  # APPEAL_STATUS value
    batch_id: int = 0
    protocol: str = ""
    guide: str = ""
    beneficiary: str = ""
    item: str = ""
    glosa_code: str = ""
    glosa_description: str = ""
    glosa_value: str = ""
    contested: str = ""
    justification: str = ""
    accepted: str = "—"  # "—" until decided
    decided_at: str = ""
    decision_note: str = ""
    payment_id: int = 0  # 0: not paid (yet)
    payment_number: str = ""
    paid_on: str = ""


def appeal_line(row: appeal_service.AppealRow) -> AppealLine:
    return AppealLine(
        id=row.id, opened_at=formatting.datetime_br(row.created_at), status=str(row.status), batch_id=row.batch_id,
        protocol=row.protocol_number, guide=row.guide_number, beneficiary=row.beneficiary_name,
        item=f"{row.item_code} · {row.item_description}", glosa_code=row.reason_code,
        glosa_description=row.reason_description, glosa_value=formatting.money(row.glosa_value),
        contested=formatting.money(row.contested_value), justification=row.justification,
        accepted=_money_or_dash(row.accepted_value),
        decided_at=formatting.datetime_br(row.decided_at) if row.decided_at else "",
        decision_note=row.decision_note, payment_id=row.payment_id or 0, payment_number=row.payment_number,
        paid_on=formatting.date_br(row.paid_on) if row.paid_on else "")
