"""The critique's rules: plain functions `(guide, setting) -> findings`, each proposing glosas with
its TISS table 38 code. They read only the `GuideContext` (no database), so the operator's
analysis and the provider's preview judge a guide alike.

Every finding is exact to the cent and never more than its item's total. One item may get several
findings (value above contract and quantity above authorized, say): the analyst picks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from copass_app import formatting as fmt
from copass_app.dbtypes import to_money
from copass_app.services.critique.context import PROCEDURE_TABLE, GuideContext, ItemContext, ItemRef
from copass_app.vocabulary import CRITIQUE_RULE

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RuleSetting:
    """A rule as the critique applies it: on or off, and its tolerance in percent."""

    rule: str
    enabled: bool = True
    tolerance_percent: Decimal = Decimal("0")


@dataclass(frozen=True)
class Finding:
    item: ItemRef
    rule: str
    reason_code: str  # TISS table 38
    value: Decimal  # the glosa proposed, > 0 and ≤ the item's total
    message: str  # why, in Portuguese, for the analyst and the provider

    @property
    def batch_item_id(self) -> int | None:
        return self.item.batch_item_id

    @property
    def rule_label(self) -> str:
        return CRITIQUE_RULE[self.rule].short_label


def _finding(item: ItemContext, rule: str, value: Decimal, message: str) -> Finding:
    value = min(to_money(value), item.total)
    return Finding(item.ref, rule, CRITIQUE_RULE[rule].tiss_code, value, message)


def _named(item: ItemContext) -> str:
    return f"{item.code} ({item.description})" if item.description else item.code


def _percent(value: Decimal) -> str:
    return f"{fmt.quantity(value)} %"


def _above(value: Decimal, reference: Decimal, tolerance_percent: Decimal) -> bool:
    """value > reference × (1 + tolerance), in exact decimals."""
    return value * HUNDRED > reference * (HUNDRED + tolerance_percent)


# --- the rules ---------------------------------------------------------------------------------


def duplicate(guide: GuideContext, setting: RuleSetting) -> list[Finding]:
    """The same procedure for the same beneficiary on the same date, already billed: the whole item."""
    return [
        _finding(item, "duplicate", item.total,
                 f"Procedimento {_named(item)} já cobrado para o beneficiário em "
                 f"{fmt.date_br(guide.performed_on)} {item.billed_before}.")
        for item in guide.items if item.billed_before and item.total > 0
    ]


def value_above_contract(guide: GuideContext, setting: RuleSetting) -> list[Finding]:
    """Unit value above the contracted price by more than the tolerance: the glosa is the excess over the price."""
    findings = []
    for item in guide.items:
        price = item.contract_price
        if price is None or not _above(item.unit_value, price, setting.tolerance_percent):
            continue
        excess = item.total - to_money(item.quantity * price)
        if excess <= 0:
            continue
        tolerance = (f", além da tolerância de {_percent(setting.tolerance_percent)}"
                     if setting.tolerance_percent else "")
        findings.append(_finding(
            item, "value_above_contract", excess,
            f"Item {_named(item)}: valor unitário {fmt.money(item.unit_value)} acima do contratado "
            f"({fmt.money(price)}){tolerance}; glosa do excedente, {fmt.money(min(excess, item.total))}."))
    return findings


def quantity_above_authorized(guide: GuideContext, setting: RuleSetting) -> list[Finding]:
    """Quantity above the authorized one by more than the tolerance: the excess quantity × the unit value."""
    findings = []
    for item in guide.items:
        authorized = item.authorized_qty
        if not authorized or not _above(item.quantity, authorized, setting.tolerance_percent):
            continue  # an item authorized with quantity 0 is "not authorized", not "above"
        excess = item.quantity - authorized
        findings.append(_finding(
            item, "quantity_above_authorized", excess * item.unit_value,
            f"Item {_named(item)}: quantidade {fmt.quantity(item.quantity)} acima da autorizada "
            f"({fmt.quantity(authorized)}); glosa de {fmt.quantity(excess)} × {fmt.money(item.unit_value)}."))
    return findings


def outside_validity(guide: GuideContext, setting: RuleSetting) -> list[Finding]:
    """Performed after the authorization's validity: every item of the guide, whole."""
    if guide.valid_until is None or guide.performed_on <= guide.valid_until:
        return []
    message = (f"Atendimento realizado em {fmt.date_br(guide.performed_on)}, após a validade da autorização "
               f"({fmt.date_br(guide.valid_until)}).")
    return [_finding(item, "outside_validity", item.total, message) for item in guide.items if item.total > 0]


def not_authorized(guide: GuideContext, setting: RuleSetting) -> list[Finding]:
    """A procedure (TUSS 22) the guide's authorization does not name, or names with quantity 0: whole item."""
    return [
        _finding(item, "not_authorized", item.total,
                 f"Procedimento {_named(item)} não consta da autorização da guia {guide.guide_number}.")
        for item in guide.items
        if item.table_code == PROCEDURE_TABLE and item.total > 0
        and (item.table_code, item.code) not in guide.authorized_procedures
    ]


def unknown_card(guide: GuideContext, setting: RuleSetting) -> list[Finding]:
    """The beneficiary's card is not one of the operator's: every item of the guide, whole."""
    if guide.card_known:
        return []
    card = guide.card_number or "não informada"
    message = f"Carteira do beneficiário ({card}) não identificada entre os beneficiários da operadora."
    return [_finding(item, "unknown_card", item.total, message) for item in guide.items if item.total > 0]


Rule = Callable[[GuideContext, RuleSetting], list[Finding]]

# In the order of CRITIQUE_RULE (a test checks every rule of the vocabulary has its function).
RULES: dict[str, Rule] = {
    "duplicate": duplicate,
    "value_above_contract": value_above_contract,
    "quantity_above_authorized": quantity_above_authorized,
    "outside_validity": outside_validity,
    "not_authorized": not_authorized,
    "unknown_card": unknown_card,
}
# The rules whose tolerance means something (the others judge yes or no).
TOLERANT_RULES = frozenset({"value_above_contract", "quantity_above_authorized"})


def critique(guides: list[GuideContext], settings: dict[str, RuleSetting]) -> list[Finding]:
    """Every finding of the enabled rules on these guides, guide by guide, in rule order."""
    active = [(RULES[rule], setting) for rule, setting in settings.items() if setting.enabled and rule in RULES]
    # An excess that rounds to R$ 0,00 is no glosa (a glosa is > 0).
    return [finding for guide in guides for rule, setting in active for finding in rule(guide, setting)
            if finding.value > 0]


assert list(RULES) == [term.value for term in CRITIQUE_RULE], "every critique rule needs its function"
