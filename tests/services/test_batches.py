import io
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import AuditLog, Batch, BatchOrigin, BatchStatus, BilledItem, GuideType, Role
from copass_app.services import analysis, batches, billing, payments, processing
from copass_app.services import appeals as appeal_service
from copass_app.services.batches import BatchFilters
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.services.protocols import protocol_number_for
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from tests.services.money_helpers import analyse as analyse_batch
from tests.services.money_helpers import bill as bill_batch
from tests.services.money_helpers import clinic as money_clinic
from tests.services.money_helpers import items_of, staff_actor

TODAY = clock.today()
START = TODAY - timedelta(days=30)


@pytest.fixture
def clinic(factory):
    provider = factory.provider(name="Clínica São Lucas")
    return provider, factory.actor(provider)


@pytest.fixture
def staff(factory):
    return factory.actor(role=Role.STAFF)


def bill(factory, db, provider, actor, guides=1, *, now=None, guide_type=GuideType.SP_SADT, beneficiary=None,
         items=None):
    for _ in range(guides):
        factory.guide(provider, guide_type=guide_type, beneficiary=beneficiary, items=items,
                      requested_on=TODAY - timedelta(days=5), performed_on=TODAY - timedelta(days=4))
    billing.open_draft(db, actor, start=START, end=TODAY, today=TODAY)
    return billing.confirm_draft(db, actor, now=now)


def at(day_offset: int, hour: int = 15) -> datetime:
    day = TODAY - timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def billed_count(db):
    return db.exec(select(func.count()).select_from(BilledItem)).one()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- listing -----------------------------------------------------------------------------------


def test_list_shows_only_own_batches_newest_first(factory, db, clinic):
    provider, actor = clinic
    other_provider = factory.provider(name="Outro")
    old = bill(factory, db, provider, actor, now=at(3))[0]
    new = bill(factory, db, provider, actor, now=at(1))[0]
    bill(factory, db, other_provider, factory.actor(other_provider), now=at(2))
    page = batches.list_batches(db, actor, BatchFilters())
    assert [row.id for row in page.rows] == [new.batch_id, old.batch_id]
    assert (page.total, page.page, page.page_count) == (2, 1, 1)
    row = page.rows[0]
    assert (row.protocol_number, row.lot_number, row.guide_count, row.total) == (
        new.protocol_number, "2", 1, Decimal("25.50"))
    assert (row.status, row.status_label, row.origin, row.guide_type) == (
        BatchStatus.RECEBIDO, "Recebido", BatchOrigin.WEB, GuideType.SP_SADT)
    assert (row.received_at, row.processed_at, row.paid_at, row.can_reverse) == (at(1), None, None, True)
    assert row.competence == f"{TODAY:%Y-%m}" and row.guide_type_label == "SP/SADT"


def test_list_is_paged_in_the_database(factory, db, clinic):
    provider, actor = clinic
    created = [bill(factory, db, provider, actor, now=at(10 - i))[0].batch_id for i in range(5)]
    first = batches.list_batches(db, actor, BatchFilters(), page=1, page_size=2)
    last = batches.list_batches(db, actor, BatchFilters(), page=3, page_size=2)
    assert (first.total, first.page_count) == (5, 3)
    assert [r.id for r in first.rows] == created[::-1][:2]
    assert [r.id for r in last.rows] == [created[0]]
    assert batches.list_batches(db, actor, BatchFilters(), page=9, page_size=2).page == 3


def test_list_filters(factory, db, clinic, staff):
    provider, actor = clinic
    old = bill(factory, db, provider, actor, now=at(6))[0]
    analysed = bill(factory, db, provider, actor, now=at(4))[0]
    recent = bill(factory, db, provider, actor, now=at(1))[0]
    processing.start_analysis(db, staff, analysed.batch_id)
    xml = factory.batch(provider, actor.user_id)
    xml.competence = "2025-01"
    db.add(xml)
    db.commit()

    def ids(**filters):
        return [row.id for row in batches.list_batches(db, actor, BatchFilters(**filters)).rows]

    assert ids(status=BatchStatus.EM_ANALISE) == [analysed.batch_id]
    assert ids(status="1", origin="web", protocol=None) == [recent.batch_id, old.batch_id]
    assert ids(origin=BatchOrigin.XML) == [xml.id]
    assert ids(competence="2025-01") == [xml.id]
    assert ids(protocol=old.protocol_number) == [old.batch_id]
    assert ids(protocol=recent.protocol_number[:-1] + "%") == []  # typed text, never a pattern
    assert ids(date_from=TODAY - timedelta(days=5), date_to=TODAY - timedelta(days=2)) == [analysed.batch_id]
    assert ids(date_from=TODAY - timedelta(days=4), date_to=TODAY - timedelta(days=4)) == [analysed.batch_id]


