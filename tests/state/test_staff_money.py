"""The staff's money pages driven as the browser would (real handlers, real login, real database):
Lotes recebidos as a queue, Análise do lote from start to conclusion, each refusal a toast with the
screen showing what is stored, and a provider refused on every one of them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from reflex.istate.data import ReflexURL, RouterData
from sqlmodel import select

from copass_app import clock
from copass_app.models import AuditLog, Batch, BatchStatus, Glosa, GlosaStatus, Guide, Role
from copass_app.services import billing, processing
from copass_app.services.auth import actor_for_token
from copass_app.services.unit_of_work import perform
from copass_app.state.analysis import AnalysisState
from copass_app.state.staff import ReceivedBatchesState
from copass_app.tiss import codes
from tests.services.money_helpers import Clinic, clinic
from tests.services.test_critique import set_item
from tests.state.conftest import browser_tab, says

D = Decimal
EXAM = ("22", "40301630", "Hemograma com contagem de plaquetas", D("2"), D("25.50"))
GLUCOSE = ("22", "40302040", "Glicose", D("1"), D("12.25"))


TODAY = clock.today()


def run(coroutine):
    return asyncio.run(coroutine)


def at(tab, path: str):
    """The tab's address bar (what on_load reads), as the browser would send it."""
    tab.parent_state.router = RouterData(url=ReflexURL(f"http://localhost:3000{path}"))
    return tab


def bill(factory, db, who: Clinic) -> int:
    """The clinic's guides (one of the default exam if it has none yet), billed in one received batch."""
    if not db.exec(select(Guide).where(Guide.provider_id == who.provider.id)).first():
        factory.guide(who.provider, items=[GLUCOSE], requested_on=TODAY - timedelta(days=5),
                      performed_on=TODAY - timedelta(days=4))
    billing.open_draft(db, who.actor, start=TODAY - timedelta(days=30), end=TODAY, today=TODAY)
    [confirmed] = billing.confirm_draft(db, who.actor)
    db.commit()
    return confirmed.batch_id


def guide(factory, who: Clinic, items):
    return factory.guide(who.provider, items=items, requested_on=TODAY - timedelta(days=5),
                         performed_on=TODAY - timedelta(days=4))


def batch_over_quantity(factory, db, who) -> int:
    """A received batch of one guide: the hemograma billed 3 times, 2 authorized (the critique proposes
    1820 for the excess, R$ 25,50) and a glucose that is clean."""
    over = guide(factory, who, [EXAM, GLUCOSE])
    set_item(db, over.id, performed_qty=D("3"))  # both items: hemograma 3 of 2, glucose 3 of 1
    return bill(factory, db, who)


def analysis_tab(token: str, batch_id: int | str) -> AnalysisState:
    tab = at(browser_tab(AnalysisState, token), f"/operadora/lotes/{batch_id}")
    assert run(tab.on_load()) is None
    return tab


def items(tab):
    return [item for guide in tab.guides for item in guide.item_lines]


# --- Lotes recebidos ---------------------------------------------------------------------------


def test_the_queue_filters_by_provider_and_status_counts_each_status_and_links_the_analysis(factory, db, login):
    a, b = clinic(factory, "Clínica Alfa"), clinic(factory, "Clínica Beta")
    first = bill(factory, db, a)
    bill(factory, db, b)
    staff_token = login(role=Role.STAFF)
    perform(lambda s: processing.start_analysis(s, actor_for_token(s, staff_token), first))
    tab = browser_tab(ReceivedBatchesState, staff_token)
    assert run(tab.on_load()) is None
    # Recebido by default: only Beta's batch; the chips count every status under the other filters.
    assert [r.provider for r in tab.rows] == [f"{b.provider.code} · Clínica Beta"]
    counts = {c.label: c.count for c in tab.chips}
    assert (counts["Todas"], counts["Recebido"], counts["Em análise"]) == (2, 1, 1)
    assert {p.label for p in tab.providers} >= {f"{a.provider.code} · Clínica Alfa"}

    run(tab.filter_status(""))  # the "Todas" chip
    run(tab.apply_filters({"provider": str(a.provider.id), "competence": "", "origin": "todas", "date_from": "",
                           "date_to": ""}))
    [row] = tab.rows
    assert (row.batch.id, row.batch.status, row.href) == (first, "2", f"/operadora/lotes/{first}")
    assert {c.label: c.count for c in tab.chips}["Todas"] == 1


