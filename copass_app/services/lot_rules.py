"""Check 6 of an XML lot: the business rules that need the database.

Runs after checks 1–5 (copass_app.tiss.validation) passed, and collects every problem with its
TISS code (tabela 38), naming the guide, so the provider can fix the whole file at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import Batch, Beneficiary, BilledItem, Guide, GuideItem, Operator, Provider
from copass_app.tiss import codes
from copass_app.tiss.model import LotIssue, LotValidation, ParsedGuide, ParsedItem
from copass_app.vocabulary import GUIDE_STATUS, SITUATION_OF_STATUS, GuideSituation


@dataclass
class MatchedGuide:
    """A guide of the file tied to the provider's guide in the database."""

    guide: Guide
    parsed: ParsedGuide
    performed_on: date
    claims: list[tuple[GuideItem, ParsedItem]] = field(default_factory=list)
    extras: list[ParsedItem] = field(default_factory=list)


@dataclass
class LotCheck:
    issues: list[LotIssue]
    matches: list[MatchedGuide]


def _issue(guide: ParsedGuide | None, code: str, message: str, *, line: int | None = None,
           path: str | None = None) -> LotIssue:
    if guide is None:
        return LotIssue(message=message, code=code, line=line, path=path)
    return LotIssue(message=f"{guide.label}: {message}", code=code, line=line or guide.line, path=path or guide.path,
                    guide_number=guide.provider_guide_number)


def _sender_issues(provider: Provider, lot: LotValidation) -> list[LotIssue]:
    sent_by = lot.sender_code or lot.sender_cnpj or lot.sender_cpf
    if sent_by in (provider.code, provider.document):
        return []
    return [_issue(None, codes.INVALID_PROVIDER,
                   f"O remetente do arquivo ({sent_by or 'não informado'}) não é o prestador logado "
                   f"({provider.code} · {provider.name}).")]


def _header_issues(db: Session, provider: Provider, operator: Operator, lot: LotValidation) -> list[LotIssue]:
    issues = _sender_issues(provider, lot)
    if lot.destination_ans != operator.registro_ans:
        issues.append(_issue(None, codes.INVALID_OPERATOR,
                             f"O registro ANS de destino ({lot.destination_ans or 'não informado'}) não é o da "
                             f"operadora {operator.name} ({operator.registro_ans})."))
    used = db.exec(select(Batch.protocol_number).where(
        Batch.provider_id == provider.id, Batch.lot_number == (lot.lot_number or ""))).first()
    if used:
        issues.append(_issue(None, codes.IDENTIFIER_REPEATED,
                             f"O número de lote {lot.lot_number} já foi usado (protocolo {used}). "
                             "Gere o arquivo com um novo número de lote."))
    return issues


@dataclass
class _Known:
    """The provider's guides a lot names, loaded in a few queries instead of several per guide."""

    by_provider_number: dict[str, Guide]
    by_operator_number: dict[str, Guide]
    cards: dict[int, str]
    items: dict[int, list[GuideItem]]
    billed: set[int]

    def find(self, parsed: ParsedGuide) -> Guide | None:
        return (self.by_provider_number.get(parsed.provider_guide_number or "")
                or self.by_operator_number.get(parsed.operator_guide_number or ""))


def _load_known(db: Session, provider: Provider, lot: LotValidation) -> _Known:
    provider_numbers = {g.provider_guide_number for g in lot.guides if g.provider_guide_number}
    operator_numbers = {g.operator_guide_number for g in lot.guides if g.operator_guide_number}
    rows = db.exec(
        select(Guide, Beneficiary.card_number)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(Guide.provider_id == provider.id,
               or_(Guide.provider_guide_number.in_(provider_numbers),
                   Guide.operator_guide_number.in_(operator_numbers)))
    ).all()
    guides = [guide for guide, _ in rows]
    items: dict[int, list[GuideItem]] = {guide.id: [] for guide in guides}
    for item in db.exec(select(GuideItem).where(GuideItem.guide_id.in_(list(items))).order_by(GuideItem.id)):
        items[item.guide_id].append(item)
    item_ids = [item.id for group in items.values() for item in group]
    billed = set(db.exec(select(BilledItem.guide_item_id).where(BilledItem.guide_item_id.in_(item_ids))))
    return _Known(
        by_provider_number={g.provider_guide_number: g for g in guides},
        by_operator_number={g.operator_guide_number: g for g in guides if g.operator_guide_number},
        cards={guide.id: card for guide, card in rows},
        items=items,
        billed=billed,
    )


