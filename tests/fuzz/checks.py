"""The invariants every hostile input must keep, shared by the property tests, the replay of
saved regressions and scripts/fuzz.py. Each check raises AssertionError (or the unexpected
exception itself) when an input breaks the portal."""

from __future__ import annotations

import json
import tracemalloc
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from copass_app.services import catalog, typed_input
from copass_app.services.access import Actor
from copass_app.services.batch_queries import BatchFilters
from copass_app.services.batches import list_batches
from copass_app.services.errors import DomainError
from copass_app.services.guides import GuideFilters, list_guides
from copass_app.services.lot_rules import LotCheck, check_lot
from copass_app.tiss import codes
from copass_app.tiss.model import LotIssue, LotValidation
from copass_app.tiss.validation import validate_lot
from tests.fuzz.strategies import LEAK_MARKER

FIELD = "Campo Sob Teste"
MAX_PEAK_BYTES = 50_000_000
TISS_CODES = set(codes.RAISED)
RULES_TOLERATED = {codes.GUIDE_TOTAL_MISMATCH}


# --- typed input ------------------------------------------------------------------------------

def _refusal_is_portuguese(exc: DomainError) -> None:
    message = str(exc)
    assert message and FIELD in message, f"a recusa não nomeia o campo: {message!r}"


def check_typed_input(value: object) -> None:
    """Each parser returns a value within its documented bounds or refuses with a DomainError."""
    parsers = {
        "money": typed_input.parse_money, "quantity": typed_input.parse_quantity,
        "date": typed_input.parse_date, "optional_date": typed_input.parse_optional_date,
        "competence": typed_input.parse_competence,
    }
    for name, parse in parsers.items():
        if isinstance(value, bool | float) and name in ("money", "quantity"):
            continue  # a programming error by contract (TypeError), never something a person typed
        try:
            parsed = parse(value, FIELD)
        except DomainError as exc:
            _refusal_is_portuguese(exc)
            continue
        _within_bounds(name, parsed)


def _within_bounds(name: str, parsed: object) -> None:
    if name == "money":
        assert isinstance(parsed, Decimal) and 0 <= parsed <= typed_input.MAX_MONEY, parsed
        assert parsed.as_tuple().exponent == -typed_input.MONEY_PLACES, parsed
    elif name == "quantity":
        assert isinstance(parsed, Decimal) and 0 < parsed <= typed_input.MAX_QUANTITY, parsed
        assert parsed.as_tuple().exponent >= -typed_input.QUANTITY_PLACES, parsed
    elif name in ("date", "optional_date"):
        assert parsed is None or (isinstance(parsed, date)
                                  and typed_input.MIN_YEAR <= parsed.year <= typed_input.MAX_YEAR), parsed
    else:
        assert isinstance(parsed, str) and typed_input.COMPETENCE_PATTERN.fullmatch(parsed), parsed
        assert typed_input.MIN_YEAR <= int(parsed[:4]) <= typed_input.MAX_YEAR, parsed
        typed_input.competence_month(parsed)


# --- search fields ----------------------------------------------------------------------------

@dataclass
class SearchWorld:
    """A few real rows to search, and the provider who owns them."""

    db: Session
    actor: Actor


SEARCH_FIELDS = {
    "guides.beneficiary": lambda db, actor, term: list_guides(db, actor, GuideFilters(beneficiary=term)),
    "guides.guide_number": lambda db, actor, term: list_guides(db, actor, GuideFilters(guide_number=term)),
    "guides.dates": lambda db, actor, term: list_guides(db, actor, GuideFilters(date_from=term, date_to=term)),
    "batches.protocol": lambda db, actor, term: list_batches(db, actor, BatchFilters(protocol=term)),
    "batches.competence": lambda db, actor, term: list_batches(db, actor, BatchFilters(competence=term)),
    "batches.dates": lambda db, actor, term: list_batches(db, actor, BatchFilters(date_from=term, date_to=term)),
    "batches.status": lambda db, actor, term: list_batches(db, actor, BatchFilters(status=term)),
    "batches.origin": lambda db, actor, term: list_batches(db, actor, BatchFilters(origin=term)),
}
# Fields with a known, unfixed defect (none now: the guide number goes through text.clean_input).
OPEN_DEFECTS: set[str] = set()


