"""The provider's Prévia de glosas (Faturamento and an accepted XML lot) and the TISS files of the money
half from its pages: the demonstrativos and the RECURSO_GLOSA downloaded valid against the XSD, a
RECURSO_GLOSA uploaded instead of typing the appeals; another provider's records not found."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import reflex as rx
from lxml import etree
from sqlalchemy import func
from sqlmodel import select

from copass_app import clock
from copass_app.models import Appeal, Glosa
from copass_app.services import appeals, payments
from copass_app.state.appeals import ProviderAppealsState
from copass_app.state.batches import BatchesState
from copass_app.state.billing import DraftSelectionState
from copass_app.state.payments_provider import ProviderPaymentsState
from copass_app.state.uploads import UploadState
from copass_app.tiss import codes
from tests.services.money_helpers import analysed_batch, bill, clinic, glosas_of, staff_actor
from tests.services.test_appeal_lots import appeal_file
from tests.services.test_statements import valid
from tests.state.conftest import browser_tab, says

D = Decimal
TODAY = clock.today()
EXAM = ("22", "40301630", "Hemograma com contagem de plaquetas", D("1"), D("25.50"))
ITEMS = [("22", "41001010", "Tomografia", D("2"), D("500.00")),
         ("19", "70000001", "Seringa descartável", D("3"), D("1.25"))]
WHY = "Procedimento autorizado pela senha 12345678."


def run(coroutine):
    return asyncio.run(coroutine)


def drain(generator) -> list:
    async def collect():
        return [event async for event in generator]

    return asyncio.run(collect())


def downloaded(event) -> bytes:
    """The bytes of an rx.download event (a data: URL in its payload)."""
    import base64
    import re

    text = str(event)
    match = re.search(r"base64,([A-Za-z0-9+/=]+)", text)
    assert match, text[:300]
    return base64.b64decode(match.group(1))


def valid_tiss(data: bytes) -> etree._Element:
    """Valid against the official 4.03.00 XSD, with its epilogo hash (tests/services/test_statements.py)."""
    return valid(data)


# --- Prévia de glosas --------------------------------------------------------------------------


def _draft_with_a_duplicate(factory, login):
    """Two guides of the same beneficiary with the same exam on the same day: the second is a duplicate."""
    provider = factory.provider(name="Clínica A")
    patient = factory.beneficiary("Maria das Dores")
    for _ in range(2):
        factory.guide(provider, beneficiary=patient, items=[EXAM], requested_on=TODAY - timedelta(days=5),
                      performed_on=TODAY - timedelta(days=4))
    tab = browser_tab(DraftSelectionState, login(provider))
    run(tab.open_period({"start": (TODAY - timedelta(days=30)).isoformat(), "end": TODAY.isoformat(),
                         "competence": ""}))
    return tab


def test_the_draft_preview_shows_the_duplicate_with_its_code_and_value_and_writes_nothing(factory, db, login):
    tab = _draft_with_a_duplicate(factory, login)
    drain(tab.run_draft_preview())
    p = tab.preview
    assert p.shown and not p.clean
    assert (p.guide_count, p.finding_count, p.flagged_guides, p.glosa) == (2, 1, 1, "R$ 25,50")
    finding = tab.preview_rows[0].lines[0].findings[0]
    assert (finding.rule, finding.reason_code, finding.value) == ("duplicate", codes.DUPLICATE_BILLING, "R$ 25,50")
    assert finding.reason_description == codes.all_codes()[codes.DUPLICATE_BILLING]
    assert "já cobrado" in finding.message
    assert db.exec(select(func.count()).select_from(Glosa)).one() == 0


def test_leaving_a_flagged_guide_out_unchecks_it_and_the_preview_is_clean(factory, db, login):
    tab = _draft_with_a_duplicate(factory, login)
    drain(tab.run_draft_preview())
    flagged = tab.preview_rows[0].guide_id
    events = run(tab.leave_out_of_preview(str(flagged)))
    assert says(events, "Guia deixada de fora")
    assert tab.preview.clean and tab.preview.guide_count == 1
    assert tab.included[str(flagged)] is False and tab.summary.guides == 1  # the cards show it as stored


def test_the_preview_of_an_accepted_lot_and_of_another_providers_lot(factory, db, login):
    who = clinic(factory)
    batch_id = bill(factory, db, who, items=[EXAM])
    tab = browser_tab(UploadState, login(who.provider))
    drain(tab.run_batch_preview(str(batch_id)))
    assert tab.preview.shown and tab.preview.batch_id == batch_id and "protocolo" in tab.preview.subject
    intruder = browser_tab(UploadState, login(factory.provider(name="Outra Clínica")))
    events = drain(intruder.run_batch_preview(str(batch_id)))
    assert says(events, "Lote não encontrado.") and not intruder.preview.shown


# --- downloads -----------------------------------------------------------------------------------


def test_the_batch_detail_downloads_the_analysis_statement_and_the_appeal_valid_against_the_xsd(
        factory, db, login):
    who, staff = clinic(factory), staff_actor(factory)
    batch = analysed_batch(factory, db, who, staff, {0: D("200.00")}, items=ITEMS)
    [glosa] = glosas_of(db, batch.id)
    appeals.open_appeal(db, who.actor, glosa.id, contested_value="200,00", justification=WHY)
    db.commit()
    tab = browser_tab(BatchesState, login(who.provider))
    run(tab.open_summary(str(batch.id)))
    assert tab.summary.has_appeals
    statement = valid_tiss(downloaded(run(tab.download_statement("analysis", str(batch.id)))))
    assert batch.protocol_number in etree.tostring(statement).decode("iso-8859-1")
    valid_tiss(downloaded(run(tab.download_statement("appeal", str(batch.id)))))
    valid_tiss(downloaded(run(tab.download_statement("appeal_receipt", str(batch.id)))))
    assert says(run(tab.download_statement("junk", str(batch.id))), "Arquivo não encontrado.")
    intruder = browser_tab(BatchesState, login(factory.provider(name="Outra Clínica")))
    assert says(run(intruder.download_statement("analysis", str(batch.id))), "Lote não encontrado.")


def test_a_batch_in_analysis_has_no_statement_yet(factory, db, login):
    from copass_app.services import processing

    who, staff = clinic(factory), staff_actor(factory)
    batch_id = bill(factory, db, who, items=ITEMS)
    processing.start_analysis(db, staff, batch_id)
    db.commit()
    tab = browser_tab(BatchesState, login(who.provider))
    assert says(run(tab.download_statement("analysis", str(batch_id))), "fica disponível quando a análise")


def test_pagamentos_downloads_the_payment_statement_and_refuses_another_providers(factory, db, login):
    who, staff = clinic(factory), staff_actor(factory)
    batch = analysed_batch(factory, db, who, staff, {0: D("200.00")}, items=ITEMS)
    paid = payments.register_payment(db, staff, who.provider.id, batch_ids=[batch.id], appeal_ids=[],
                                     paid_on=TODAY)
    db.commit()
    tab = browser_tab(ProviderPaymentsState, login(who.provider))
    valid_tiss(downloaded(run(tab.download_statement(str(paid.id)))))
    intruder = browser_tab(ProviderPaymentsState, login(factory.provider(name="Outra Clínica")))
    assert says(run(intruder.download_statement(str(paid.id))), "Pagamento não encontrado.")


# --- RECURSO_GLOSA uploaded ----------------------------------------------------------------------


def _upload(tab, data: bytes, name: str = "recurso.xml"):
    return run(tab.handle_appeal_upload([rx.UploadFile(file=BytesIO(data), path=Path(name), size=len(data))]))


def test_an_uploaded_appeal_opens_the_appeals_and_lists_them(factory, db, login):
    who, staff = clinic(factory), staff_actor(factory)
    batch = analysed_batch(factory, db, who, staff, {0: D("200.00"), 1: D("3.75")}, items=ITEMS)
    tab = browser_tab(ProviderAppealsState, login(who.provider))
    run(tab.on_load())
    event = _upload(tab, appeal_file(db, batch, who, {1: D("150.00"), 2: D("3.75")}))
    assert says(event, "2 glosa(s) recorrida(s)")
    assert tab.upload.accepted and tab.upload.opened == 2 and tab.upload.protocol == batch.protocol_number
    assert sorted(row.contested for row in tab.rows) == ["R$ 150,00", "R$ 3,75"]
    assert {row.status for row in tab.rows} == {"PENDENTE"}
    valid_tiss(downloaded(run(tab.download_reply())))


def test_a_refused_appeal_file_shows_its_errors_and_opens_nothing(factory, db, login):
    who, staff = clinic(factory), staff_actor(factory)
    batch = analysed_batch(factory, db, who, staff, {0: D("200.00")}, items=ITEMS)
    tab = browser_tab(ProviderAppealsState, login(who.provider))
    run(tab.on_load())
    event = _upload(tab, appeal_file(db, batch, who, {1: D("250.00")}))  # above the glosa of 200,00
    assert "error" in str(event) and says(event, "nenhuma glosa foi recorrida")
    assert not tab.upload.accepted and tab.upload.error_count >= 1
    shown = [e.code for g in tab.upload_errors for e in g.errors]
    assert codes.INVALID_APPEAL_VALUE in shown
    db.expire_all()
    assert db.exec(select(func.count()).select_from(Appeal)).one() == 0
    valid_tiss(downloaded(run(tab.download_reply())))


def test_a_file_that_is_not_xml_is_refused_before_anything(factory, login):
    tab = browser_tab(ProviderAppealsState, login(factory.provider()))
    assert says(_upload(tab, b"%PDF-1.4", "recurso.pdf"), "extensão .xml")
    assert says(run(tab.handle_appeal_upload([])), "Escolha o arquivo XML")
    assert not tab.upload.shown


def test_an_appeal_of_another_providers_protocol_is_refused_as_not_found(factory, db, login):
    who, staff = clinic(factory), staff_actor(factory)
    batch = analysed_batch(factory, db, who, staff, {0: D("200.00")}, items=ITEMS)
    other = clinic(factory, "Laboratório Vida")
    tab = browser_tab(ProviderAppealsState, login(other.provider))
    _upload(tab, appeal_file(db, batch, other, {1: D("200.00")}))
    assert not tab.upload.accepted
    assert codes.PROTOCOL_NOT_FOUND in [e.code for g in tab.upload_errors for e in g.errors]
    db.expire_all()
    assert db.exec(select(func.count()).select_from(Appeal)).one() == 0