def _date_issues(parsed: ParsedGuide, guide: Guide, today: date) -> list[LotIssue]:
    issues = []
    for performed in sorted(set(parsed.performed_dates)):
        shown = performed.strftime("%d/%m/%Y")
        if performed > today:
            issues.append(_issue(parsed, codes.INVALID_DATE, f"data de realização {shown} no futuro."))
        elif guide.authorized_on and performed < guide.authorized_on:
            issues.append(_issue(parsed, codes.BEFORE_AUTHORIZATION,
                                 f"realizada em {shown}, antes da autorização ({guide.authorized_on:%d/%m/%Y})."))
        elif guide.valid_until and performed > guide.valid_until:
            issues.append(_issue(parsed, codes.GUIDE_EXPIRED,
                                 f"realizada em {shown}, após a validade da guia ({guide.valid_until:%d/%m/%Y})."))
    return issues


def _match_items(known: _Known, parsed: ParsedGuide, guide: Guide, match: MatchedGuide) -> list[LotIssue]:
    guide_items = known.items[guide.id]
    free = [item for item in guide_items if item.id not in known.billed]
    issues = []
    for parsed_item in parsed.items:
        same_code = [item for item in guide_items if item.code == parsed_item.code
                     and item.table_code == (parsed_item.table or item.table_code)]
        available = [item for item in free if item in same_code]
        where = dict(line=parsed_item.line, path=parsed_item.path)
        if available:
            item = available[0]
            free.remove(item)
            if parsed_item.quantity is not None and parsed_item.quantity > item.authorized_qty:
                issues.append(_issue(parsed, codes.ABOVE_AUTHORIZED,
                                     f"item {parsed_item.code} cobrado em quantidade "
                                     f"{fmt.quantity(parsed_item.quantity)}, "
                                     f"acima da autorizada ({fmt.quantity(item.authorized_qty)}).", **where))
            match.claims.append((item, parsed_item))
        elif same_code:
            description = parsed_item.description or same_code[0].description
            named = f"{parsed_item.code} ({description})" if description else parsed_item.code
            issues.append(_issue(parsed, codes.DUPLICATE_BILLING, f"item {named} já foi faturado.", **where))
        elif parsed_item.table == "22" or parsed_item.table is None:
            issues.append(_issue(parsed, codes.PROCEDURE_NOT_AUTHORIZED,
                                 f"procedimento {parsed_item.code} não consta da autorização da guia.", **where))
        else:
            match.extras.append(parsed_item)  # taxas, materiais e medicamentos added by the provider
    return issues


def _guide_issues(known: _Known, parsed: ParsedGuide, today: date) -> tuple[list[LotIssue], MatchedGuide | None]:
    guide = known.find(parsed)
    if guide is None:
        # Another provider's guide is reported exactly like a missing one.
        return [_issue(parsed, codes.INVALID_GUIDE, "guia não encontrada entre as guias do prestador.")], None
    if SITUATION_OF_STATUS[guide.status] != GuideSituation.AUTORIZADA:
        return [_issue(parsed, codes.NOT_AUTHORIZED,
                       f"guia não autorizada (situação: {GUIDE_STATUS.label(guide.status)}).")], None
    issues = []
    card = known.cards[guide.id]
    if parsed.card_number and parsed.card_number != card:
        issues.append(_issue(parsed, codes.BENEFICIARY_MISMATCH,
                             f"carteira {parsed.card_number} diferente da carteira da guia autorizada."))
    issues += _date_issues(parsed, guide, today)
    performed_on = max(parsed.performed_dates) if parsed.performed_dates else (guide.performed_on or today)
    match = MatchedGuide(guide=guide, parsed=parsed, performed_on=performed_on)
    issues += _match_items(known, parsed, guide, match)
    return issues, match


def check_lot(db: Session, provider: Provider, lot: LotValidation, *, today: date | None = None) -> LotCheck:
    """Every problem of the lot against the database; "today" is the Brasília date (the clock's)."""
    today = today or clock.today()
    operator = db.get(Operator, provider.operator_id)
    issues = _header_issues(db, provider, operator, lot)
    matches: list[MatchedGuide] = []
    known = _load_known(db, provider, lot)
    seen: set[str] = set()
    for parsed in lot.guides:
        number = parsed.provider_guide_number or ""
        if number in seen:
            issues.append(_issue(parsed, codes.GUIDE_ALREADY_SENT, "guia repetida no mesmo arquivo."))
            continue
        seen.add(number)
        guide_issues, match = _guide_issues(known, parsed, today)
        issues += guide_issues
        if match is not None:
            matches.append(match)
    return LotCheck(issues=issues, matches=matches)
