"""The critique on the operator's side: when the analysis of a batch starts, the rules' findings
become proposed glosas (PROPOSTA, source CRITICA) that wait for an analyst's decision."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import Batch, BatchStatus, Glosa, GlosaSource, GlosaStatus
from copass_app.services import audit
from copass_app.services.critique.context import batch_contexts
from copass_app.services.critique.rules import Finding, critique
from copass_app.services.critique.settings import effective_settings
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.transitions import BATCH_NOT_FOUND


def batch_findings(db: Session, batch: Batch) -> list[Finding]:
    """What the rules find on a received batch with the provider's settings as they are now."""
    return critique(batch_contexts(db, batch), effective_settings(db, batch.provider_id))


def critique_batch(db: Session, batch_id: int, *, created_by: int) -> list[Glosa]:
    """Write the findings as proposed glosas, in the caller's transaction (the start of the analysis).

    Not a service of its own: `processing.start_analysis` calls it after the move to EM_ANALISE,
    so starting the analysis and its proposals are one action."""
    batch = db.get(Batch, batch_id)
    if batch is None:
        raise NotFound(BATCH_NOT_FOUND)
    if batch.status != BatchStatus.EM_ANALISE:
        raise DomainError("A crítica automática roda quando a análise do lote começa.")
    now = clock.now()
    glosas = [
        Glosa(batch_item_id=finding.batch_item_id, batch_id=batch.id, provider_id=batch.provider_id,
              reason_code=finding.reason_code, value=finding.value, note=finding.message,
              status=GlosaStatus.PROPOSTA, source=GlosaSource.CRITICA, rule=finding.rule,
              created_by=created_by, created_at=now)
        for finding in batch_findings(db, batch)
    ]
    db.add_all(glosas)
    db.flush()
    total = sum((glosa.value for glosa in glosas), Decimal("0.00"))
    trace = audit.record(db, None, "critique.run", "batch", batch.id,
                 f"Crítica automática do lote {batch.lot_number}, protocolo {batch.protocol_number}: "
                 f"{len(glosas)} glosa(s) proposta(s), {fmt.money(total)}",
                 provider_id=batch.provider_id, at=now, login="")
    trace.user_id = created_by  # the analyst whose start of the analysis ran it
    return glosas
