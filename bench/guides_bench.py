"""Issue 2: the guides page's first page for a provider with 50,000 guides (target ≤ 150 ms server time)."""

from __future__ import annotations

from bench.common import bench_provider, measure, report
from copass_app.services import auth
from copass_app.services.demo import GuideType
from copass_app.services.guides import GuideFilters, list_guides
from copass_app.services.unit_of_work import perform
from copass_app.state.guides import guide_line

BENCH_GUIDES = 50_000
TARGET_MS = 150


def create_big_provider(engine, guides: int = BENCH_GUIDES) -> str:
    """A provider with `guides` guides of every type over a year; returns a session token of its user."""
    _, token = bench_provider(engine, code="900050", name="Policlínica Grande Porte", cnpj_base="909090900001",
                              kind="Hospital", login="bench.guias", guide_types=tuple(GuideType), guides=guides,
                              days_back=365, seed_offset=1)
    return token


def first_page(engine, token: str, filters: GuideFilters = GuideFilters(), sort: str = "requested_on") -> None:
    """What GuidesState.on_load does on the server: check the session, query one page, format it."""
    def load(db):
        return list_guides(db, auth.actor_for_token(db, token), filters, sort=sort)

    page = perform(load, engine=engine)
    [guide_line(row) for row in page.rows]


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