@pytest.mark.parametrize("filters, message", [
    (BatchFilters(status="7"), "Situação de lote desconhecida"),
    (BatchFilters(origin="FAX"), "Origem de lote desconhecida"),
    (BatchFilters(competence="2026-13"), "Competência inválida"),
    (BatchFilters(date_from=TODAY, date_to=TODAY - timedelta(days=1)), "posterior à data final"),
])
def test_invalid_list_filters_are_refused(db, clinic, filters, message):
    _, actor = clinic
    with pytest.raises(DomainError, match=message):
        batches.list_batches(db, actor, filters)


def test_staff_do_not_use_the_provider_list(db, staff):
    with pytest.raises(PermissionDenied):
        batches.list_batches(db, staff, BatchFilters())


# --- summary and protocol ----------------------------------------------------------------------


def test_batch_summary_has_patients_dates_values_and_items(factory, db, clinic):
    provider, actor = clinic
    ana, bia = factory.beneficiary("Ana Araújo"), factory.beneficiary("Beatriz Simões")
    for beneficiary, day in ((ana, 6), (ana, 3), (bia, 2)):
        factory.guide(provider, beneficiary=beneficiary, requested_on=TODAY - timedelta(days=day + 1),
                      performed_on=TODAY - timedelta(days=day), items=[
                          ("22", "40301630", "Hemograma", Decimal(1), Decimal("25.50")),
                          ("22", "40302040", "Glicose", Decimal(2), Decimal("8.10"))])
    fee = factory.catalog_item("18", "60000775", "Taxa de sala", Decimal("40.00"))
    billing.open_draft(db, actor, start=START, end=TODAY, today=TODAY)
    first_guide = billing.draft_page(db, actor).rows[0].guide_id
    billing.add_extra_item(db, actor, first_guide, fee.id)
    [confirmed] = billing.confirm_draft(db, actor)
    summary = batches.batch_summary(db, actor, confirmed.batch_id)
    assert (summary.row.id, summary.row.protocol_number, summary.row.status_label, summary.row.can_reverse) == (
        confirmed.batch_id, confirmed.protocol_number, "Recebido", True)
    assert summary.provider_name == "Clínica São Lucas" and summary.row.guide_type_label == "SP/SADT"
    assert summary.patient_count == 2
    assert (summary.first_performed_on, summary.last_performed_on) == (
        TODAY - timedelta(days=6), TODAY - timedelta(days=2))
    assert (summary.item_count, summary.row.total) == (7, Decimal("165.10"))
    assert [g.beneficiary_name for g in summary.guides] == ["Ana Araújo", "Ana Araújo", "Beatriz Simões"]
    assert (summary.guides[0].total, summary.guides[0].item_count) == (Decimal("81.70"), 3)
    assert [(i.code, i.added_in_billing) for i in summary.guides[0].items] == [
        ("40301630", False), ("40302040", False), ("60000775", True)]


def test_another_providers_batch_is_not_found_even_by_id(factory, db, clinic):
    provider, actor = clinic
    other_provider = factory.provider(name="Outro")
    [foreign] = bill(factory, db, other_provider, factory.actor(other_provider))
    for read in (batches.batch_summary, batches.protocol_report, batches.protocol_pdf):
        with pytest.raises(NotFound, match="Lote não encontrado"):
            read(db, actor, foreign.batch_id)
    with pytest.raises(NotFound):
        batches.batch_summary(db, actor, 999999)


def test_protocol_pdf_shows_protocol_provider_and_beneficiaries(factory, db, clinic):
    provider, actor = clinic
    for name in ("João da Conceição", "Maria Antônia Gonçalves"):
        factory.guide(provider, beneficiary=factory.beneficiary(name), requested_on=TODAY - timedelta(days=5),
                      performed_on=TODAY - timedelta(days=4))
    billing.open_draft(db, actor, start=START, end=TODAY, today=TODAY)
    [confirmed] = billing.confirm_draft(db, actor)
    filename, data = batches.protocol_pdf(db, actor, confirmed.batch_id)
    assert filename == f"protocolo-{confirmed.protocol_number}.pdf" and data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (confirmed.protocol_number, "Clínica São Lucas", "João da Conceição",
                     "Maria Antônia Gonçalves", "Copass Saúde", "R$ 51,00", "Portal do Prestador"):
        assert expected in text, expected


