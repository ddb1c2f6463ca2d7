"""The TISS XML of any batch, from its stored data: valid (`copass validate`), sendable again after an
estorno with the same guides, items, clinical fields and totals, and an uploaded lot written back field
for field."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlmodel import select

from copass_app import clock
from copass_app.models import (
    AuditLog,
    Batch,
    BatchGuide,
    BatchGuideDetail,
    BatchItem,
    Beneficiary,
    CatalogItem,
    DetailSource,
    Guide,
    GuideItem,
    GuideStatus,
    GuideStatusHistory,
    GuideType,
    Role,
    utcnow,
)
from copass_app.services import attendances as att
from copass_app.services import billing, closing, xml_lots
from copass_app.services.batches import reverse_batch
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.lot_export import GUIDE_TYPE_OF_ELEMENT, batch_xml
from copass_app.text import fold
from copass_app.tiss.cli import run_validate
from copass_app.tiss.guide_tree import to_tree
from copass_app.tiss.guides import guide_elements
from copass_app.tiss.parsing import parse_xml
from copass_app.tiss.validation import validate_lot
from tests.services.attendance_helpers import COMPETENCE, consulta, make_world, sadt

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
VALID_LOTS = sorted(CORPUS.glob("valido_*.xml"))
TODAY = clock.today()
EXTRAS = {  # a fee and a material added to the guides that have outras despesas
    GuideType.SP_SADT: [("18", "60000775", "Taxa de sala", Decimal("1"), Decimal("30.00")),
                        ("19", "70000009", "Seringa descartável", Decimal("2"), Decimal("1.35"))],
    GuideType.RESUMO_INTERNACAO: [("18", "60000010", "Diária de enfermaria", Decimal("2"), Decimal("180.00"))],
    # honorários has no outras despesas: a fee billed with it is a line of its own table
    GuideType.HONORARIOS: [("18", "60000775", "Taxa de sala", Decimal("1"), Decimal("30.00"))],
}


@pytest.fixture
def world(factory, db):
    return make_world(factory, db)


def copass_validate(tmp_path: Path, name: str, data: bytes) -> None:
    """The CLI's own check (checks 1–5: XSD, hash, encoding…) on the file as written to disk."""
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    status = run_validate([str(path)], True, out=out, err=err)
    report = json.loads(out.getvalue())
    assert status == 0, report
    assert report[0]["valid"] is True


def guides_of(data: bytes) -> list[list]:
    return [to_tree(e) for e in guide_elements(parse_xml(data, max_bytes=len(data)).getroot())]


def snapshot(db, batch_id: int) -> list[tuple]:
    """What a batch billed, guide by guide: the guide, its date, total, items and stored TISS element."""
    rows = db.exec(select(BatchGuide, BatchGuideDetail.guide)
                   .outerjoin(BatchGuideDetail, BatchGuideDetail.batch_guide_id == BatchGuide.id)
                   .where(BatchGuide.batch_id == batch_id).order_by(BatchGuide.id)).all()
    return [(bg.guide_id, bg.performed_on, bg.total_value,
             [(i.guide_item_id, i.table_code, i.code, i.quantity, i.unit_value, i.total_value)
              for i in db.exec(select(BatchItem).where(BatchItem.batch_guide_id == bg.id).order_by(BatchItem.id))],
             tree) for bg, tree in rows]


def send_again(db, actor, batch_id: int, tmp_path: Path) -> tuple[bytes, int]:
    """Estorno, download of the batch's XML, upload of that file: the new batch's id."""
    reverse_batch(db, actor, batch_id)
    db.commit()
    name, data = batch_xml(db, actor, batch_id)
    db.commit()
    assert "reenvio" in name
    copass_validate(tmp_path, name, data)
    outcome = xml_lots.receive_lot(db, actor, name, data)
    db.commit()
    assert outcome.accepted, outcome.errors
    return data, outcome.batch_id


def assert_same_billing(db, first: int, second: int, exported: bytes) -> None:
    before, after = snapshot(db, first), snapshot(db, second)
    assert [row[:4] for row in after] == [row[:4] for row in before]  # guides, dates, totals, items
    assert [row[4] for row in after] == guides_of(exported)  # the clinical fields, element by element
    first_batch, second_batch = db.get(Batch, first), db.get(Batch, second)
    assert (second_batch.total_value, second_batch.guide_count, second_batch.guide_type) == (
        first_batch.total_value, first_batch.guide_count, first_batch.guide_type)


