"""Issue 10: the analysis screen of a 100-guide batch (≤ 300 ms server time) and the critique of
10,000 unbilled items (≤ 1 s), on a hospital with the demo generator's guides.

Each event runs as the page runs it: the session's user, then the service, in one `perform(...)`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from bench.common import BENCH_PASSWORD, bench_provider, measure, report
from copass_app import clock
from copass_app.models import BillingDraft, DraftGuide, Guide, GuideType, Role
from copass_app.services import analysis, auth, billing, critique, processing
from copass_app.services.unit_of_work import perform, unit_of_work
from copass_app.services.users import add_user

PERIOD_DAYS = 30
STAFF_LOGIN = "bench.analista"


def _as_user(engine, token: str, action, *, retries: int = 0):
    """What call_service does: the session's user, then the action, in one unit of work."""
    return perform(lambda db: action(db, auth.actor_for_token(db, token)), engine=engine, retries=retries)


def _period() -> dict:
    today = clock.today()
    return {"start": today - timedelta(days=PERIOD_DAYS), "end": today}


def create_hospital(engine) -> tuple[str, int]:
    """A hospital whose last 30 days hold ≥ 10,000 released, unbilled items, its draft open with all of
    them checked; returns (token, items)."""
    _, token = bench_provider(engine, code="900060", name="Hospital Bench Análise", cnpj_base="606060600001",
                              kind="Hospital", login="bench.analise",
                              guide_types=(GuideType.SP_SADT, GuideType.CONSULTA, GuideType.RESUMO_INTERNACAO),
                              guides=6500, days_back=PERIOD_DAYS - 8, seed_offset=4)
    summary = _as_user(engine, token, lambda db, actor: billing.open_draft(db, actor, **_period()))
    return token, summary.item_count_selected


def staff_token(engine) -> str:
    with unit_of_work(engine) as db:
        add_user(db, STAFF_LOGIN, "Analista Bench", BENCH_PASSWORD, Role.STAFF)
    with unit_of_work(engine) as db:
        return auth.login(db, STAFF_LOGIN, BENCH_PASSWORD)


def bill_100_guides(engine, token: str) -> int:
    """Check 100 SP/SADT guides of the draft and confirm them: one batch of 100 guides; returns its id."""
    def choose(db, actor):
        billing.set_all_included(db, actor, False)
        draft_id = db.exec(select(BillingDraft.id).where(BillingDraft.user_id == actor.user_id)).one()
        ids = db.exec(select(DraftGuide.guide_id).join(Guide, Guide.id == DraftGuide.guide_id)
                      .where(DraftGuide.draft_id == draft_id, Guide.guide_type == GuideType.SP_SADT)
                      .order_by(DraftGuide.guide_id).limit(100)).all()
        for guide_id in ids:
            billing.set_guide_included(db, actor, guide_id, True)

    _as_user(engine, token, choose)
    [confirmed] = _as_user(engine, token, billing.confirm_draft, retries=billing.CONFIRM_RETRIES)
    assert confirmed.guide_count == 100, confirmed
    # The rest of the period checked again, for the preview of the whole draft.
    _as_user(engine, token, lambda db, actor: billing.open_draft(db, actor, **_period()))
    _as_user(engine, token, lambda db, actor: billing.set_all_included(db, actor, True))
    return confirmed.batch_id


def decide_half(db, staff, batch_id: int) -> None:
    """The screen mid-analysis: a glosa on the first item of every guide, the rest of half the guides accepted."""
    screen = analysis.batch_analysis(db, staff, batch_id)
    for guide in screen.guides:
        first = guide.items[0]
        analysis.apply_glosa(db, staff, first.id, value=min(first.total, Decimal("1.00")), reason_code="1705",
                             note="Valor acima da tabela")
    for guide in screen.guides[::2]:
        analysis.accept_all(db, staff, batch_id, guide_id=guide.guide_id)


def run(engine) -> bool:
    token, items = create_hospital(engine)
    staff = staff_token(engine)
    batch_id = bill_100_guides(engine, token)
    _as_user(engine, staff, lambda db, actor: processing.start_analysis(db, actor, batch_id))
    _as_user(engine, staff, lambda db, actor: decide_half(db, actor, batch_id))
    screen = _as_user(engine, staff, lambda db, actor: analysis.batch_analysis(db, actor, batch_id))
    preview = _as_user(engine, token, critique.preview_draft)
    decided = screen.item_count - screen.undecided_count
    print(f"Lote em análise: {len(screen.guides)} guias, {screen.item_count} itens ({decided} decididos), "
          f"{screen.pending_count} proposta(s) da crítica; prévia: {preview.item_count} itens, "
          f"{preview.finding_count} achado(s)")
    rows = [
        (f"Análise do lote: tela de um lote de {len(screen.guides)} guias ({screen.item_count} itens)",
         measure(lambda: _as_user(engine, staff, lambda db, actor: analysis.batch_analysis(db, actor, batch_id)),
                 runs=20), 300),
        (f"Crítica (prévia de glosas) de {preview.item_count} itens não faturados",
         measure(lambda: _as_user(engine, token, critique.preview_draft), runs=10, warmup=2), 1000),
    ]
    assert preview.item_count >= 10_000 or items < 10_000, (preview.item_count, items)
    return report("Análise e crítica automática (issue 10)", rows)


if __name__ == "__main__":
    from bench.common import fresh_database

    _, bench_engine = fresh_database()
    raise SystemExit(0 if run(bench_engine) else 1)
