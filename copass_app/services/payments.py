"""Pagamentos: the operator's staff pay a provider's released batches and accepted appeal values.

One payment records what it adds up to: gross (billed) = approved + glosa for its batches;
the base of the withholdings = approved + accepted appeals; net = base − withholdings, to the
cent; the provider's bank data as used that day. Registering it is one transaction: the payment,
its batches (a batch is paid once: unique key), its withholding lines, its appeals, and the
"batch.pay" move of each batch (a conditional UPDATE: of two payments of the same batch at
once, one wins and the other is refused with the reason and leaves nothing).

The payment date may be today or earlier (a transfer made yesterday is registered today), never
in the future: registering a payment marks its batches paid, and that must not happen before
the money left; nor before the analysis of a batch (or the decision on an appeal) it pays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, insert, update
from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import (
    Appeal,
    Batch,
    BatchStatus,
    GuideType,
    Payment,
    PaymentBatch,
    PaymentWithholding,
    Provider,
    Tax,
)
from copass_app.services import audit, paging, transitions
from copass_app.services.access import Actor, require_provider, require_staff
from copass_app.services.appeals import ACCEPTED, AppealRow, appeal_rows
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.paging import Page
from copass_app.services.protocols import provisional_protocol_number
from copass_app.services.transitions import APPEAL_NOT_FOUND, BATCH_NOT_FOUND
from copass_app.services.typed_input import parse_date, parse_optional_date
from copass_app.services.withholdings import WithholdingLine, profile_for, total_withheld, withholdings
from copass_app.vocabulary import GUIDE_TYPE

PAYMENT_NOT_FOUND = "Pagamento não encontrado."
PROVIDER_NOT_FOUND = "Prestador não encontrado."
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PayableBatch:
    id: int
    protocol_number: str
    lot_number: str
    competence: str
    guide_type: GuideType
    guide_count: int
    received_at: datetime
    analysed_at: datetime | None
    paid_at: datetime | None
    gross: Decimal  # billed
    glosa: Decimal
    approved: Decimal

    @property
    def guide_type_label(self) -> str:
        return GUIDE_TYPE.label(self.guide_type)


@dataclass(frozen=True)
class Payable:
    provider_id: int
    provider_code: str
    provider_name: str
    batches: list[PayableBatch]  # released for payment, not paid
    appeals: list[AppealRow]  # accepted (fully or partly), not paid

    @property
    def approved(self) -> Decimal:
        return sum((b.approved for b in self.batches), ZERO)

    @property
    def appeals_value(self) -> Decimal:
        return sum((a.accepted_value or ZERO for a in self.appeals), ZERO)


@dataclass(frozen=True)
class ProviderToPay:
    provider_id: int
    provider_code: str
    provider_name: str
    batch_count: int
    approved: Decimal
    appeal_count: int
    appeals_value: Decimal


@dataclass(frozen=True)
class PaymentPreview:
    provider_id: int
    provider_code: str
    provider_name: str
    paid_on: date
    batches: list[PayableBatch]
    appeals: list[AppealRow]
    gross: Decimal
    glosa: Decimal
    approved: Decimal
    appeals_value: Decimal
    base: Decimal  # approved + appeals: what the withholdings are computed on
    withholdings: list[WithholdingLine]
    withholding_value: Decimal
    net: Decimal  # approved + appeals − withholdings
    bank: str
    agency: str
    account: str

    @property
    def has_bank_data(self) -> bool:
        return bool(self.bank.strip() and self.agency.strip() and self.account.strip())


@dataclass(frozen=True)
class PaymentRow:
    id: int
    number: str
    paid_on: date
    provider_id: int
    provider_code: str
    provider_name: str
    batch_count: int
    gross: Decimal
    glosa: Decimal
    approved: Decimal
    appeals_value: Decimal
    withholding_value: Decimal
    net: Decimal


@dataclass(frozen=True)
class PaymentView:
    id: int
    number: str
    paid_on: date
    provider_id: int
    provider_code: str
    provider_name: str
    provider_document: str
    gross: Decimal
    glosa: Decimal
    approved: Decimal
    appeals_value: Decimal
    withholding_value: Decimal
    net: Decimal
    bank: str
    agency: str
    account: str
    created_at: datetime
    batches: list[PayableBatch]
    appeals: list[AppealRow]
    withholdings: list[WithholdingLine]


@dataclass(frozen=True)
class PaymentFilters:
    provider_id: int | None = None
    date_from: date | str | None = None  # paid on or after
    date_to: date | str | None = None
    number: str | None = None  # the statement number or its beginning


# --- what can be paid -----------------------------------------------------------------------------


def payable(db: Session, staff: Actor, provider_id: int) -> Payable:
    """The provider's batches released for payment and its accepted appeals not paid yet."""
    require_staff(staff)
    provider = _provider(db, provider_id)
    batches = db.exec(
        select(Batch).where(Batch.provider_id == provider.id, Batch.status == BatchStatus.LIBERADO_PAGAMENTO)
        .order_by(Batch.analysed_at, Batch.id)
    ).all()
    return Payable(provider.id, provider.code, provider.name, [_batch_row(b) for b in batches],
                   appeal_rows(db, _payable_appeals(provider.id), (Appeal.decided_at, Appeal.id)))