def test_protocol_report_comes_from_the_database(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor, 2, now=at(1))
    report = batches.protocol_report(db, actor, confirmed.batch_id)
    assert (report.protocol_number, report.lot_number, report.origin_label, report.total) == (
        confirmed.protocol_number, "1", "Portal do Prestador (faturamento na web)", Decimal("51.00"))
    assert (report.provider_name, report.provider_code, report.operator_ans_registry) == (
        "Clínica São Lucas", provider.code, "345678")
    assert report.received_at == at(1) and len(report.guides) == 2
    assert report.guides[0].guide_type_label == "SP/SADT" and report.guides[0].value == Decimal("25.50")


def test_staff_can_read_any_batch(factory, db, clinic, staff):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    assert batches.batch_summary(db, staff, confirmed.batch_id).row.id == confirmed.batch_id
    filename, data = batches.protocol_pdf(db, staff, confirmed.batch_id)
    assert confirmed.protocol_number in pdf_text(data)


# --- estorno -----------------------------------------------------------------------------------


def test_estorno_puts_the_guides_back(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor, 2)
    assert billed_count(db) == 2
    moment = at(0)
    batches.reverse_batch(db, actor, confirmed.batch_id, now=moment)
    batch = db.get(Batch, confirmed.batch_id)
    assert (batch.status, batch.reversed_at, batch.reversed_by) == (BatchStatus.CANCELADO, moment, actor.user_id)
    assert billed_count(db) == 0
    row = batches.list_batches(db, actor, BatchFilters()).rows[0]
    assert (row.status_label, row.can_reverse) == ("Cancelado (estornado)", False)
    summary = billing.open_draft(db, actor, start=START, end=TODAY, today=TODAY)
    assert summary.guide_count_available == 2
    [again] = billing.confirm_draft(db, actor)
    assert again.lot_number == "2" and billed_count(db) == 2


