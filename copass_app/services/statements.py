"""The TISS files of the money half, to download: the demonstrativo de análise de conta of an
analysed batch, the demonstrativo de pagamento of a payment, the RECURSO_GLOSA of a batch's
appeals and the operator's RECEBIMENTO_RECURSO_GLOSA of it.

Each function checks who asks (a provider only its own records, another's is simply not found;
staff any), gathers the lines as the portal's screens show them and calls the builders in
copass_app.tiss.messages. Each returns (file name, ISO-8859-1 XML bytes) and audits the download
(the files carry patients' card numbers), in the caller's transaction:

    name, data = perform(lambda db: statements.analysis_statement(db, actor, batch_id))
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import (
    Appeal,
    Batch,
    BatchGuide,
    BatchItem,
    BatchStatus,
    Glosa,
    GlosaStatus,
    Operator,
    Provider,
    Tax,
)
from copass_app.services import audit, payments
from copass_app.services.access import Actor
from copass_app.services.appeals import ANALYSED, AppealRow, appeal_rows
from copass_app.services.batch_queries import batch_guides, visible_batch
from copass_app.services.errors import DomainError, NotFound
from copass_app.tiss.messages.appeals import (
    AppealedGuide,
    AppealedItem,
    AppealReceiptSpec,
    AppealSpec,
    build_appeal,
    build_appeal_receipt,
)
from copass_app.tiss.messages.lots import NO_CNES
from copass_app.tiss.messages.receipts import ReceiptParty
from copass_app.tiss.messages.statements import (
    APPEAL,
    AnalysedGuide,
    AnalysedItem,
    AnalysedProtocol,
    Deduction,
    GlosaLine,
    PaidGuide,
    PaidProtocol,
    PaymentStatementData,
    Statement,
    build_analysis_statement,
    build_payment_statement,
)
from copass_app.vocabulary import BATCH_STATUS, TAX

NOT_ANALYSED = ("O demonstrativo de análise de conta fica disponível quando a análise do lote termina "
                "(situação atual: {status}).")
NO_APPEALS = "Este lote não tem recursos de glosa."
# dm_debitoCreditoTipo of each withholding.
TAX_KIND = {Tax.IRRF: "01", Tax.ISS: "02", Tax.PIS: "04", Tax.COFINS: "05", Tax.CSLL: "06"}
ZERO = Decimal("0.00")
ENCERRADO = BATCH_STATUS[BatchStatus.ENCERRADO_SEM_PAGAMENTO].tiss_code


def party_of(operator: Operator, provider: Provider) -> ReceiptParty:
    return ReceiptParty(registro_ans=operator.registro_ans, provider_code=provider.code)


def appeal_protocol_number(first_appeal_id: int, created_at: datetime) -> str:
    """nrProtocoloRecursoGlosa: 'R' + year (2 digits, Brasília) + the first appeal's id, 12 characters."""
    return f"R{clock.brasilia_date(clock.as_utc(created_at)):%y}{first_appeal_id:09d}"[:12]


def _id(value: object) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return 0
    return number if 0 < number < 2**63 else 0


def _statement(db: Session, provider: Provider, number: str) -> Statement:
    operator = db.get(Operator, provider.operator_id)
    return Statement(party=party_of(operator, provider), operator_name=operator.name, operator_cnpj=operator.cnpj,
                     number=number, issued_at=clock.local_now(), cnes=provider.cnes or NO_CNES)


def items_by_guide(db: Session, batch_id: int) -> dict[int, list[BatchItem]]:
    """Each guide's items in billing order: an item's sequencialItem is its position here (1-based)."""
    items: dict[int, list[BatchItem]] = defaultdict(list)
    for item in db.exec(select(BatchItem).join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
                        .where(BatchGuide.batch_id == batch_id).order_by(BatchItem.id)):
        items[item.batch_guide_id].append(item)
    return items


def applied_glosas(db: Session, batch_id: int) -> dict[int, list[Glosa]]:
    glosas: dict[int, list[Glosa]] = defaultdict(list)
    for glosa in db.exec(select(Glosa).where(Glosa.batch_id == batch_id, Glosa.status == GlosaStatus.APLICADA)
                         .order_by(Glosa.id)):
        glosas[glosa.batch_item_id].append(glosa)
    return glosas


def _local_date(moment: datetime) -> date:
    return clock.brasilia_date(clock.as_utc(moment))


# --- DEMONSTRATIVO_ANALISE_CONTA -------------------------------------------------------------------


