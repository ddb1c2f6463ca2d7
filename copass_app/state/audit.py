"""The staff's audit page: filters typed on the page, one page of rows from `audit_search` (refused in the
service for anyone but staff)."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from copass_app import formatting
from copass_app.routes import Audience
from copass_app.services import audit_search
from copass_app.services.audit_search import AuditFilters, AuditRow
from copass_app.state.paging import PagedState, filter_value

# What each audited action means, for the filter and the table ("login." takes every login event).
ACTION_LABELS: dict[str, str] = {
    "login.": "Acessos (todos)",
    "login.success": "Acesso ao portal",
    "login.failure": "Tentativa de acesso sem sucesso",
    "login.lockout": "Conta bloqueada",
    "login.address_blocked": "Endereço bloqueado por tentativas",
    "logout": "Saída do portal",
    "password.change": "Senha alterada",
    "password.change_refused": "Alteração de senha recusada",
    "api_token.create": "Token de API criado",
    "api_token.revoke": "Token de API revogado",
    "api.unauthorized": "API: token recusado",
    "api.rate_limited": "API: limite de envios por minuto",
    "file.download": "Download de arquivo",
    "file.purge": "Arquivo expurgado",
    "xml.accept": "Lote XML aceito",
    "xml.refuse": "Lote XML recusado",
    "batch.create": "Lote criado",
}
ACTION_OPTIONS = list(ACTION_LABELS.items())


@dataclass
class AuditLine:
    at: str = ""
    who: str = ""
    provider: str = ""
    action: str = ""
    record: str = ""
    detail: str = ""
    source: str = ""


def audit_line(row: AuditRow) -> AuditLine:
    who = f"{row.user_name} ({row.login})" if row.user_name else row.login or "—"
    provider = f"{row.provider_code} · {row.provider_name}" if row.provider_code else "—"
    record = f"{row.entity} {row.entity_id}".strip()
    return AuditLine(formatting.datetime_br(row.at), who, provider, ACTION_LABELS.get(row.action, row.action),
                     record, row.detail, row.source or "—")


class AuditState(PagedState, rx.State):
    rows: list[AuditLine] = []
    provider: str = ""
    login: str = ""
    entity: str = ""
    entity_id: str = ""
    action: str = ""
    date_from: str = ""
    date_to: str = ""

    async def _reload(self):
        filters = AuditFilters(self.provider, self.login, self.entity, self.entity_id, self.action,
                               self.date_from, self.date_to)
        page = self.page
        return await self._show_page(lambda db, actor: audit_search.search(db, actor, filters, page=page),
                                     audit_line, audience=Audience.STAFF)

    @rx.event
    async def on_load(self):
        self.page = 1
        return await self._reload()

    @rx.event
    async def apply_filters(self, form: dict):
        self.provider = str(form.get("provider", "")).strip()
        self.login = str(form.get("login", "")).strip()
        self.entity = str(form.get("entity", "")).strip()
        self.entity_id = str(form.get("entity_id", "")).strip()
        self.action = filter_value(form.get("action"))
        self.date_from = str(form.get("date_from", "")).strip()
        self.date_to = str(form.get("date_to", "")).strip()
        self.page = 1
        return await self._reload()
