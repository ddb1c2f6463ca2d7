"""Issue 3: "Faturar" first screen, checking a guide, confirming a 100-guide batch with its PDF,
for a provider with about 10,000 unbilled items (server time of each event).

Each event runs as the page runs it: one `perform(...)` (one unit of work) per user action, the
confirmation with the retries the page passes.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import select

from bench.common import bench_provider, measure, report
from copass_app import clock
from copass_app.models import BillingDraft, DraftGuide, Guide, GuideType
from copass_app.services import auth, batches, billing
from copass_app.services.paging import PAGE_SIZE
from copass_app.services.unit_of_work import perform
from copass_app.state.billing import guide_card, summary_view

PERIOD_DAYS = 30


def _as_user(engine, token: str, action, *, retries: int = 0):
    """What call_service does: the session's user, then the action, in one unit of work."""
    return perform(lambda db: action(db, auth.actor_for_token(db, token)), engine=engine, retries=retries)


def _period() -> dict:
    today = clock.today()
    return {"start": today - timedelta(days=PERIOD_DAYS), "end": today}


def create_provider(engine) -> tuple[str, int]:
    """A hospital whose last 30 days hold ≥ 10,000 released, unbilled items; returns (token, items)."""
    _, token = bench_provider(engine, code="900030", name="Hospital Bench Faturamento", cnpj_base="303030300001",
                              kind="Hospital", login="bench.faturamento",
                              guide_types=(GuideType.SP_SADT, GuideType.CONSULTA, GuideType.RESUMO_INTERNACAO),
                              guides=6500, days_back=PERIOD_DAYS - 8, seed_offset=3)
    summary = _as_user(engine, token, lambda db, actor: billing.open_draft(db, actor, **_period()))
    return token, summary.item_count_selected


def faturar(engine, token: str) -> None:
    """BillingState.open_period: open the draft for the period and show its first page."""
    def action(db, actor):
        billing.open_draft(db, actor, **_period())
        return billing.draft_page(db, actor, page=1, page_size=PAGE_SIZE)

    page = _as_user(engine, token, action)
    summary_view(page.summary)
    [guide_card(guide) for guide in page.rows]


def toggle(engine, token: str, guide_id: int, included: bool) -> None:
    """BillingState.toggle_guide."""
    _as_user(engine, token, lambda db, actor: summary_view(billing.set_guide_included(db, actor, guide_id, included)))


def choose_100_sadt(engine, token: str) -> None:
    def action(db, actor):
        billing.set_all_included(db, actor, False)
        draft_id = db.exec(select(BillingDraft.id).where(BillingDraft.user_id == actor.user_id)).one()
        ids = db.exec(select(DraftGuide.guide_id).join(Guide, Guide.id == DraftGuide.guide_id)
                      .where(DraftGuide.draft_id == draft_id, Guide.guide_type == GuideType.SP_SADT)
                      .order_by(DraftGuide.guide_id).limit(100)).all()
        for guide_id in ids:
            billing.set_guide_included(db, actor, guide_id, True)

    _as_user(engine, token, action)


def confirm_with_pdf(engine, token: str) -> float:
    """BillingState.confirm then download_protocol; returns ms."""
    start = time.perf_counter()
    confirmed = _as_user(engine, token, billing.confirm_draft, retries=billing.CONFIRM_RETRIES)
    _as_user(engine, token, lambda db, actor: batches.protocol_pdf(db, actor, confirmed[0].batch_id))
    elapsed = (time.perf_counter() - start) * 1000
    assert [b.guide_count for b in confirmed] == [100], confirmed
    return elapsed


def run(engine) -> bool:
    token, items = create_provider(engine)
    page = _as_user(engine, token, lambda db, actor: billing.draft_page(db, actor))
    guide_id = page.rows[0].guide_id
    flips = iter(range(10_000))
    rows = [
        (f"Faturar: primeira tela ({items} itens não faturados)",
         measure(lambda: faturar(engine, token), runs=15), 300),
        ("marcar/desmarcar uma guia", measure(lambda: toggle(engine, token, guide_id, next(flips) % 2 == 0)), 50),
    ]
    confirm_samples = []
    for _ in range(5):
        faturar(engine, token)
        choose_100_sadt(engine, token)
        confirm_samples.append(confirm_with_pdf(engine, token))
    confirm_samples.sort()
    rows.append(("confirmar lote de 100 guias + PDF do protocolo",
                 {"median": confirm_samples[2], "p95": confirm_samples[-1], "max": confirm_samples[-1]}, 1000))
    return report("Faturamento de atendimentos (issue 3)", rows)