def providers_to_pay(db: Session, staff: Actor) -> list[ProviderToPay]:
    """Providers with something to pay, by name (the payment page's choice of provider)."""
    require_staff(staff)
    batches = dict(
        (row[0], row[1:]) for row in db.exec(
            select(Batch.provider_id, func.count(), func.sum(Batch.approved_value))
            .where(Batch.status == BatchStatus.LIBERADO_PAGAMENTO).group_by(Batch.provider_id)))
    appeals = dict(
        (row[0], row[1:]) for row in db.exec(
            select(Appeal.provider_id, func.count(), func.sum(Appeal.accepted_value))
            .where(*_payable_appeals(None)).group_by(Appeal.provider_id)))
    ids = set(batches) | set(appeals)
    providers = db.exec(select(Provider).where(Provider.id.in_(ids)).order_by(Provider.name)).all() if ids else []
    none = (0, None)
    return [ProviderToPay(p.id, p.code, p.name, batches.get(p.id, none)[0], batches.get(p.id, none)[1] or ZERO,
                          appeals.get(p.id, none)[0], appeals.get(p.id, none)[1] or ZERO)
            for p in providers]


def preview_payment(db: Session, staff: Actor, provider_id: int, *, batch_ids: list[int], appeal_ids: list[int],
                    paid_on: date | str) -> PaymentPreview:
    """What the payment would be: every figure, the withholdings and the bank data, or the refusal."""
    require_staff(staff)
    provider = _provider(db, provider_id)
    day = parse_date(paid_on, "Data do pagamento")
    if day > clock.today():
        raise DomainError(f"Data do pagamento: {fmt.date_br(day)} é uma data futura. Registre o pagamento "
                          "quando ele for feito (a data pode ser hoje ou anterior).")
    batch_ids, appeal_ids = _ids(batch_ids), _ids(appeal_ids)
    if not batch_ids and not appeal_ids:
        raise DomainError("Escolha ao menos um lote liberado ou um recurso aceito para pagar.")
    batches = [_payable_batch(db, provider, batch_id, day) for batch_id in batch_ids]
    appeals = _payable_appeal_rows(db, provider, appeal_ids, day)
    gross = sum((b.gross for b in batches), ZERO)
    glosa = sum((b.glosa for b in batches), ZERO)
    approved = sum((b.approved for b in batches), ZERO)
    appeals_value = sum((a.accepted_value for a in appeals), ZERO)
    base = approved + appeals_value
    lines = withholdings(profile_for(provider), base)
    withheld = total_withheld(lines)
    return PaymentPreview(
        provider_id=provider.id, provider_code=provider.code, provider_name=provider.name, paid_on=day,
        batches=batches, appeals=appeals, gross=gross, glosa=glosa, approved=approved, appeals_value=appeals_value,
        base=base, withholdings=lines, withholding_value=withheld, net=base - withheld,
        bank=provider.bank, agency=provider.agency, account=provider.account)


