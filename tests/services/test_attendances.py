"""Typed attendances: every refusal of the form names its field, edit/delete until closed, owners only."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from copass_app.models import (
    AttendanceStatus,
    BilledItem,
    Guide,
    GuideItem,
    GuideType,
    TypedAttendance,
)
from copass_app.services import attendances as att
from copass_app.services import billing, closing
from copass_app.services.errors import DomainError, NotFound
from copass_app.text import fold
from copass_app.tiss import domains
from copass_app.vocabulary import (
    ACCIDENT_INDICATION,
    CARE_CHARACTER,
    CARE_REGIME,
    CONSULTATION_TYPE,
    PROFESSIONAL_COUNCIL,
    SADT_CARE_TYPE,
    UF,
)
from tests.services.attendance_helpers import (
    COMPETENCE,
    CONSULTA_CODE,
    DOCTOR,
    HEMOGRAMA,
    TODAY,
    consulta,
    make_world,
    sadt,
)


@pytest.fixture
def world(factory, db):
    return make_world(factory, db)


def refused_fields(db, actor, data) -> att.AttendanceInvalid:
    with pytest.raises(att.AttendanceInvalid) as caught:
        att.create_attendance(db, actor, data)
    db.rollback()
    return caught.value


def test_a_typed_consulta_is_kept_as_digitado_with_its_clinical_fields(db, world):
    provider, actor, patient = world
    view = att.create_attendance(db, actor, consulta(patient))
    db.commit()
    assert view.status == AttendanceStatus.DIGITADO and view.protocol_number is None
    assert view.total == Decimal("150.00")  # the contracted price, no value typed
    assert [(i.code, i.quantity, i.unit_value) for i in view.items] == [(CONSULTA_CODE, 1, Decimal("150.00"))]
    typed = db.get(TypedAttendance, view.guide_id)
    assert typed.competence == COMPETENCE
    assert typed.detail["professional"] == {"name": "Ana Maria Souza", "council": "06", "number": "123456",
                                            "uf": "35", "cbos": "225125"}
    assert (typed.detail["accident_indication"], typed.detail["consultation_type"],
            typed.detail["care_regime"]) == ("9", "1", "01")
    assert view.input.professional == DOCTOR and view.input.consultation_type == "1"
    page = att.list_attendances(db, actor, TODAY.strftime("%m/%Y"))
    assert [(r.number, r.beneficiary_name, r.total, r.status) for r in page.rows] == [
        (view.number, "Maria da Conceição", Decimal("150.00"), AttendanceStatus.DIGITADO)]


def test_a_typed_sadt_keeps_requester_character_type_and_each_procedure(db, world):
    _, actor, patient = world
    view = att.create_attendance(db, actor, sadt(patient, provider_guide_number="SADT-77"))
    db.commit()
    assert view.number == "SADT-77" and view.total == Decimal("33.20")
    detail = db.get(TypedAttendance, view.guide_id).detail
    assert detail["requester"]["name"] == "João Solicitante"
    assert (detail["care_character"], detail["care_type"], detail["clinical_indication"]) == ("1", "23", "Rotina")
    assert detail["requested_on"] == (TODAY - timedelta(days=1)).isoformat()
    assert view.input.procedures[0] == att.ProcedureInput(HEMOGRAMA, "2", "12,50")


@pytest.mark.parametrize("changes, field, code", [
    (dict(guide_type="ODONTO"), "guide_type", "1301"),
    (dict(competence="13/2026"), "competence", None),
    (dict(card_number=""), "card_number", "1001"),
    (dict(card_number="99999999999999"), "card_number", "1001"),
    (dict(performed_on="31/02/2026"), "performed_on", "1323"),
    (dict(performed_on=TODAY + timedelta(days=1)), "performed_on", "1323"),
    (dict(provider_guide_number="X" * 21), "provider_guide_number", None),
    (dict(professional=replace(DOCTOR, name="")), "professional.name", None),
    (dict(professional=replace(DOCTOR, name="N" * 71)), "professional.name", None),
    (dict(professional=replace(DOCTOR, council="")), "professional.council", None),
    (dict(professional=replace(DOCTOR, council="99")), "professional.council", None),
    (dict(professional=replace(DOCTOR, number="")), "professional.number", None),
    (dict(professional=replace(DOCTOR, number="1" * 16)), "professional.number", None),
    (dict(professional=replace(DOCTOR, uf="SP")), "professional.uf", None),
    (dict(professional=replace(DOCTOR, cbos="")), "professional.cbos", None),
    (dict(professional=replace(DOCTOR, cbos="123456")), "professional.cbos", None),
    (dict(accident_indication=""), "accident_indication", None),
    (dict(accident_indication="5"), "accident_indication", None),
    (dict(care_regime="06"), "care_regime", None),
    (dict(consultation_type=""), "consultation_type", None),
    (dict(consultation_type="9"), "consultation_type", None),
    (dict(observation="o" * 501), "observation", None),
    (dict(procedures=[]), "procedures", None),
    (dict(procedures=[att.ProcedureInput(CONSULTA_CODE), att.ProcedureInput(CONSULTA_CODE)]), "procedures", None),
    (dict(procedures=[att.ProcedureInput("")]), "procedures[0].code", "3219"),
    (dict(procedures=[att.ProcedureInput("99999999")]), "procedures[0].code", "3219"),
    (dict(procedures=[att.ProcedureInput(CONSULTA_CODE, "2")]), "procedures[0].quantity", None),
    (dict(procedures=[att.ProcedureInput(CONSULTA_CODE, "0")]), "procedures[0].quantity", None),
    (dict(procedures=[att.ProcedureInput(CONSULTA_CODE, "1", "abc")]), "procedures[0].unit_value", None),
    (dict(procedures=[att.ProcedureInput(CONSULTA_CODE, "1", "0,00")]), "procedures[0].unit_value", None),
])
def test_each_wrong_consulta_field_is_refused_with_its_own_message(db, world, changes, field, code):
    _, actor, patient = world
    error = refused_fields(db, actor, consulta(patient, **changes))
    assert list(error.fields) == [field], error.fields
    assert error.fields[field] and error.fields[field] in error.message
    assert error.field_codes.get(field) == code
    assert db.exec(select(Guide)).all() == [] and db.exec(select(TypedAttendance)).all() == []


@pytest.mark.parametrize("changes, field, code", [
    (dict(care_character=""), "care_character", "5031"),
    (dict(care_character="3"), "care_character", "5031"),
    (dict(care_type="05"), "care_type", None),  # left the enumeration in 4.03
    (dict(requester=replace(DOCTOR, name="")), "requester.name", None),
    (dict(requester=replace(DOCTOR, council="00")), "requester.council", None),
    (dict(requested_on=TODAY + timedelta(days=2)), "requested_on", "1323"),
    (dict(clinical_indication="i" * 501), "clinical_indication", None),
    (dict(procedures=[att.ProcedureInput(HEMOGRAMA, "1000", "1,00")]), "procedures[0].quantity", None),
    (dict(procedures=[att.ProcedureInput(HEMOGRAMA, "1,5", "1,00")]), "procedures[0].quantity", None),
    (dict(procedures=[att.ProcedureInput(HEMOGRAMA, "1", "")]), "procedures[0].unit_value", None),  # no price
])
def test_each_wrong_sadt_field_is_refused_with_its_own_message(db, world, changes, field, code):
    _, actor, patient = world
    error = refused_fields(db, actor, sadt(patient, **changes))
    assert list(error.fields) == [field], error.fields
    assert error.field_codes.get(field) == code


def test_every_wrong_field_is_named_at_once(db, world):
    _, actor, patient = world
    error = refused_fields(db, actor, consulta(patient, card_number="", accident_indication="",
                                               professional=replace(DOCTOR, uf="", cbos="1")))
    assert set(error.fields) == {"card_number", "accident_indication", "professional.uf", "professional.cbos"}


def test_an_sadt_without_requester_names_each_of_its_fields(db, world):
    _, actor, patient = world
    error = refused_fields(db, actor, sadt(patient, requester=None))
    assert set(error.fields) == {f"requester.{name}" for name in ("name", "council", "number", "uf", "cbos")}


def test_a_provider_guide_number_is_used_once(db, world):
    _, actor, patient = world
    att.create_attendance(db, actor, consulta(patient, provider_guide_number="C-1"))
    db.commit()
    error = refused_fields(db, actor, consulta(patient, provider_guide_number="C-1"))
    assert list(error.fields) == ["provider_guide_number"] and error.field_codes["provider_guide_number"] == "1308"


def test_edit_and_delete_while_digitado(db, world):
    _, actor, patient = world
    view = att.create_attendance(db, actor, sadt(patient))
    db.commit()
    other = att.create_attendance(db, actor, consulta(patient))
    db.commit()
    edited = att.update_attendance(db, actor, view.guide_id, sadt(patient, care_type="13", procedures=[
        att.ProcedureInput(HEMOGRAMA, "3", "10,00")]))
    db.commit()
    assert edited.total == Decimal("30.00") and edited.input.care_type == "13"
    assert [(i.code, i.performed_qty) for i in db.exec(select(GuideItem).where(GuideItem.guide_id == view.guide_id))
            ] == [(HEMOGRAMA, 3)]
    with pytest.raises(att.AttendanceInvalid) as caught:  # the type is not changed by an edit
        att.update_attendance(db, actor, view.guide_id, consulta(patient))
    db.rollback()
    assert list(caught.value.fields) == ["guide_type"]
    att.delete_attendance(db, actor, other.guide_id)
    db.commit()
    assert db.get(Guide, other.guide_id) is None and db.get(TypedAttendance, other.guide_id) is None
    assert [r.guide_id for r in att.list_attendances(db, actor, COMPETENCE).rows] == [view.guide_id]


def test_refused_after_close_and_open_again_after_estorno(db, world):
    _, actor, patient = world
    view = att.create_attendance(db, actor, consulta(patient))
    db.commit()
    [closed] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    shown = att.get_attendance(db, actor, view.guide_id)
    assert shown.status == AttendanceStatus.FECHADO and shown.protocol_number == closed.protocol_number
    for action in (lambda: att.update_attendance(db, actor, view.guide_id, consulta(patient)),
                   lambda: att.delete_attendance(db, actor, view.guide_id)):
        with pytest.raises(DomainError) as caught:
            action()
        db.rollback()
        assert closed.protocol_number in caught.value.message and "fechado" in caught.value.message
    from copass_app.services.batches import reverse_batch

    reverse_batch(db, actor, closed.batch_id)
    db.commit()
    assert att.get_attendance(db, actor, view.guide_id).status == AttendanceStatus.DIGITADO
    edited = att.update_attendance(db, actor, view.guide_id, consulta(patient, consultation_type="2"))
    db.commit()
    assert edited.input.consultation_type == "2"


def test_another_providers_attendance_is_answered_like_a_missing_one(db, world, factory):
    _, actor, patient = world
    view = att.create_attendance(db, actor, consulta(patient))
    db.commit()
    stranger = factory.actor(factory.provider(name="Outra Clínica"))
    for action in (lambda: att.get_attendance(db, stranger, view.guide_id),
                   lambda: att.update_attendance(db, stranger, view.guide_id, consulta(patient)),
                   lambda: att.delete_attendance(db, stranger, view.guide_id),
                   lambda: att.get_attendance(db, stranger, 987654)):
        with pytest.raises(NotFound) as caught:
            action()
        assert caught.value.message == att.NOT_FOUND
    db.rollback()
    assert att.list_attendances(db, stranger, COMPETENCE).rows == []
    assert db.get(TypedAttendance, view.guide_id) is not None


def test_staff_cannot_type_attendances(db, world, factory):
    from copass_app.models import Role
    from copass_app.services.errors import PermissionDenied

    _, _, patient = world
    with pytest.raises(PermissionDenied):
        att.create_attendance(db, factory.actor(role=Role.STAFF), consulta(patient))


def test_typed_attendances_are_not_offered_to_web_billing(db, world):
    _, actor, patient = world
    att.create_attendance(db, actor, sadt(patient))
    db.commit()
    billing.open_draft(db, actor, start=TODAY - timedelta(days=30), end=TODAY)
    assert billing.draft_page(db, actor).rows == []


def test_beneficiary_found_by_card_or_by_name_of_an_attended_patient(db, world, factory):
    provider, actor, patient = world
    stranger = factory.beneficiary("Maria Estranha")
    assert [b.id for b in att.find_beneficiaries(db, actor, patient.card_number)] == [patient.id]
    assert [b.id for b in att.find_beneficiaries(db, actor, stranger.card_number)] == [stranger.id]
    assert att.find_beneficiaries(db, actor, stranger.card_number[:-1]) == []  # no browsing by a card's start
    assert att.find_beneficiaries(db, actor, "maria") == []  # nobody attended yet: names are not browsed
    att.create_attendance(db, actor, consulta(patient))
    db.commit()
    assert [b.name for b in att.find_beneficiaries(db, actor, "conceicao MARIA")] == ["Maria da Conceição"]
    other = factory.actor(factory.provider())
    assert att.find_beneficiaries(db, other, "maria") == []


def test_procedures_from_tuss_22_by_code_or_name_with_contracted_price(db, world):
    _, actor, _ = world
    by_code = att.search_procedures(db, actor, "1010101")
    assert by_code[0].code == CONSULTA_CODE and by_code[0].price == Decimal("150.00")
    by_name = att.search_procedures(db, actor, "hemograma")
    assert HEMOGRAMA in [hit.code for hit in by_name]
    assert all("hemograma" in fold(hit.name) for hit in by_name)
    assert att.search_procedures(db, actor, "") == []


def test_the_critique_runs_on_the_attendance_as_typed(db, world):
    _, actor, patient = world
    findings = att.preview_findings(db, actor, consulta(patient, procedures=[
        att.ProcedureInput(CONSULTA_CODE, "1", "200,00")]))
    assert [(f.rule, f.reason_code, f.value, f.item_code) for f in findings] == [
        ("value_above_contract", "1705", Decimal("50.00"), CONSULTA_CODE)]
    assert db.exec(select(Guide)).all() == []  # nothing saved
    att.create_attendance(db, actor, consulta(patient))
    db.commit()
    again = att.preview_findings(db, actor, consulta(patient))
    assert [f.rule for f in again] == ["duplicate"] and "digitado" in again[0].message
    assert db.exec(select(BilledItem)).all() == []


def test_the_vocabularies_offer_only_values_the_xsd_accepts():
    for vocabulary, domain in ((PROFESSIONAL_COUNCIL, "dm_conselhoProfissional"), (UF, "dm_UF"),
                               (CARE_CHARACTER, "dm_caraterAtendimento"), (CONSULTATION_TYPE, "dm_tipoConsulta"),
                               (ACCIDENT_INDICATION, "dm_indicadorAcidente"), (CARE_REGIME, "dm_regimeAtendimento"),
                               (SADT_CARE_TYPE, "dm_tipoAtendimento")):
        assert [term.value for term in vocabulary] == list(domains.values(domain)), domain
        assert all(term.tiss_code == term.value for term in vocabulary)


def test_guide_type_of_a_typed_attendance_is_consulta_or_sadt(db, world):
    _, actor, patient = world
    view = att.create_attendance(db, actor, sadt(patient))
    assert db.get(Guide, view.guide_id).guide_type == GuideType.SP_SADT


def test_a_procedure_removed_after_an_estorno_is_never_billed_again(db, world):
    """Its row stays (the reversed batch's history points at it) with quantity 0, outside every total."""
    from copass_app.services.batches import reverse_batch

    _, actor, patient = world
    view = att.create_attendance(db, actor, sadt(patient))
    db.commit()
    [first] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    reverse_batch(db, actor, first.batch_id)
    db.commit()
    edited = att.update_attendance(db, actor, view.guide_id, sadt(patient, procedures=[
        att.ProcedureInput("40301630", "1", "8,20")]))
    db.commit()
    assert [(i.code, i.quantity) for i in edited.items] == [("40301630", 1)] and edited.total == Decimal("8.20")
    rows = db.exec(select(GuideItem).where(GuideItem.guide_id == view.guide_id).order_by(GuideItem.id)).all()
    assert [(r.code, r.performed_qty) for r in rows] == [("40301630", 1), ("40301630", 0)]
    [second] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    assert second.total == Decimal("8.20")
    assert [b.guide_item_id for b in db.exec(select(BilledItem))] == [rows[0].id]
    with pytest.raises(DomainError) as caught:  # closed again: and a reversed one stays as history
        att.delete_attendance(db, actor, view.guide_id)
    assert second.protocol_number in caught.value.message


def test_a_reversed_attendance_is_kept_as_history_not_deleted(db, world):
    from copass_app.services.batches import reverse_batch

    _, actor, patient = world
    view = att.create_attendance(db, actor, consulta(patient))
    db.commit()
    [closed] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    reverse_batch(db, actor, closed.batch_id)
    db.commit()
    with pytest.raises(DomainError) as caught:
        att.delete_attendance(db, actor, view.guide_id)
    db.rollback()
    assert "fica no histórico" in caught.value.message
    assert db.get(TypedAttendance, view.guide_id) is not None
