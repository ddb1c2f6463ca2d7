"""Crítica automática: each rule on or off with its tolerance, for every provider or for one; the
changes are saved together (one transaction, each audited) and apply to analyses started afterwards."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from copass_app import formatting
from copass_app.routes import Audience
from copass_app.services import critique
from copass_app.services.critique import RuleSettingView
from copass_app.state.auth import call_service
from copass_app.state.paging import filter_value
from copass_app.state.staff import ProviderOption, provider_options


@dataclass
class RuleLine:
    rule: str = ""
    label: str = ""
    short_label: str = ""
    reason_code: str = ""
    enabled: bool = True
    tolerance: str = "0"  # as typed
    uses_tolerance: bool = False
    scope: str = ""  # where the setting comes from: this provider, all providers, the default
    updated: str = "—"  # who changed it, when
    changed: bool = False  # differs from what is stored


def tolerance_text(value) -> str:
    return formatting.quantity(value)


def rule_line(view: RuleSettingView) -> RuleLine:
    updated = "—"
    if view.updated_at:
        updated = f"{view.updated_by_name or 'Usuário'} em {formatting.datetime_br(view.updated_at)}"
    return RuleLine(view.rule, view.label, view.short_label, view.reason_code, view.enabled,
                    tolerance_text(view.tolerance_percent), view.uses_tolerance, view.scope_label, updated)


class CritiqueState(rx.State):
    rows: list[RuleLine] = []
    providers: list[ProviderOption] = []
    provider_id: str = ""  # "" = every provider (the general settings)
    loaded: bool = False
    _stored: dict[str, tuple[bool, str]] = {}  # rule -> (enabled, tolerance) as loaded

    def _provider(self) -> int | None:
        text = self.provider_id
        return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None

    def _show(self, views: list[RuleSettingView]) -> None:
        self.rows = [rule_line(v) for v in views]
        self._stored = {r.rule: (r.enabled, r.tolerance) for r in self.rows}

    async def _reload(self, *, with_providers: bool = False):
        provider = self._provider()

        def action(db, actor):
            return critique.rule_settings(db, actor, provider), (
                provider_options(db, actor) if with_providers else None)

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            return event
        views, options = found
        self._show(views)
        if options is not None:
            self.providers = options
        self.loaded = True
        return None

    @rx.event
    async def on_load(self):
        self.provider_id = ""
        return await self._reload(with_providers=True)

    @rx.event
    async def choose_provider(self, value: str | list[str]):
        self.provider_id = filter_value(value)
        return await self._reload()

    def _edit(self, rule: str, *, enabled: bool | None = None, tolerance: str | None = None) -> None:
        for row in self.rows:
            if row.rule == rule:
                if enabled is not None:
                    row.enabled = enabled
                if tolerance is not None:
                    row.tolerance = tolerance[:12]
                row.changed = (row.enabled, row.tolerance) != self._stored.get(row.rule)
        self.rows = list(self.rows)

    @rx.event
    def set_enabled(self, rule: str, value: bool):
        self._edit(str(rule), enabled=value is True)

    @rx.event
    def set_tolerance(self, rule: str, value: str):
        self._edit(str(rule), tolerance=str(value))

    @rx.event
    async def discard_changes(self):
        return await self._reload()

    @rx.event
    async def save(self):
        """The changed rules, together: a refused tolerance saves none of them."""
        provider = self._provider()
        changes = [(r.rule, r.enabled, r.tolerance) for r in self.rows if r.changed]
        if not changes:
            return rx.toast.info("Nenhuma alteração a salvar.")

        def action(db, actor):
            for rule, enabled, tolerance in changes:
                critique.set_rule(db, actor, rule, provider_id=provider, enabled=enabled,
                                  tolerance_percent=tolerance)
            return critique.rule_settings(db, actor, provider)

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            reload_event = await self._reload()
            return event or reload_event
        self._show(found)
        return rx.toast.success(f"{len(changes)} regra(s) salva(s): valem para os lotes analisados a partir de agora.")