# --- registering it -------------------------------------------------------------------------------


def register_payment(db: Session, staff: Actor, provider_id: int, *, batch_ids: list[int], appeal_ids: list[int],
                     paid_on: date | str) -> PaymentView:
    """Record the payment and mark its batches paid, all in the caller's transaction."""
    preview = preview_payment(db, staff, provider_id, batch_ids=batch_ids, appeal_ids=appeal_ids, paid_on=paid_on)
    if not preview.has_bank_data:
        raise DomainError(f"{preview.provider_name} não tem dados bancários completos (banco, agência e conta) "
                          "no cadastro: complete-os antes de registrar o pagamento.")
    now = clock.now()
    # The moves first: a payment that lost the race for a batch is refused before it writes anything.
    paid_at = now if preview.paid_on == clock.brasilia_date(now) else _midday(preview.paid_on)
    for batch in preview.batches:
        paid = transitions.apply(db, staff, "batch.pay", batch.id, now=now)
        paid.paid_at = paid_at  # the day the money left, which may be before today
        db.add(paid)
    payment = Payment(
        provider_id=preview.provider_id, number=provisional_protocol_number(), paid_on=preview.paid_on,
        gross_value=preview.gross, glosa_value=preview.glosa, approved_value=preview.approved,
        appeals_value=preview.appeals_value, withholding_value=preview.withholding_value, net_value=preview.net,
        bank=preview.bank, agency=preview.agency, account=preview.account, created_by=staff.user_id, created_at=now)
    db.add(payment)
    db.flush()
    payment.number = statement_number(payment.id, preview.paid_on)
    if preview.batches:
        db.execute(insert(PaymentBatch), [{"payment_id": payment.id, "batch_id": b.id} for b in preview.batches])
    db.execute(insert(PaymentWithholding), [
        {"payment_id": payment.id, "tax": line.tax.value, "base": line.base, "rate_percent": line.rate_percent,
         "value": line.value} for line in preview.withholdings])
    _link_appeals(db, payment, [a.id for a in preview.appeals])
    audit.record(db, staff, "payment.register", "payment", payment.id, _describe(payment, preview),
                 provider_id=preview.provider_id, at=now)
    db.flush()
    return payment_detail(db, staff, payment.id)


def statement_number(payment_id: int, paid_on: date) -> str:
    """Year of the payment + id, like the protocol numbers: readable, and unique because the id is."""
    if payment_id >= 10**8:
        return f"{payment_id:012d}"
    return f"{paid_on:%Y}{payment_id:08d}"


# --- reading payments ---------------------------------------------------------------------------


def provider_payments(db: Session, actor: Actor, *, page: object = 1,
                      page_size: object = paging.PAGE_SIZE) -> Page[PaymentRow]:
    """The provider's own payments, newest first."""
    provider_id = require_provider(actor)
    return _payments_page(db, [Payment.provider_id == provider_id], page, page_size)


def staff_payments(db: Session, staff: Actor, filters: PaymentFilters = PaymentFilters(), *, page: object = 1,
                   page_size: object = paging.PAGE_SIZE) -> Page[PaymentRow]:
    require_staff(staff)
    conditions = []
    if filters.provider_id is not None:
        conditions.append(Payment.provider_id == filters.provider_id)
    date_from = parse_optional_date(filters.date_from, "Data inicial")
    date_to = parse_optional_date(filters.date_to, "Data final")
    if date_from and date_to and date_from > date_to:
        raise DomainError("A data inicial do período é posterior à data final.")
    if date_from:
        conditions.append(Payment.paid_on >= date_from)
    if date_to:
        conditions.append(Payment.paid_on <= date_to)
    number = "".join(ch for ch in (filters.number or "") if ch.isdigit())
    if number:
        conditions.append(Payment.number.startswith(number))
    return _payments_page(db, conditions, page, page_size)


