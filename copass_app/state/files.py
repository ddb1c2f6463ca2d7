"""Downloads of providers' files. Every file comes from a service that checks the owner; nothing is
served from a public folder, and every download leaves an audit row (who, which file, which record)
in the same unit of work that read the file."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from copass_app.routes import Audience
from copass_app.services import audit, batches, lot_export, xml_lots
from copass_app.services.access import Actor
from copass_app.state.auth import call_service, record_id

# kind: (service returning (file name, bytes), MIME type, audited entity, what the audit row calls it).
# The entity is None when the service itself writes the download's audit row (the XML lot's files).
FETCHERS = {
    "error_report": (xml_lots.error_report_pdf, "application/pdf", None, "relatório de erros (PDF)"),
    "original": (xml_lots.original_file, "application/xml", None, "arquivo XML enviado"),
    "receipt": (xml_lots.protocol_receipt_xml, "application/xml", None, "protocolo de recebimento (XML)"),
    "protocol": (batches.protocol_pdf, "application/pdf", "batch", "protocolo (PDF)"),
    "batch_xml": (lot_export.batch_xml, "application/xml", None, "XML TISS do lote"),
}

Fetch = Callable[[Session, Actor], tuple[str, bytes]]


async def download(state: rx.State, fetch: Fetch, *, mime_type: str, entity: str | None, entity_id: object,
                   what: str, audience: Audience | None = Audience.PROVIDER):
    """Send the file `fetch(db, actor)` returns, audited as a download of `what` of record `entity`/`entity_id`
    (`entity` None: the service already audits it)."""

    def audited(db: Session, actor: Actor) -> tuple[str, bytes]:
        filename, data = fetch(db, actor)
        if entity is not None:
            audit.record(db, actor, "file.download", entity, entity_id, f"Download: {what} · {filename}")
        return filename, data

    found, event = await call_service(state, audited, audience=audience)
    if found is None:
        return event
    filename, data = found
    return rx.download(data=data, filename=filename, mime_type=mime_type)


async def download_file(state: rx.State, kind: str, record: str):
    if kind not in FETCHERS:
        return rx.toast.error("Arquivo não encontrado.")
    fetch, mime_type, entity, what = FETCHERS[kind]

    def fetch_record(db: Session, actor: Actor) -> tuple[str, bytes]:
        return fetch(db, actor, record_id(record))

    return await download(state, fetch_record, mime_type=mime_type, entity=entity, entity_id=str(record).strip(),
                          what=what)
