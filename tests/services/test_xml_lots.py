"""Receiving TISS XML lots end to end on the real database: accept, refuse, history, files, ownership.

Every lot goes through `perform`, as the page and the API send it: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from lxml import etree
from pypdf import PdfReader
from sqlmodel import select

from copass_app import clock
from copass_app.models import AuditLog, Batch, BatchOrigin, BilledItem, UploadRecord
from copass_app.services import batches, storage, xml_lots
from copass_app.services.errors import NotFound
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.tiss.hash import set_hash
from copass_app.tiss.schema import get_schema
from copass_app.tiss.validation import validate_lot


def receive(actor, file_name, data, **options) -> xml_lots.LotOutcome:
    return perform(lambda db: xml_lots.receive_lot(db, actor, file_name, data, **options))


def rehashed(xml: bytes) -> bytes:
    """The file after an edit, with its epilogo hash recomputed: only the rule under test can refuse it."""
    root = etree.fromstring(xml)
    set_hash(root)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")


def nothing_billed(db) -> bool:
    db.expire_all()
    return db.exec(select(Batch)).all() == [] and db.exec(select(BilledItem)).all() == []


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
    outcome = receive(actor, "lote-7001.xml", data)
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
    # The first guide declares a total its items do not add up to (the hash is right).
    written = lot_for_guides(db, provider, guides, "7002")
    data = rehashed(written.replace(b"<ans:valorTotalGeral>25.50<", b"<ans:valorTotalGeral>99.99<", 1))
    outcome = receive(actor, "lote-errado.xml", data)
    assert not outcome.accepted and outcome.batch_id is None
    assert [(e.code, e.guide_number) for e in outcome.errors] == [
        (codes.GUIDE_TOTAL_MISMATCH, guides[0].provider_guide_number)]
    assert nothing_billed(db)
    record = db.get(UploadRecord, outcome.upload_id)
    assert not record.accepted and record.error_count == len(outcome.errors) and record.batch_id is None
    assert storage.load(record.stored_path) == data
    audit = db.exec(select(AuditLog).where(AuditLog.entity == "upload_record")).all()
    assert [(row.action, row.entity_id) for row in audit] == [("xml.refuse", str(record.id))]
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
    outcome = receive(actor, "hash.xml", etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1"))
    assert [e.code for e in outcome.errors] == [codes.INVALID_HASH]
    assert nothing_billed(db)


def test_same_file_sent_twice_is_refused_the_second_time(db, clinic):
    provider, actor, guides = clinic
    data = lot_for_guides(db, provider, guides, "7004")
    assert receive(actor, "a.xml", data).accepted
    again = receive(actor, "a.xml", data)
    assert not again.accepted
    # The lot number is taken, and every item of the three guides is billed already.
    assert [e.code for e in again.errors] == [codes.IDENTIFIER_REPEATED] + [codes.DUPLICATE_BILLING] * 3
    assert len(db.exec(select(Batch)).all()) == 1


def test_after_estorno_the_guides_can_be_sent_again(db, clinic):
    provider, actor, guides = clinic
    first = receive(actor, "a.xml", lot_for_guides(db, provider, guides, "7005"))
    assert first.accepted, first.errors
    before = receive(actor, "b.xml", lot_for_guides(db, provider, guides, "7006"))
    assert not before.accepted and {e.code for e in before.errors} == {codes.DUPLICATE_BILLING}
    perform(lambda session: batches.reverse_batch(session, actor, first.batch_id))
    second = receive(actor, "b.xml", lot_for_guides(db, provider, guides, "7006"))
    assert second.accepted, second.errors
    db.expire_all()
    assert db.get(Batch, second.batch_id).guide_count == 3


def test_oversized_file_is_refused_before_parsing(db, clinic, monkeypatch):
    _, actor, _ = clinic
    monkeypatch.setenv("COPASS_MAX_XML_BYTES", "1000")
    outcome = receive(actor, "grande.xml", b"<a>" + b"x" * 5000 + b"</a>")
    assert not outcome.accepted and outcome.errors[0].code == codes.CANNOT_VALIDATE
    # One unit for both figures (was "0,0 MB ... excede o limite de 0 MB").
    assert outcome.errors[0].message == "O arquivo tem 5,0 kB e excede o limite de 1,0 kB (1.000 bytes)."


def test_history_lists_every_file_of_the_provider_only(db, factory, clinic):
    provider, actor, guides = clinic
    receive(actor, "ok.xml", lot_for_guides(db, provider, guides, "7007"))
    receive(actor, "vazio.xml", b"")
    other = factory.provider(name="Outro")
    other_actor = factory.actor(other)
    receive(other_actor, "do-outro.xml", b"")
    page = xml_lots.list_uploads(db, actor)
    assert [row.file_name for row in page.rows] == ["vazio.xml", "ok.xml"]
    ok = page.rows[1]
    assert ok.accepted and ok.protocol_number and ok.user_login == actor.login and ok.size_bytes > 0
    assert not page.rows[0].accepted and page.rows[0].error_count >= 1


def test_another_provider_cannot_open_files_of_an_upload(db, factory, clinic):
    provider, actor, guides = clinic
    outcome = receive(actor, "a.xml", lot_for_guides(db, provider, guides, "7008"))
    refused = receive(actor, "b.xml", b"")
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
    data = rehashed(lot_for_guides(db, provider, guides, "7009").replace(b">100001<", b">666666<"))
    assert validate_lot(data).valid  # checks 1-5 pass: the rule that refuses is the guides' owner
    outcome = receive(intruder, "roubo.xml", data)
    assert not outcome.accepted
    assert [(e.code, e.guide_number) for e in outcome.errors] == [
        (codes.INVALID_GUIDE, guide.provider_guide_number) for guide in guides]
    assert nothing_billed(db)


def test_guide_errors_are_kept_with_their_guide_for_the_report(db, clinic):
    provider, actor, guides = clinic
    guides[1].status = "3"  # negada after the file was written
    db.add(guides[1])
    db.commit()
    outcome = receive(actor, "c.xml", lot_for_guides(db, provider, guides, "7010"))
    kept = xml_lots.upload_errors(db, actor, outcome.upload_id)
    assert [(e["code"], e["guide_number"]) for e in kept] == [("1402", guides[1].provider_guide_number)]
    _, pdf = xml_lots.error_report_pdf(db, actor, outcome.upload_id)
    assert f"Guia {guides[1].provider_guide_number}" in _pdf_text(pdf)


def test_two_confirmations_of_the_same_guides_at_once_bill_them_once(db, clinic):
    """Both pass check 6 before either writes (a barrier at each one's first flush); the database key
    lets one bill the guides and the other is refused with 1702, keeping its upload record."""
    provider, actor, guides = clinic
    files = [lot_for_guides(db, provider, guides, number) for number in ("7011", "7012")]
    outcomes = race(lambda index: receive(actor, f"corrida-{index}.xml", files[index]))
    accepted = [o for o in outcomes if o.accepted]
    refused = [o for o in outcomes if not o.accepted]
    assert len(accepted) == 1 and len(refused) == 1, [o.errors for o in outcomes]
    assert [e.code for e in refused[0].errors] == [codes.DUPLICATE_BILLING]
    assert b"<ans:codigoGlosa>1702<" in refused[0].response_xml
    db.expire_all()
    assert [b.id for b in db.exec(select(Batch)).all()] == [accepted[0].batch_id]
    assert len(db.exec(select(BilledItem)).all()) == 3
    record = db.get(UploadRecord, refused[0].upload_id)
    assert not record.accepted and record.batch_id is None and storage.load(record.stored_path).startswith(b"<?xml")


def test_two_lots_with_the_same_number_at_once_keep_one(db, factory, clinic):
    provider, actor, guides = clinic
    others = [factory.guide(provider) for _ in range(2)]
    files = [lot_for_guides(db, provider, guides, "7013"), lot_for_guides(db, provider, others, "7013")]
    outcomes = race(lambda index: receive(actor, f"mesmo-numero-{index}.xml", files[index]))
    assert sorted(o.accepted for o in outcomes) == [False, True], [o.errors for o in outcomes]
    [refused] = [o for o in outcomes if not o.accepted]
    assert [e.code for e in refused.errors] == [codes.DUPLICATE_BILLING]
    db.expire_all()
    assert len(db.exec(select(Batch).where(Batch.lot_number == "7013")).all()) == 1


def race(action, runners: int = 2) -> list:
    """Run action(0), action(1), ... in threads that all wait at their first flush until every one got
    there: each has done its reads (check 6) and none has written yet. Public seam: SQLAlchemy's
    before_flush event, no private function patched."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    barrier = threading.Barrier(runners, timeout=20)
    waited = threading.local()

    def wait_for_the_others(session, _context, _instances):
        if getattr(waited, "done", False) or threading.current_thread() is threading.main_thread():
            return
        waited.done = True
        barrier.wait()

    event.listen(OrmSession, "before_flush", wait_for_the_others)
    try:
        with ThreadPoolExecutor(runners) as pool:
            return list(pool.map(action, range(runners)))
    finally:
        event.remove(OrmSession, "before_flush", wait_for_the_others)


def test_a_file_sent_twice_is_stored_once(db, clinic):
    provider, actor, guides = clinic
    data = lot_for_guides(db, provider, guides, "7012")
    first = receive(actor, "a.xml", data)
    second = receive(actor, "a-de-novo.xml", data)
    paths = {db.get(UploadRecord, o.upload_id).stored_path for o in (first, second)}
    assert len(paths) == 1 and storage.load(paths.pop()) == data


def test_at_22_30_in_brasilia_tomorrow_is_refused_today_accepted_and_the_receipt_shows_brasilia_time(db, factory,
                                                                                                    clinic):
    """UTC is already tomorrow at 22:30 in Brasília: the lot used the UTC date while the page used Brasília's,
    and the receipt carried the UTC hour (01:30) while the protocol PDF showed 22:30."""
    provider, actor, _ = clinic
    tomorrow = factory.guide(provider, requested_on=date(2026, 3, 1), performed_on=date(2026, 3, 11))
    today = factory.guide(provider, requested_on=date(2026, 3, 1), performed_on=date(2026, 3, 10))
    sent_at = datetime(2026, 3, 10, 9, 0)  # the provider's system wrote the files in the morning
    with clock.frozen(datetime(2026, 3, 10, 22, 30)):
        refused = receive(actor, "amanha.xml", lot_for_guides(db, provider, [tomorrow], "7020", at=sent_at))
        accepted = receive(actor, "hoje.xml", lot_for_guides(db, provider, [today], "7021", at=sent_at))
    assert [(e.code, e.guide_number) for e in refused.errors] == [(codes.INVALID_DATE, tomorrow.provider_guide_number)]
    assert "11/03/2026 no futuro" in refused.errors[0].message
    assert accepted.accepted, accepted.errors
    receipt = etree.fromstring(accepted.response_xml)
    assert receipt.findtext(".//{*}identificacaoTransacao/{*}dataRegistroTransacao") == "2026-03-10"
    assert receipt.findtext(".//{*}identificacaoTransacao/{*}horaRegistroTransacao") == "22:30:00"
    refusal = etree.fromstring(refused.response_xml)
    assert refusal.findtext(".//{*}identificacaoTransacao/{*}horaRegistroTransacao") == "22:30:00"
    db.expire_all()
    batch = db.get(Batch, accepted.batch_id)
    assert clock.as_utc(batch.received_at) == datetime(2026, 3, 11, 1, 30, tzinfo=UTC)  # stored as UTC


def test_an_accepted_lot_is_written_in_the_callers_transaction(db, clinic):
    """A later step of the same user action fails: the batch, its items and the upload record go with it."""
    provider, actor, guides = clinic
    data = lot_for_guides(db, provider, guides, "7030")

    def receive_then_fail(session):
        outcome = xml_lots.receive_lot(session, actor, "a.xml", data)
        assert outcome.accepted
        raise RuntimeError("a later step of the same action failed")

    with pytest.raises(RuntimeError):
        perform(receive_then_fail)
    assert nothing_billed(db)
    assert db.exec(select(UploadRecord)).all() == []
    assert receive(actor, "a.xml", data).accepted  # nothing was left behind to refuse it
