"""After a refusal the screen shows what is stored: a tab that still shows a batch as "Recebido" while
someone else has moved it meanwhile (a real second transaction on the database) is reloaded by the
refused action itself."""

from __future__ import annotations

import asyncio

from copass_app.models import Role
from copass_app.services import batches as batch_service
from copass_app.services import processing
from copass_app.services.auth import actor_for_token
from copass_app.services.unit_of_work import perform
from copass_app.state.batches import BatchesState
from copass_app.state.staff import ReceivedBatchesState
from copass_app.vocabulary import BATCH_STATUS
from tests.state.conftest import browser_tab, says


def _as(token: str, service):
    """`service(db, actor)` in its own unit of work, as another browser tab's action would run."""
    return perform(lambda db: service(db, actor_for_token(db, token)))


def test_estorno_refused_because_the_analysis_started_meanwhile_reloads_the_row(db, factory, login):
    provider = factory.provider(name="Clínica A")
    provider_token, staff_token = login(provider), login(role=Role.STAFF)
    batch = factory.batch(provider, factory.user(provider).id)
    db.commit()
    tab = browser_tab(BatchesState, provider_token)
    asyncio.run(tab.on_load())
    assert [(r.status, r.can_reverse) for r in tab.rows] == [("1", True)]  # Recebido, with "Estornar"

    _as(staff_token, lambda db, actor: processing.start_analysis(db, actor, batch.id))  # the operator, meanwhile

    event = asyncio.run(tab.reverse(str(batch.id)))
    assert "error" in str(event) and not says(event, "Lote estornado")
    [row] = tab.rows
    assert BATCH_STATUS.label(row.status) == "Em análise"
    assert row.can_reverse is False and row.processed_at != "—"


def test_estornar_asks_in_the_one_dialog_naming_the_rows_protocol_and_reverses_that_batch(db, factory, login):
    provider = factory.provider(name="Clínica C")
    user_id = factory.user(provider).id
    first, second = factory.batch(provider, user_id), factory.batch(provider, user_id)
    db.commit()
    tab = browser_tab(BatchesState, login(provider))
    asyncio.run(tab.on_load())
    row = next(r for r in tab.rows if r.id == second.id)
    tab.ask_reverse(row.id, row.protocol)  # "Estornar" on the second row: nothing is written yet
    assert tab.reverse_open and tab.reverse_protocol == row.protocol
    assert {r.id: r.can_reverse for r in tab.rows} == {first.id: True, second.id: True}
    event = asyncio.run(tab.reverse(tab.reverse_id))  # "Estornar" in the dialog
    assert says(event, "Lote estornado")
    assert {r.id: r.can_reverse for r in tab.rows} == {first.id: True, second.id: False}  # only the second


def test_start_of_analysis_refused_because_the_provider_reversed_meanwhile_reloads_the_list(db, factory, login):
    provider = factory.provider(name="Clínica B")
    provider_token, staff_token = login(provider), login(role=Role.STAFF)
    batch = factory.batch(provider, factory.user(provider).id)
    db.commit()
    tab = browser_tab(ReceivedBatchesState, staff_token)
    asyncio.run(tab.filter_status("todas"))
    assert [(r.batch.id, r.can_start) for r in tab.rows] == [(batch.id, True)]

    _as(provider_token, lambda db, actor: batch_service.reverse_batch(db, actor, batch.id))  # meanwhile

    event = asyncio.run(tab.start_analysis(str(batch.id)))
    assert "error" in str(event) and not says(event, "Análise iniciada")
    [row] = tab.rows
    assert BATCH_STATUS.label(row.batch.status).startswith("Cancelado") and row.can_start is False


def test_lists_say_they_are_loaded_only_after_the_first_page_arrives(factory, login):
    tab = browser_tab(BatchesState, login(factory.provider()))
    assert tab.loaded is False  # the page shows its skeleton, not an empty-state, before the data
    asyncio.run(tab.on_load())
    assert tab.loaded is True and tab.rows == []
