"""tissLoteGuias through zeep: the same checks 1–6 as the upload page, the protocol or the TISS codes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from copass_app.models import Batch, BilledItem, UploadRecord
from copass_app.services.lot_export import lot_for_guides
from copass_app.tiss import codes
from tests.webservices.conftest import text

SERVICE = "tissLoteGuias"
ERROR = "recebimentoLote/mensagemErro"


@pytest.fixture
def guides(factory, clinic):
    provider = clinic[0]
    return [factory.guide(provider) for _ in range(3)]


def _lot(soap, db, provider, guides, number, **edits):
    parts = soap.parts_of(SERVICE, lot_for_guides(db, provider, guides, number), "loteGuiasWS", "loteGuias",
                          "loteGuias")
    parts.update(edits)
    return parts


def test_an_accepted_lot_answers_the_protocol(db, soap, clinic, guides):
    provider = clinic[0]
    reply = soap.call(SERVICE, **_lot(soap, db, provider, guides, "501"))
    protocol = text(reply, "recebimentoLote/protocoloRecebimento/detalheProtocolo/numeroProtocolo")
    batch = db.exec(select(Batch)).one()
    assert protocol == batch.protocol_number and batch.lot_number == "501" and batch.guide_count == 3
    assert len(db.exec(select(BilledItem)).all()) == 3
    record = db.exec(select(UploadRecord)).one()
    assert record.via == "SOAP" and record.accepted and record.batch_id == batch.id
    assert text(reply, "cabecalho/identificacaoTransacao/tipoTransacao") == "PROTOCOLO_RECEBIMENTO"


def test_a_wrong_hash_is_refused_with_5014_and_nothing_billed(db, soap, clinic, guides):
    reply = soap.call(SERVICE, **_lot(soap, db, clinic[0], guides, "502", hash="0" * 32))
    assert text(reply, f"{ERROR}/codigoGlosa") == codes.INVALID_HASH
    assert db.exec(select(Batch)).all() == []
    record = db.exec(select(UploadRecord)).one()  # kept in the history, as on the upload page
    assert not record.accepted and record.via == "SOAP"


def test_a_lot_sent_twice_is_refused_the_second_time(db, soap, clinic, guides):
    soap.call(SERVICE, **_lot(soap, db, clinic[0], guides, "503"))
    again = soap.call(SERVICE, **_lot(soap, db, clinic[0], guides, "504"))
    assert text(again, f"{ERROR}/codigoGlosa") in (codes.GUIDE_ALREADY_SENT, codes.DUPLICATE_BILLING)
    assert len(db.exec(select(Batch)).all()) == 1


def test_another_senders_lot_is_unidentified(db, factory, soap, clinic, guides):
    parts = _lot(soap, db, clinic[0], guides, "505")
    parts["cabecalho"].origem.identificacaoPrestador.codigoPrestadorNaOperadora = "999999"
    reply = soap.call(SERVICE, **parts)
    assert text(reply, f"{ERROR}/codigoGlosa") == codes.SENDER_NOT_IDENTIFIED
    assert db.exec(select(Batch)).all() == []


def test_a_lot_the_schema_refuses_gets_the_tiss_error(db, soap, clinic, guides):
    parts = _lot(soap, db, clinic[0], guides, "506")
    parts["cabecalho"].Padrao = "4.01.00"
    reply = soap.call(SERVICE, **parts)
    assert text(reply, f"{ERROR}/codigoGlosa") == codes.INVALID_VERSION
    assert db.exec(select(Batch)).all() == []
