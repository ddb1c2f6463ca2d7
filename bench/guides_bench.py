"""Issue 2: the guides page's first page for a provider with 50,000 guides (target ≤ 150 ms server time)."""

from __future__ import annotations

import random
from datetime import date

from sqlmodel import select

from bench.common import measure, report
from copass_app.db import session_scope
from copass_app.models import Beneficiary, Provider, Role
from copass_app.services import auth
from copass_app.services.demo import SEED, GuideType, build_catalogs, full_cnpj, generate_guides
from copass_app.services.guides import GuideFilters, list_guides
from copass_app.services.users import add_user
from copass_app.state.guides import guide_row_view

BENCH_GUIDES = 50_000
TARGET_MS = 150


def create_big_provider(engine, guides: int = BENCH_GUIDES) -> str:
    """A provider with `guides` guides; returns a session token of its user."""
    rng = random.Random(SEED + 1)
    with session_scope(engine) as db:
        provider = Provider(operator_id=1, code="900050", name="Policlínica Grande Porte", document=full_cnpj("909090900001"),
                            kind="Hospital")
        db.add(provider)
        db.flush()
        add_user(db, "bench.guias", "Bench", "bench-senha-1", Role.PROVIDER, provider_code=provider.code)
        beneficiary_ids = list(db.exec(select(Beneficiary.id)))
        generate_guides(db, provider, tuple(GuideType), guides, beneficiary_ids, date.today(), rng,
                        build_catalogs(random.Random(SEED)), first_number=1, days_back=365, chunk=5000)
    with session_scope(engine) as db:
        return auth.login(db, "bench.guias", "bench-senha-1")


def first_page(engine, token: str, filters: GuideFilters = GuideFilters(), sort: str = "requested_on") -> None:
    """What GuidesState.on_load does on the server: check the session, query one page, format it."""
    with session_scope(engine) as db:
        actor = auth.actor_for_token(db, token)
        page = list_guides(db, actor, filters, sort=sort)
    [guide_row_view(row) for row in page.rows]


def run(engine) -> bool:
    token = create_big_provider(engine)
    rows = [
        ("primeira página, sem filtro (50.000 guias)", measure(lambda: first_page(engine, token)), TARGET_MS),
        ("primeira página, situação 'negada'",
         measure(lambda: first_page(engine, token, GuideFilters(status_group="negada"))), TARGET_MS),
        ("primeira página, beneficiário 'conceicao'",
         measure(lambda: first_page(engine, token, GuideFilters(beneficiary="conceicao"))), None),
        ("primeira página, ordenada por valor",
         measure(lambda: first_page(engine, token, sort="total")), None),
    ]
    return report("Procedimentos solicitados (issue 2)", rows)
