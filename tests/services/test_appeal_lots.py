"""A RECURSO_GLOSA XML uploaded by a provider, checked like a lot: the file (hash, schema,
transaction), the sender, the protocol and guides of its own, each value against its glosa; an
accepted file opens the appeals, a refused one leaves only its audit row, and the reply is a
RECEBIMENTO_RECURSO_GLOSA valid against the XSD."""

from datetime import datetime
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import delete, func
from sqlmodel import select

from copass_app import clock
from copass_app.models import Appeal, AppealStatus, AuditLog, Batch
from copass_app.services import appeals, statements
from copass_app.services.appeal_lots import receive_appeal_xml
from copass_app.services.batch_queries import batch_guides
from copass_app.services.errors import PermissionDenied
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.tiss.hash import set_hash
from copass_app.tiss.messages import build_lot
from copass_app.tiss.messages.appeals import AppealedGuide, AppealedItem, AppealSpec, build_appeal
from copass_app.tiss.messages.receipts import ReceiptParty
from copass_app.tiss.schema import TISS_NS
from tests.corpus.samples import sample_lot
from tests.services.money_helpers import analysed_batch, bill, clinic, glosas_of, items_of, staff_actor
from tests.services.test_statements import NS, text, valid

D = Decimal
ITEMS = [("22", "41001010", "Tomografia", D("2"), D("500.00")),
         ("19", "70000001", "Seringa descartável", D("3"), D("1.25"))]
WHY = "Procedimento autorizado pela senha 12345678."


@pytest.fixture
def staff(factory):
    return staff_actor(factory)


@pytest.fixture
def lucas(factory):
    return clinic(factory, "Clínica São Lucas")


@pytest.fixture
def vida(factory):
    return clinic(factory, "Laboratório Vida")


@pytest.fixture
def glossed(factory, db, lucas, staff) -> Batch:
    """Tomografia (1.000,00) glossed 200,00 and Seringa (3,75) glossed 3,75, analysed, nothing appealed."""
    return analysed_batch(factory, db, lucas, staff, {0: D("200.00"), 1: D("3.75")}, items=ITEMS)


def upload(who, data: bytes, name: str = "recurso.xml"):
    return perform(lambda s: receive_appeal_xml(s, who.actor, name, data))


def appeal_file(db, batch: Batch, who, values: dict[int, Decimal], *, code: str | None = None,
                justification: str = WHY, protocol: str | None = None, lot: str | None = None,
                glosa_code: str | None = None) -> bytes:
    """A RECURSO_GLOSA as a provider's own system would write it: item position → value contested."""
    items = items_of(db, batch.id)
    glosas = {g.batch_item_id: g for g in glosas_of(db, batch.id)}
    lines = tuple(AppealedItem(sequence=n, performed_on=clock.today(), table=items[n - 1].table_code,
                               code=items[n - 1].code, description=items[n - 1].description,
                               glosa_code=glosa_code or glosas[items[n - 1].id].reason_code, value=value,
                               justification=justification) for n, value in values.items())
    [(_batch_guide, billed, _name, _card)] = batch_guides(db, batch.id)
    spec = AppealSpec(party=ReceiptParty("345678", provider_code=code or who.provider.code),
                      operator_name="Copass Saúde", provider_appeal_number="RG-77",
                      lot_number=lot or batch.lot_number, protocol_number=protocol or batch.protocol_number,
                      appealed_on=clock.today(), sent_at=datetime(2026, 3, 20, 10, 0),
                      guides=(AppealedGuide(billed.provider_guide_number, lines),))
    return build_appeal(spec)


def rehashed(data: bytes, change) -> bytes:
    """The file changed by `change(root)` and hashed again: only what was changed is wrong."""
    root = etree.fromstring(data)
    change(root)
    set_hash(root)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")


def find(root, path: str):
    return root.xpath(path, namespaces=NS)[0]


def appeal_count(db) -> int:
    db.commit()
    return db.exec(select(func.count()).select_from(Appeal)).one()


