"""Contracted fees, materials and medications (TUSS 18, 19, 20) the provider may add when billing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, true
from sqlmodel import Session, select

from copass_app.models import CatalogItem
from copass_app.services.errors import DomainError
from copass_app.text import clean_input, escape_like, fold
from copass_app.vocabulary import EXTRA_ITEM_TABLE

# TUSS tables a provider may add to a guide on "Faturamento de atendimentos".
EXTRA_TABLES = tuple(term.value for term in EXTRA_ITEM_TABLE)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class CatalogHit:
    id: int
    table_code: str
    code: str
    name: str
    unit: str
    price: Decimal


def require_extra_table(table_code: str) -> str:
    code = (table_code or "").strip()
    if code not in EXTRA_TABLES:
        raise DomainError("Escolha a tabela 18 (taxas), 19 (materiais) ou 20 (medicamentos).")
    return code


def search(db: Session, table_code: str, term: str, *, limit: int = DEFAULT_LIMIT) -> list[CatalogHit]:
    """Items of one table whose code starts with `term` or whose name holds every word of it."""
    table_code = require_extra_table(table_code)
    term = clean_input(term or "").strip()
    if not term:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    code_match = CatalogItem.code.like(f"{escape_like(term)}%", escape="\\")
    words = fold(term).split()
    name_match = [CatalogItem.name_search.like(f"%{escape_like(word)}%", escape="\\") for word in words]
    query = (
        select(CatalogItem)
        .where(CatalogItem.table_code == table_code)
        .where(code_match | and_(true(), *name_match))
        # Code hits first: someone who types a code wants that item, not a name that happens to contain it.
        .order_by(case((code_match, 0), else_=1), CatalogItem.name_search, CatalogItem.code)
        .limit(limit)
    )
    return [
        CatalogHit(id=item.id, table_code=item.table_code, code=item.code, name=item.name, unit=item.unit,
                   price=item.price)
        for item in db.exec(query)
    ]