def test_a_refused_filter_is_a_toast_and_the_list_stays(factory, db, login):
    bill(factory, db, clinic(factory))
    tab = browser_tab(ReceivedBatchesState, login(role=Role.STAFF))
    run(tab.on_load())
    event = run(tab.apply_filters({"provider": "todas", "competence": "13/2026", "origin": "todas",
                                   "date_from": "", "date_to": ""}))
    assert "error" in str(event) and says(event, "Competência")
    assert len(tab.rows) == 1 and tab.loaded


# --- Análise do lote ---------------------------------------------------------------------------


def test_the_analyst_starts_accepts_a_proposal_glosses_an_item_and_concludes(factory, db, login):
    who = clinic(factory)
    batch_id = batch_over_quantity(factory, db, who)
    token = login(role=Role.STAFF)
    tab = analysis_tab(token, batch_id)
    assert tab.found and tab.head.can_start and not tab.head.editable
    assert [i.decision for i in items(tab)] == ["Sem decisão", "Sem decisão"]

    run(tab.start_analysis())
    assert tab.head.editable and tab.head.status == BatchStatus.EM_ANALISE.value
    exam, glucose = items(tab)
    [proposal] = exam.proposals
    assert (proposal.rule_label, proposal.reason_code, proposal.value) == ("Quantidade acima", "1820", "R$ 25,50")
    assert proposal.proposed and proposal.note
    assert tab.head.waiting == "Aguardando: 2 item(ns) sem decisão e 2 proposta(s) da crítica sem decisão."

    # Concluding while anything waits: refused with the count, and nothing changes.
    event = run(tab.finish())
    assert says(event, "2 item(ns) sem decisão") and tab.head.editable

    run(tab.accept_proposal(str(proposal.id)))
    exam = items(tab)[0]
    assert (exam.decision, exam.glosa.value, exam.approved, exam.proposals) == ("Glosado", "R$ 25,50", "R$ 51,00", [])

    # A manual glosa on the glucose: the dialog is prefilled with the item's total; reasons by code or words.
    glucose = items(tab)[1]
    run(tab.discard_proposal(str(glucose.proposals[0].id)))
    run(tab.open_glosa(str(glucose.id)))
    assert tab.glosa_open and tab.glosa_value == "36,75" and tab.reason_code == ""
    run(tab.search_reasons("1705"))
    assert [r.code for r in tab.reasons] == [codes.VALUE_ABOVE_CONTRACT]
    run(tab.search_reasons("duplicidade cobranca"))
    assert codes.DUPLICATE_BILLING in [r.code for r in tab.reasons]
    tab.reason_key("Enter")  # the highlighted one, from the keyboard
    assert tab.reason_code == tab.reasons[0].code
    tab.set_glosa_value("40,00")  # above the item: refused, the dialog stays with what was typed
    event = run(tab.save_glosa())
    assert "error" in str(event) and says(event, "maior que o valor do item") and tab.glosa_open
    assert tab.glosa_value == "40,00" and items(tab)[1].decision == "Sem decisão"
    tab.set_glosa_value("10,25")
    tab.set_glosa_note("Cobrança repetida no mesmo dia")
    run(tab.save_glosa())
    assert not tab.glosa_open
    glucose = items(tab)[1]
    assert (glucose.decision, glucose.glosa.value, glucose.glosa.note, glucose.approved) == (
        "Glosado", "R$ 10,25", "Cobrança repetida no mesmo dia", "R$ 26,50")
    # 3 × 25,50 + 3 × 12,25 informed; 25,50 + 10,25 glossed
    assert (tab.head.total, tab.head.glosa, tab.head.approved) == ("R$ 113,25", "R$ 35,75", "R$ 77,50")
    assert tab.head.can_finish and "liberado para pagamento com R$ 77,50 aprovados" in tab.head.finish_result

    event = run(tab.finish())
    assert says(event, "Análise concluída")
    assert tab.head.status == BatchStatus.LIBERADO_PAGAMENTO.value and not tab.head.editable
    assert tab.head.analysed.startswith("Análise concluída em")
    stored = db.get(Batch, batch_id, populate_existing=True)
    assert (stored.approved_value, stored.glosa_value) == (D("77.50"), D("35.75"))

    # Read-only now: a crafted decision is refused and the screen stays as stored.
    event = run(tab.accept_item(str(glucose.id)))
    assert says(event, "Lote já analisado")
    assert items(tab)[1].decision == "Glosado"
    applied = db.exec(select(Glosa).where(Glosa.batch_id == batch_id, Glosa.status == GlosaStatus.APLICADA)).all()
    assert len(applied) == 2