def refusal_rows(db) -> list[AuditLog]:
    db.commit()
    return db.exec(select(AuditLog).where(AuditLog.action == "appeal_xml.refuse")).all()


def error_codes(outcome) -> list[str]:
    return [e.code for e in outcome.errors]


def assert_refused(db, outcome, *expected: str) -> None:
    assert not outcome.accepted and not outcome.appeals_opened
    assert set(error_codes(outcome)) == set(expected), outcome.errors
    reply = valid(outcome.response_xml)
    assert text(reply, "//ans:tipoTransacao") == "RECEBIMENTO_RECURSO_GLOSA"
    assert text(reply, "//ans:recebimentoRecursoGlosa/ans:mensagemErro/ans:codigoGlosa") == outcome.errors[0].code
    assert appeal_count(db) == 0
    [row] = refusal_rows(db)
    assert outcome.md5 in row.detail and all(code in row.detail for code in expected)


# --- accepted ---------------------------------------------------------------------------------------


def test_the_portals_own_recurso_uploaded_by_its_owner_opens_the_same_appeals(db, lucas, vida, glossed):
    tomography, syringe = glosas_of(db, glossed.id)
    appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="150,00", justification=WHY)
    appeals.open_appeal(db, lucas.actor, syringe.id, contested_value="3,75", justification="Seringa usada no exame.")
    db.commit()
    typed = {(a.glosa_id, a.contested_value, a.justification) for a in db.exec(select(Appeal)).all()}
    _name, data = statements.appeal_message(db, lucas.actor, glossed.id)

    # Another provider uploading it: the protocol is not one of its own, exactly like a missing one.
    refused = upload(vida, rehashed(data, lambda root: [
        setattr(element, "text", vida.provider.code)
        for element in root.xpath("//ans:codigoPrestadorNaOperadora", namespaces=NS)]))
    assert error_codes(refused) == [codes.PROTOCOL_NOT_FOUND]

    db.exec(delete(Appeal))  # the typed appeals removed: the file alone opens them again
    db.commit()
    outcome = upload(lucas, data)
    assert outcome.accepted, outcome.errors
    assert len(outcome.appeals_opened) == 2 and outcome.total == D("153.75")
    db.commit()
    opened = db.exec(select(Appeal).where(Appeal.id.in_(outcome.appeals_opened))).all()
    assert {(a.glosa_id, a.contested_value, a.justification) for a in opened} == typed
    assert {a.status for a in opened} == {AppealStatus.PENDENTE}
    reply = valid(outcome.response_xml)
    assert text(reply, "//ans:protocoloRecebimento/ans:nrProtocoloRecursado") == glossed.protocol_number
    assert text(reply, "//ans:protocoloRecebimento/ans:nrProtocoloRecursoGlosa") == outcome.appeal_protocol_number
    assert D(text(reply, "//ans:protocoloRecebimento/ans:valorTotalRecursado")) == D("153.75")
    accepted = db.exec(select(AuditLog).where(AuditLog.action == "appeal_xml.accept")).one()
    assert glossed.protocol_number in accepted.detail


def test_a_fresh_glosa_is_appealed_from_a_file_written_elsewhere(db, lucas, glossed):
    outcome = upload(lucas, appeal_file(db, glossed, lucas, {1: D("120.00")}))
    assert outcome.accepted, outcome.errors
    [appeal] = appeals.provider_appeals(db, lucas.actor).rows
    assert (appeal.contested_value, appeal.justification, appeal.item_code) == (D("120.00"), WHY, "41001010")


# --- refused ----------------------------------------------------------------------------------------


def test_a_file_changed_after_it_was_generated_is_refused_by_its_hash(db, lucas, glossed):
    data = appeal_file(db, glossed, lucas, {1: D("120.00")}).replace(b">120.00<", b">200.00<")
    assert_refused(db, upload(lucas, data), codes.INVALID_HASH)


