"""Shared data of the typed-attendance tests (test_attendances, test_closing, test_batch_export)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from copass_app import clock
from copass_app.models import CatalogItem
from copass_app.services import attendances as att
from copass_app.text import fold

TODAY = clock.today()
COMPETENCE = f"{TODAY:%Y-%m}"
CONSULTA_CODE = "10101012"  # consulta em consultório (TUSS 22)
HEMOGRAMA = "40304361"
DOCTOR = att.ProfessionalInput(name="Ana Maria Souza", council="06", number="123456", uf="35", cbos="225125")


def make_world(factory, db):
    provider = factory.provider(name="Clínica Pequena")
    actor = factory.actor(provider)
    patient = factory.beneficiary("Maria da Conceição")
    db.add(CatalogItem(table_code="22", code=CONSULTA_CODE, name="Consulta em consultório",
                       name_search=fold("Consulta em consultório"), price=Decimal("150.00")))
    db.commit()
    return provider, actor, patient


def consulta(patient, **changes) -> att.AttendanceInput:
    data = att.AttendanceInput(
        guide_type="CONSULTA", competence=COMPETENCE, card_number=patient.card_number,
        performed_on=TODAY.strftime("%d/%m/%Y"), professional=DOCTOR, accident_indication="9",
        care_regime="01", consultation_type="1", procedures=[att.ProcedureInput(CONSULTA_CODE)])
    return replace(data, **changes)


def sadt(patient, **changes) -> att.AttendanceInput:
    data = att.AttendanceInput(
        guide_type="SP_SADT", competence=COMPETENCE, card_number=patient.card_number,
        performed_on=TODAY, professional=DOCTOR, requester=replace(DOCTOR, name="João Solicitante", number="654321"),
        accident_indication="9", care_regime="01", care_character="1", care_type="23",
        requested_on=TODAY - timedelta(days=1), clinical_indication="Rotina",
        procedures=[att.ProcedureInput(HEMOGRAMA, "2", "12,50"), att.ProcedureInput("40301630", "1", "8,20")])
    return replace(data, **changes)
