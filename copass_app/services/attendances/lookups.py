"""Look-ups for the form: the provider's beneficiaries by card or name, TUSS 22 procedures by code or name."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, select

from copass_app.models import (
    Beneficiary,
    CatalogItem,
    Guide,
    Provider,
)
from copass_app.services.access import Actor, require_provider
from copass_app.services.attendances.checks import as_text, contract_prices, tuss_terms
from copass_app.services.attendances.forms import SEARCH_LIMIT, BeneficiaryHit, ProcedureHit
from copass_app.services.critique.context import (
    PROCEDURE_TABLE,
)
from copass_app.text import escape_like, fold

# --- look-ups for the form --------------------------------------------------------------------------


def find_beneficiaries(db: Session, actor: Actor, term: str, *, limit: int = SEARCH_LIMIT) -> list[BeneficiaryHit]:
    """By card number (the card the patient shows: any beneficiary of the operator, the whole number only)
    or by name words (only beneficiaries this provider already attended): a provider cannot browse the
    operator's list of patients, by name or by the start of a card number."""
    provider_id = require_provider(actor)
    provider = db.get(Provider, provider_id)
    term = as_text(term)
    if not term:
        return []
    limit = max(1, min(int(limit), 100))
    digits = term.replace(" ", "").replace(".", "").replace("-", "")
    if digits.isdigit():
        query = select(Beneficiary).where(Beneficiary.operator_id == provider.operator_id,
                                          Beneficiary.card_number == digits)
    else:
        words = fold(term).split()
        attended = select(Guide.beneficiary_id).where(Guide.provider_id == provider_id).distinct()
        query = select(Beneficiary).where(
            Beneficiary.operator_id == provider.operator_id, Beneficiary.id.in_(attended),
            *[Beneficiary.name_search.like(f"%{escape_like(word)}%", escape="\\") for word in words])
    rows = db.exec(query.order_by(Beneficiary.name_search, Beneficiary.card_number).limit(limit)).all()
    return [BeneficiaryHit(b.id, b.card_number, b.name, b.birth_date) for b in rows]


def search_procedures(db: Session, actor: Actor, term: str, *, limit: int = SEARCH_LIMIT) -> list[ProcedureHit]:
    """TUSS 22 procedures in force whose code starts with the term or whose name has every word of it,
    codes first; the contracted price where the operator's catalog has one."""
    require_provider(actor)
    term = as_text(term)
    if not term:
        return []
    limit = max(1, min(int(limit), 100))
    words = fold(term).split()
    by_code = [t for t in tuss_terms() if t.code.startswith(term)]
    by_name = [t for t in tuss_terms() if not t.code.startswith(term)
               and all(word in _folded(t.name) for word in words)] if not term.isdigit() else []
    picked = (by_code + by_name)[:limit]
    catalog = db.exec(select(CatalogItem).where(
        CatalogItem.table_code == PROCEDURE_TABLE,
        or_(CatalogItem.code.like(f"{escape_like(term)}%", escape="\\"),
            *[CatalogItem.name_search.like(f"%{escape_like(w)}%", escape="\\") for w in words[:1]]),
    ).limit(limit)).all()
    prices = contract_prices(db, {t.code for t in picked} | {c.code for c in catalog})
    hits = {t.code: ProcedureHit(t.code, t.name, prices.get(t.code)) for t in picked}
    for item in catalog:  # the operator's own procedures not in the TUSS file
        if item.code not in hits and (item.code.startswith(term) or all(w in item.name_search for w in words)):
            hits[item.code] = ProcedureHit(item.code, item.name, item.price)
    return sorted(hits.values(), key=lambda h: (not h.code.startswith(term), _folded(h.name), h.code))[:limit]


_FOLDED: dict[str, str] = {}


def _folded(name: str) -> str:
    folded = _FOLDED.get(name)
    if folded is None:
        folded = _FOLDED[name] = fold(name)
    return folded