# --- typed attendances ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", [consulta, sadt], ids=["consulta", "sp-sadt"])
def test_typed_batch_round_trip(db, world, tmp_path, form):
    _, actor, patient = world
    att.create_attendance(db, actor, form(patient, provider_guide_number="T-1"))
    att.create_attendance(db, actor, form(patient, provider_guide_number="T-2", performed_on=TODAY - timedelta(days=1)))
    db.commit()
    [closed] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    name, data = batch_xml(db, actor, closed.batch_id)
    db.commit()
    assert name == f"lote-{closed.lot_number}-protocolo-{closed.protocol_number}.xml"
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    copass_validate(tmp_path, name, data)
    assert guides_of(data) == [row[4] for row in snapshot(db, closed.batch_id)]  # written from what is stored
    exported, again = send_again(db, actor, closed.batch_id, tmp_path)
    assert_same_billing(db, closed.batch_id, again, exported)
    assert [row[4] for row in snapshot(db, again)] == [row[4] for row in snapshot(db, closed.batch_id)]
    details = db.exec(select(BatchGuideDetail.source).join(BatchGuide).where(BatchGuide.batch_id == again)).all()
    assert set(details) == {DetailSource.XML}


def test_typed_clinical_fields_are_in_the_xml(db, world):
    _, actor, patient = world
    att.create_attendance(db, actor, consulta(patient, accident_indication="1", consultation_type="2",
                                              care_regime="02", observation="Retorno pós-alta"))
    db.commit()
    [closed] = closing.close_attendances(db, actor, COMPETENCE)
    _, data = batch_xml(db, actor, closed.batch_id)
    text = data.decode("iso-8859-1")
    for expected in ("<ans:indicacaoAcidente>1<", "<ans:tipoConsulta>2<", "<ans:regimeAtendimento>02<",
                     "<ans:nomeProfissional>Ana Maria Souza<", "<ans:CBOS>225125<", "<ans:UF>35<",
                     "<ans:conselhoProfissional>06<", "<ans:numeroConselhoProfissional>123456<",
                     "<ans:observacao>Retorno pós-alta<"):
        assert expected in text, expected


# --- web billing, every guide type ---------------------------------------------------------------


@pytest.mark.parametrize("guide_type", list(GuideType), ids=[t.value for t in GuideType])
def test_web_billed_batch_round_trip(db, factory, tmp_path, guide_type):
    provider = factory.provider(name="Hospital São Lucas")
    actor = factory.actor(provider)
    for _ in range(2):
        factory.guide(provider, guide_type=guide_type)
    billing.open_draft(db, actor, start=TODAY - timedelta(days=30), end=TODAY)
    db.commit()
    for table, code, description, qty, unit in EXTRAS.get(guide_type, []):
        item = CatalogItem(table_code=table, code=code, name=description, name_search=fold(description),
                           price=unit)
        db.add(item)
        db.flush()
        for guide in db.exec(select(Guide)).all():
            billing.add_extra_item(db, actor, guide.id, item.id, quantity=qty)
    db.commit()
    [confirmed] = billing.confirm_draft(db, actor)
    db.commit()
    name, data = batch_xml(db, actor, confirmed.batch_id)
    db.commit()
    copass_validate(tmp_path, name, data)
    stored = snapshot(db, confirmed.batch_id)
    assert guides_of(data) == [row[4] for row in stored]  # written from the elements kept at confirmation
    sources = db.exec(select(BatchGuideDetail.source).join(BatchGuide)
                      .where(BatchGuide.batch_id == confirmed.batch_id)).all()
    assert sources == [DetailSource.PORTAL] * 2
    root = parse_xml(data, max_bytes=len(data)).getroot()
    assert [GUIDE_TYPE_OF_ELEMENT[etree.QName(e).localname] for e in guide_elements(root)] == [guide_type] * 2
    exported, again = send_again(db, actor, confirmed.batch_id, tmp_path)
    assert_same_billing(db, confirmed.batch_id, again, exported)


# --- uploaded lots, written back field for field ------------------------------------------------------


def seed_guides_of(db, factory, data: bytes):
    """The provider, beneficiaries and authorized guides a corpus lot bills (as the operator has them)."""
    lot = validate_lot(data)
    assert lot.valid, lot.errors
    provider = factory.provider(code=lot.sender_code, name="Clínica São Lucas Diagnósticos")
    for parsed in lot.guides:
        beneficiary = db.exec(select(Beneficiary).where(Beneficiary.card_number == parsed.card_number)).first()
        if beneficiary is None:
            beneficiary = Beneficiary(operator_id=factory.operator.id, card_number=parsed.card_number,
                                      name="Paciente", name_search=fold("Paciente"), birth_date=TODAY.replace(1980))
            db.add(beneficiary)
            db.flush()
        first = min(parsed.performed_dates or [TODAY])
        guide = Guide(provider_id=provider.id, beneficiary_id=beneficiary.id,
                      guide_type=GUIDE_TYPE_OF_ELEMENT[parsed.guide_type],
                      provider_guide_number=parsed.provider_guide_number,
                      operator_guide_number=parsed.operator_guide_number or "",
                      authorization_password=parsed.authorization_password or "", status=GuideStatus.AUTORIZADO,
                      requested_on=first - timedelta(days=5), authorized_on=first - timedelta(days=5),
                      performed_on=first, valid_until=first + timedelta(days=90), total_value=parsed.total)
        db.add(guide)
        db.flush()
        for item in parsed.items:
            db.add(GuideItem(guide_id=guide.id, table_code=item.table, code=item.code,
                             description=item.description or item.code, authorized_qty=item.quantity,
                             performed_qty=item.quantity,
                             unit_value=item.unit_value if item.unit_value is not None else item.total))
        db.add(GuideStatusHistory(guide_id=guide.id, status=GuideStatus.AUTORIZADO, changed_at=utcnow()))
    db.commit()
    return provider


