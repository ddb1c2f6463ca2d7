"""The read operations of the REST API for the providers' own software, and the last calls of a
provider's tokens for its *Integração (API)* page.

Each read is owner-checked here: a provider reads only its own protocols and payments, and another
provider's is answered exactly like one that does not exist (same error, same text). The figures are
the ones the TISS files carry: the analysis of a batch is `statements.analysed_protocol`, a payment is
`statements.payment_data`, so the JSON and the XML of a demonstrativo never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import ApiToken, AuditLog, Batch, BatchStatus
from copass_app.money_models import Payment
from copass_app.services import payments, statements
from copass_app.services.access import Actor, require_provider
from copass_app.services.api_tokens import CALL_ACTION
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.paging import Page
from copass_app.services.payments import PAYMENT_NOT_FOUND, PaymentRow, PaymentView
from copass_app.services.protocol_status import ANALYSED, PROTOCOL_NOT_FOUND
from copass_app.tiss import codes
from copass_app.tiss.messages.statements import AnalysedProtocol, PaymentStatementData
from copass_app.vocabulary import BATCH_STATUS

RECENT_CALLS = 50


def own_protocol(db: Session, actor: Actor, protocol_number: str) -> Batch:
    """The provider's batch of this protocol; NotFound (3291) when missing or another provider's."""
    provider_id = require_provider(actor)
    batch = db.exec(select(Batch).where(Batch.protocol_number == (protocol_number or "").strip(),
                                        Batch.provider_id == provider_id)).first()
    if batch is None:
        raise NotFound(PROTOCOL_NOT_FOUND, codes.PROTOCOL_NOT_FOUND)
    return batch


def _analysed(batch: Batch) -> Batch:
    if batch.status not in ANALYSED:
        raise DomainError(statements.NOT_ANALYSED.format(status=BATCH_STATUS.label(BatchStatus(batch.status))))
    return batch


def analysis(db: Session, actor: Actor, protocol_number: str) -> AnalysedProtocol:
    """The demonstrativo de análise de conta of a protocol, as its XML carries it."""
    return statements.analysed_protocol(db, _analysed(own_protocol(db, actor, protocol_number)))


def analysis_xml(db: Session, actor: Actor, protocol_number: str) -> tuple[str, bytes]:
    """The DEMONSTRATIVO_ANALISE_CONTA file itself (audited as a download, like on the page)."""
    return statements.analysis_statement(db, actor, _analysed(own_protocol(db, actor, protocol_number)).id)


def own_payment(db: Session, actor: Actor, number: str) -> PaymentView:
    """The provider's payment of this statement number; NotFound when missing or another provider's."""
    provider_id = require_provider(actor)
    payment_id = db.exec(select(Payment.id).where(Payment.number == (number or "").strip(),
                                                  Payment.provider_id == provider_id)).first()
    if payment_id is None:
        raise NotFound(PAYMENT_NOT_FOUND)
    return payments.payment_detail(db, actor, payment_id)


def payment(db: Session, actor: Actor, number: str) -> tuple[PaymentView, PaymentStatementData]:
    """A payment and its demonstrativo de pagamento, as its XML carries it."""
    view = own_payment(db, actor, number)
    return view, statements.payment_data(db, view)


def payment_xml(db: Session, actor: Actor, number: str) -> tuple[str, bytes]:
    return statements.payment_statement(db, actor, own_payment(db, actor, number).id)


def payment_list(db: Session, actor: Actor, page: object = 1) -> Page[PaymentRow]:
    """The provider's payments, newest first, one page at a time."""
    return payments.provider_payments(db, actor, page=page)


# --- the last calls of the provider's tokens (Integração (API)) --------------------------------


@dataclass(frozen=True)
class ApiCallView:
    at: datetime  # aware UTC
    token_id: int | None
    token_name: str
    service: str
    result: str
    source: str


def recent_calls(db: Session, actor: Actor, limit: int = RECENT_CALLS) -> list[ApiCallView]:
    """The provider's last API calls (REST and SOAP, every token of the provider), newest first."""
    provider_id = require_provider(actor)
    rows = db.exec(select(AuditLog).where(AuditLog.action == CALL_ACTION, AuditLog.entity == "api_token",
                                          AuditLog.provider_id == provider_id)
                   .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(max(1, min(int(limit), 500)))).all()
    ids = {int(r.entity_id) for r in rows if r.entity_id.isdigit()}
    names = dict(db.exec(select(ApiToken.id, ApiToken.name)
                         .where(ApiToken.id.in_(ids), ApiToken.provider_id == provider_id)).all()) if ids else {}
    views = []
    for row in rows:
        service, _, result = row.detail.partition(": ")
        token_id = int(row.entity_id) if row.entity_id.isdigit() else None
        views.append(ApiCallView(clock.as_utc(row.at), token_id, names.get(token_id, "—"), service, result,
                                 row.source))
    return views
