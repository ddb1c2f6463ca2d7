"""Digitação de atendimentos and Encerrar Fatura, driven as the browser drives them: what the provider
types reaches the services as typed, each wrong field shows the service's Portuguese message under it,
the list of the competência follows what is stored, and closing makes a batch with its protocol PDF."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from decimal import Decimal

from pypdf import PdfReader
from sqlmodel import select

from copass_app import clock
from copass_app.models import Batch, BatchOrigin, CatalogItem, TypedAttendance
from copass_app.state.attendances import FIX_FIELDS, AttendancesState, field_id
from copass_app.state.closing import ClosingState
from copass_app.text import fold
from tests.state.conftest import browser_tab, says
from tests.state.test_provider_money_files import downloaded

TODAY = clock.today()
CONSULTA_CODE = "10101012"  # consulta em consultório (TUSS 22)
DOCTOR = {"professional.name": "Ana Maria Souza", "professional.council": "06", "professional.number": "123456",
          "professional.uf": "35", "professional.cbos": "225125"}


def run(coroutine):
    return asyncio.run(coroutine)


def _clinic(factory, db, login, name="Clínica Pequena"):
    provider = factory.provider(name=name)
    patient = factory.beneficiary("Maria da Conceição")
    if db.exec(select(CatalogItem).where(CatalogItem.code == CONSULTA_CODE)).first() is None:
        db.add(CatalogItem(table_code="22", code=CONSULTA_CODE, name="Consulta em consultório",
                           name_search=fold("Consulta em consultório"), price=Decimal("150.00")))
        db.commit()
    tab = browser_tab(AttendancesState, login(provider))
    assert run(tab.on_load()) is None
    return provider, patient, tab


def _type_consulta(tab, patient, *, fields=None, procedure=CONSULTA_CODE, unit_value=""):
    """What the provider does with the keyboard: the card, Tab through the fields, the procedure + Enter."""
    run(tab.search_beneficiary(patient.card_number))
    assert [hit.card for hit in tab.beneficiary_hits] == [patient.card_number]
    run(tab.beneficiary_key("Enter"))
    assert tab.form["card_number"] == patient.card_number
    for name, value in {"performed_on": TODAY.strftime("%d/%m/%Y"), "consultation_type": "1", **DOCTOR,
                        **(fields or {})}.items():
        run(tab.leave_field(name, value))
    run(tab.search_procedure(procedure))
    assert tab.procedure_hits and tab.procedure_hits[0].code == procedure
    if unit_value:
        tab.set_unit_value(unit_value)
    run(tab.procedure_key("Enter"))


def test_a_consulta_typed_field_by_field_is_saved_as_digitado_with_the_contracted_price(factory, db, login):
    _, patient, tab = _clinic(factory, db, login)
    assert tab.form["accident_indication"] == "9" and tab.form["care_regime"] == "01"  # pre-selected, changeable
    _type_consulta(tab, patient)
    assert [(line.code, line.quantity, line.total) for line in tab.lines] == [(CONSULTA_CODE, "1", "R$ 150,00")]
    assert tab.checked and tab.findings == [] and tab.errors == {}  # the critique ran: nothing to propose
    assert run(tab.save()) is None
    assert tab.saved_message.endswith(f"salvo como digitado na competência {TODAY:%m/%Y}.")
    assert [(row.guide_type, row.beneficiary, row.total, row.status, row.editable) for row in tab.rows] == [
        ("Consulta", "Maria da Conceição", "R$ 150,00", "DIGITADO", True)]
    # A new form for the next attendance; the executing professional stays (a small clinic has one doctor).
    assert tab.lines == [] and "card_number" not in tab.form and tab.form["professional.cbos"] == "225125"
    stored = db.exec(select(TypedAttendance)).all()
    assert len(stored) == 1 and stored[0].detail["professional"]["cbos"] == "225125"


def test_each_wrong_field_shows_its_portuguese_message_and_nothing_is_stored(factory, db, login):
    _, patient, tab = _clinic(factory, db, login)
    _type_consulta(tab, patient, fields={"professional.cbos": "12", "professional.number": "",
                                         "performed_on": (TODAY + timedelta(days=3)).strftime("%d/%m/%Y")})
    events = run(tab.save())
    assert says(events, FIX_FIELDS)
    assert set(tab.errors) >= {"professional.cbos", "professional.number", "performed_on"}
    assert "ainda não chegou" in tab.errors["performed_on"]
    assert tab.errors["professional.cbos"].startswith("CBO")
    assert says(events, field_id("performed_on").replace("-", "_"))  # the focus goes to the first wrong field
    assert db.exec(select(TypedAttendance)).all() == []
    assert tab.lines and tab.form["professional.cbos"] == "12"  # what was typed stays, to be corrected
    run(tab.leave_field("professional.cbos", "225125"))
    assert "professional.cbos" not in tab.errors and "performed_on" in tab.errors


def test_while_typing_only_the_fields_already_typed_show_errors(factory, db, login):
    _, _, tab = _clinic(factory, db, login)
    run(tab.leave_field("performed_on", (TODAY + timedelta(days=1)).isoformat()))  # ISO is read too
    assert list(tab.errors) == ["performed_on"]  # the card, the professional… are not reached yet
    run(tab.leave_field("not_a_field", "x"))
    assert "not_a_field" not in tab.form


def test_the_critique_warns_of_a_value_above_the_contract_as_the_provider_types(factory, db, login):
    _, patient, tab = _clinic(factory, db, login)
    _type_consulta(tab, patient, unit_value="180,00")
    assert tab.lines[0].unit_value == "180,00" and tab.lines[0].total == "R$ 180,00"
    assert [f.label for f in tab.findings] == ["Valor acima do contrato"]
    assert tab.findings[0].value == "R$ 30,00"
    assert run(tab.save()) is None  # a warning, not a refusal
    assert "salvo como digitado" in tab.saved_message
    assert tab.saved_message.endswith("A crítica automática proporia glosa: Valor acima do contrato.")
    assert tab.findings == [] and not tab.checked  # the new form has not been judged yet


def test_a_consulta_has_one_procedure_and_enter_without_a_choice_says_what_to_do(factory, db, login):
    _, patient, tab = _clinic(factory, db, login)
    assert says(run(tab.procedure_key("Enter")), "Busque o procedimento")
    _type_consulta(tab, patient)
    run(tab.search_procedure(CONSULTA_CODE))
    assert says(run(tab.procedure_key("Enter")), "um só procedimento")
    assert len(tab.lines) == 1


def test_edit_refills_the_form_and_saves_the_change(factory, db, login):
    _, patient, tab = _clinic(factory, db, login)
    _type_consulta(tab, patient)
    run(tab.save())
    row = tab.rows[0]
    assert run(tab.edit(str(row.id))) is None
    assert tab.editing_id == row.id and tab.form["card_number"] == patient.card_number
    assert tab.form["performed_on"] == TODAY.strftime("%d/%m/%Y") and tab.form["professional.name"] == "Ana Maria Souza"
    assert [(line.code, line.quantity, line.unit_value) for line in tab.lines] == [(CONSULTA_CODE, "1", "150,00")]
    run(tab.set_line(0, "unit_value", "120,00"))
    assert tab.lines[0].total == "R$ 120,00"
    assert run(tab.save()) is None and "alterado como digitado" in tab.saved_message
    assert [(r.id, r.total) for r in tab.rows] == [(row.id, "R$ 120,00")]
    assert tab.editing_id == 0


def test_delete_removes_it_and_another_providers_attendance_is_not_found(factory, db, login):
    _, patient, tab = _clinic(factory, db, login)
    _type_consulta(tab, patient)
    run(tab.save())
    mine = tab.rows[0].id
    _, _, intruder = _clinic(factory, db, login, name="Outra Clínica")
    assert says(run(intruder.delete(str(mine))), "Atendimento não encontrado.")
    assert says(run(intruder.edit(str(mine))), "Atendimento não encontrado.")
    assert says(run(intruder.delete("987654321")), "Atendimento não encontrado.")
    assert db.get(TypedAttendance, mine) is not None
    assert says(run(tab.delete(str(mine))), "Atendimento excluído.")
    assert tab.rows == [] and db.get(TypedAttendance, mine) is None


def test_closing_makes_the_batch_with_its_protocol_and_the_attendance_is_then_closed(factory, db, login):
    provider, patient, tab = _clinic(factory, db, login)
    _type_consulta(tab, patient)
    run(tab.save())
    closing_tab = browser_tab(ClosingState, _token(tab))
    assert run(closing_tab.on_load()) is None
    assert [(r.protocol, r.provider, r.count, r.total) for r in closing_tab.rows] == [
        ("Gerado ao encerrar", "Clínica Pequena", 1, "R$ 150,00")]
    assert closing_tab.rows[0].batches == "1 lote ao encerrar: Consulta"
    assert [(a.guide_type, a.beneficiary, a.total) for a in closing_tab.rows[0].attendances] == [
        ("Consulta", "Maria da Conceição", "R$ 150,00")]
    closing_tab.toggle_row(closing_tab.rows[0].key)
    assert closing_tab.expanded == [closing_tab.rows[0].key]
    event = run(closing_tab.close())
    assert says(event, "Fatura encerrada")
    [closed] = closing_tab.closed
    batch = db.get(Batch, closed.batch_id)
    assert batch.origin == BatchOrigin.TYPED and batch.protocol_number == closed.protocol
    assert closing_tab.rows == [] and closing_tab.count == 0
    pdf = downloaded(run(closing_tab.download_protocol(str(closed.batch_id))))
    assert closed.protocol in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    # Closed: listed as such, no longer editable; closing again says it was done.
    run(tab.on_load())
    assert [(r.status, r.protocol, r.editable) for r in tab.rows] == [("FECHADO", closed.protocol, False)]
    assert says(run(tab.edit(str(tab.rows[0].id))), "fechado")
    assert says(run(closing_tab.close()), "já foram fechados")


def _token(state) -> str:
    from copass_app.state.auth import AuthState

    return state.parent_state.get_substate(AuthState._get_substate_path()).session_token


def test_acompanhamento_downloads_the_batch_xml_and_refuses_another_providers(factory, db, login):
    from copass_app.state.batches import BatchesState
    from copass_app.tiss.validation import validate_lot

    _, patient, tab = _clinic(factory, db, login)
    _type_consulta(tab, patient)
    run(tab.save())
    closing_tab = browser_tab(ClosingState, _token(tab))
    run(closing_tab.on_load())
    run(closing_tab.close())
    [closed] = closing_tab.closed
    batches_tab = browser_tab(BatchesState, _token(tab))
    xml = downloaded(run(batches_tab.download_xml(str(closed.batch_id))))
    assert not validate_lot(xml, filename="lote.xml", max_bytes=len(xml)).errors
    assert patient.card_number.encode() in xml and b"Ana Maria Souza" in xml
    _, _, intruder = _clinic(factory, db, login, name="Outra Clínica")
    other = browser_tab(BatchesState, _token(intruder))
    refused = run(other.download_xml(str(closed.batch_id)))
    # Exactly like a missing batch (the handler matrix compares the whole answers).
    assert says(refused, "Lote não encontrado.") and says(run(other.download_xml("987654321")), "Lote não encontrado.")


def test_a_consulta_and_an_sp_sadt_close_from_the_one_row_into_a_batch_each(factory, db, login):
    _, patient, tab = _clinic(factory, db, login)
    _type_consulta(tab, patient)
    run(tab.save())
    tab.set_guide_type("SP_SADT")
    for name, value in {"card_number": patient.card_number, "performed_on": TODAY.strftime("%d/%m/%Y"),
                        "care_type": "23", **{k.replace("professional.", "requester."): v for k, v in DOCTOR.items()},
                        }.items():
        if name == "card_number":
            run(tab.leave_beneficiary(value))
        else:
            run(tab.leave_field(name, value))
    assert tab.form["care_character"] == "1"  # "Eletivo" pre-selected on the SP/SADT form
    run(tab.search_procedure("40304361"))
    tab.set_unit_value("12,50")
    tab.set_quantity("2")
    run(tab.procedure_key("Enter"))
    assert [(line.code, line.total) for line in tab.lines] == [("40304361", "R$ 25,00")]
    assert run(tab.save()) is None, tab.errors
    assert sorted(row.guide_type for row in tab.rows) == ["Consulta", "SP/SADT"]

    closing_tab = browser_tab(ClosingState, _token(tab))
    run(closing_tab.on_load())
    [row] = closing_tab.rows
    assert (row.count, row.total, row.batches) == (2, "R$ 175,00", "2 lotes ao encerrar: Consulta, SP/SADT")
    run(closing_tab.close())
    assert [(c.guide_type, c.guides, c.total) for c in closing_tab.closed] == [
        ("Consulta", 1, "R$ 150,00"), ("SP/SADT", 1, "R$ 25,00")]
    assert len({c.protocol for c in closing_tab.closed}) == 2