def test_estorno_writes_the_audit_log(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    batches.reverse_batch(db, actor, confirmed.batch_id)
    log = db.exec(select(AuditLog).where(AuditLog.action == "batch.reverse")).one()
    assert (log.user_id, log.entity_id) == (actor.user_id, str(confirmed.batch_id))


def test_estorno_refused_for_another_provider(factory, db, clinic):
    provider, actor = clinic
    other_provider = factory.provider(name="Outro")
    [foreign] = bill(factory, db, other_provider, factory.actor(other_provider))
    with pytest.raises(NotFound, match="Lote não encontrado"):
        batches.reverse_batch(db, actor, foreign.batch_id)
    assert db.get(Batch, foreign.batch_id).status == BatchStatus.RECEBIDO and billed_count(db) == 1


def test_estorno_refused_after_processing_date(factory, db, clinic, staff):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    processing.start_analysis(db, staff, confirmed.batch_id, now=at(0, hour=13))
    with pytest.raises(DomainError, match=f"processado pela operadora em {TODAY:%d/%m/%Y}"):
        batches.reverse_batch(db, actor, confirmed.batch_id)
    batch = db.get(Batch, confirmed.batch_id)
    assert batch.status == BatchStatus.EM_ANALISE and batch.reversed_at is None and billed_count(db) == 1
    assert batches.list_batches(db, actor, BatchFilters()).rows[0].can_reverse is False


def _race(**actions) -> dict[str, str]:
    """Run each action in its own thread and unit of work, released together: name → "ok" or the refusal."""
    barrier = threading.Barrier(len(actions))
    outcomes: dict[str, str] = {}

    def run(name, action):
        barrier.wait()
        try:
            perform(action)
            outcomes[name] = "ok"
        except DomainError as error:
            outcomes[name] = error.message

    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_estorno_and_start_of_analysis_at_the_same_moment_one_wins_cleanly(factory, db, clinic, staff):
    """The provider reverses while the operator starts the analysis: the conditional UPDATE of the
    transition table lets exactly one of them through, and the other is refused with the reason."""
    provider, actor = clinic
    for _ in range(6):
        [confirmed] = bill(factory, db, provider, actor)
        db.commit()
        outcomes = _race(
            estorno=lambda s, batch_id=confirmed.batch_id: batches.reverse_batch(s, actor, batch_id),
            analysis=lambda s, batch_id=confirmed.batch_id: processing.start_analysis(s, staff, batch_id),
        )
        db.expire_all()
        batch = db.get(Batch, confirmed.batch_id)
        claimed = db.exec(select(func.count()).select_from(BilledItem).where(BilledItem.batch_id == batch.id)).one()
        assert sorted(outcomes.values()).count("ok") == 1, outcomes
        if outcomes["estorno"] == "ok":
            assert (batch.status, batch.processed_at, claimed) == (BatchStatus.CANCELADO, None, 0)
            assert "estornado" in outcomes["analysis"]
        else:
            assert batch.status == BatchStatus.EM_ANALISE and batch.reversed_at is None and claimed > 0
            assert "processado pela operadora" in outcomes["estorno"]


def test_estorno_refused_when_only_the_processing_date_is_set(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    batch = db.get(Batch, confirmed.batch_id)
    batch.processed_at = at(0)  # status still RECEBIDO: the date alone ends the estorno
    db.add(batch)
    db.commit()
    with pytest.raises(DomainError, match="não pode mais ser estornado"):
        batches.reverse_batch(db, actor, confirmed.batch_id)
    assert billed_count(db) == 1


def test_estorno_refused_in_any_later_status(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    batch = db.get(Batch, confirmed.batch_id)
    batch.status = BatchStatus.LIBERADO_PAGAMENTO
    db.add(batch)
    db.commit()
    with pytest.raises(DomainError, match="Liberado para pagamento"):
        batches.reverse_batch(db, actor, confirmed.batch_id)


def test_estorno_refused_twice(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    batches.reverse_batch(db, actor, confirmed.batch_id)
    with pytest.raises(DomainError, match="já foi estornado"):
        batches.reverse_batch(db, actor, confirmed.batch_id)


def test_estorno_is_the_providers_own_action(factory, db, clinic, staff):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    with pytest.raises(PermissionDenied):
        batches.reverse_batch(db, staff, confirmed.batch_id)


def test_a_colleague_of_the_same_provider_may_reverse(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    batches.reverse_batch(db, factory.actor(provider), confirmed.batch_id)
    assert db.get(Batch, confirmed.batch_id).status == BatchStatus.CANCELADO


# --- start of analysis (staff) -----------------------------------------------------------------


def test_start_analysis_sets_the_processing_date(factory, db, clinic, staff):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    processing.start_analysis(db, staff, confirmed.batch_id, now=at(0))
    batch = db.get(Batch, confirmed.batch_id)
    assert (batch.status, batch.processed_at) == (BatchStatus.EM_ANALISE, at(0))
    log = db.exec(select(AuditLog).where(AuditLog.action == "batch.start_analysis")).one()
    assert (log.user_id, log.provider_id) == (staff.user_id, provider.id)
    row = batches.list_batches(db, actor, BatchFilters()).rows[0]
    assert (row.status_label, row.processed_at) == ("Em análise", at(0))


def test_start_analysis_is_staff_only(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    with pytest.raises(PermissionDenied):
        processing.start_analysis(db, actor, confirmed.batch_id)


def test_start_analysis_refused_for_a_reversed_batch(factory, db, clinic, staff):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    batches.reverse_batch(db, actor, confirmed.batch_id)
    with pytest.raises(DomainError, match="estornado"):
        processing.start_analysis(db, staff, confirmed.batch_id)
    assert db.get(Batch, confirmed.batch_id).processed_at is None


def test_start_analysis_refused_twice_and_for_unknown_batches(factory, db, clinic, staff):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    processing.start_analysis(db, staff, confirmed.batch_id)
    with pytest.raises(DomainError, match="já foi iniciada"):
        processing.start_analysis(db, staff, confirmed.batch_id)
    with pytest.raises(NotFound):
        processing.start_analysis(db, staff, 999999)


def test_protocol_numbers_are_unique_and_readable(factory, db, clinic):
    provider, actor = clinic
    confirmed = bill(factory, db, provider, actor, now=at(0)) + bill(factory, db, provider, actor, now=at(0))
    numbers = [c.protocol_number for c in confirmed]
    assert len(set(numbers)) == 2
    # TISS numeroProtocolo is at most 12 characters (st_texto12; st_numerico12 in the demonstrativos).
    assert all(n.isdigit() and len(n) == 12 and n.startswith(f"{TODAY:%Y}") for n in numbers)
    assert protocol_number_for(10**8, at(0)) == "000100000000"


# --- the operator's staff ----------------------------------------------------------------------


def test_staff_lists_every_providers_batches_and_starts_analysis(factory, db, clinic):
    from copass_app.models import Role
    from copass_app.services import processing

    provider, actor = clinic
    other = factory.provider(name="Hospital Outro")
    mine = bill(factory, db, provider, actor, now=at(2))[0]
    theirs = bill(factory, db, other, factory.actor(other), now=at(1))[0]
    staff = factory.actor(role=Role.STAFF)
    received = processing.list_received(db, staff)
    assert [(r.row.id, r.provider_name) for r in received.rows] == [(theirs.batch_id, "Hospital Outro"),
                                                                   (mine.batch_id, provider.name)]
    assert received.total == 2
    processing.start_analysis(db, staff, mine.batch_id)
    received = processing.list_received(db, staff, BatchFilters(status="2")).rows
    assert [r.row.id for r in received] == [mine.batch_id]
    assert received[0].row.processed_at is not None and not received[0].row.can_reverse


def test_provider_cannot_list_every_providers_batches(factory, db, clinic):
    from copass_app.services import processing
    from copass_app.services.errors import PermissionDenied

    _, actor = clinic
    with pytest.raises(PermissionDenied):
        processing.list_received(db, actor)


def test_batches_csv_lists_the_filtered_own_batches_for_a_spreadsheet(factory, db, clinic):
    import csv

    provider, actor = clinic
    other = factory.provider(name="Outro")
    [mine] = bill(factory, db, provider, actor, 2, now=at(1))
    bill(factory, db, other, factory.actor(other), now=at(1))
    name, data = batches.export_batches_csv(db, actor, BatchFilters(status="1"))
    assert name.startswith("faturamentos-") and name.endswith(".csv")
    assert data.startswith("\ufeff".encode())  # BOM: spreadsheets read it as UTF-8
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert header[:3] == ["Protocolo", "Lote", "Recebido em"] and "Situação" in header
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Protocolo"] == f'="{mine.protocol_number}"' or row["Protocolo"] == mine.protocol_number
    assert (row["Valor"], row["Situação"], row["Origem"]) == ("51,00", "Recebido",
                                                              "Portal do Prestador (faturamento na web)")
    assert batches.export_batches_csv(db, actor, BatchFilters(status="6"))[1].decode("utf-8-sig").count("\n") == 1


def test_staff_do_not_export_a_providers_csv(db, staff):
    with pytest.raises(PermissionDenied):
        batches.export_batches_csv(db, staff)


# --- the money half as the provider reads it: glosas per item, history, payment ------------------


D = Decimal
MONEY_ITEMS = [("22", "10101012", "Consulta em consultório", D("1"), D("150.00")),
               ("22", "40302040", "Glicose", D("3"), D("12.25"))]  # 150,00 + 36,75 = 186,75


def test_summary_shows_each_glosa_with_code_description_note_and_value_once_analysed(factory, db):
    lucas, staff = money_clinic(factory), staff_actor(factory)
    batch_id = bill_batch(factory, db, lucas, items=MONEY_ITEMS)
    processing.start_analysis(db, staff, batch_id)
    db.commit()
    during = batches.batch_summary(db, lucas.actor, batch_id)
    # While the analyst works nothing is final: no glosa, no approved value shown to the provider.
    assert not during.analysed and during.glosa_value == 0 and during.approved_value == 0
    assert all(item.glosa is None and item.approved_value is None for item in during.guides[0].items)

    analyse_batch_rest(db, staff, batch_id)
    summary = batches.batch_summary(db, lucas.actor, batch_id)
    consult, glucose = summary.guides[0].items
    assert summary.analysed and summary.row.total == D("186.75")
    assert (summary.glosa_value, summary.approved_value) == (D("12.25"), D("174.50"))
    assert consult.glosa is None and consult.approved_value == D("150.00")
    assert glucose.approved_value == D("24.50")
    glosa = glucose.glosa
    assert (glosa.reason_code, glosa.value, glosa.note) == (codes.ABOVE_AUTHORIZED, D("12.25"), "Uma dose a mais")
    assert glosa.reason_description == codes.all_codes()[codes.ABOVE_AUTHORIZED]
    assert glosa.appealable and glosa.appeal_status is None
    assert summary.guides[0].glosa_value == D("12.25") and summary.guides[0].appealable_count == 1


def analyse_batch_rest(db, staff, batch_id):
    """Glosa 12,25 (one dose) on the Glicose line, accept the consultation, finish."""
    consult, glucose = items_of(db, batch_id)
    analysis.accept_item(db, staff, consult.id)
    analysis.apply_glosa(db, staff, glucose.id, value="12,25", reason_code=codes.ABOVE_AUTHORIZED,
                         note="Uma dose a mais")
    analysis.finish_analysis(db, staff, batch_id)
    db.commit()


def test_summary_follows_the_appeal_of_a_glosa(factory, db):
    lucas, staff = money_clinic(factory), staff_actor(factory)
    batch = analyse_batch(db, staff, bill_batch(factory, db, lucas, items=MONEY_ITEMS), {1: D("12.25")})
    glucose = batches.batch_summary(db, lucas.actor, batch.id).guides[0].items[1]
    opened = appeal_service.open_appeal(db, lucas.actor, glucose.glosa.id, contested_value="12,25",
                                        justification="A terceira dose foi prescrita e autorizada por telefone.")
    db.commit()
    glosa = batches.batch_summary(db, lucas.actor, batch.id).guides[0].items[1].glosa
    assert (glosa.appeal_id, glosa.appeal_status, glosa.contested_value) == (opened.id, "PENDENTE", D("12.25"))
    assert not glosa.appealable and glosa.appeal_status_label == "Aguardando análise"
    appeal_service.decide_appeal(db, staff, opened.id, decision="accept_partly", accepted_value="5,00",
                                 note="Aceita meia dose")
    db.commit()
    summary = batches.batch_summary(db, lucas.actor, batch.id)
    glosa = summary.guides[0].items[1].glosa
    assert (glosa.accepted_value, glosa.decision_note) == (D("5.00"), "Aceita meia dose")
    assert summary.appeals_accepted_value == D("5.00") and summary.guides[0].appealable_count == 0


def test_history_lists_each_status_with_its_moment_down_to_the_payment(factory, db):
    lucas, staff = money_clinic(factory), staff_actor(factory)
    with clock.frozen(datetime(2026, 3, 2, 9, 15)):
        batch_id = bill_batch(factory, db, lucas, items=MONEY_ITEMS)
    with clock.frozen(datetime(2026, 3, 3, 10, 0)):
        processing.start_analysis(db, staff, batch_id)
        analysis.accept_all(db, staff, batch_id)
        db.commit()
    with clock.frozen(datetime(2026, 3, 4, 16, 30)):
        analysis.finish_analysis(db, staff, batch_id)
        db.commit()
    with clock.frozen(datetime(2026, 3, 10, 11, 0)):
        # Registered on the 10th for a transfer made on the 9th: the history says the 9th.
        paid = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[batch_id], appeal_ids=[],
                                         paid_on="09/03/2026")
        db.commit()
    steps = batches.batch_history(db, lucas.actor, batch_id)
    shown = [(step.label, clock.brasilia_date(step.at).isoformat()) for step in steps]
    assert shown == [("Recebido", "2026-03-02"), ("Em análise", "2026-03-03"),
                     ("Liberado para pagamento", "2026-03-04"), ("Pagamento efetuado", "2026-03-09")]
    assert fmt.datetime_br(steps[0].at) == "02/03/2026 09:15"
    summary = batches.batch_summary(db, lucas.actor, batch_id)
    assert summary.history == steps and summary.payment_id == paid.id


def test_history_of_a_reversed_batch_ends_cancelled(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    batches.reverse_batch(db, actor, confirmed.batch_id)
    db.commit()
    assert [s.label for s in batches.batch_history(db, actor, confirmed.batch_id)] == [
        "Recebido", "Cancelado (estornado)"]


def test_another_providers_history_is_not_found(factory, db, clinic):
    provider, actor = clinic
    [confirmed] = bill(factory, db, provider, actor)
    other = factory.actor(factory.provider(name="Outra Clínica"))
    db.commit()
    with pytest.raises(NotFound):
        batches.batch_history(db, other, confirmed.batch_id)