def check_search(world: SearchWorld, term: str, fields: set[str] | None = None) -> None:
    """Search and filter fields take any text: rows, or a DomainError; wildcards match literally."""
    db, actor = world.db, world.actor
    names = fields if fields is not None else set(SEARCH_FIELDS) - OPEN_DEFECTS
    for name in sorted(names):
        try:
            SEARCH_FIELDS[name](db, actor, term)
        except DomainError as exc:
            assert str(exc), "recusa sem mensagem"
        finally:
            db.rollback()  # a failed statement must not poison the next one
    for table in catalog.EXTRA_TABLES:
        try:
            hits = catalog.search(db, table, term)
        except DomainError:
            continue
        finally:
            db.rollback()
        _hits_match_literally(term, hits)


def _hits_match_literally(term: str, hits: list[catalog.CatalogHit]) -> None:
    """'%' or '_' typed in the search box is a character, not a wildcard."""
    from copass_app.text import clean_input, fold

    wanted = clean_input(term).strip()
    words = fold(wanted).split()
    for hit in hits:
        by_code = hit.code.startswith(wanted)
        by_name = all(word in fold(hit.name) for word in words)
        assert by_code or by_name, f"{hit.code} {hit.name!r} não corresponde a {term!r}"


# --- XML pipeline -----------------------------------------------------------------------------

def _issue_is_sound(issue: LotIssue) -> None:
    assert isinstance(issue, LotIssue), issue
    assert issue.code in TISS_CODES, f"código fora da tabela 38 do portal: {issue.code!r} ({issue.message})"
    assert isinstance(issue.message, str) and issue.message.strip(), issue
    assert issue.line is None or isinstance(issue.line, int)


def _no_leak(*texts: str | None) -> None:
    for text in texts:
        assert LEAK_MARKER not in (text or ""), "o conteúdo de um arquivo do servidor apareceu na resposta"


def check_xml(data: bytes, *, max_bytes: int | None = None) -> LotValidation:
    """validate_lot returns a LotValidation (valid, or with coded issues) for any bytes."""
    result = validate_lot(data, filename="fuzz.xml", max_bytes=max_bytes)
    assert isinstance(result, LotValidation)
    assert result.valid == (not result.errors)
    for issue in result.errors:
        _issue_is_sound(issue)
        _no_leak(issue.message, issue.detail, issue.path, issue.guide_number)
    shown = json.dumps(result.to_dict(), ensure_ascii=False)
    _no_leak(shown, result.lot_number, result.sender_code, result.transaction, result.version)
    assert result.md5 == "" or len(result.md5) == 32
    for guide in result.guides:  # what check 6 and the batch writer read
        _no_leak(guide.provider_guide_number, guide.card_number, guide.authorization_password)
        assert guide.items_total is not None
    return result


def check_xml_memory(data: bytes, limit: int = MAX_PEAK_BYTES) -> int:
    """Peak Python memory while validating (libxml2's own allocations are not traced: see the RSS test)."""
    tracemalloc.start()
    try:
        check_xml(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit, f"pico de {peak} bytes para uma entrada de {len(data)} bytes"
    return peak


# --- lot rules ------------------------------------------------------------------------------

@dataclass
class RulesWorld:
    db: Session
    provider: object
    lot: bytes  # a valid lot of the provider's own guides, the base of the mutations


def check_rules(world: RulesWorld, data: bytes) -> LotCheck | None:
    """check_lot on a schema-valid lot gives LotIssues with TISS codes, never an exception.

    A guide total that no longer adds up (5042, after a repeated or dropped item) is still a
    schema-valid lot, so check 6 runs on it too."""
    lot = validate_lot(data, filename="fuzz.xml")
    if not lot.readable or any(issue.code not in RULES_TOLERATED for issue in lot.errors):
        return None
    try:
        result = check_lot(world.db, world.provider, lot)
    finally:
        world.db.rollback()
    for issue in result.issues:
        _issue_is_sound(issue)
    return result