def payment_detail(db: Session, actor: Actor, payment_id: int) -> PaymentView:
    """Staff see any payment; a provider only its own (another's is simply not found)."""
    payment = db.get(Payment, _id(payment_id))
    if payment is None or (not actor.is_staff and payment.provider_id != require_provider(actor)):
        raise NotFound(PAYMENT_NOT_FOUND)
    provider = db.get(Provider, payment.provider_id)
    batches = db.exec(select(Batch).join(PaymentBatch, PaymentBatch.batch_id == Batch.id)
                      .where(PaymentBatch.payment_id == payment.id).order_by(Batch.id)).all()
    rows = db.exec(select(PaymentWithholding).where(PaymentWithholding.payment_id == payment.id)).all()
    order = {tax: n for n, tax in enumerate(Tax)}
    lines = [WithholdingLine(Tax(r.tax), r.base, r.rate_percent, r.value, r.value > 0)
             for r in sorted(rows, key=lambda r: order[Tax(r.tax)])]
    return PaymentView(
        id=payment.id, number=payment.number, paid_on=payment.paid_on, provider_id=provider.id,
        provider_code=provider.code, provider_name=provider.name, provider_document=provider.document,
        gross=payment.gross_value, glosa=payment.glosa_value, approved=payment.approved_value,
        appeals_value=payment.appeals_value, withholding_value=payment.withholding_value, net=payment.net_value,
        bank=payment.bank, agency=payment.agency, account=payment.account, created_at=payment.created_at,
        batches=[_batch_row(b) for b in batches], appeals=appeal_rows(db, [Appeal.payment_id == payment.id]),
        withholdings=lines)


# --- helpers --------------------------------------------------------------------------------------


def _provider(db: Session, provider_id: int) -> Provider:
    provider = db.get(Provider, _id(provider_id))
    if provider is None:
        raise NotFound(PROVIDER_NOT_FOUND)
    return provider


def _batch_row(batch: Batch) -> PayableBatch:
    return PayableBatch(
        id=batch.id, protocol_number=batch.protocol_number, lot_number=batch.lot_number, competence=batch.competence,
        guide_type=GuideType(batch.guide_type), guide_count=batch.guide_count, received_at=batch.received_at,
        analysed_at=batch.analysed_at, paid_at=batch.paid_at, gross=batch.total_value, glosa=batch.glosa_value,
        approved=batch.approved_value)


def _payable_batch(db: Session, provider: Provider, batch_id: int, day: date) -> PayableBatch:
    batch = db.get(Batch, batch_id)
    if batch is None:
        raise NotFound(BATCH_NOT_FOUND)
    label = f"lote {batch.lot_number} (protocolo {batch.protocol_number})"
    if batch.provider_id != provider.id:
        raise DomainError(f"O {label} não é de {provider.name}: um pagamento é de um só prestador.")
    if not transitions.can("batch.pay", batch):
        raise DomainError(transitions.TRANSITIONS["batch.pay"].refusal(batch))
    if batch.total_value != batch.approved_value + batch.glosa_value:
        raise DomainError(f"Os valores do {label} não fecham (informado {fmt.money(batch.total_value)}, "
                          f"glosa {fmt.money(batch.glosa_value)}, aprovado {fmt.money(batch.approved_value)}): "
                          "revise a análise antes de pagar.")
    if batch.analysed_at is not None and day < clock.brasilia_date(batch.analysed_at):
        raise DomainError(f"Data do pagamento: {fmt.date_br(day)} é anterior à conclusão da análise do {label} "
                          f"({fmt.date_br(clock.brasilia_date(batch.analysed_at))}).")
    return _batch_row(batch)


def _payable_appeals(provider_id: int | None) -> list:
    conditions = [Appeal.status.in_(ACCEPTED), Appeal.payment_id.is_(None), Appeal.accepted_value > 0]
    return conditions if provider_id is None else [Appeal.provider_id == provider_id, *conditions]


