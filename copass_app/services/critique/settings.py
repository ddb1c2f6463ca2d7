"""The staff's settings of the critique: each rule on or off, with its tolerance, for every
provider (the general row, provider_id NULL) or for one (which overrides the general row).

Defaults when no row exists: every rule on, tolerance 0 %. A contracted price is the price: an
excess of a cent is money the contract does not owe, and it is only a proposal an analyst
decides on. (It also agrees with Faturamento's "valor acima do contrato" mark.) Staff loosen a
rule where it proposes too much, e.g. 5 % on the value for a provider with a newer agreement.

The critique reads the settings when it runs, so a change applies to analyses started from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_
from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import CritiqueSetting, Provider, User
from copass_app.services import audit
from copass_app.services.access import Actor, require_staff
from copass_app.services.critique.rules import TOLERANT_RULES, RuleSetting
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.typed_input import parse_money
from copass_app.vocabulary import CRITIQUE_RULE

DEFAULT_TOLERANCE = Decimal("0")
MAX_TOLERANCE = Decimal("100")
TOLERANCE_FIELD = "Tolerância (%)"
GENERAL, PROVIDER, DEFAULT = "general", "provider", "default"  # where an effective setting comes from
SCOPE_LABELS = {GENERAL: "Todos os prestadores", PROVIDER: "Este prestador", DEFAULT: "Padrão do sistema"}


@dataclass(frozen=True)
class RuleSettingView:
    rule: str
    label: str
    short_label: str
    reason_code: str  # TISS table 38 code the rule proposes
    enabled: bool
    tolerance_percent: Decimal
    uses_tolerance: bool  # the value and quantity rules; the others judge yes or no
    scope: str  # GENERAL, PROVIDER or DEFAULT
    provider_id: int | None  # the provider asked about (None: the general settings)
    updated_by_name: str  # "" for the default
    updated_at: datetime | None

    @property
    def scope_label(self) -> str:
        return SCOPE_LABELS[self.scope]

    @property
    def setting(self) -> RuleSetting:
        return RuleSetting(self.rule, self.enabled, self.tolerance_percent)


def effective_settings(db: Session, provider_id: int | None) -> dict[str, RuleSetting]:
    """What the critique applies for one provider, in rule order (one query)."""
    rows = _rows(db, provider_id)
    return {term.value: _pick(rows, term.value, provider_id)[0] for term in CRITIQUE_RULE}


def rule_settings(db: Session, staff: Actor, provider_id: int | None = None) -> list[RuleSettingView]:
    """Every rule with its effective setting, for all providers or for one, and who changed it last."""
    require_staff(staff)
    if provider_id is not None:
        _require_provider(db, provider_id)
    rows = _rows(db, provider_id)
    names = _user_names(db, {row.updated_by for row in rows})
    views = []
    for term in CRITIQUE_RULE:
        setting, row, scope = _pick(rows, term.value, provider_id)
        views.append(RuleSettingView(
            rule=term.value, label=term.label, short_label=term.short_label, reason_code=term.tiss_code,
            enabled=setting.enabled, tolerance_percent=setting.tolerance_percent,
            uses_tolerance=term.value in TOLERANT_RULES, scope=scope, provider_id=provider_id,
            updated_by_name=names.get(row.updated_by, "") if row else "",
            updated_at=row.updated_at if row else None))
    return views


def set_rule(db: Session, staff: Actor, rule: str, *, provider_id: int | None = None, enabled: bool,
             tolerance_percent: object = None) -> RuleSettingView:
    """Turn a rule on or off and set its tolerance, for every provider or for one; audited with before/after.

    Without `tolerance_percent` the tolerance in effect is kept (turning a rule off does not reset it)."""
    require_staff(staff)
    if rule not in CRITIQUE_RULE:
        raise NotFound("Regra da crítica desconhecida.")
    provider = _require_provider(db, provider_id) if provider_id is not None else None
    if not isinstance(enabled, bool):
        raise DomainError("Informe se a regra fica ativa ou inativa.")
    before, row, _scope = _pick(_rows(db, provider_id), rule, provider_id)
    tolerance = before.tolerance_percent if tolerance_percent is None else parse_tolerance(tolerance_percent)
    if row is None or row.provider_id != provider_id:
        row = CritiqueSetting(rule=rule, provider_id=provider_id, updated_by=staff.user_id)
    row.enabled, row.tolerance_percent = enabled, tolerance
    row.updated_by, row.updated_at = staff.user_id, clock.now()
    db.add(row)
    db.flush()
    who = f"prestador {provider.code} · {provider.name}" if provider else "todos os prestadores"
    audit.record(db, staff, "critique.set_rule", "critique_setting", row.id,
                 f"Regra “{CRITIQUE_RULE[rule].short_label}” ({who}): "
                 f"{_describe(before)} → {_describe(RuleSetting(rule, enabled, tolerance))}",
                 provider_id=provider_id)
    return next(view for view in rule_settings(db, staff, provider_id) if view.rule == rule)


def parse_tolerance(value: object) -> Decimal:
    """'5', '5,5', '5 %' or a Decimal → percent between 0 and 100, at most two decimals."""
    if isinstance(value, str):
        value = value.replace("%", "").strip() or "0"
    tolerance = parse_money(value, TOLERANCE_FIELD)
    if tolerance > MAX_TOLERANCE:
        raise DomainError(f"{TOLERANCE_FIELD}: informe um percentual entre 0 e 100.")
    return tolerance


# --- reading the rows --------------------------------------------------------------------------


def _rows(db: Session, provider_id: int | None) -> list[CritiqueSetting]:
    scope = CritiqueSetting.provider_id.is_(None)
    if provider_id is not None:
        scope = or_(scope, CritiqueSetting.provider_id == provider_id)
    # Newest last: if two general rows ever exist (NULLs are distinct to a UNIQUE), the latest wins.
    return list(db.exec(select(CritiqueSetting).where(scope).order_by(CritiqueSetting.id)))


def _pick(rows: list[CritiqueSetting], rule: str, provider_id: int | None
          ) -> tuple[RuleSetting, CritiqueSetting | None, str]:
    """The provider's row over the general row over the default."""
    own = [row for row in rows if row.rule == rule and provider_id is not None and row.provider_id == provider_id]
    general = [row for row in rows if row.rule == rule and row.provider_id is None]
    for found, scope in ((own, PROVIDER), (general, GENERAL)):
        if found:
            row = found[-1]
            return RuleSetting(rule, bool(row.enabled), row.tolerance_percent), row, scope
    return RuleSetting(rule, True, DEFAULT_TOLERANCE), None, DEFAULT


def _describe(setting: RuleSetting) -> str:
    state = "ativa" if setting.enabled else "inativa"
    if setting.rule in TOLERANT_RULES:
        return f"{state}, tolerância {fmt.quantity(setting.tolerance_percent)} %"
    return state


def _require_provider(db: Session, provider_id: object) -> Provider:
    provider = db.get(Provider, provider_id) if isinstance(provider_id, int) else None
    if provider is None:
        raise NotFound("Prestador não encontrado.")
    return provider


def _user_names(db: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.exec(select(User.id, User.name).where(User.id.in_(user_ids))).all())
