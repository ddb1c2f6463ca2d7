"""The provider's guides ("Procedimentos solicitados"): list with filters, counts and detail."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_
from sqlmodel import Session, select

from copass_app.models import (
    Beneficiary,
    Guide,
    GuideItem,
    GuideStatus,
    GuideStatusHistory,
    GuideType,
)
from copass_app.services import paging
from copass_app.services.access import Actor, require_provider
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.paging import Page
from copass_app.services.typed_input import parse_optional_date
from copass_app.text import clean_input, escape_like, fold
from copass_app.vocabulary import GUIDE_SITUATION, SITUATION_OF_STATUS, STATUSES_OF_SITUATION, GuideSituation

PAGE_SIZE = paging.PAGE_SIZE

SORTABLE = {
    "requested_on": Guide.requested_on,
    "performed_on": Guide.performed_on,
    "guide_number": Guide.provider_guide_number,
    "beneficiary": Beneficiary.name_search,
    "total": Guide.total_value,
    "status": Guide.status,
}


@dataclass(frozen=True)
class GuideFilters:
    status_group: str | None = None  # a GuideSituation value
    date_from: date | str | None = None  # requested on or after; text as typed is accepted
    date_to: date | str | None = None
    beneficiary: str = ""
    guide_number: str = ""


@dataclass(frozen=True)
class GuideRow:
    id: int
    guide_type: GuideType
    provider_guide_number: str
    operator_guide_number: str
    beneficiary_name: str
    card_number: str
    requested_on: date
    performed_on: date | None
    status: GuideStatus
    total_value: Decimal

    @property
    def situation(self) -> GuideSituation:
        return SITUATION_OF_STATUS[self.status]


def _filtered(query, provider_id: int, filters: GuideFilters, *, with_status: bool = True):
    query = query.where(Guide.provider_id == provider_id)
    if with_status and filters.status_group:
        query = query.where(Guide.status.in_(STATUSES_OF_SITUATION[GuideSituation(filters.status_group)]))
    if filters.date_from:
        query = query.where(Guide.requested_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Guide.requested_on <= filters.date_to)
    if clean_input(filters.guide_number).strip():
        number = clean_input(filters.guide_number).strip()
        query = query.where(
            or_(Guide.provider_guide_number == number, Guide.operator_guide_number == number)
        )
    if clean_input(filters.beneficiary).strip():
        term = clean_input(filters.beneficiary).strip()
        digits = "".join(ch for ch in term if ch.isdigit())
        if digits and len(digits) == len(term.replace(" ", "")):
            query = query.where(Beneficiary.card_number.like(f"{escape_like(digits)}%", escape="\\"))
        else:
            query = query.where(
                Beneficiary.name_search.like(f"%{escape_like(fold(term))}%", escape="\\")
            )
    return query


def _checked(filters: GuideFilters) -> GuideFilters:
    """The filters with their dates parsed by the one parser, refused with a Portuguese message."""
    if filters.status_group and filters.status_group not in GUIDE_SITUATION:
        raise DomainError("Situação de guia desconhecida.")
    checked = replace(filters, date_from=parse_optional_date(filters.date_from, "Data inicial"),
                      date_to=parse_optional_date(filters.date_to, "Data final"))
    if checked.date_from and checked.date_to and checked.date_from > checked.date_to:
        raise DomainError("A data inicial do período é posterior à data final.")
    return checked


def list_guides(
    db: Session,
    actor: Actor,
    filters: GuideFilters = GuideFilters(),
    *,
    page: object = 1,
    page_size: object = PAGE_SIZE,
    sort: str = "requested_on",
    descending: bool = True,
) -> Page[GuideRow]:
    provider_id = require_provider(actor)
    filters = _checked(filters)
    needs_beneficiary = bool(clean_input(filters.beneficiary).strip())

    counts_query = select(Guide.status, func.count()).select_from(Guide)
    if needs_beneficiary:
        counts_query = counts_query.join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
    counts_query = _filtered(counts_query, provider_id, filters, with_status=False).group_by(Guide.status)
    counts = {str(situation): 0 for situation in GuideSituation}
    for status, count in db.exec(counts_query):
        counts[str(SITUATION_OF_STATUS[GuideStatus(status)])] += count
    total = sum(
        count for situation, count in counts.items() if not filters.status_group or situation == filters.status_group
    )

    order_column = SORTABLE.get(sort, Guide.requested_on)
    ordering = (order_column.desc(), Guide.id.desc()) if descending else (order_column.asc(), Guide.id.asc())
    # Plain columns, not Guide entities: a page is read on every click of the list.
    rows_query = (
        select(Guide.id, Guide.guide_type, Guide.provider_guide_number, Guide.operator_guide_number,
               Beneficiary.name, Beneficiary.card_number, Guide.requested_on, Guide.performed_on, Guide.status,
               Guide.total_value)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
    )
    rows_query = _filtered(rows_query, provider_id, filters).order_by(*ordering)
    page, page_size, offset = paging.clamp(page, page_size, total)
    rows_query = rows_query.offset(offset).limit(page_size)
    rows = [GuideRow(*row) for row in db.exec(rows_query)]
    return Page(rows=rows, total=total, page=page, page_size=page_size, counts=counts)


@dataclass(frozen=True)
class GuideDetail:
    guide: Guide
    beneficiary: Beneficiary
    items: list[GuideItem]
    history: list[GuideStatusHistory]


def get_guide(db: Session, actor: Actor, guide_id: int) -> GuideDetail:
    """One guide of the actor's provider; another provider's guide is reported as not found."""
    provider_id = require_provider(actor)
    guide = db.get(Guide, guide_id)
    if guide is None or guide.provider_id != provider_id:
        raise NotFound("Guia não encontrada.")
    beneficiary = db.get(Beneficiary, guide.beneficiary_id)
    items = list(db.exec(select(GuideItem).where(GuideItem.guide_id == guide.id).order_by(GuideItem.id)))
    history = list(
        db.exec(
            select(GuideStatusHistory)
            .where(GuideStatusHistory.guide_id == guide.id)
            .order_by(GuideStatusHistory.changed_at, GuideStatusHistory.id)
        )
    )
    return GuideDetail(guide=guide, beneficiary=beneficiary, items=items, history=history)
