"""Downloads of providers' files. Every file comes from a service that checks the owner;
nothing is served from a public folder."""

from __future__ import annotations

import reflex as rx

from copass_app.services import batches, xml_lots
from copass_app.state.auth import call_service, record_id

FETCHERS = {
    "error_report": (xml_lots.error_report_pdf, "application/pdf"),
    "original": (xml_lots.original_file, "application/xml"),
    "receipt": (xml_lots.protocol_receipt_xml, "application/xml"),
    "protocol": (batches.protocol_pdf, "application/pdf"),
}


async def download_file(state: rx.State, kind: str, record: str):
    if kind not in FETCHERS:
        return rx.toast.error("Arquivo não encontrado.")
    fetch, mime_type = FETCHERS[kind]
    found, event = await call_service(state, lambda db, actor: fetch(db, actor, record_id(record)))
    if found is None:
        return event
    filename, data = found
    return rx.download(data=data, filename=filename, mime_type=mime_type)