def test_accept_all_per_guide_and_for_the_batch_leaves_proposals_waiting(factory, db, login):
    who = clinic(factory)
    guide(factory, who, [GLUCOSE])
    batch_id = batch_over_quantity(factory, db, who)  # the second guide has proposals
    token = login(role=Role.STAFF)
    tab = analysis_tab(token, batch_id)
    run(tab.start_analysis())
    def decisions():
        return sorted([i.decision for i in g.item_lines] for g in tab.guides)

    [clean] = [g for g in tab.guides if len(g.item_lines) == 1]
    assert clean.waiting == 1
    run(tab.accept_guide(str(clean.guide_id)))
    assert decisions() == [["Aceito"], ["Sem decisão", "Sem decisão"]]
    run(tab.accept_all())
    assert decisions() == [["Aceito"], ["Sem decisão", "Sem decisão"]]  # the items with proposals wait
    run(tab.accept_all_proposals())
    assert decisions() == [["Aceito"], ["Glosado", "Glosado"]]
    assert tab.head.can_finish and tab.head.waiting == ""


def test_a_batch_concluded_with_nothing_approved_says_it_closes_without_payment(factory, db, login):
    who = clinic(factory)
    guide(factory, who, [GLUCOSE])
    batch_id = bill(factory, db, who)
    tab = analysis_tab(login(role=Role.STAFF), batch_id)
    run(tab.start_analysis())
    [item] = items(tab)
    run(tab.open_glosa(str(item.id)))
    run(tab.search_reasons(codes.PROCEDURE_NOT_AUTHORIZED))
    tab.pick_reason(0)
    run(tab.save_glosa())  # the whole item
    assert "encerrado sem pagamento" in tab.head.finish_result
    run(tab.finish())
    assert tab.head.status == BatchStatus.ENCERRADO_SEM_PAGAMENTO.value


def test_another_analyst_concluding_meanwhile_leaves_the_screen_as_stored(factory, db, login):
    who = clinic(factory)
    guide(factory, who, [GLUCOSE])
    batch_id = bill(factory, db, who)
    token = login(role=Role.STAFF)
    tab = analysis_tab(token, batch_id)
    run(tab.start_analysis())
    run(tab.accept_all())
    other = analysis_tab(token, batch_id)
    run(other.finish())
    item_id = items(tab)[0].id
    event = run(tab.accept_item(str(item_id)))  # a stale screen: refused, reloaded to the analysed batch
    assert "error" in str(event) and says(event, "Lote já analisado")
    assert tab.head.status == BatchStatus.LIBERADO_PAGAMENTO.value and not tab.head.editable


def test_an_address_that_is_no_batch_says_so_instead_of_a_skeleton(login):
    token = login(role=Role.STAFF)
    for junk in ("[lote]", "999999", "²", "1" * 30):
        tab = analysis_tab(token, junk)
        assert tab.loaded and not tab.found and tab.guides == []


def test_a_provider_opening_the_analysis_is_sent_home_with_nothing_of_the_batch(factory, db, login):
    who = clinic(factory)
    batch_id = batch_over_quantity(factory, db, who)
    tab = at(browser_tab(AnalysisState, login(who.provider)), f"/operadora/lotes/{batch_id}")
    event = run(tab.on_load())
    assert "/painel" in str(event) and tab.guides == [] and tab.head.protocol == ""
    event = run(tab.start_analysis())
    assert "/painel" in str(event)
    assert db.get(Batch, batch_id, populate_existing=True).status == BatchStatus.RECEBIDO
    assert not db.exec(select(AuditLog).where(AuditLog.action == "batch.start_analysis")).all()


def test_the_analysis_screen_costs_the_same_queries_for_2_guides_as_for_40(factory, db, engine, login):
    """No query per guide or item: the state turns the service's screen into rows in plain Python."""
    from sqlalchemy import event

    token = login(role=Role.STAFF)
    counted = []
    for guides in (2, 40):
        who = clinic(factory)
        factory.bulk_guides(who.provider, guides, items_per_guide=3, requested_on=TODAY - timedelta(days=5),
                            performed_on=TODAY - timedelta(days=4))
        batch_id = bill(factory, db, who)
        tab = analysis_tab(token, batch_id)
        run(tab.start_analysis())
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args, seen=statements):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            run(tab.on_load())
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(items(tab)) == guides * 3
        counted.append(len(statements))
    assert counted[0] == counted[1], counted
