""""Envio de arquivo XML", the history of files sent ("Acompanhamento › Envios") and Integração (API): the
API tokens, the addresses and examples for the provider's IT, the last calls of its tokens."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import reflex as rx

from copass_app import formatting
from copass_app.services import api_reads, api_tokens, integration_guide, xml_lots
from copass_app.state.auth import call_service, record_id
from copass_app.state.files import download_file
from copass_app.state.glosa_preview import BatchPreviewMixin
from copass_app.state.paging import PagedState
from copass_app.tiss import codes
from copass_app.tiss.parsing import max_xml_bytes
from copass_app.vocabulary import UPLOAD_RESULT

UPLOAD_ID = "xml-upload"
GENERAL_ERRORS = "Erros gerais do arquivo"


@dataclass
class ErrorLine:
    code: str = "—"
    description: str = ""
    line: str = "—"
    path: str = ""
    message: str = ""


@dataclass
class ErrorGroup:
    title: str = ""
    errors: list[ErrorLine] = field(default_factory=list)


def group_errors(errors: list[dict]) -> list[ErrorGroup]:
    """Errors of the file first, then one group per guide, as the provider fixes them."""
    groups: dict[str, list[ErrorLine]] = {}
    for error in errors:
        title = f"Guia {error['guide_number']}" if error.get("guide_number") else GENERAL_ERRORS
        code = error.get("code") or ""
        groups.setdefault(title, []).append(ErrorLine(
            code=code or "—", description=codes.describe(code) if code else "", line=str(error.get("line") or "—"),
            path=error.get("path") or "", message=error["message"]))
    general = groups.pop(GENERAL_ERRORS, None)
    ordered = [ErrorGroup(GENERAL_ERRORS, general)] if general else []
    return ordered + [ErrorGroup(title, lines) for title, lines in groups.items()]


@dataclass
class UploadResult:
    upload_id: int = 0
    accepted: bool = False
    file_name: str = ""
    md5: str = ""
    protocol: str = ""
    batch_id: int = 0
    guides: int = 0
    error_count: int = 0


def upload_result(outcome: xml_lots.LotOutcome) -> UploadResult:
    return UploadResult(outcome.upload_id, outcome.accepted, outcome.file_name, outcome.md5,
                        outcome.protocol_number or "", outcome.batch_id or 0, outcome.guide_count, len(outcome.errors))


class UploadState(BatchPreviewMixin, rx.State):
    progress: int = 0
    uploading: bool = False
    has_result: bool = False
    result: UploadResult = UploadResult()
    error_groups: list[ErrorGroup] = []

    @rx.event
    async def on_load(self):
        self.has_result, self.error_groups, self.progress, self.uploading = False, [], 0, False
        self._clear_preview()
        _, event = await call_service(self, lambda db, actor: None)
        return event

    @rx.event
    def on_progress(self, progress: dict):
        fraction = progress.get("progress", 0) or 0
        self.progress = round(fraction * 100)

    @rx.event
    def start_sending(self):
        """Runs before the upload: the button spins until handle_upload answers (after 100 % sent the server
        still checks the lot). A late progress event only moves the bar."""
        self.uploading, self.progress = True, 0

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        try:
            return await self._receive(files)
        finally:
            self.uploading = False

    async def _receive(self, files: list[rx.UploadFile]):
        if not files:
            return rx.toast.error("Escolha um arquivo .xml.")
        upload = files[0]
        name = upload.name or "arquivo.xml"
        if not name.lower().endswith(".xml"):
            return rx.toast.error("Envie um arquivo com extensão .xml (lote TISS).")
        limit = max_xml_bytes()
        # The browser's size check can be bypassed: the server refuses on the spooled size, unread.
        if (upload.size or 0) > limit:
            return rx.toast.error(formatting.size_over_limit(upload.size or 0, limit))
        data = await asyncio.to_thread(upload.file.read, limit + 1)
        if len(data) > limit:
            return rx.toast.error(formatting.size_over_limit(len(data), limit))

        # Always a LotOutcome: a refused lot is the trace its TracedRefusal wrote (plain data, read here).
        outcome, event = await call_service(self, lambda db, actor: xml_lots.receive_lot(db, actor, name, data))
        if outcome is None:
            return event
        self._clear_preview()  # a preview of the previous lot
        self.result = upload_result(outcome)
        self.error_groups = group_errors([xml_lots.issue_record(issue) for issue in outcome.errors])
        self.has_result = True
        if self.result.accepted:
            return rx.toast.success(f"Lote aceito: protocolo {self.result.protocol}.")
        return rx.toast.error(f"Arquivo recusado com {self.result.error_count} erro(s).")

    @rx.event
    async def download(self, kind: str, record: str):
        return await download_file(self, kind, record)


@dataclass
class UploadLine:
    id: int = 0
    file_name: str = ""
    size: str = ""
    received_at: str = ""
    user: str = ""
    md5: str = ""
    md5_short: str = ""
    result: str = ""  # UPLOAD_RESULT value
    accepted: bool = False
    errors: int = 0
    protocol: str = ""
    batch_id: int = 0
    file_purged: bool = False  # past its retention: no original to download


def upload_line(r: xml_lots.UploadRow) -> UploadLine:
    return UploadLine(
        id=r.id, file_name=r.file_name, size=formatting.file_size(r.size_bytes, exact=False),
        received_at=formatting.datetime_br(r.received_at),
        user=r.user_login if r.via == "WEB" else f"{r.user_login} (API)", md5=r.md5, md5_short=f"{r.md5[:8]}…",
        result=UPLOAD_RESULT["accepted" if r.accepted else "refused"].value, accepted=r.accepted,
        errors=r.error_count, protocol=r.protocol_number or "", batch_id=r.batch_id or 0,
        file_purged=r.file_purged)


class UploadHistoryState(PagedState, rx.State):
    rows: list[UploadLine] = []
    errors_open: bool = False
    errors_title: str = ""
    error_groups: list[ErrorGroup] = []

    async def _reload(self):
        page = self.page
        return await self._show_page(lambda db, actor: xml_lots.list_uploads(db, actor, page=page), upload_line)

    @rx.event
    async def on_load(self):
        self.page, self.errors_open = 1, False
        return await self._reload()

    @rx.event
    async def show_errors(self, upload_id: str, file_name: str):
        groups, event = await call_service(
            self, lambda db, actor: group_errors(xml_lots.upload_errors(db, actor, record_id(upload_id))))
        if groups is None:
            return event
        self.errors_title = str(file_name)
        self.error_groups = groups
        self.errors_open = True
        return None

    @rx.event
    def set_errors_open(self, value: bool):
        self.errors_open = bool(value)

    @rx.event
    async def download(self, kind: str, record: str):
        return await download_file(self, kind, record)


@dataclass
class TokenLine:
    id: int = 0
    name: str = ""
    created_at: str = ""
    last_used_at: str = "nunca"
    revoked: bool = False
    revoked_at: str = ""


def token_line(t: api_tokens.TokenView) -> TokenLine:
    return TokenLine(t.id, t.name, formatting.datetime_br(t.created_at),
                     formatting.datetime_br(t.last_used_at) if t.last_used_at else "nunca",
                     t.revoked_at is not None, formatting.datetime_br(t.revoked_at) if t.revoked_at else "")


@dataclass
class CallLine:
    at: str = ""
    token: str = ""
    service: str = ""
    result: str = ""
    refused: bool = False


def call_line(c: api_reads.ApiCallView) -> CallLine:
    return CallLine(formatting.datetime_br(c.at), c.token_name, c.service, c.result,
                    c.result.startswith(("recusado", "não encontrado", "falha", "HTTP")))


@dataclass
class ServiceLine:
    name: str = ""
    title: str = ""
    transaction: str = ""
    reply: str = ""
    url: str = ""
    wsdl: str = ""
    envelope: str = ""
    curl: str = ""
    complete: bool = False


@dataclass
class RestLine:
    method: str = ""
    path: str = ""
    title: str = ""
    curl: str = ""


@dataclass
class GuideView:
    """Integração (API): the addresses and examples, with the provider's own identifiers."""

    base_url: str = ""
    soap_base: str = ""
    openapi_url: str = ""
    provider_code: str = ""
    registro_ans: str = ""
    rest: list[RestLine] = field(default_factory=list)
    services: list[ServiceLine] = field(default_factory=list)