def test_a_file_the_schema_refuses_opens_nothing(db, lucas, glossed):
    def drop_subject(root):
        element = find(root, "//ans:objetoRecurso")
        element.getparent().remove(element)

    outcome = upload(lucas, rehashed(appeal_file(db, glossed, lucas, {1: D("120.00")}), drop_subject))
    assert not outcome.accepted and outcome.errors
    assert all(e.code not in (codes.INVALID_HASH, None) for e in outcome.errors)
    assert "objetoRecurso" in " ".join(e.message for e in outcome.errors)
    assert appeal_count(db) == 0 and len(refusal_rows(db)) == 1


@pytest.mark.parametrize("where, says", [("cabecalho/ans:origem", "remetente"),
                                         ("guiaRecursoGlosa", "dadosContratado")])
def test_a_file_sent_in_another_providers_name_is_refused_as_1203(db, lucas, glossed, where, says):
    def sender(root):
        find(root, f"//ans:{where}//ans:codigoPrestadorNaOperadora").text = "777777"

    outcome = upload(lucas, rehashed(appeal_file(db, glossed, lucas, {1: D("120.00")}), sender))
    assert_refused(db, outcome, codes.INVALID_PROVIDER)
    [error] = outcome.errors
    assert "777777" in error.message and says in error.message


def test_another_providers_protocol_is_not_found_like_a_missing_one(factory, db, lucas, vida, staff, glossed):
    theirs = upload(vida, appeal_file(db, glossed, vida, {1: D("120.00")}))
    missing = upload(vida, appeal_file(db, glossed, vida, {1: D("120.00")}, protocol="209900000001"))
    assert error_codes(theirs) == error_codes(missing) == [codes.PROTOCOL_NOT_FOUND]
    assert theirs.errors[0].message.replace(glossed.protocol_number, "N") == \
        missing.errors[0].message.replace("209900000001", "N")
    [(_batch_guide, guide, name, card)] = batch_guides(db, glossed.id)
    for secret in (guide.provider_guide_number, name, card, lucas.provider.name):  # nothing of lucas's answered
        assert secret.encode("iso-8859-1") not in theirs.response_xml
        assert secret not in " ".join(e.message for e in theirs.errors)
    assert appeal_count(db) == 0


def test_a_value_above_the_glosa_is_refused_and_nothing_of_the_file_is_opened(db, lucas, glossed):
    outcome = upload(lucas, appeal_file(db, glossed, lucas, {1: D("120.00"), 2: D("3.76")}))
    assert_refused(db, outcome, codes.INVALID_APPEAL_VALUE)
    assert "R$ 3,76" in outcome.errors[0].message and "R$ 3,75" in outcome.errors[0].message


def test_each_item_must_be_the_billed_one_with_its_glosa(db, lucas, glossed):
    def wrong_item(root):
        find(root, "//ans:itensGuia[1]/ans:procRecurso/ans:codigoProcedimento").text = "40302040"
        find(root, "//ans:itensGuia[2]/ans:sequencialItem").text = "9"

    outcome = upload(lucas, rehashed(appeal_file(db, glossed, lucas, {1: D("1.00"), 2: D("1.00")}), wrong_item))
    assert_refused(db, outcome, codes.PROCEDURE_MISMATCH, codes.INVALID_SEQUENCE)


def test_a_wrong_guide_lot_or_total_is_refused_with_its_code(db, lucas, glossed):
    def wrong(root):
        find(root, "//ans:recursoGuia/ans:numeroGuiaOrigem").text = "NAO-EXISTE"
        find(root, "//ans:valorTotalRecursado").text = "1.00"

    outcome = upload(lucas, rehashed(appeal_file(db, glossed, lucas, {1: D("120.00")}, lot="999"), wrong))
    assert_refused(db, outcome, codes.INVALID_GUIDE, codes.LOT_NOT_FOUND)

    def total(root):
        find(root, "//ans:valorTotalRecursado").text = "1.00"

    db.exec(delete(AuditLog))
    db.commit()
    outcome = upload(lucas, rehashed(appeal_file(db, glossed, lucas, {1: D("120.00")}), total))
    assert_refused(db, outcome, codes.APPEAL_TOTAL_MISMATCH)


