"""Issue 12: typing an attendance, its critique as typed, "Fechar atendimentos" (the summary), "Encerrar
Fatura" of 100 typed consultas with the protocol PDF, and the TISS XML of that 100-guide batch (server
time of each event, each in its own unit of work as the page runs it). The targets are ours, set like
issue 3's for the same kind of event (a form save or a list: 300 ms; closing 100 guides + PDF: 1 s).
"""

from __future__ import annotations

import time
from dataclasses import replace

from sqlmodel import select

from bench.common import bench_provider, measure, report
from copass_app import clock
from copass_app.models import Beneficiary, GuideType
from copass_app.services import attendances, auth, batches, closing, lot_export
from copass_app.services.unit_of_work import perform

CONSULTA = "10101012"


def _as_user(engine, token: str, action, *, retries: int = 0):
    return perform(lambda db: action(db, auth.actor_for_token(db, token)), engine=engine, retries=retries)


def _form(card: str, n: int) -> attendances.AttendanceInput:
    today = clock.today()
    return attendances.AttendanceInput(
        guide_type="CONSULTA", competence=f"{today:%Y-%m}", card_number=card, performed_on=today,
        professional=attendances.ProfessionalInput("Médica Bench", "06", "123456", "35", "225125"),
        accident_indication="9", care_regime="01", consultation_type="1", provider_guide_number=f"B{n:06d}",
        procedures=[attendances.ProcedureInput(CONSULTA, "1", "150,00")])


def run(engine) -> bool:
    _, token = bench_provider(engine, code="900120", name="Consultório Bench Digitação", cnpj_base="121212120001",
                              kind="Consultório", login="bench.digitacao", guide_types=(GuideType.CONSULTA,),
                              guides=50, days_back=20, seed_offset=12)
    cards = _as_user(engine, token, lambda db, actor: list(db.exec(select(Beneficiary.card_number).limit(100))))
    numbers = iter(range(1, 10**6))

    def save() -> None:
        n = next(numbers)
        _as_user(engine, token, lambda db, actor: attendances.create_attendance(db, actor,
                                                                                _form(cards[n % len(cards)], n)))

    rows = [("salvar um atendimento digitado (consulta)", measure(save, runs=100, warmup=0), 300)]
    form = replace(_form(cards[0], 0), provider_guide_number="")
    rows.append(("crítica do atendimento enquanto é digitado",
                 measure(lambda: _as_user(engine, token, lambda db, actor: attendances.preview_findings(
                     db, actor, form))), 300))
    competence = form.competence
    rows.append(("Fechar atendimentos: resumo da competência (100+ atendimentos)",
                 measure(lambda: _as_user(engine, token, lambda db, actor: closing.closing_summary(
                     db, actor, competence)), runs=15), 300))
    start = time.perf_counter()
    closed = _as_user(engine, token, lambda db, actor: closing.close_attendances(db, actor, competence),
                      retries=closing.CLOSE_RETRIES)
    _as_user(engine, token, lambda db, actor: batches.protocol_pdf(db, actor, closed[0].batch_id))
    close_ms = (time.perf_counter() - start) * 1000
    assert closed[0].guide_count == 100, closed
    rows.append(("Encerrar Fatura: 100 atendimentos + PDF do protocolo",
                 {"median": close_ms, "p95": close_ms, "max": close_ms}, 1000))
    rows.append(("XML TISS de um lote de 100 guias (baixar)",
                 measure(lambda: _as_user(engine, token, lambda db, actor: lot_export.batch_xml(
                     db, actor, closed[0].batch_id)), runs=10), 1000))
    return report("Digitação e fechamento de atendimentos, XML do lote (issue 12)", rows)
