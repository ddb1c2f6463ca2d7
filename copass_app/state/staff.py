"""Operator staff home."""

from __future__ import annotations

import reflex as rx

from copass_app import formatting
from copass_app.db import session_scope
from copass_app.services.providers import list_providers
from copass_app.state.auth import actor_or_redirect


class StaffHomeState(rx.State):
    providers: list[dict[str, str]] = []

    @rx.event
    async def on_load(self):
        actor, redirect = await actor_or_redirect(self, staff=True)
        if redirect:
            return redirect
        with session_scope() as db:
            summaries = list_providers(db, actor)
        self.providers = [
            {
                "code": p.code,
                "name": p.name,
                "document": formatting.cpf_cnpj(p.document),
                "kind": p.kind,
                "guides": str(p.guide_count),
            }
            for p in summaries
        ]
        return None