def guide_view(g: integration_guide.IntegrationGuide) -> GuideView:
    return GuideView(g.base_url, g.soap_base, g.openapi_url, g.provider_code, g.registro_ans,
                     [RestLine(r.method, r.path, r.title, r.curl) for r in g.rest],
                     [ServiceLine(s.name, s.title, s.transaction, s.reply, s.url, s.wsdl, s.envelope, s.curl,
                                  s.complete) for s in g.services])


def backend_url() -> str:
    """The backend's public address (rxconfig's api_url): where the providers' software calls."""
    return rx.config.get_config().api_url


class ApiTokensState(rx.State):
    tokens: list[TokenLine] = []
    new_token: str = ""
    loaded: bool = False
    calls: list[CallLine] = []
    guide: GuideView = GuideView()

    async def _reload(self, with_guide: bool = False):
        """The tokens and the recent calls (what a creation or a revocation changes); the guide on a visit.

        The guide is read once per visit: its examples carry the time they were made, and resending the
        whole guide after each revocation would cost bytes and change what the reader is copying.
        """
        base = backend_url()
        found, event = await call_service(self, lambda db, actor: (
            [token_line(t) for t in api_tokens.list_tokens(db, actor)],
            [call_line(c) for c in api_reads.recent_calls(db, actor)],
            guide_view(integration_guide.integration_guide(db, actor, base)) if with_guide else None))
        if found is None:
            return event
        self.tokens, self.calls, guide = found
        if guide is not None:
            self.guide = guide
        self.loaded = True
        return None

    @rx.event
    async def on_load(self):
        self.new_token = ""
        return await self._reload(with_guide=True)

    @rx.event
    async def create(self, form: dict):
        name = str(form.get("name", ""))
        created, event = await call_service(self, lambda db, actor: api_tokens.create_token(db, actor, name).token)
        if created is None:
            return event
        self.new_token = created
        return await self._reload()

    @rx.event
    async def revoke(self, token_id: str):
        _, event = await call_service(self, lambda db, actor: api_tokens.revoke_token(db, actor, record_id(token_id)))
        reload_event = await self._reload()
        if event is not None:
            return event
        if reload_event is not None:
            return reload_event
        return rx.toast.success("Token revogado: sistemas que o usam deixam de ser aceitos.")