def _payable_appeal_rows(db: Session, provider: Provider, appeal_ids: list[int], day: date) -> list[AppealRow]:
    rows = {row.id: row for row in appeal_rows(db, [Appeal.id.in_(appeal_ids)])} if appeal_ids else {}
    for appeal_id in appeal_ids:
        row = rows.get(appeal_id)
        if row is None:
            raise NotFound(APPEAL_NOT_FOUND)
        if row.provider_id != provider.id:
            raise DomainError(f"O recurso {row.id} não é de {provider.name}: um pagamento é de um só prestador.")
        if row.payment_id is not None:
            raise DomainError(f"O recurso {row.id} já foi pago no pagamento {row.payment_number}.")
        if row.status not in ACCEPTED or not row.accepted_value:
            raise DomainError(f"O recurso {row.id} não tem valor aceito a pagar (situação: {row.status_label}).")
        if row.decided_at is not None and day < clock.brasilia_date(row.decided_at):
            raise DomainError(f"Data do pagamento: {fmt.date_br(day)} é anterior à decisão do recurso {row.id} "
                              f"({fmt.date_br(clock.brasilia_date(row.decided_at))}).")
    return [rows[appeal_id] for appeal_id in appeal_ids]


def _link_appeals(db: Session, payment: Payment, appeal_ids: list[int]) -> None:
    """Conditional, like a transition: an appeal another payment took meanwhile matches nothing."""
    if not appeal_ids:
        return
    result = db.execute(
        update(Appeal)
        .where(Appeal.id.in_(appeal_ids), Appeal.provider_id == payment.provider_id, Appeal.payment_id.is_(None),
               Appeal.status.in_(ACCEPTED))
        .values(payment_id=payment.id).execution_options(synchronize_session=False))
    if result.rowcount != len(appeal_ids):
        raise DomainError("Um dos recursos escolhidos acabou de ser pago em outro pagamento. "
                          "Atualize a lista e tente novamente.")


def _payments_page(db: Session, conditions: list, page: object, page_size: object) -> Page[PaymentRow]:
    total = db.exec(select(func.count()).select_from(Payment).where(*conditions)).one()
    number, size, offset = paging.clamp(page, page_size, total)
    batch_count = (select(func.count()).select_from(PaymentBatch).where(PaymentBatch.payment_id == Payment.id)
                   .correlate(Payment).scalar_subquery())
    found = db.exec(
        select(Payment, Provider.code, Provider.name, batch_count).join(Provider, Provider.id == Payment.provider_id)
        .where(*conditions).order_by(Payment.paid_on.desc(), Payment.id.desc()).offset(offset).limit(size)
    ).all()
    rows = [PaymentRow(p.id, p.number, p.paid_on, p.provider_id, code, name, count, p.gross_value, p.glosa_value,
                       p.approved_value, p.appeals_value, p.withholding_value, p.net_value)
            for p, code, name, count in found]
    return Page(rows=rows, total=total, page=number, page_size=size)


def _describe(payment: Payment, preview: PaymentPreview) -> str:
    batches = ", ".join(b.protocol_number for b in preview.batches) or "nenhum"
    appeals = ", ".join(str(a.id) for a in preview.appeals) or "nenhum"
    return (f"Pagamento {payment.number} a {preview.provider_name} em {fmt.date_br(preview.paid_on)}: "
            f"bruto {fmt.money(preview.gross)}, glosa {fmt.money(preview.glosa)}, "
            f"aprovado {fmt.money(preview.approved)}, recursos {fmt.money(preview.appeals_value)}, "
            f"retenções {fmt.money(preview.withholding_value)}, "
            f"líquido {fmt.money(preview.net)}; banco {preview.bank}, agência {preview.agency}, conta "
            f"{preview.account}; lotes (protocolos): {batches}; recursos: {appeals}")


def _midday(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=clock.BRASILIA).astimezone(UTC)


def _ids(values: object) -> list[int]:
    """Distinct ids in the order chosen; anything that is not an id is dropped (a crafted event)."""
    return list(dict.fromkeys(number for number in map(_id, values or []) if number))


def _id(value: object) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return 0
    return number if 0 < number < 2**63 else 0
