""""Recursos de glosa" (Acompanhamento › Recursos de glosa): the provider's appeals with their status, the
operator's decision, the accepted value and the payment that paid it; filtered by status, paged."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from copass_app import formatting
from copass_app.models import AppealStatus
from copass_app.services import appeal_lots, statements, xml_lots
from copass_app.services import appeals as appeal_service
from copass_app.state.auth import call_service, record_id
from copass_app.state.files import download
from copass_app.state.money_rows import AppealLine, appeal_line
from copass_app.state.paging import PagedState, filter_value, set_paging
from copass_app.state.uploads import ErrorGroup, group_errors
from copass_app.tiss.parsing import max_xml_bytes
from copass_app.vocabulary import APPEAL_STATUS

APPEAL_UPLOAD_ID = "appeal-xml-upload"


@dataclass
class StatusCount:
    status: str = ""  # APPEAL_STATUS value
    label: str = ""
    count: int = 0


@dataclass
class AppealUploadView:
    shown: bool = False
    accepted: bool = False
    file_name: str = ""
    md5: str = ""
    batch_id: int = 0
    protocol: str = ""  # the appealed batch's protocol
    appeal_protocol: str = ""  # nrProtocoloRecursoGlosa of the operator's receipt
    opened: int = 0
    total: str = ""
    error_count: int = 0


def upload_view(outcome: appeal_lots.AppealUploadOutcome) -> AppealUploadView:
    return AppealUploadView(True, outcome.accepted, outcome.file_name, outcome.md5, outcome.batch_id or 0,
                            outcome.protocol_number, outcome.appeal_protocol_number, len(outcome.appeals_opened),
                            formatting.money(outcome.total), len(outcome.errors))


class ProviderAppealsState(PagedState, rx.State):
    rows: list[AppealLine] = []
    status: str = ""  # "" = every status
    counts: list[StatusCount] = []
    uploading: bool = False
    upload: AppealUploadView = AppealUploadView()
    upload_errors: list[ErrorGroup] = []
    _reply: bytes = b""  # RECEBIMENTO_RECURSO_GLOSA of the last file sent (its receipt or its errors)

    async def _reload(self):
        status, page = self.status, self.page

        def action(db, actor):
            found = appeal_service.provider_appeals(db, actor, appeal_service.AppealFilters(status=status or None),
                                                    page=page)
            counts = [StatusCount(str(term.value), term.short_label, found.counts.get(str(term.value), 0))
                      for term in APPEAL_STATUS]
            return [appeal_line(row) for row in found.rows], counts, (found.total, found.page, found.page_count)

        found, event = await call_service(self, action)
        if found is None:
            return event
        self.rows, self.counts, paging = found
        set_paging(self, paging)
        return None

    @rx.event
    async def on_load(self):
        self.page, self.uploading = 1, False
        self.upload, self.upload_errors, self._reply = AppealUploadView(), [], b""
        return await self._reload()

    # ---- a RECURSO_GLOSA XML instead of typing the appeals --------------------------------------------
    @rx.event
    def start_sending(self):
        self.uploading = True

    @rx.event
    async def handle_appeal_upload(self, files: list[rx.UploadFile]):
        try:
            return await self._receive(files)
        finally:
            self.uploading = False

    async def _receive(self, files):
        upload = files[0] if isinstance(files, list) and files and hasattr(files[0], "file") else None
        if upload is None:
            return rx.toast.error("Escolha o arquivo XML do recurso de glosa.")
        name = str(upload.name or "recurso.xml")
        if not name.lower().endswith(".xml"):
            return rx.toast.error("Envie um arquivo com extensão .xml (RECURSO_GLOSA TISS).")
        limit = max_xml_bytes()
        if (upload.size or 0) > limit:
            return rx.toast.error(formatting.size_over_limit(upload.size or 0, limit))
        data = await asyncio.to_thread(upload.file.read, limit + 1)
        if len(data) > limit:
            return rx.toast.error(formatting.size_over_limit(len(data), limit))
        # Always an outcome: a refused file is the trace its TracedRefusal wrote.
        outcome, event = await call_service(self, lambda db, actor: appeal_lots.receive_appeal_xml(
            db, actor, name, data))
        if outcome is None:
            return event
        self.upload = upload_view(outcome)
        self.upload_errors = group_errors([xml_lots.issue_record(issue) for issue in outcome.errors])
        self._reply = outcome.response_xml
        reload_event = await self._reload()
        if not outcome.accepted:
            return rx.toast.error(f"Recurso recusado com {len(outcome.errors)} erro(s); nenhuma glosa foi recorrida.")
        return reload_event or rx.toast.success(
            f"Recurso recebido: {len(outcome.appeals_opened)} glosa(s) recorrida(s), aguardando análise.")

    @rx.event
    async def download_reply(self):
        """The operator's reply to the file just sent (kept by this tab), after the session check."""
        reply, name = self._reply, f"resposta-recurso-{self.upload.md5[:8] or 'xml'}.xml"
        _, event = await call_service(self, lambda db, actor: None)
        if event is not None:
            return event
        if not reply:
            return rx.toast.error("Envie um arquivo de recurso primeiro.")
        return rx.download(data=reply, filename=name, mime_type="application/xml")

    @rx.event
    async def download_appeal(self, batch_id: str):
        """RECURSO_GLOSA of a batch's appeals (the service checks the owner and audits the download)."""
        return await download(self, lambda db, actor: statements.appeal_message(db, actor, record_id(batch_id)),
                              mime_type="application/xml", entity=None, entity_id=str(batch_id),
                              what="recurso de glosa (XML)")

    @rx.event
    async def filter_status(self, status: str | list[str]):
        value = filter_value(status)
        if value and value not in {str(s) for s in AppealStatus}:
            return rx.toast.error("Situação de recurso desconhecida.")
        self.status = value
        self.page = 1
        return await self._reload()