# Differ by design: the moment of the transaction (a new message) and so its hash.
_MOMENT = ({"cabecalho", "identificacaoTransacao", "dataRegistroTransacao"},
           {"cabecalho", "identificacaoTransacao", "horaRegistroTransacao"}, {"epilogo", "hash"})


def normalised(data: bytes) -> list:
    def strip(node: list, path: tuple[str, ...]) -> list:
        name, content = node
        here = path + (name,)
        if isinstance(content, list):
            return [name, [strip(child, here) for child in content]]
        return [name, "*" if any(set(here[-len(m):]) == m for m in _MOMENT) else content]

    return strip(to_tree(parse_xml(data, max_bytes=len(data)).getroot()), ())


@pytest.mark.parametrize("path", VALID_LOTS, ids=[p.name for p in VALID_LOTS])
def test_an_uploaded_lot_exported_again_is_the_same_xml(db, factory, tmp_path, path):
    original = path.read_bytes()
    provider = seed_guides_of(db, factory, original)
    actor = factory.actor(provider)
    outcome = xml_lots.receive_lot(db, actor, path.name, original)
    db.commit()
    assert outcome.accepted, outcome.errors
    name, exported = batch_xml(db, actor, outcome.batch_id)
    copass_validate(tmp_path, name, exported)
    assert normalised(exported) == normalised(original)
    exported_again, again = send_again(db, actor, outcome.batch_id, tmp_path)
    assert_same_billing(db, outcome.batch_id, again, exported_again)


# --- who may download ------------------------------------------------------------------------------


def test_only_the_owner_downloads_and_each_download_is_audited(db, world, factory):
    _, actor, patient = world
    att.create_attendance(db, actor, consulta(patient))
    db.commit()
    [closed] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    stranger = factory.actor(factory.provider())
    for batch_id in (closed.batch_id, 999999, "abc"):
        with pytest.raises(NotFound) as caught:
            batch_xml(db, stranger, batch_id)
        assert caught.value.message == "Lote não encontrado."
    with pytest.raises(Exception) as staff:
        batch_xml(db, factory.actor(role=Role.STAFF), closed.batch_id)
    assert "exclusiva de usuários de prestador" in str(staff.value)
    batch_xml(db, actor, closed.batch_id)
    db.commit()
    audits = db.exec(select(AuditLog).where(AuditLog.action == "file.download", AuditLog.entity == "batch")).all()
    assert [(a.entity_id, a.user_id) for a in audits] == [(str(closed.batch_id), actor.user_id)]


def test_a_legacy_batch_without_stored_elements_is_written_with_the_defaults(db, factory, tmp_path):
    """Batches billed before the guide elements were kept: the XML is built from their batch items."""
    provider = factory.provider()
    actor = factory.actor(provider)
    factory.guide(provider, guide_type=GuideType.SP_SADT,
                  items=[("22", "40301630", "Creatinina", Decimal("2"), Decimal("8.20"))])
    billing.open_draft(db, actor, start=TODAY - timedelta(days=30), end=TODAY)
    [confirmed] = billing.confirm_draft(db, actor)
    db.commit()
    for detail in db.exec(select(BatchGuideDetail)).all():  # as a batch written before migration 0006
        db.delete(detail)
    db.commit()
    name, data = batch_xml(db, actor, confirmed.batch_id)
    copass_validate(tmp_path, name, data)
    text = data.decode("iso-8859-1")
    assert "<ans:caraterAtendimento>1<" in text and "<ans:valorTotalGeral>16.40<" in text


def test_a_batch_tiss_cannot_represent_is_refused_with_a_message_not_a_crash(db, factory):
    """A consulta billed on the web with a second line (an added fee): TISS's guiaConsulta has one procedure."""
    provider = factory.provider()
    actor = factory.actor(provider)
    factory.guide(provider, guide_type=GuideType.CONSULTA, items=[
        ("22", "10101012", "Consulta", Decimal("1"), Decimal("100.00")),
        ("22", "40301630", "Creatinina", Decimal("1"), Decimal("8.20"))])
    billing.open_draft(db, actor, start=TODAY - timedelta(days=30), end=TODAY)
    [confirmed] = billing.confirm_draft(db, actor)  # billing itself is not stopped
    db.commit()
    assert db.exec(select(BatchGuideDetail)).all() == []
    with pytest.raises(DomainError) as caught:
        batch_xml(db, actor, confirmed.batch_id)
    assert "não pode ser escrito como XML TISS" in caught.value.message