def analysed_protocol(db: Session, batch: Batch) -> AnalysedProtocol:
    """The batch as the analysis left it: each item informado, its applied glosa, liberado."""
    status = BATCH_STATUS[batch.status].tiss_code
    items = items_by_guide(db, batch.id)
    glosas = applied_glosas(db, batch.id)
    guides = []
    for batch_guide, guide, _name, card in batch_guides(db, batch.id):
        lines = tuple(
            AnalysedItem(sequence=n, performed_on=batch_guide.performed_on, table=item.table_code, code=item.code,
                         description=item.description, quantity=item.quantity, informed=item.total_value,
                         glosas=tuple(GlosaLine(g.reason_code, g.value) for g in glosas.get(item.id, [])))
            for n, item in enumerate(items[batch_guide.id], start=1))
        analysed = AnalysedGuide(provider_guide_number=guide.provider_guide_number, card_number=card,
                                 started_on=batch_guide.performed_on, status=status, items=lines,
                                 operator_guide_number=guide.operator_guide_number or None,
                                 password=guide.authorization_password or None)
        if analysed.released == 0:  # nothing of the guide is paid, whatever the batch's state
            analysed = replace(analysed, status=ENCERRADO)
        guides.append(analysed)
    return AnalysedProtocol(lot_number=batch.lot_number, protocol_number=batch.protocol_number,
                            protocol_date=_local_date(batch.received_at), status=status, guides=tuple(guides))