def test_a_glosa_already_appealed_or_without_justification_is_refused(db, lucas, glossed):
    tomography, _syringe = glosas_of(db, glossed.id)
    appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="10,00", justification=WHY)
    db.commit()
    outcome = upload(lucas, appeal_file(db, glossed, lucas, {1: D("120.00")}))
    assert error_codes(outcome) == [codes.APPEAL_REPEATED]
    outcome = upload(lucas, appeal_file(db, glossed, lucas, {2: D("1.00")}, justification="curta"))
    assert error_codes(outcome) == [codes.APPEAL_WITHOUT_JUSTIFICATION]
    assert appeal_count(db) == 1


def test_a_lot_is_not_an_appeal_and_staff_do_not_upload_appeals(db, lucas, staff, glossed):
    lot = build_lot(sample_lot("guiaSP-SADT", guides=1))
    outcome = upload(lucas, lot)
    assert codes.INVALID_TRANSACTION in error_codes(outcome)
    assert "um recurso de glosa deve ser enviado como RECURSO_GLOSA" in " ".join(e.message for e in outcome.errors)
    with pytest.raises(PermissionDenied):
        perform(lambda s: receive_appeal_xml(s, staff, "recurso.xml", appeal_file(db, glossed, lucas, {1: D("1")})))
    assert TISS_NS in outcome.response_xml.decode("iso-8859-1")


def whole_guide(code: str, total: str):
    def change(root):
        option = find(root, "//ans:opcaoRecursoGuia")
        for child in list(option):
            option.remove(child)
        whole = etree.SubElement(option, f"{{{TISS_NS}}}recursoGuiaCompleta")
        etree.SubElement(whole, f"{{{TISS_NS}}}codGlosaGuia").text = code
        etree.SubElement(whole, f"{{{TISS_NS}}}justificativaGuia").text = WHY
        find(root, "//ans:valorTotalRecursado").text = total
    return change


def test_a_whole_guide_appeal_contests_every_glosa_of_that_code_in_full(db, lucas, glossed):
    data = rehashed(appeal_file(db, glossed, lucas, {1: D("1.00")}), whole_guide(codes.VALUE_ABOVE_CONTRACT, "203.75"))
    outcome = upload(lucas, data)
    assert outcome.accepted, outcome.errors
    rows = appeals.provider_appeals(db, lucas.actor).rows
    assert sorted(r.contested_value for r in rows) == [D("3.75"), D("200.00")]
    refused = upload(lucas, rehashed(appeal_file(db, glossed, lucas, {1: D("1.00")}), whole_guide("1702", "0.00")))
    assert error_codes(refused) == [codes.INVALID_APPEAL]


def test_a_protocol_level_appeal_or_one_before_the_analysis_is_refused(factory, db, lucas, glossed):
    def protocol_level(root):
        option = find(root, "//ans:opcaoRecurso")
        for child in list(option):
            option.remove(child)
        whole = etree.SubElement(option, f"{{{TISS_NS}}}recursoProtocolo")
        etree.SubElement(whole, f"{{{TISS_NS}}}codigoGlosaProtocolo").text = codes.VALUE_ABOVE_CONTRACT
        etree.SubElement(whole, f"{{{TISS_NS}}}justificativaProtocolo").text = WHY
        find(root, "//ans:objetoRecurso").text = "1"

    assert_refused(db, upload(lucas, rehashed(appeal_file(db, glossed, lucas, {1: D("1.00")}), protocol_level)),
                   codes.INVALID_APPEAL)
    db.exec(delete(AuditLog))
    db.commit()
    received = db.get(Batch, bill(factory, db, lucas))
    outcome = upload(lucas, appeal_file(db, received, lucas, {1: D("1.00")}, protocol=received.protocol_number,
                                        lot=received.lot_number, glosa_code=codes.VALUE_ABOVE_CONTRACT))
    assert_refused(db, outcome, codes.INVALID_APPEAL)
    assert "análise concluída" in outcome.errors[0].message
