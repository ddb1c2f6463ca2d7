""""Envio de arquivo XML", the history of files sent ("Acompanhamento › Envios") and the API tokens."""

from __future__ import annotations

import asyncio

import reflex as rx

from copass_app import formatting
from copass_app.db import session_scope
from copass_app.services import api_tokens, xml_lots
from copass_app.state.auth import actor_or_redirect, call_service, record_id
from copass_app.state.files import download_file
from copass_app.state.paging import PagedState
from copass_app.tiss import codes
from copass_app.tiss.parsing import max_xml_bytes

UPLOAD_ID = "xml-upload"


def group_errors(errors: list[dict]) -> list[dict]:
    """Errors of the file first, then one group per guide, as the provider fixes them."""
    groups: dict[str, list[dict[str, str]]] = {}
    for error in errors:
        title = f"Guia {error['guide_number']}" if error.get("guide_number") else "Erros gerais do arquivo"
        groups.setdefault(title, []).append({
            "code": error.get("code") or "—",
            "description": codes.describe(error["code"]) if error.get("code") else "",
            "line": str(error.get("line") or "—"),
            "path": error.get("path") or "",
            "message": error["message"],
        })
    general = groups.pop("Erros gerais do arquivo", None)
    ordered = ([{"title": "Erros gerais do arquivo", "errors": general}] if general else [])
    return ordered + [{"title": title, "errors": items} for title, items in groups.items()]


class UploadState(rx.State):
    progress: int = 0
    uploading: bool = False
    result: dict[str, str] = {}
    error_groups: list[dict] = []

    @rx.event
    async def on_load(self):
        self.result, self.error_groups, self.progress, self.uploading = {}, [], 0, False
        _, redirect = await actor_or_redirect(self)
        return redirect

    @rx.event
    def on_progress(self, progress: dict):
        fraction = progress.get("progress", 0) or 0
        self.progress = round(fraction * 100)
        self.uploading = fraction < 1

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        self.uploading = False
        actor, redirect = await actor_or_redirect(self)
        if redirect:
            return redirect
        if not files:
            return rx.toast.error("Escolha um arquivo .xml.")
        upload = files[0]
        name = upload.name or "arquivo.xml"
        if not name.lower().endswith(".xml"):
            return rx.toast.error("Envie um arquivo com extensão .xml (lote TISS).")
        limit = max_xml_bytes()
        # The browser's size check can be bypassed: the server refuses on the spooled size, unread.
        data = b"" if (upload.size or 0) > limit else upload.file.read(limit + 1)
        if (upload.size or 0) > limit or len(data) > limit:
            return rx.toast.error(f"Arquivo de {formatting.file_size(upload.size or len(data))} excede o limite de "
                                  f"{limit // 1_000_000} MB.")
        # Parsing and validating take a few dozen ms: keep the event loop free for other users.
        outcome = await asyncio.to_thread(xml_lots.receive_lot, actor, name, data)
        self.uploading = False
        self.result = {
            "upload_id": str(outcome.upload_id),
            "accepted": "1" if outcome.accepted else "",
            "file_name": outcome.file_name,
            "md5": outcome.md5,
            "protocol": outcome.protocol_number or "",
            "batch_id": str(outcome.batch_id or ""),
            "guides": str(outcome.guide_count),
            "error_count": str(len(outcome.errors)),
        }
        self.error_groups = group_errors([xml_lots.issue_record(issue) for issue in outcome.errors])
        if outcome.accepted:
            return rx.toast.success(f"Lote aceito: protocolo {outcome.protocol_number}.")
        return rx.toast.error(f"Arquivo recusado com {len(outcome.errors)} erro(s).")

    @rx.event
    async def download(self, kind: str, record_id: str):
        return await download_file(self, kind, record_id)


class UploadHistoryState(PagedState, rx.State):
    rows: list[dict[str, str]] = []
    errors_open: bool = False
    errors_title: str = ""
    error_groups: list[dict] = []

    async def _reload(self):
        actor, redirect = await actor_or_redirect(self)
        if redirect:
            return redirect
        with session_scope() as db:
            result = xml_lots.list_uploads(db, actor, page=self.page)
        self.rows = [
            {
                "id": str(r.id),
                "file_name": r.file_name,
                "size": formatting.file_size(r.size_bytes).split(" (")[0],
                "received_at": formatting.datetime_br(r.received_at),
                "user": r.user_login if r.via == "WEB" else f"{r.user_login} (API)",
                "md5": r.md5,
                "md5_short": f"{r.md5[:8]}…",
                "result": "Aceito" if r.accepted else "Recusado",
                "accepted": "1" if r.accepted else "",
                "errors": str(r.error_count),
                "protocol": r.protocol_number or "",
                "batch_id": str(r.batch_id or ""),
            }
            for r in result.rows
        ]
        self.total, self.page, self.page_count = result.total, result.page, result.page_count
        return None

    @rx.event
    async def on_load(self):
        self.page, self.errors_open = 1, False
        return await self._reload()

    @rx.event
    async def show_errors(self, upload_id: str, file_name: str):
        errors, event = await call_service(self, lambda db, actor: xml_lots.upload_errors(db, actor, record_id(upload_id)))
        if errors is None:
            return event
        self.errors_title = file_name
        self.error_groups = group_errors(errors)
        self.errors_open = True
        return None

    @rx.event
    def set_errors_open(self, value: bool):
        self.errors_open = value

    @rx.event
    async def download(self, kind: str, record_id: str):
        return await download_file(self, kind, record_id)


class ApiTokensState(rx.State):
    tokens: list[dict[str, str]] = []
    new_token: str = ""

    async def _reload(self):
        actor, redirect = await actor_or_redirect(self)
        if redirect:
            return redirect
        with session_scope() as db:
            tokens = api_tokens.list_tokens(db, actor)
        self.tokens = [
            {
                "id": str(t.id),
                "name": t.name,
                "created_at": formatting.datetime_br(t.created_at),
                "last_used_at": formatting.datetime_br(t.last_used_at) if t.last_used_at else "nunca",
                "revoked": formatting.datetime_br(t.revoked_at) if t.revoked_at else "",
            }
            for t in tokens
        ]
        return None

    @rx.event
    async def on_load(self):
        self.new_token = ""
        return await self._reload()

    @rx.event
    async def create(self, form: dict):
        name = str(form.get("name", ""))
        created, event = await call_service(self, lambda db, actor: api_tokens.create_token(db, actor, name))
        if created is None:
            return event
        self.new_token = created.token
        return await self._reload()

    @rx.event
    async def revoke(self, token_id: str):
        _, event = await call_service(self, lambda db, actor: api_tokens.revoke_token(db, actor, record_id(token_id)))
        if event is not None:
            return event
        await self._reload()
        return rx.toast.success("Token revogado: sistemas que o usam deixam de ser aceitos.")
