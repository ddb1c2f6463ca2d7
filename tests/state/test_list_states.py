"""The list pages' states: typed rows from the services, the CSV export and a refused XML lot, each
through the one session-checked service call."""

from __future__ import annotations

import asyncio
import base64
from io import BytesIO
from pathlib import Path

import reflex as rx

from copass_app.models import Role
from copass_app.state.batches import BatchesState, BatchLine
from copass_app.state.staff import ReceivedBatchesState, ReceivedLine
from copass_app.state.uploads import UploadHistoryState, UploadState
from tests.state.conftest import browser_tab, says


def _provider_with_batch(factory, login):
    provider = factory.provider(name="Clínica A")
    token = login(provider)
    user = factory.user(provider)
    return provider, token, factory.batch(provider, user.id)


def test_acompanhamento_rows_are_typed_and_filters_refuse_a_bad_date(factory, login):
    _, token, batch = _provider_with_batch(factory, login)
    tab = browser_tab(BatchesState, token)
    assert asyncio.run(tab.on_load()) is None
    [row] = tab.rows
    assert isinstance(row, BatchLine)
    assert (row.id, row.protocol, row.status, row.origin, row.can_reverse) == (batch.id, batch.protocol_number,
                                                                              "1", "XML", True)
    event = asyncio.run(tab.apply_filters({"status": "todas", "date_from": "31/02/2026", "origin": "todas"}))
    assert says(event, "data inexistente")


def test_acompanhamento_exports_the_filtered_list_as_csv(factory, login):
    _, token, batch = _provider_with_batch(factory, login)
    tab = browser_tab(BatchesState, token)

    async def export():  # the button spins first (an empty update), then the file comes
        return [event async for event in tab.export_csv()]

    spinning, event = asyncio.run(export())
    assert spinning is None and tab.exporting is False
    url, file_name = (value._var_value for _, value in event.args)
    assert file_name.endswith(".csv")
    csv_text = base64.b64decode(url.split("base64,", 1)[1]).decode("utf-8-sig")
    assert batch.protocol_number in csv_text


def test_staff_see_every_providers_batch_with_its_status(factory, login):
    _, _, batch = _provider_with_batch(factory, login)
    tab = browser_tab(ReceivedBatchesState, login(role=Role.STAFF))
    assert asyncio.run(tab.on_load()) is None
    [row] = tab.rows
    assert isinstance(row, ReceivedLine) and row.can_start is True
    assert (row.batch.id, row.batch.status) == (batch.id, "1")
    asyncio.run(tab.filter_status("todas"))
    assert tab.status == "" and len(tab.rows) == 1


def test_a_refused_lot_shows_its_errors_and_is_kept_in_the_history(factory, login):
    token = login(factory.provider())
    tab = browser_tab(UploadState, token)
    data = b"<?xml version='1.0'?><nao-e-tiss/>"
    upload = rx.UploadFile(file=BytesIO(data), path=Path("lote-ruim.xml"), size=len(data))
    event = asyncio.run(tab.handle_upload([upload]))
    assert says(event, "recusado")
    assert tab.has_result and tab.result.accepted is False and tab.result.error_count >= 1
    assert tab.error_groups and tab.error_groups[0].errors[0].message
    history = browser_tab(UploadHistoryState, token)
    asyncio.run(history.on_load())
    assert [(r.file_name, r.accepted, r.result) for r in history.rows] == [("lote-ruim.xml", False, "refused")]


def test_a_purged_upload_shows_arquivo_expurgado_instead_of_its_original(factory, login, db):
    from sqlmodel import select

    from copass_app.models import UploadRecord

    token = login(factory.provider())
    tab = browser_tab(UploadState, token)
    data = b"<?xml version='1.0'?><nao-e-tiss/>"
    asyncio.run(tab.handle_upload([rx.UploadFile(file=BytesIO(data), path=Path("velho.xml"), size=len(data))]))
    record = db.exec(select(UploadRecord)).one()
    record.stored_path = ""  # what copass purge leaves on a record whose file went
    db.add(record)
    db.commit()
    history = browser_tab(UploadHistoryState, token)
    asyncio.run(history.on_load())
    assert [(r.file_name, r.file_purged) for r in history.rows] == [("velho.xml", True)]
