"""Crítica automática, Pagamentos and Recursos de glosa driven as the browser would (real handlers, real
login, real database): each page's main flow, its refusals (a toast, the screen as stored) and a
provider refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from copass_app import clock
from copass_app.models import Appeal, AppealStatus, AuditLog, Batch, BatchStatus, CritiqueSetting, Payment, Role
from copass_app.services import appeals
from copass_app.state.appeals_staff import AppealsQueueState
from copass_app.state.critique import CritiqueState
from copass_app.state.payments import NOT_WITHHELD, PaymentsState
from tests.services.money_helpers import analysed_batch, clinic, glosas_of, staff_actor
from tests.state.conftest import browser_tab, says

D = Decimal
BIG = [("22", "30101010", "Cirurgia", D("1"), D("2000.00"))]


def run(coroutine):
    return asyncio.run(coroutine)


def rule(tab, name):
    return next(r for r in tab.rows if r.rule == name)


# --- Crítica automática ------------------------------------------------------------------------


def test_staff_change_a_rule_for_one_provider_and_it_is_stored_and_audited(factory, db, login):
    who = clinic(factory, "Clínica Alfa")
    tab = browser_tab(CritiqueState, login(role=Role.STAFF))
    assert run(tab.on_load()) is None
    assert (rule(tab, "value_above_contract").enabled, rule(tab, "value_above_contract").tolerance) == (True, "0")
    run(tab.choose_provider(str(who.provider.id)))
    tab.set_tolerance("value_above_contract", "5,5")
    tab.set_enabled("duplicate", False)
    assert [r.rule for r in tab.rows if r.changed] == ["duplicate", "value_above_contract"]
    event = run(tab.save())
    assert says(event, "2 regra(s) salva(s): valem para os lotes analisados a partir de agora")
    row = rule(tab, "value_above_contract")
    assert (row.tolerance, row.scope, row.changed) == ("5,5", "Este prestador", False)
    assert row.updated.startswith("Usuário ")
    stored = db.exec(select(CritiqueSetting).where(CritiqueSetting.provider_id == who.provider.id)).all()
    assert {(s.rule, s.enabled, s.tolerance_percent) for s in stored} == {
        ("duplicate", False, D("0")), ("value_above_contract", True, D("5.5"))}
    assert len(db.exec(select(AuditLog).where(AuditLog.action == "critique.set_rule")).all()) == 2
    run(tab.choose_provider("todas"))  # the general settings are untouched
    assert rule(tab, "duplicate").enabled and rule(tab, "duplicate").scope == "Padrão do sistema"


def test_a_refused_tolerance_saves_nothing_and_shows_what_is_stored(db, login):
    tab = browser_tab(CritiqueState, login(role=Role.STAFF))
    run(tab.on_load())
    tab.set_enabled("duplicate", False)
    tab.set_tolerance("value_above_contract", "150")
    event = run(tab.save())
    assert "error" in str(event) and says(event, "entre 0 e 100")
    assert db.exec(select(CritiqueSetting)).all() == []  # not even the other rule: one transaction
    assert rule(tab, "duplicate").enabled and rule(tab, "value_above_contract").tolerance == "0"


def test_a_provider_cannot_save_critique_rules(factory, db, login):
    tab = browser_tab(CritiqueState, login(factory.provider()))
    tab.set_enabled("duplicate", False)
    event = run(tab.save())
    assert "/painel" in str(event) or not tab.rows
    assert db.exec(select(CritiqueSetting)).all() == []


# --- Pagamentos -----------------------------------------------------------------------------------


def test_staff_preview_and_register_a_payment_with_its_withholdings(factory, db, login):
    who = clinic(factory, "Clínica Alfa")
    staff = staff_actor(factory)
    batch = analysed_batch(factory, db, who, staff, {0: D("100.00")}, items=BIG)  # approved 1.900,00
    tab = browser_tab(PaymentsState, login(role=Role.STAFF))
    assert run(tab.on_load()) is None
    assert tab.paid_on == clock.today().isoformat()
    [choice] = tab.to_pay
    assert choice.value == str(who.provider.id) and "1 lote(s)" in choice.label
    run(tab.choose_provider(str(who.provider.id)))
    [line] = tab.batches
    assert (line.id, line.checked, line.approved) == (batch.id, True, "R$ 1.900,00")
    p = tab.preview
    assert tab.has_preview and (p.gross, p.glosa, p.approved, p.appeals) == (
        "R$ 2.000,00", "R$ 100,00", "R$ 1.900,00", "R$ 0,00")
    lines = {w.label: w for w in p.withholdings}
    # 1,5 % of 1.900,00 = 28,50 withheld; PIS 0,65 % = 12,35; CSLL 1 % = 19,00; COFINS 3 % = 57,00; ISS 2 % = 38,00
    assert (lines["IRRF"].value, lines["IRRF"].rate, lines["IRRF"].withheld) == ("R$ 28,50", "1,5 %", True)
    assert (p.withheld, p.net) == ("R$ 154,85", "R$ 1.745,15")
    assert p.has_bank and p.bank.startswith("001")

    # Nothing chosen: no preview, the reason beside the choice; a future date likewise.
    run(tab.toggle_batch(str(batch.id), False))
    assert not tab.has_preview and "Escolha ao menos um lote" in tab.preview_problem
    run(tab.toggle_batch(str(batch.id), True))
    run(tab.set_paid_on((clock.today() + timedelta(days=1)).isoformat()))
    assert not tab.has_preview and "data futura" in tab.preview_problem
    run(tab.set_paid_on(clock.today().isoformat()))

    event = run(tab.register())
    assert says(event, "registrado: líquido R$ 1.745,15")
    assert tab.has_registered and tab.registered.net == "R$ 1.745,15" and tab.registered.number
    assert db.get(Batch, batch.id, populate_existing=True).status == BatchStatus.PAGO
    assert tab.to_pay == [] and tab.batches == [] and tab.provider_id == ""
    [row] = tab.rows
    assert (row.number, row.net) == (tab.registered.number, "R$ 1.745,15")
    tab.close_payment()
    run(tab.open_payment(str(row.id)))
    assert tab.registered.protocols == batch.protocol_number


def test_a_small_payment_shows_each_tax_not_withheld_and_why(factory, db, login):
    who = clinic(factory)
    analysed_batch(factory, db, who, staff_actor(factory))  # 25,50 + 2 × 12,25 = 50,00
    tab = browser_tab(PaymentsState, login(role=Role.STAFF))
    run(tab.on_load())
    run(tab.choose_provider(str(who.provider.id)))
    assert tab.preview.net == "R$ 50,00" and tab.preview.withheld == "R$ 0,00"
    irrf = tab.preview.withholdings[0]
    assert not irrf.withheld and irrf.note == f"{NOT_WITHHELD} (seria R$ 0,75)"
    run(tab.choose_provider("nenhum"))  # the select's "Escolha o prestador"
    assert (tab.provider_id, tab.batches, tab.has_preview) == ("", [], False)


def test_a_batch_paid_meanwhile_is_refused_and_the_page_shows_what_is_left(factory, db, login):
    who = clinic(factory)
    staff = staff_actor(factory)
    analysed_batch(factory, db, who, staff)
    token = login(role=Role.STAFF)
    first, second = browser_tab(PaymentsState, token), browser_tab(PaymentsState, token)
    for tab in (first, second):
        run(tab.on_load())
        run(tab.choose_provider(str(who.provider.id)))
    run(first.register())
    event = run(second.register())
    assert "error" in str(event) and not says(event, "registrado")
    assert second.batches == [] and second.to_pay == []
    assert len(db.exec(select(Payment)).all()) == 1


def test_a_provider_cannot_register_a_payment(factory, db, login):
    who = clinic(factory)
    batch = analysed_batch(factory, db, who, staff_actor(factory))
    tab = browser_tab(PaymentsState, login(who.provider))
    tab.provider_id = str(who.provider.id)
    event = run(tab.register())
    assert "/painel" in str(event)
    assert db.get(Batch, batch.id, populate_existing=True).status == BatchStatus.LIBERADO_PAGAMENTO


# --- Recursos de glosa ------------------------------------------------------------------------------


def _appealed(factory, db, who, staff, value="60,00"):
    batch = analysed_batch(factory, db, who, staff, {0: D("100.00")}, items=BIG)
    [glosa] = glosas_of(db, batch.id)
    appeal = appeals.open_appeal(db, who.actor, glosa.id, contested_value=value,
                                 justification="Procedimento autorizado pela senha 123, ver anexo.")
    db.commit()
    return appeal


def test_staff_accept_an_appeal_partly_after_a_refused_value(factory, db, login):
    who = clinic(factory, "Clínica Alfa")
    appeal = _appealed(factory, db, who, staff_actor(factory))
    tab = browser_tab(AppealsQueueState, login(role=Role.STAFF))
    assert run(tab.on_load()) is None
    [row] = tab.rows
    assert (row.id, row.contested, row.glosa, row.can_decide) == (appeal.id, "R$ 60,00", "R$ 100,00", True)
    assert row.justification.startswith("Procedimento autorizado") and row.reason.startswith("1705")
    assert {c.label: c.count for c in tab.chips}["Pendente"] == 1

    tab.open_decision(str(appeal.id), "accept_partly")
    assert tab.decision_open and tab.accepted_value == "60,00"
    tab.set_accepted_value("70,00")  # above the contested value
    event = run(tab.confirm_decision())
    assert "error" in str(event) and says(event, "menor que o contestado") and tab.decision_open
    tab.set_accepted_value("40,00")
    event = run(tab.confirm_decision())
    assert says(event, "aceito parcialmente (valor aceito R$ 40,00)") and not tab.decision_open
    assert tab.rows == []  # the pending filter: it left the queue
    run(tab.filter_status(""))
    [row] = tab.rows
    assert (row.status, row.accepted, row.can_decide) == ("ACEITO_PARCIAL", "R$ 40,00", False)
    assert db.get(Appeal, appeal.id, populate_existing=True).accepted_value == D("40.00")


def test_refusing_needs_a_reason_and_is_final(factory, db, login):
    who = clinic(factory)
    appeal = _appealed(factory, db, who, staff_actor(factory))
    tab = browser_tab(AppealsQueueState, login(role=Role.STAFF))
    run(tab.on_load())
    tab.open_decision(str(appeal.id), "refuse")
    event = run(tab.confirm_decision())
    assert "error" in str(event) and says(event, "Motivo")
    assert db.get(Appeal, appeal.id, populate_existing=True).status == AppealStatus.PENDENTE
    tab.set_decision_note("Sem autorização válida na data do atendimento.")
    run(tab.confirm_decision())
    assert db.get(Appeal, appeal.id, populate_existing=True).status == AppealStatus.RECUSADO
    tab.open_decision(str(appeal.id), "accept")  # no longer on the page: nothing opens
    assert not tab.decision_open


def test_an_accepted_appeal_is_payable_on_the_payments_page(factory, db, login):
    who = clinic(factory)
    appeal = _appealed(factory, db, who, staff_actor(factory))
    token = login(role=Role.STAFF)
    queue = browser_tab(AppealsQueueState, token)
    run(queue.on_load())
    queue.open_decision(str(appeal.id), "accept")
    run(queue.confirm_decision())
    tab = browser_tab(PaymentsState, token)
    run(tab.on_load())
    run(tab.choose_provider(str(who.provider.id)))
    [line] = tab.appeals
    assert (line.id, line.accepted, line.checked) == (appeal.id, "R$ 60,00", True)
    assert tab.preview.appeals == "R$ 60,00"


def test_a_provider_deciding_an_appeal_is_refused(factory, db, login):
    who = clinic(factory)
    appeal = _appealed(factory, db, who, staff_actor(factory))
    tab = browser_tab(AppealsQueueState, login(who.provider))
    event = run(tab.on_load())
    assert "/painel" in str(event) and tab.rows == []
    tab.decision_appeal.id, tab.decision = appeal.id, "accept"
    event = run(tab.confirm_decision())
    assert "/painel" in str(event)
    assert db.get(Appeal, appeal.id, populate_existing=True).status == AppealStatus.PENDENTE
