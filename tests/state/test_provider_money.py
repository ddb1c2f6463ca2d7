"""What the provider sees of the money half, driven as the browser would (real handlers, real login,
real database): a batch's history and glosas, appeals from the batch detail (refusals shown, the
screen reloaded with what is stored), Recursos de glosa, Pagamentos, and another provider's records
simply not found with nothing changed."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from reflex.istate.data import ReflexURL, RouterData
from sqlalchemy import func
from sqlmodel import select

from copass_app import clock, formatting
from copass_app.models import Appeal, AppealStatus, BatchGuide
from copass_app.services import appeals, payments
from copass_app.state.appeals import ProviderAppealsState
from copass_app.state.batches import BatchesState
from copass_app.state.payments_provider import ProviderPaymentsState
from copass_app.tiss import codes
from tests.services.money_helpers import analysed_batch, clinic, glosas_of, staff_actor
from tests.state.conftest import browser_tab, says

D = Decimal
# 150,00 + 3 × 12,25 = 186,75; the Glicose line glossed 12,25, the consultation accepted.
ITEMS = [("22", "10101012", "Consulta em consultório", D("1"), D("150.00")),
         ("22", "40302040", "Glicose", D("3"), D("12.25"))]
JUSTIFICATION = "A terceira dose foi prescrita e autorizada por telefone."


def run(coroutine):
    return asyncio.run(coroutine)


def appeal_count(db) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(Appeal)).one()


def analysed(factory, db, glosas=None, *, items=ITEMS, guides=1):
    who, staff = clinic(factory), staff_actor(factory)
    batch = analysed_batch(factory, db, who, staff, glosas if glosas is not None else {1: D("12.25")},
                           items=items, guides=guides)
    return who, staff, batch


def opened(tab, batch_id):
    assert run(tab.open_summary(str(batch_id))) is None
    return tab.summary


# --- Acompanhamento: the batch detail --------------------------------------------------------------


def test_the_detail_shows_the_history_totals_and_each_glosa_with_code_description_note_and_value(
        factory, db, login):
    who, _, batch = analysed(factory, db)
    tab = browser_tab(BatchesState, login(who.provider))
    summary = opened(tab, batch.id)
    assert [step.label for step in summary.history] == ["Recebido", "Em análise", "Liberado para pagamento"]
    assert all(step.at for step in summary.history)
    assert (summary.analysed, summary.total, summary.glosa, summary.approved) == (
        True, "R$ 186,75", "R$ 12,25", "R$ 174,50")
    consult, glucose = summary.guides[0].lines
    assert (consult.has_glosa, consult.approved) == (False, "R$ 150,00")
    assert (glucose.glosa_code, glucose.glosa_value, glucose.glosa_note, glucose.approved) == (
        codes.VALUE_ABOVE_CONTRACT, "R$ 12,25", "Valor acima da tabela contratada", "R$ 24,50")
    assert glucose.glosa_description == codes.all_codes()[codes.VALUE_ABOVE_CONTRACT]
    assert glucose.can_appeal and summary.guides[0].can_appeal and not summary.paid


def test_a_provider_appeals_a_glosa_prefilled_with_its_value_and_sees_it_pending(factory, db, login):
    who, _, batch = analysed(factory, db)
    tab = browser_tab(BatchesState, login(who.provider))
    glucose = opened(tab, batch.id).guides[0].lines[1]
    assert tab.open_item_appeal(str(glucose.id)) is None
    assert tab.appeal_open and tab.appeal_value == "12,25" and "Glicose" in tab.appeal_title
    event = run(tab.submit_appeal({"contested_value": tab.appeal_value, "justification": JUSTIFICATION}))
    assert says(event, "aguardando análise") and not tab.appeal_open
    item = tab.summary.guides[0].lines[1]
    assert (item.appeal_status, item.appeal_contested, item.can_appeal) == ("PENDENTE", "R$ 12,25", False)
    [stored] = db.exec(select(Appeal)).all()
    assert (stored.status, stored.contested_value, stored.justification) == (
        AppealStatus.PENDENTE, D("12.25"), JUSTIFICATION)


def test_a_second_appeal_of_the_same_item_from_a_stale_tab_is_refused_and_the_tab_shows_the_first(
        factory, db, login):
    who, _, batch = analysed(factory, db)
    first, second = (browser_tab(BatchesState, login(who.provider)) for _ in range(2))
    item_id = opened(first, batch.id).guides[0].lines[1].id
    opened(second, batch.id)
    for tab in (first, second):
        tab.open_item_appeal(str(item_id))  # both still show "Recorrer"
    run(first.submit_appeal({"contested_value": "12,25", "justification": JUSTIFICATION}))
    event = run(second.submit_appeal({"contested_value": "5,00", "justification": JUSTIFICATION}))
    assert says(event, "Já existe um recurso aguardando análise para esta glosa")
    assert appeal_count(db) == 1
    item = second.summary.guides[0].lines[1]
    assert (item.appeal_status, item.appeal_contested, item.can_appeal) == ("PENDENTE", "R$ 12,25", False)
    # ... and the button is gone: asking again from the page is refused without a query.
    assert says(second.open_item_appeal(str(item_id)), "Escolha uma glosa")


def test_a_contested_value_above_the_glosa_or_a_short_justification_is_refused_and_nothing_is_stored(
        factory, db, login):
    who, _, batch = analysed(factory, db)
    tab = browser_tab(BatchesState, login(who.provider))
    tab.open_item_appeal(str(opened(tab, batch.id).guides[0].lines[1].id))
    event = run(tab.submit_appeal({"contested_value": "12,26", "justification": JUSTIFICATION}))
    assert says(event, "Valor contestado: R$ 12,26 é maior que o valor glosado (R$ 12,25)")
    event = run(tab.submit_appeal({"contested_value": "12,25", "justification": "porque"}))
    assert says(event, "Justificativa: escreva ao menos 10 caracteres")
    assert tab.appeal_open and tab.summary.guides[0].lines[1].can_appeal  # what was typed stays to be fixed
    assert appeal_count(db) == 0


def test_recorrer_da_guia_contests_every_glosa_of_the_guide_at_its_value(factory, db, login):
    who, _, batch = analysed(factory, db, {0: D("50.00"), 1: D("12.25")})
    tab = browser_tab(BatchesState, login(who.provider))
    guide = opened(tab, batch.id).guides[0]
    assert tab.open_guide_appeal(str(guide.batch_guide_id)) is None and tab.appeal_whole_guide
    event = run(tab.submit_appeal({"justification": JUSTIFICATION}))
    assert says(event, "2 recurso(s) de glosa enviado(s)")
    assert sorted(a.contested_value for a in db.exec(select(Appeal)).all()) == [D("12.25"), D("50.00")]
    assert not tab.summary.guides[0].can_appeal


def test_another_providers_batch_and_glosa_are_not_found_and_nothing_changes(factory, db, login):
    _, _, batch = analysed(factory, db)
    [glosa] = glosas_of(db, batch.id)
    intruder = browser_tab(BatchesState, login(factory.provider(name="Outra Clínica")))
    assert says(run(intruder.open_summary(str(batch.id))), "Lote não encontrado.")
    assert intruder.summary.id == 0
    # A crafted event naming A's glosa as the target (what the page would never send): not found.
    intruder._appeal_kind, intruder._appeal_target = "item", glosa.id
    event = run(intruder.submit_appeal({"contested_value": "1,00", "justification": JUSTIFICATION}))
    assert says(event, "Glosa não encontrada.")
    bg = db.exec(select(BatchGuide.id).where(BatchGuide.batch_id == batch.id)).one()
    intruder._appeal_kind, intruder._appeal_target = "guide", bg
    assert says(run(intruder.submit_appeal({"justification": JUSTIFICATION})), "Guia não encontrada.")
    assert appeal_count(db) == 0


def test_a_paid_batch_shows_the_payment_date_withholdings_net_and_the_accepted_appeal(factory, db, login):
    # Base 1.500,00 + 20,00: IRRF, COFINS, CSLL and ISS are withheld, PIS (0,65 % = 9,88) is not.
    who, staff, batch = analysed(factory, db, {1: D("100.00")},
                                 items=[("22", "10101012", "Consulta", D("1"), D("1400.00")),
                                        ("22", "40302040", "Glicose", D("1"), D("200.00"))])
    [glosa] = glosas_of(db, batch.id)
    appeal = appeals.open_appeal(db, who.actor, glosa.id, contested_value="100,00", justification=JUSTIFICATION)
    appeals.decide_appeal(db, staff, appeal.id, decision="accept_partly", accepted_value="20,00",
                          note="Aceito o valor da tabela")
    paid = payments.register_payment(db, staff, who.provider.id, batch_ids=[batch.id], appeal_ids=[appeal.id],
                                     paid_on=clock.today())
    db.commit()
    tab = browser_tab(BatchesState, login(who.provider))
    summary = opened(tab, batch.id)
    assert [step.label for step in summary.history][-1] == "Pagamento efetuado"
    assert summary.paid and summary.payment.id == paid.id and summary.payment.number == paid.number
    assert summary.appeals_accepted == "R$ 20,00"
    item = summary.guides[0].lines[1]
    assert (item.appeal_status, item.appeal_accepted, item.appeal_paid) == ("ACEITO_PARCIAL", "R$ 20,00", True)
    assert summary.payment.net == formatting.money(paid.net)
    lines = {line.tax: line for line in summary.payment.withholding_rows}
    assert lines["PIS"].value == "não retido: até R$ 10,00" and not lines["PIS"].withheld
    assert lines["IRRF"].withheld and lines["IRRF"].rate == "1,5 %"


# --- Recursos de glosa ---------------------------------------------------------------------------


def test_recursos_de_glosa_lists_the_appeals_with_decision_accepted_value_and_payment(factory, db, login):
    who, staff, batch = analysed(factory, db, {0: D("50.00"), 1: D("12.25")})
    first, second = glosas_of(db, batch.id)
    refused = appeals.open_appeal(db, who.actor, first.id, contested_value="50,00", justification=JUSTIFICATION)
    appeals.decide_appeal(db, staff, refused.id, decision="refuse", note="Procedimento sem cobertura contratual")
    accepted = appeals.open_appeal(db, who.actor, second.id, contested_value="12,25", justification=JUSTIFICATION)
    appeals.decide_appeal(db, staff, accepted.id, decision="accept")
    paid = payments.register_payment(db, staff, who.provider.id, batch_ids=[], appeal_ids=[accepted.id],
                                     paid_on=clock.today())
    db.commit()
    tab = browser_tab(ProviderAppealsState, login(who.provider))
    assert run(tab.on_load()) is None and tab.loaded
    by_id = {row.id: row for row in tab.rows}
    assert (by_id[refused.id].status, by_id[refused.id].accepted, by_id[refused.id].decision_note) == (
        "RECUSADO", "R$ 0,00", "Procedimento sem cobertura contratual")
    assert (by_id[accepted.id].status, by_id[accepted.id].accepted, by_id[accepted.id].payment_id,
            by_id[accepted.id].payment_number) == ("ACEITO", "R$ 12,25", paid.id, paid.number)
    assert {c.status: c.count for c in tab.counts} == {"PENDENTE": 0, "ACEITO": 1, "ACEITO_PARCIAL": 0,
                                                       "RECUSADO": 1}
    run(tab.filter_status("RECUSADO"))
    assert [row.id for row in tab.rows] == [refused.id]
    assert says(run(tab.filter_status("INVENTADO")), "Situação de recurso desconhecida.")
    run(tab.filter_status("todas"))
    assert len(tab.rows) == 2


def test_recursos_de_glosa_of_another_provider_shows_none_of_them(factory, db, login):
    who, _, batch = analysed(factory, db)
    [glosa] = glosas_of(db, batch.id)
    appeals.open_appeal(db, who.actor, glosa.id, contested_value="12,25", justification=JUSTIFICATION)
    db.commit()
    tab = browser_tab(ProviderAppealsState, login(factory.provider(name="Outra Clínica")))
    run(tab.on_load())
    assert tab.rows == [] and sum(c.count for c in tab.counts) == 0


# --- Pagamentos ------------------------------------------------------------------------------------


def _paid(factory, db):
    who, staff, batch = analysed(factory, db, {1: D("100.00")},
                                 items=[("22", "10101012", "Consulta", D("1"), D("1400.00")),
                                        ("22", "40302040", "Glicose", D("1"), D("200.00"))])
    paid = payments.register_payment(db, staff, who.provider.id, batch_ids=[batch.id], appeal_ids=[],
                                     paid_on=clock.today())
    db.commit()
    return who, batch, paid


def test_pagamentos_lists_the_payment_and_its_detail_with_each_withholding_and_the_bank(factory, db, login):
    who, batch, paid = _paid(factory, db)
    tab = browser_tab(ProviderPaymentsState, login(who.provider))
    assert run(tab.on_load()) is None
    [row] = tab.rows
    assert (row.number, row.batches, row.gross, row.glosa, row.approved) == (
        paid.number, 1, "R$ 1.600,00", "R$ 100,00", "R$ 1.500,00")
    assert run(tab.open_detail(str(paid.id))) is None and tab.detail_open
    d = tab.detail
    assert (d.bank, d.agency, d.account) == ("001 - Banco do Brasil", "1234-5", "98765-4")
    assert [b.protocol for b in d.batches] == [batch.protocol_number]
    rows = {line.tax: line for line in d.withholding_rows}
    assert set(rows) == {"IRRF", "PIS", "COFINS", "CSLL", "ISS"}
    assert rows["PIS"].value == "não retido: até R$ 10,00"
    assert rows["COFINS"].value == "R$ 45,00" and rows["COFINS"].rate == "3 %"  # 3 % of 1.500,00
    withheld = sum(D(r.value.removeprefix("R$ ").replace(".", "").replace(",", "."))
                   for r in d.withholding_rows if r.withheld)
    assert withheld == paid.withholding_value and d.net == row.net


def test_a_link_with_the_payment_opens_its_detail(factory, db, login):
    who, _, paid = _paid(factory, db)
    tab = browser_tab(ProviderPaymentsState, login(who.provider))
    tab.parent_state.router = RouterData(url=ReflexURL(f"http://localhost:3000/pagamentos?pagamento={paid.id}"))
    run(tab.on_load())
    assert tab.detail_open and tab.detail.number == paid.number


def test_another_providers_payment_is_not_found(factory, db, login):
    _, _, paid = _paid(factory, db)
    tab = browser_tab(ProviderPaymentsState, login(factory.provider(name="Outra Clínica")))
    run(tab.on_load())
    assert tab.rows == []
    assert says(run(tab.open_detail(str(paid.id))), "Pagamento não encontrado.")
    assert not tab.detail_open and tab.detail.id == 0
