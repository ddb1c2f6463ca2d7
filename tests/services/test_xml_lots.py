"""Receiving TISS XML lots end to end on the real database: accept, refuse, history, files, ownership."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from lxml import etree
from pypdf import PdfReader
from sqlmodel import select

from copass_app.models import Batch, BatchOrigin, BilledItem, UploadRecord
from copass_app.services import batches, storage, xml_lots
from copass_app.services.errors import NotFound
from copass_app.services.lot_export import lot_for_guides
from copass_app.tiss.schema import get_schema
from copass_app.tiss.validation import validate_lot


@pytest.fixture
def clinic(factory, db):
    provider = factory.provider(name="Clínica São Lucas", code="100001")
    actor = factory.actor(provider)
    guides = [factory.guide(provider) for _ in range(3)]
    db.commit()
    return provider, actor, guides


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_valid_lot_becomes_a_batch_with_protocol_and_tiss_receipt(db, clinic):
    provider, actor, guides = clinic
    data = lot_for_guides(db, provider, guides, "7001")
    outcome = xml_lots.receive_lot(actor, "lote-7001.xml", data)
    assert outcome.accepted and outcome.errors == []
    batch = db.get(Batch, outcome.batch_id)
    assert batch.origin == BatchOrigin.XML and batch.lot_number == "7001" and batch.guide_count == 3
    assert batch.total_value == sum(g.total_value for g in guides)
    assert outcome.protocol_number == batch.protocol_number
    # The TISS answer is itself a valid 4.03.00 message that quotes the protocol.
    receipt = etree.fromstring(outcome.response_xml)
    assert get_schema().validate(receipt)
    assert batch.protocol_number.encode() in outcome.response_xml
    assert validate_lot(outcome.response_xml).transaction == "PROTOCOLO_RECEBIMENTO"
    claimed = db.exec(select(BilledItem).where(BilledItem.batch_id == batch.id)).all()
    assert len(claimed) == 3
    record = db.get(UploadRecord, outcome.upload_id)
    assert record.accepted and record.batch_id == batch.id and record.md5 == outcome.md5
    assert storage.load(record.stored_path) == data
    assert "uploads/" in record.stored_path and "_upload" not in record.stored_path
    listed = batches.list_batches(db, actor, batches.BatchFilters())
    assert [row.protocol_number for row in listed.rows] == [batch.protocol_number]


def test_invalid_file_leaves_only_the_upload_record_and_a_printable_report(db, clinic):
    provider, actor, guides = clinic
    data = lot_for_guides(db, provider, guides, "7002").replace(b"<ans:hash>", b"<ans:hash>0")
    outcome = xml_lots.receive_lot(actor, "lote-errado.xml", data)
    assert not outcome.accepted and outcome.batch_id is None
    assert {e.code for e in outcome.errors} >= {"5014"} or outcome.errors
    assert db.exec(select(Batch)).all() == []
    assert db.exec(select(BilledItem)).all() == []
    record = db.get(UploadRecord, outcome.upload_id)
    assert not record.accepted and record.error_count == len(outcome.errors)
    filename, pdf = xml_lots.error_report_pdf(db, actor, outcome.upload_id)
    text = _pdf_text(pdf)
    assert filename == "erros-lote-errado.pdf"
    assert "lote-errado.xml" in text and outcome.md5 in text
    assert outcome.errors[0].message.split(":")[0][:20] in text
    assert b"mensagemErro" in outcome.response_xml


def test_wrong_hash_is_refused_with_5014(db, clinic):
    provider, actor, guides = clinic
    root = etree.fromstring(lot_for_guides(db, provider, guides, "7003"))
    root.find(".//{*}epilogo/{*}hash").text = "0" * 32
    outcome = xml_lots.receive_lot(actor, "hash.xml", etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1"))
    assert [e.code for e in outcome.errors] == ["5014"]


def test_same_file_sent_twice_is_refused_the_second_time(db, clinic):
    provider, actor, guides = clinic
    data = lot_for_guides(db, provider, guides, "7004")
    assert xml_lots.receive_lot(actor, "a.xml", data).accepted
    again = xml_lots.receive_lot(actor, "a.xml", data)
    assert not again.accepted
    codes = {e.code for e in again.errors}
    assert {"1702", "5053"} <= codes
    assert len(db.exec(select(Batch)).all()) == 1


def test_after_estorno_the_guides_can_be_sent_again(db, clinic):
    provider, actor, guides = clinic
    first = xml_lots.receive_lot(actor, "a.xml", lot_for_guides(db, provider, guides, "7005"))
    with db.begin_nested():
        pass
    batches.reverse_batch(db, actor, first.batch_id)
    db.commit()
    second = xml_lots.receive_lot(actor, "b.xml", lot_for_guides(db, provider, guides, "7006"))
    assert second.accepted, second.errors


def test_oversized_file_is_refused_before_parsing(db, clinic, monkeypatch):
    _, actor, _ = clinic
    monkeypatch.setenv("COPASS_MAX_XML_BYTES", "1000")
    outcome = xml_lots.receive_lot(actor, "grande.xml", b"<a>" + b"x" * 5000 + b"</a>")
    assert not outcome.accepted and "excede o limite" in outcome.errors[0].message


def test_history_lists_every_file_of_the_provider_only(db, factory, clinic):
    provider, actor, guides = clinic
    xml_lots.receive_lot(actor, "ok.xml", lot_for_guides(db, provider, guides, "7007"))
    xml_lots.receive_lot(actor, "vazio.xml", b"")
    other = factory.provider(name="Outro")
    other_actor = factory.actor(other)
    xml_lots.receive_lot(other_actor, "do-outro.xml", b"")
    page = xml_lots.list_uploads(db, actor)
    assert [row.file_name for row in page.rows] == ["vazio.xml", "ok.xml"]
    ok = page.rows[1]
    assert ok.accepted and ok.protocol_number and ok.user_login == actor.login and ok.size_bytes > 0
    assert not page.rows[0].accepted and page.rows[0].error_count >= 1


def test_another_provider_cannot_open_files_of_an_upload(db, factory, clinic):
    provider, actor, guides = clinic
    outcome = xml_lots.receive_lot(actor, "a.xml", lot_for_guides(db, provider, guides, "7008"))
    refused = xml_lots.receive_lot(actor, "b.xml", b"")
    intruder = factory.actor(factory.provider(name="Intruso"))
    with pytest.raises(NotFound):
        xml_lots.original_file(db, intruder, outcome.upload_id)
    with pytest.raises(NotFound):
        xml_lots.protocol_receipt_xml(db, intruder, outcome.upload_id)
    with pytest.raises(NotFound):
        xml_lots.error_report_pdf(db, intruder, refused.upload_id)
    name, original = xml_lots.original_file(db, actor, outcome.upload_id)
    assert name == "a.xml" and original.startswith(b"<?xml")


def test_lot_with_another_providers_guides_is_refused_and_bills_nothing(db, factory, clinic):
    provider, _, guides = clinic
    intruder_provider = factory.provider(name="Intruso", code="666666")
    intruder = factory.actor(intruder_provider)
    # The intruder's own system names the clinic's guides under the intruder's code.
    data = lot_for_guides(db, provider, guides, "7009").replace(b">100001<", b">666666<")
    outcome = xml_lots.receive_lot(intruder, "roubo.xml", data, today=date.today())
    assert not outcome.accepted
    assert {e.code for e in outcome.errors} <= {"1307", "5014"}
    assert db.exec(select(BilledItem)).all() == []


def test_guide_errors_are_kept_with_their_guide_for_the_report(db, clinic):
    provider, actor, guides = clinic
    guides[1].status = "3"  # negada after the file was written
    db.add(guides[1])
    db.commit()
    outcome = xml_lots.receive_lot(actor, "c.xml", lot_for_guides(db, provider, guides, "7010"))
    kept = xml_lots.upload_errors(db, actor, outcome.upload_id)
    assert [(e["code"], e["guide_number"]) for e in kept] == [("1402", guides[1].provider_guide_number)]
    _, pdf = xml_lots.error_report_pdf(db, actor, outcome.upload_id)
    assert f"Guia {guides[1].provider_guide_number}" in _pdf_text(pdf)


def test_items_billed_by_another_session_meanwhile_refuse_the_lot_with_1702(db, factory, clinic, engine, monkeypatch):
    """The check passes, then another transaction bills an item before this one writes: the key refuses it."""
    from sqlmodel import Session

    from copass_app.models import GuideItem

    provider, actor, guides = clinic
    rival = factory.batch(provider, actor.user_id, lot_number="rival")
    db.commit()
    real_check = xml_lots.check_lot

    def check_then_lose_the_race(*args, **kwargs):
        result = real_check(*args, **kwargs)
        with Session(engine) as other:
            item = other.exec(select(GuideItem).where(GuideItem.guide_id == guides[0].id)).first()
            other.add(BilledItem(guide_item_id=item.id, batch_id=rival.id))
            other.commit()
        return result

    monkeypatch.setattr(xml_lots, "check_lot", check_then_lose_the_race)
    outcome = xml_lots.receive_lot(actor, "corrida.xml", lot_for_guides(db, provider, guides, "7011"))
    assert not outcome.accepted and [e.code for e in outcome.errors] == ["1702"]
    assert b"mensagemErro" in outcome.response_xml
    assert db.exec(select(Batch).where(Batch.lot_number == "7011")).all() == []
    record = db.get(UploadRecord, outcome.upload_id)
    assert not record.accepted and storage.load(record.stored_path).startswith(b"<?xml")


def test_a_file_sent_twice_is_stored_once(db, clinic):
    provider, actor, guides = clinic
    data = lot_for_guides(db, provider, guides, "7012")
    first = xml_lots.receive_lot(actor, "a.xml", data)
    second = xml_lots.receive_lot(actor, "a-de-novo.xml", data)
    paths = {db.get(UploadRecord, o.upload_id).stored_path for o in (first, second)}
    assert len(paths) == 1 and storage.load(paths.pop()) == data
