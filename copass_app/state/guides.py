""""Procedimentos solicitados": one page of the provider's guides, its filters and a guide's detail."""

from __future__ import annotations

from datetime import date

import reflex as rx

from copass_app import formatting
from copass_app.db import session_scope
from copass_app.services import guides as guide_service
from copass_app.services.errors import DomainError
from copass_app.state.auth import actor_or_redirect, call_service, record_id
from copass_app.state.paging import PagedState


def _parse_iso(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def guide_row_view(row: guide_service.GuideRow) -> dict[str, str]:
    """What one table row shows, already formatted in pt-BR."""
    return {
        "id": str(row.id),
        "type": guide_service.GUIDE_TYPE_LABELS[row.guide_type],
        "number": row.provider_guide_number,
        "operator_number": row.operator_guide_number,
        "beneficiary": row.beneficiary_name,
        "card": row.card_number,
        "requested_on": formatting.date_br(row.requested_on),
        "performed_on": formatting.date_br(row.performed_on) if row.performed_on else "—",
        "status_group": row.status_group,
        "status": guide_service.STATUS_GROUP_LABELS[row.status_group],
        "total": formatting.money(row.total_value),
    }


class GuidesState(PagedState, rx.State):
    rows: list[dict[str, str]] = []
    counts: dict[str, int] = {}
    status_group: str = ""
    date_from: str = ""
    date_to: str = ""
    beneficiary: str = ""
    guide_number: str = ""
    sort: str = "requested_on"
    descending: bool = True
    error: str = ""
    loading: bool = False

    detail_open: bool = False
    detail: dict[str, str] = {}
    detail_items: list[dict[str, str]] = []
    detail_history: list[dict[str, str]] = []

    async def _reload(self):
        actor, redirect = await actor_or_redirect(self)
        if redirect:
            return redirect
        try:
            filters = guide_service.GuideFilters(
                status_group=self.status_group or None,
                date_from=_parse_iso(self.date_from),
                date_to=_parse_iso(self.date_to),
                beneficiary=self.beneficiary,
                guide_number=self.guide_number,
            )
            with session_scope() as db:
                result = guide_service.list_guides(
                    db, actor, filters, page=self.page, sort=self.sort, descending=self.descending
                )
        except ValueError:
            self.error = "Data inválida no período."
            return None
        except DomainError as error:
            self.error = error.message
            return None
        self.error = ""
        self.rows = [guide_row_view(row) for row in result.rows]
        self.counts = result.counts
        self.total = result.total
        self.page = result.page
        self.page_count = result.page_count
        return None

    @rx.event
    async def on_load(self):
        self.detail_open = False
        status = self.router.url.query_parameters.get("situacao", "")
        self.status_group = status if status in guide_service.STATUS_GROUPS else ""
        self.page = 1
        return await self._reload()

    @rx.event
    async def filter_status(self, group: str):
        self.status_group = "" if group == self.status_group else group
        self.page = 1
        return await self._reload()

    @rx.event
    async def apply_filters(self, form: dict):
        self.date_from = str(form.get("date_from", ""))
        self.date_to = str(form.get("date_to", ""))
        self.beneficiary = str(form.get("beneficiary", "")).strip()
        self.guide_number = str(form.get("guide_number", "")).strip()
        self.page = 1
        return await self._reload()

    @rx.event
    async def clear_filters(self):
        self.status_group = self.date_from = self.date_to = self.beneficiary = self.guide_number = ""
        self.page = 1
        return await self._reload()

    @rx.event
    async def sort_by(self, column: str):
        if column not in guide_service.SORTABLE:
            return None
        self.descending = not self.descending if self.sort == column else True
        self.sort = column
        return await self._reload()

    @rx.event
    async def open_guide(self, guide_id: str):
        detail, event = await call_service(self, lambda db, actor: guide_service.get_guide(db, actor, record_id(guide_id)))
        if detail is None:
            return event
        guide, beneficiary = detail.guide, detail.beneficiary
        group = guide_service.GROUP_OF_STATUS[guide.status]
        self.detail = {
            "number": guide.provider_guide_number,
            "operator_number": guide.operator_guide_number or "—",
            "type": guide_service.GUIDE_TYPE_LABELS[guide.guide_type],
            "beneficiary": beneficiary.name,
            "card": beneficiary.card_number,
            "status": guide_service.STATUS_GROUP_LABELS[group],
            "status_group": group,
            "tiss_status": guide_service.TISS_STATUS_LABELS[guide.status],
            "password": guide.authorization_password or "—",
            "requested_on": formatting.date_br(guide.requested_on),
            "authorized_on": formatting.date_br(guide.authorized_on) if guide.authorized_on else "—",
            "performed_on": formatting.date_br(guide.performed_on) if guide.performed_on else "—",
            "valid_until": formatting.date_br(guide.valid_until) if guide.valid_until else "—",
            "total": formatting.money(guide.total_value),
        }
        self.detail_items = [
            {
                "table": item.table_code,
                "code": item.code,
                "description": item.description,
                "authorized_qty": formatting.quantity(item.authorized_qty),
                "performed_qty": formatting.quantity(item.performed_qty),
                "unit_value": formatting.money(item.unit_value),
                "total": formatting.money(item.unit_value * item.authorized_qty),
            }
            for item in detail.items
        ]
        self.detail_history = [
            {
                "at": formatting.datetime_br(entry.changed_at),
                "status": guide_service.TISS_STATUS_LABELS[entry.status],
                "note": entry.note,
            }
            for entry in detail.history
        ]
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = value
