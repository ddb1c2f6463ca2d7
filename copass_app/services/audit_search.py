"""The staff's search of the audit trail: by provider, user (login), record, action and period, newest
first, one page at a time in SQL. Providers never read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import AuditLog, Provider, User
from copass_app.services.access import Actor, require_staff
from copass_app.services.errors import DomainError
from copass_app.services.paging import PAGE_SIZE, Page, clamp
from copass_app.services.typed_input import parse_optional_date

ACTION_GROUP_SUFFIX = "."  # an action filter ending in "." takes the whole group ("login." = every login event)


@dataclass(frozen=True)
class AuditFilters:
    """What staff type; empty means no filter. Dates as typed (DD/MM/AAAA or ISO), in Brasília days."""

    provider: str = ""  # code or part of the name
    login: str = ""
    entity: str = ""
    entity_id: str = ""
    action: str = ""
    date_from: str = ""
    date_to: str = ""


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    login: str
    user_name: str
    provider_code: str
    provider_name: str
    action: str
    entity: str
    entity_id: str
    detail: str
    source: str


def search(db: Session, actor: Actor, filters: AuditFilters, page: object = 1,
           page_size: object = PAGE_SIZE) -> Page[AuditRow]:
    require_staff(actor)
    conditions = _conditions(filters)
    total = db.exec(select(func.count()).select_from(AuditLog)
                    .outerjoin(Provider, Provider.id == AuditLog.provider_id).where(*conditions)).one()
    number, size, offset = clamp(page, page_size, total)
    rows = db.exec(
        select(AuditLog, User.name, Provider.code, Provider.name)
        .outerjoin(User, User.id == AuditLog.user_id)
        .outerjoin(Provider, Provider.id == AuditLog.provider_id)
        .where(*conditions)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .offset(offset).limit(size)
    ).all()
    return Page([_row(log, user_name, code, name) for log, user_name, code, name in rows], total, number, size)


def _row(log: AuditLog, user_name: str | None, code: str | None, name: str | None) -> AuditRow:
    return AuditRow(log.id, clock.as_utc(log.at), log.login, user_name or "", code or "", name or "", log.action,
                    log.entity, log.entity_id, log.detail, log.source)


def _conditions(filters: AuditFilters) -> list:
    conditions = []
    provider = " ".join(filters.provider.split()).lower()
    if provider:
        conditions.append(or_(Provider.code == provider, func.lower(Provider.name).contains(provider, autoescape=True)))
    if filters.login.strip():
        conditions.append(AuditLog.login == filters.login.strip().lower())
    if filters.entity.strip():
        conditions.append(AuditLog.entity == filters.entity.strip())
    if filters.entity_id.strip():
        conditions.append(AuditLog.entity_id == filters.entity_id.strip())
    action = filters.action.strip()
    if action.endswith(ACTION_GROUP_SUFFIX):
        conditions.append(AuditLog.action.startswith(action, autoescape=True))
    elif action:
        conditions.append(AuditLog.action == action)
    start = parse_optional_date(filters.date_from, "Período de")
    end = parse_optional_date(filters.date_to, "Período até")
    if start and end and start > end:
        raise DomainError("O início do período é posterior ao fim.")
    if start:
        conditions.append(AuditLog.at >= clock.brasilia_midnight(start))
    if end:
        conditions.append(AuditLog.at < clock.brasilia_midnight(end + timedelta(days=1)))
    return conditions
