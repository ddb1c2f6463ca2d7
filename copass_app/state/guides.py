""""Procedimentos solicitados": one page of the provider's guides, its filters and a guide's detail."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from copass_app import formatting
from copass_app.services import guides as guide_service
from copass_app.services.errors import DomainError
from copass_app.services.typed_input import parse_optional_date
from copass_app.state.auth import call_service, record_id
from copass_app.state.paging import PagedState, set_paging
from copass_app.vocabulary import GUIDE_SITUATION, GUIDE_STATUS, GUIDE_TYPE, SITUATION_OF_STATUS


def _date(value) -> str:
    return formatting.date_br(value) if value else "—"


@dataclass
class GuideLine:
    """One row of the guides table, already formatted in pt-BR."""

    id: int = 0
    guide_type: str = ""
    number: str = ""
    operator_number: str = ""
    beneficiary: str = ""
    card: str = ""
    requested_on: str = ""
    performed_on: str = "—"
    situation: str = ""  # GUIDE_SITUATION value
    total: str = ""


def guide_line(row: guide_service.GuideRow) -> GuideLine:
    return GuideLine(
        id=row.id,
        guide_type=GUIDE_TYPE.label(row.guide_type),
        number=row.provider_guide_number,
        operator_number=row.operator_guide_number,
        beneficiary=row.beneficiary_name,
        card=row.card_number,
        requested_on=formatting.date_br(row.requested_on),
        performed_on=_date(row.performed_on),
        situation=str(SITUATION_OF_STATUS[row.status]),
        total=formatting.money(row.total_value),
    )


@dataclass
class GuideItemLine:
    table: str = ""
    code: str = ""
    description: str = ""
    authorized_qty: str = ""
    performed_qty: str = ""
    unit_value: str = ""
    total: str = ""


@dataclass
class HistoryEntry:
    at: str = ""
    status: str = ""
    note: str = ""


@dataclass
class GuideDetailView:
    number: str = ""
    operator_number: str = "—"
    guide_type: str = ""
    beneficiary: str = ""
    card: str = ""
    situation: str = ""  # GUIDE_SITUATION value
    tiss_status: str = ""
    password: str = "—"
    requested_on: str = ""
    authorized_on: str = "—"
    performed_on: str = "—"
    valid_until: str = "—"
    total: str = ""
    lines: list[GuideItemLine] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)


def guide_detail_view(detail: guide_service.GuideDetail) -> GuideDetailView:
    guide = detail.guide
    return GuideDetailView(
        number=guide.provider_guide_number,
        operator_number=guide.operator_guide_number or "—",
        guide_type=GUIDE_TYPE.label(guide.guide_type),
        beneficiary=detail.beneficiary.name,
        card=detail.beneficiary.card_number,
        situation=str(SITUATION_OF_STATUS[guide.status]),
        tiss_status=GUIDE_STATUS.label(guide.status),
        password=guide.authorization_password or "—",
        requested_on=formatting.date_br(guide.requested_on),
        authorized_on=_date(guide.authorized_on),
        performed_on=_date(guide.performed_on),
        valid_until=_date(guide.valid_until),
        total=formatting.money(guide.total_value),
        lines=[GuideItemLine(item.table_code, item.code, item.description, formatting.quantity(item.authorized_qty),
                             formatting.quantity(item.performed_qty), formatting.money(item.unit_value),
                             formatting.money(item.unit_value * item.authorized_qty)) for item in detail.items],
        history=[HistoryEntry(formatting.datetime_br(entry.changed_at), GUIDE_STATUS.label(entry.status), entry.note)
                 for entry in detail.history],
    )


class GuidesState(PagedState, rx.State):
    rows: list[GuideLine] = []
    counts: dict[str, int] = {}
    status_group: str = ""
    date_from: str = ""
    date_to: str = ""
    beneficiary: str = ""
    guide_number: str = ""
    sort: str = "requested_on"
    descending: bool = True
    error: str = ""

    detail_open: bool = False
    detail: GuideDetailView = GuideDetailView()

    async def _reload(self):
        try:
            filters = guide_service.GuideFilters(
                status_group=self.status_group or None,
                date_from=parse_optional_date(self.date_from, "Solicitadas de"),
                date_to=parse_optional_date(self.date_to, "Solicitadas até"),
                beneficiary=self.beneficiary,
                guide_number=self.guide_number,
            )
        except DomainError as error:
            self.error = error.message
            return None
        page, sort, descending = self.page, self.sort, self.descending

        def action(db, actor):
            found = guide_service.list_guides(db, actor, filters, page=page, sort=sort, descending=descending)
            paging = (found.total, found.page, found.page_count)
            return [guide_line(row) for row in found.rows], dict(found.counts), paging

        found, event = await call_service(self, action)
        if found is None:
            return event
        rows, counts, paging = found
        self.rows = rows
        # Only what changed is assigned: each assignment goes to the browser and re-renders what reads it
        # (the situation cards do not move when the page does).
        if self.error:
            self.error = ""
        if counts != self.counts:
            self.counts = counts
        set_paging(self, paging)
        return None

    @rx.event
    async def on_load(self):
        self.detail_open = False
        status = self.router.url.query_parameters.get("situacao", "")
        self.status_group = status if status in GUIDE_SITUATION else ""
        self.page = 1
        return await self._reload()

    @rx.event
    async def filter_status(self, group: str):
        self.status_group = "" if group == self.status_group or group not in GUIDE_SITUATION else group
        self.page = 1
        return await self._reload()

    @rx.event
    async def apply_filters(self, form: dict):
        self.date_from = str(form.get("date_from", "")).strip()
        self.date_to = str(form.get("date_to", "")).strip()
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
        detail, event = await call_service(
            self, lambda db, actor: guide_detail_view(guide_service.get_guide(db, actor, record_id(guide_id))))
        if detail is None:
            return event
        self.detail = detail
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)