def analysis_statement(db: Session, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    """DEMONSTRATIVO_ANALISE_CONTA of an analysed batch (liberado, encerrado sem pagamento or pago)."""
    batch = visible_batch(db, actor, _id(batch_id))
    if batch.status not in ANALYSED:
        raise DomainError(NOT_ANALYSED.format(status=BATCH_STATUS.label(batch.status)))
    provider = db.get(Provider, batch.provider_id)
    data = build_analysis_statement(_statement(db, provider, batch.protocol_number), [analysed_protocol(db, batch)])
    audit.record(db, actor, "file.download", "batch", batch.id,
                 f"demonstrativo de análise de conta do protocolo {batch.protocol_number}",
                 provider_id=batch.provider_id)
    return f"demonstrativo-analise-{batch.protocol_number}.xml", data


# --- DEMONSTRATIVO_PAGAMENTO -----------------------------------------------------------------------


def _bank_code(bank: str) -> str | None:
    """banco is st_texto4: the bank's number ('001 - Banco do Brasil' → '001')."""
    text = (bank or "").strip()
    digits = text[: len(text) - len(text.lstrip("0123456789"))]
    return (digits or text)[:4] or None


def _rate(rate) -> str:
    return format(rate.normalize(), "f").replace(".", ",")


def _paid_batch(db: Session, batch_id: int) -> PaidProtocol:
    batch = db.get(Batch, batch_id)
    glosas = applied_glosas(db, batch.id)
    items = items_by_guide(db, batch.id)
    guides = []
    for batch_guide, guide, _name, _card in batch_guides(db, batch.id):
        glosa = sum((g.value for item in items[batch_guide.id] for g in glosas.get(item.id, [])), ZERO)
        guides.append(PaidGuide(provider_guide_number=guide.provider_guide_number, processed=batch_guide.total_value,
                                released=batch_guide.total_value - glosa, glosa=glosa,
                                operator_guide_number=guide.operator_guide_number or None,
                                password=guide.authorization_password or None))
    return PaidProtocol(protocol_date=_local_date(batch.received_at), protocol_number=batch.protocol_number,
                        lot_number=batch.lot_number, informed=batch.total_value, guides=tuple(guides))


def _paid_appeals(db: Session, rows: list[AppealRow]) -> list[PaidProtocol]:
    """Accepted appeals paid here, one protocol per appealed batch, guides with tipoPagamento 2.

    Nothing new was billed (informado 0): what the appeal released is both processado and liberado,
    so the statement's liberado is approved + appeals, as the payment's base."""
    by_batch: dict[int, dict[int, list[AppealRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_batch[row.batch_id][row.batch_guide_id].append(row)
    protocols = []
    for batch_id, guides in by_batch.items():
        batch = db.get(Batch, batch_id)
        numbers = {bg.id: guide for bg, guide, _n, _c in batch_guides(db, batch_id)}
        paid = []
        for batch_guide_id, appealed in guides.items():
            value = sum((row.accepted_value or ZERO for row in appealed), ZERO)
            guide = numbers[batch_guide_id]
            paid.append(PaidGuide(provider_guide_number=guide.provider_guide_number, processed=value, released=value,
                                  kind=APPEAL, operator_guide_number=guide.operator_guide_number or None,
                                  password=guide.authorization_password or None))
        protocols.append(PaidProtocol(protocol_date=_local_date(batch.received_at),
                                      protocol_number=batch.protocol_number, lot_number=batch.lot_number,
                                      informed=ZERO, guides=tuple(paid)))
    return protocols


def payment_data(db: Session, view: payments.PaymentView) -> PaymentStatementData:
    deductions = tuple(
        Deduction(kind=TAX_KIND[line.tax], value=line.value,
                  description=f"{TAX[line.tax].short_label} {_rate(line.rate_percent)}% sobre {fmt.money(line.base)}")
        for line in view.withholdings if line.value > 0)  # a line of R$ 0,00 was not withheld
    protocols = [_paid_batch(db, batch.id) for batch in view.batches] + _paid_appeals(db, view.appeals)
    return PaymentStatementData(paid_on=view.paid_on, protocols=tuple(protocols), deductions=deductions,
                                bank=_bank_code(view.bank), agency=view.agency.strip()[:7] or None,
                                account=view.account.strip()[:20] or None)


def payment_statement(db: Session, actor: Actor, payment_id: int) -> tuple[str, bytes]:
    """DEMONSTRATIVO_PAGAMENTO of a payment: staff any, a provider its own (another's is not found)."""
    view = payments.payment_detail(db, actor, _id(payment_id))
    provider = db.get(Provider, view.provider_id)
    data = build_payment_statement(_statement(db, provider, view.number), payment_data(db, view))
    audit.record(db, actor, "file.download", "payment", view.id, f"demonstrativo de pagamento {view.number}",
                 provider_id=view.provider_id)
    return f"demonstrativo-pagamento-{view.number}.xml", data


# --- RECURSO_GLOSA and RECEBIMENTO_RECURSO_GLOSA ---------------------------------------------------


def appealed_guides(db: Session, batch: Batch, rows: list[AppealRow]) -> tuple[AppealedGuide, ...]:
    """The appeals as TISS lists them: per guide (billing order), each contested item with its position."""
    items = items_by_guide(db, batch.id)
    by_item = {row.batch_item_id: row for row in rows}
    guides = []
    for batch_guide, guide, _name, _card in batch_guides(db, batch.id):
        lines = tuple(
            AppealedItem(sequence=n, performed_on=batch_guide.performed_on, table=item.table_code, code=item.code,
                         description=item.description, glosa_code=by_item[item.id].reason_code,
                         value=by_item[item.id].contested_value, justification=by_item[item.id].justification)
            for n, item in enumerate(items[batch_guide.id], start=1) if item.id in by_item)
        if lines:
            guides.append(AppealedGuide(provider_guide_number=guide.provider_guide_number, items=lines,
                                        operator_guide_number=guide.operator_guide_number or None,
                                        password=guide.authorization_password or None))
    return tuple(guides)


def _batch_appeals(db: Session, actor: Actor, batch_id: int) -> tuple[Batch, Provider, Operator, list[AppealRow]]:
    batch = visible_batch(db, actor, _id(batch_id))
    rows = appeal_rows(db, [Appeal.batch_id == batch.id])
    if not rows:
        raise NotFound(NO_APPEALS)
    provider = db.get(Provider, batch.provider_id)
    return batch, provider, db.get(Operator, provider.operator_id), rows


def appeal_message(db: Session, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    """RECURSO_GLOSA (provider → operator) of every appeal of the batch, with its justification and value."""
    batch, provider, operator, rows = _batch_appeals(db, actor, batch_id)
    first = min(rows, key=lambda row: (row.created_at, row.id))
    sent_at = clock.as_utc(first.created_at).astimezone(clock.BRASILIA)
    spec = AppealSpec(party=party_of(operator, provider), operator_name=operator.name,
                      provider_appeal_number=f"R{batch.protocol_number}"[:20], lot_number=batch.lot_number,
                      protocol_number=batch.protocol_number, appealed_on=sent_at.date(),
                      sent_at=sent_at.replace(tzinfo=None), guides=appealed_guides(db, batch, rows))
    data = build_appeal(spec)
    audit.record(db, actor, "file.download", "batch", batch.id,
                 f"recurso de glosa do protocolo {batch.protocol_number}", provider_id=batch.provider_id)
    return f"recurso-glosa-{batch.protocol_number}.xml", data


def appeal_receipt(db: Session, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    """RECEBIMENTO_RECURSO_GLOSA (operator → provider): the receipt of the batch's appeals."""
    batch, provider, operator, rows = _batch_appeals(db, actor, batch_id)
    first = min(rows, key=lambda row: (row.created_at, row.id))
    last = max(clock.as_utc(row.created_at) for row in rows).astimezone(clock.BRASILIA)
    spec = AppealReceiptSpec(
        party=party_of(operator, provider), appeal_protocol_number=appeal_protocol_number(first.id, first.created_at),
        sent_on=_local_date(first.created_at), received_on=last.date(), lot_number=batch.lot_number,
        appealed_protocol_number=batch.protocol_number, received_at=last.replace(tzinfo=None),
        guides=appealed_guides(db, batch, rows))
    data = build_appeal_receipt(spec)
    audit.record(db, actor, "file.download", "batch", batch.id,
                 f"recebimento do recurso de glosa do protocolo {batch.protocol_number}", provider_id=batch.provider_id)
    return f"recebimento-recurso-{batch.protocol_number}.xml", data


__all__ = [
    "NOT_ANALYSED", "NO_APPEALS", "analysed_protocol", "analysis_statement",
    "appeal_message", "appeal_protocol_number", "appeal_receipt", "appealed_guides", "applied_glosas",
    "items_by_guide", "party_of", "payment_data",
    "payment_statement",
]
