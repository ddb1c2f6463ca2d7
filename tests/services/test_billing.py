from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import (
    AuditLog,
    Batch,
    BatchGuide,
    BatchItem,
    BatchOrigin,
    BatchStatus,
    BilledItem,
    BillingDraft,
    DraftExtraItem,
    DraftGuide,
    Guide,
    GuideItem,
    GuideStatus,
    GuideType,
    Protocol,
    Role,
)
from copass_app.services import billing
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.services.unit_of_work import perform
from tests.services.test_billing_concurrency import INSERT_BATCH, on_statement

TODAY = clock.today()
START = TODAY - timedelta(days=30)
EXAM = ("22", "40301630", "Hemograma", Decimal(1), Decimal("25.50"))


@pytest.fixture
def clinic(factory):
    provider = factory.provider(name="Clínica A")
    return provider, factory.actor(provider)


@pytest.fixture
def fee(factory):
    return factory.catalog_item("18", "60000775", "Taxa de sala de observação", Decimal("40.00"))


@pytest.fixture
def material(factory):
    return factory.catalog_item("19", "70000018", "Seringa descartável 10 ml", Decimal("1.35"))


def open_period(db, actor, **kwargs):
    return billing.open_draft(db, actor, start=START, end=TODAY, today=TODAY, **kwargs)


def rows(db, actor):
    return billing.draft_page(db, actor, page_size=100).rows


def offered_ids(db, actor):
    return sorted(row.guide_id for row in rows(db, actor))


def count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def guide_on(factory, provider, performed_on, **kwargs):
    requested = kwargs.pop("requested_on", performed_on - timedelta(days=1))
    return factory.guide(provider, requested_on=requested, performed_on=performed_on, **kwargs)


# --- what is offered ---------------------------------------------------------------------------


def test_only_own_authorized_guides_performed_in_the_period_are_offered(factory, db, clinic):
    provider, actor = clinic
    day = TODAY - timedelta(days=5)
    authorized = guide_on(factory, provider, day)
    partial = guide_on(factory, provider, day, status=GuideStatus.AUTORIZADO_PARCIALMENTE)
    for status in (GuideStatus.NEGADO, GuideStatus.CANCELADA, GuideStatus.EM_ANALISE,
                   GuideStatus.AGUARDANDO_DOCUMENTACAO):
        guide_on(factory, provider, day, status=status)
    guide_on(factory, factory.provider(name="Outro"), day)
    guide_on(factory, provider, START - timedelta(days=1))
    summary = open_period(db, actor)
    assert offered_ids(db, actor) == sorted([authorized.id, partial.id])
    assert summary.guide_count_available == 2 and summary.guide_count_selected == 2
    assert summary.value_selected == Decimal("51.00")


def test_items_not_performed_are_not_billable(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=3), items=[
        EXAM, ("22", "40302040", "Glicose", Decimal(2), Decimal("5.00"))])
    nothing_done = guide_on(factory, provider, TODAY - timedelta(days=3))
    for item in db.exec(select(GuideItem).where(GuideItem.guide_id.in_([guide.id, nothing_done.id]))):
        if item.code == "40302040" or item.guide_id == nothing_done.id:
            item.performed_qty = Decimal(0)
            db.add(item)
    db.commit()
    summary = open_period(db, actor)
    assert offered_ids(db, actor) == [guide.id]
    assert [item.code for item in rows(db, actor)[0].items] == ["40301630"]
    assert (summary.item_count_selected, summary.value_selected) == (1, Decimal("25.50"))


def test_competence_means_that_month(factory, db, clinic):
    provider, actor = clinic
    this_month = TODAY.replace(day=1)
    last_day = this_month - timedelta(days=1)
    first_day = last_day.replace(day=1)
    inside = [guide_on(factory, provider, first_day), guide_on(factory, provider, last_day)]
    guide_on(factory, provider, this_month)
    summary = billing.open_draft(db, actor, competence=f"{first_day:%Y-%m}", today=TODAY)
    assert (summary.period_start, summary.period_end, summary.competence) == (
        first_day, last_day, f"{first_day:%Y-%m}")
    assert offered_ids(db, actor) == sorted(g.id for g in inside)


def test_competence_of_a_period_is_the_month_of_its_end(db, clinic):
    _, actor = clinic
    summary = billing.open_draft(db, actor, start=date(2026, 1, 20), end=date(2026, 2, 10), today=date(2026, 3, 1))
    assert summary.competence == "2026-02"


def test_dates_as_typed_by_the_user_are_accepted(db, clinic):
    _, actor = clinic
    summary = billing.open_draft(db, actor, start=START.strftime("%d/%m/%Y"), end=TODAY.isoformat(), today=TODAY)
    assert (summary.period_start, summary.period_end) == (START, TODAY)


@pytest.mark.parametrize("period, message", [
    (dict(start=TODAY, end=TODAY - timedelta(days=1)), "posterior à data final"),
    (dict(start=TODAY + timedelta(days=1), end=TODAY + timedelta(days=5)), "futuro"),
    (dict(start=TODAY - timedelta(days=400), end=TODAY), "no máximo 366 dias"),
    (dict(competence="2026-13"), "Competência inválida"),
    (dict(competence="13/2026"), "Competência inválida"),
    (dict(competence="março"), "Competência inválida"),
    (dict(competence=f"{TODAY.year + 1}-01"), "competência não pode ser futura"),
    (dict(), "Informe a data inicial e a data final do período, ou a competência"),
    (dict(start=START), "Informe a data inicial e a data final do período, ou a competência"),
    (dict(start="", end="", competence="  "), "Informe a data inicial e a data final do período, ou a competência"),
    (dict(start="31/02/2026", end=TODAY), "Data inicial: data inexistente"),
    (dict(start=START, end="amanhã"), "Data final: data inválida"),
])
def test_invalid_periods_are_refused(db, clinic, period, message):
    _, actor = clinic
    with pytest.raises(DomainError, match=message):
        billing.open_draft(db, actor, today=TODAY, **period)
    assert billing.get_draft(db, actor) is None


def test_staff_cannot_use_billing(factory, db):
    staff = factory.actor(role=Role.STAFF)
    with pytest.raises(PermissionDenied):
        billing.open_draft(db, staff, start=START, end=TODAY)
    with pytest.raises(PermissionDenied):
        billing.confirm_draft(db, staff)


# --- the draft survives and changes ------------------------------------------------------------


def test_draft_survives_reload_in_a_new_session(factory, db, engine, clinic, fee):
    provider, actor = clinic
    kept, dropped = guide_on(factory, provider, TODAY - timedelta(days=4)), guide_on(factory, provider, TODAY)
    open_period(db, actor)
    billing.set_guide_included(db, actor, dropped.id, False)
    billing.change_performed_date(db, actor, kept.id, TODAY - timedelta(days=3), today=TODAY)
    billing.add_extra_item(db, actor, kept.id, fee.id)
    db.commit()  # what the page's unit of work does at the end of each event
    with Session(engine) as other:
        summary = billing.get_draft(other, actor)
        page = billing.draft_page(other, actor)
    assert (summary.guide_count_available, summary.guide_count_selected) == (2, 1)
    assert summary.value_selected == Decimal("65.50")
    by_id = {row.guide_id: row for row in page.rows}
    assert by_id[dropped.id].included is False
    assert by_id[kept.id].performed_on == TODAY - timedelta(days=3) and by_id[kept.id].date_changed
    assert [item.code for item in by_id[kept.id].items] == ["40301630", "60000775"]


def test_without_a_draft_there_is_nothing_to_show(db, clinic):
    _, actor = clinic
    assert billing.get_draft(db, actor) is None
    with pytest.raises(DomainError, match="Nenhum faturamento em preparação"):
        billing.draft_page(db, actor)


def test_new_period_discards_previous_choices(factory, db, clinic, fee):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.set_guide_included(db, actor, guide.id, False)
    billing.add_extra_item(db, actor, guide.id, fee.id)
    summary = billing.open_draft(db, actor, start=START + timedelta(days=1), end=TODAY, today=TODAY)
    assert summary.guide_count_selected == 1 and summary.value_selected == Decimal("25.50")
    assert count(db, BillingDraft) == 1 and count(db, DraftExtraItem) == 0


def test_same_period_keeps_the_choices(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.set_guide_included(db, actor, guide.id, False)
    assert open_period(db, actor).guide_count_selected == 0


def test_large_drafts_refresh_planner_statistics_inside_the_callers_transaction(factory, db, engine, clinic):
    """Enough guides for the ANALYZE (PostgreSQL): it commits nothing, so an action that fails after
    opening the draft leaves no draft, and one that succeeds keeps every guide."""
    provider, actor = clinic
    factory.bulk_guides(provider, billing.ANALYZE_AFTER_OFFERING, performed_on=TODAY - timedelta(days=2))

    def open_then_fail(session):
        assert open_period(session, actor).guide_count_available == billing.ANALYZE_AFTER_OFFERING
        raise DomainError("falha depois de abrir o período")

    with pytest.raises(DomainError, match="falha depois"):
        perform(open_then_fail, engine=engine)
    assert count(db, BillingDraft) == 0 and count(db, DraftGuide) == 0
    summary = perform(lambda session: open_period(session, actor), engine=engine)
    assert summary.guide_count_available == summary.guide_count_selected == billing.ANALYZE_AFTER_OFFERING
    assert count(db, DraftGuide) == billing.ANALYZE_AFTER_OFFERING


def test_reload_offers_guides_released_since_and_drops_those_no_longer_billable(factory, db, clinic):
    provider, actor = clinic
    cancelled = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    later = guide_on(factory, provider, TODAY - timedelta(days=1))
    cancelled.status = GuideStatus.CANCELADA
    db.add(cancelled)
    db.commit()
    summary = billing.get_draft(db, actor)
    assert offered_ids(db, actor) == [later.id] and summary.guide_count_available == 1


def test_page_is_ordered_by_performed_date_then_guide_number(factory, db, clinic):
    provider, actor = clinic
    days = [TODAY - timedelta(days=d) for d in (3, 9, 1, 9, 5)]
    guides = [guide_on(factory, provider, day) for day in days]
    open_period(db, actor)
    expected = [g.id for g in sorted(guides, key=lambda g: (g.performed_on, g.provider_guide_number))]
    first = billing.draft_page(db, actor, page=1, page_size=2)
    last = billing.draft_page(db, actor, page=3, page_size=2)
    assert (first.total, first.page_count) == (5, 3)
    assert [r.guide_id for r in first.rows] == expected[:2]
    assert [r.guide_id for r in last.rows] == expected[4:]
    assert billing.draft_page(db, actor, page=99, page_size=2).page == 3
    # A corrected date moves the guide in the list.
    billing.change_performed_date(db, actor, expected[0], TODAY, today=TODAY)
    assert [r.guide_id for r in billing.draft_page(db, actor, page=3, page_size=2).rows] == [expected[0]]


def test_guide_view_has_what_the_provider_checks(factory, db, clinic):
    provider, actor = clinic
    beneficiary = factory.beneficiary("Maria da Conceição")
    guide = guide_on(factory, provider, TODAY - timedelta(days=2), beneficiary=beneficiary,
                     items=[("22", "40301630", "Hemograma", Decimal("1.5"), Decimal("3.33"))])
    open_period(db, actor)
    row = rows(db, actor)[0]
    assert (row.guide_id, row.guide_type, row.type_label) == (guide.id, GuideType.SP_SADT, "SP/SADT")
    assert (row.beneficiary_name, row.card_number) == ("Maria da Conceição", beneficiary.card_number)
    assert (row.requested_on, row.authorized_on, row.valid_until) == (
        guide.requested_on, guide.authorized_on, guide.valid_until)
    assert row.performed_on == row.original_performed_on == guide.performed_on and not row.date_changed
    assert row.items[0].total == Decimal("5.00") and row.total == Decimal("5.00")  # 4,995 rounds half-up


# --- checking and unchecking -------------------------------------------------------------------


def test_unchecking_a_guide_updates_the_totals(factory, db, clinic):
    provider, actor = clinic
    first = guide_on(factory, provider, TODAY - timedelta(days=2))
    guide_on(factory, provider, TODAY - timedelta(days=2), items=[
        ("22", "1", "A", Decimal(1), Decimal("10.00")), ("22", "2", "B", Decimal(3), Decimal("1.10"))])
    assert open_period(db, actor).value_selected == Decimal("38.80")
    summary = billing.set_guide_included(db, actor, first.id, False)
    assert (summary.guide_count_selected, summary.item_count_selected, summary.value_selected) == (
        1, 2, Decimal("13.30"))
    assert summary.guide_count_available == 2
    summary = billing.set_guide_included(db, actor, first.id, True)
    assert summary.value_selected == Decimal("38.80")


def test_select_none_then_pick_one(factory, db, clinic):
    provider, actor = clinic
    guides = [guide_on(factory, provider, TODAY - timedelta(days=2)) for _ in range(3)]
    open_period(db, actor)
    billing.set_guide_included(db, actor, guides[0].id, False)
    summary = billing.set_all_included(db, actor, False)
    assert (summary.guide_count_selected, summary.include_by_default) == (0, False)
    summary = billing.set_guide_included(db, actor, guides[1].id, True)
    assert summary.guide_count_selected == 1
    assert [r.guide_id for r in rows(db, actor) if r.included] == [guides[1].id]
    summary = billing.set_all_included(db, actor, True)
    assert summary.guide_count_selected == 3  # the exceptions are cleared


def test_select_all_keeps_corrected_dates(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=4))
    open_period(db, actor)
    billing.change_performed_date(db, actor, guide.id, TODAY - timedelta(days=2), today=TODAY)
    billing.set_all_included(db, actor, False)
    billing.set_all_included(db, actor, True)
    assert rows(db, actor)[0].performed_on == TODAY - timedelta(days=2)


def test_unchecked_guide_stays_available_to_bill_later(factory, db, clinic):
    provider, actor = clinic
    billed, later = guide_on(factory, provider, TODAY - timedelta(days=2)), guide_on(factory, provider, TODAY)
    open_period(db, actor)
    billing.set_guide_included(db, actor, later.id, False)
    [batch] = billing.confirm_draft(db, actor)
    assert batch.guide_count == 1
    assert db.exec(select(BatchGuide.guide_id)).all() == [billed.id]
    open_period(db, actor)
    assert offered_ids(db, actor) == [later.id]


# --- another provider's data -------------------------------------------------------------------


MUTATIONS = {
    "set_guide_included": lambda db, actor, guide_id, item: billing.set_guide_included(db, actor, guide_id, False),
    "change_performed_date": lambda db, actor, guide_id, item: billing.change_performed_date(
        db, actor, guide_id, TODAY - timedelta(days=1), today=TODAY),
    "add_extra_item": lambda db, actor, guide_id, item: billing.add_extra_item(db, actor, guide_id, item),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_another_providers_guide_is_not_found(factory, db, clinic, fee, mutation):
    provider, actor = clinic
    guide_on(factory, provider, TODAY - timedelta(days=2))
    foreign = guide_on(factory, factory.provider(name="Outro"), TODAY - timedelta(days=2))
    open_period(db, actor)
    with pytest.raises(NotFound, match="Guia não encontrada"):
        MUTATIONS[mutation](db, actor, foreign.id, fee.id)
    assert count(db, DraftGuide) == 1 and count(db, DraftExtraItem) == 0


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_guide_outside_the_draft_is_not_found(factory, db, clinic, fee, mutation):
    provider, actor = clinic
    guide_on(factory, provider, TODAY - timedelta(days=2))
    outside = guide_on(factory, provider, START - timedelta(days=5))
    open_period(db, actor)
    with pytest.raises(NotFound):
        MUTATIONS[mutation](db, actor, outside.id, fee.id)


def test_another_users_added_item_cannot_be_removed(factory, db, clinic, fee):
    provider, actor = clinic
    other_provider = factory.provider(name="Outro")
    other = factory.actor(other_provider)
    foreign_guide = guide_on(factory, other_provider, TODAY - timedelta(days=2))
    billing.open_draft(db, other, start=START, end=TODAY, today=TODAY)
    billing.add_extra_item(db, other, foreign_guide.id, fee.id)
    extra_id = db.exec(select(DraftExtraItem.id)).one()
    guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    with pytest.raises(NotFound):
        billing.remove_extra_item(db, actor, extra_id)
    assert count(db, DraftExtraItem) == 1


# --- date of realização ------------------------------------------------------------------------


def test_changed_performed_date_is_shown_and_billed(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=4))
    open_period(db, actor)
    billing.change_performed_date(db, actor, guide.id, TODAY - timedelta(days=2), today=TODAY)
    row = rows(db, actor)[0]
    assert row.performed_on == TODAY - timedelta(days=2) and row.original_performed_on == guide.performed_on
    billing.confirm_draft(db, actor)
    assert db.exec(select(BatchGuide.performed_on)).one() == TODAY - timedelta(days=2)
    assert db.get(Guide, guide.id).performed_on == TODAY - timedelta(days=4)  # the guide itself is untouched


def test_back_to_the_original_date_clears_the_correction(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=4))
    open_period(db, actor)
    billing.change_performed_date(db, actor, guide.id, TODAY - timedelta(days=2), today=TODAY)
    billing.change_performed_date(db, actor, guide.id, guide.performed_on, today=TODAY)
    assert db.exec(select(DraftGuide.performed_on)).one() is None


def _dated_guide(factory, provider, db):
    guide = factory.guide(provider, requested_on=TODAY - timedelta(days=20), performed_on=TODAY - timedelta(days=15))
    guide.authorized_on = TODAY - timedelta(days=18)
    guide.valid_until = TODAY - timedelta(days=3)
    db.add(guide)
    db.commit()
    return guide


@pytest.mark.parametrize("new_date, message", [
    (TODAY + timedelta(days=1), "não pode ser futura"),
    (TODAY - timedelta(days=21), "anterior à solicitação da guia"),
    (TODAY - timedelta(days=19), "anterior à autorização da guia"),
    (TODAY - timedelta(days=2), "posterior à validade da autorização"),
    ("31/02/2026", "Data de realização: data inexistente"),
    ("ontem", "Data de realização: data inválida"),
    (None, "Data de realização: data inválida"),
])
def test_performed_date_refusals(factory, db, clinic, new_date, message):
    provider, actor = clinic
    guide = _dated_guide(factory, provider, db)
    open_period(db, actor)
    with pytest.raises(DomainError, match=message):
        billing.change_performed_date(db, actor, guide.id, new_date, today=TODAY)
    assert rows(db, actor)[0].performed_on == guide.performed_on


def _performed_on(db, actor):
    return rows(db, actor)[0].performed_on


def test_performed_date_limits_are_inclusive(factory, db, clinic):
    """Each limit is accepted and shown as the new Realização; the day beyond it is refused.
    (The old test called the service and asserted nothing, so a date silently ignored passed.)"""
    provider, actor = clinic
    guide = _dated_guide(factory, provider, db)
    open_period(db, actor)
    change = lambda day: billing.change_performed_date(db, actor, guide.id, day, today=TODAY)  # noqa: E731
    for limit, beyond in ((guide.authorized_on, guide.authorized_on - timedelta(days=1)),
                          (guide.valid_until, guide.valid_until + timedelta(days=1))):
        change(limit)
        assert _performed_on(db, actor) == limit and rows(db, actor)[0].date_changed
        with pytest.raises(DomainError, match="A data de realização não pode"):
            change(beyond)
        assert _performed_on(db, actor) == limit
    change(guide.performed_on)
    change(guide.authorized_on.strftime("%d/%m/%Y"))  # typed, not only sent by the date input
    assert _performed_on(db, actor) == guide.authorized_on
    # Without an authorization date the request date is the limit; today is the limit of the future.
    open_guide = guide_on(factory, provider, TODAY - timedelta(days=3), requested_on=TODAY - timedelta(days=5))
    open_guide.authorized_on, open_guide.valid_until = None, None
    db.add(open_guide)
    db.commit()
    billing.cancel_draft(db, actor)
    billing.open_draft(db, actor, start=TODAY - timedelta(days=4), end=TODAY, today=TODAY)
    for limit, beyond in ((TODAY - timedelta(days=5), TODAY - timedelta(days=6)), (TODAY, TODAY + timedelta(days=1))):
        billing.change_performed_date(db, actor, open_guide.id, limit, today=TODAY)
        assert _performed_on(db, actor) == limit
        with pytest.raises(DomainError, match="A data de realização não pode"):
            billing.change_performed_date(db, actor, open_guide.id, beyond, today=TODAY)


def test_guide_moved_out_of_the_period_stays_in_the_draft(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, START + timedelta(days=1), requested_on=START - timedelta(days=5))
    open_period(db, actor)
    billing.change_performed_date(db, actor, guide.id, START - timedelta(days=2), today=TODAY)
    assert billing.get_draft(db, actor).guide_count_selected == 1
    assert rows(db, actor)[0].performed_on == START - timedelta(days=2)
    [batch] = billing.confirm_draft(db, actor)
    assert db.exec(select(BatchGuide.performed_on)).one() == START - timedelta(days=2)


# --- added fees, materials and medications ------------------------------------------------------


def test_added_items_count_in_the_totals_and_can_be_removed(factory, db, clinic, fee, material):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    summary = billing.add_extra_item(db, actor, guide.id, fee.id)
    assert (summary.item_count_selected, summary.value_selected) == (2, Decimal("65.50"))
    summary = billing.add_extra_item(db, actor, guide.id, material.id, quantity=Decimal("2.5"),
                                     unit_value=Decimal("2.00"))
    assert (summary.item_count_selected, summary.value_selected) == (3, Decimal("70.50"))
    row = rows(db, actor)[0]
    assert [(i.code, i.quantity, i.unit_value, i.total, i.is_extra) for i in row.items] == [
        ("40301630", Decimal("1.0000"), Decimal("25.50"), Decimal("25.50"), False),
        ("60000775", Decimal("1.0000"), Decimal("40.00"), Decimal("40.00"), True),
        ("70000018", Decimal("2.5000"), Decimal("2.00"), Decimal("5.00"), True),
    ]
    assert row.total == Decimal("70.50")
    summary = billing.remove_extra_item(db, actor, row.items[1].extra_item_id)
    assert summary.value_selected == Decimal("30.50")
    with pytest.raises(NotFound):
        billing.remove_extra_item(db, actor, row.items[1].extra_item_id)


def test_added_items_of_an_unchecked_guide_are_not_counted(factory, db, clinic, fee):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, fee.id)
    summary = billing.set_guide_included(db, actor, guide.id, False)
    assert (summary.item_count_selected, summary.value_selected) == (0, Decimal("0.00"))


def test_added_items_go_into_the_batch(factory, db, clinic, fee, material):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, fee.id)
    billing.add_extra_item(db, actor, guide.id, material.id, quantity=Decimal(3))
    [confirmed] = billing.confirm_draft(db, actor)
    assert confirmed.total == Decimal("69.55")
    items = db.exec(select(BatchItem).order_by(BatchItem.id)).all()
    assert [(i.code, i.guide_item_id is None, i.total_value) for i in items] == [
        ("40301630", False, Decimal("25.50")), ("60000775", True, Decimal("40.00")),
        ("70000018", True, Decimal("4.05"))]
    assert db.exec(select(BatchGuide.total_value)).one() == Decimal("69.55")
    assert count(db, BilledItem) == 1  # only guide items are marked billed


@pytest.mark.parametrize("kwargs, message", [
    (dict(quantity=Decimal(0)), "^Quantidade: informe uma quantidade maior que zero"),
    (dict(quantity=Decimal(-1)), "^Quantidade: valores negativos"),
    (dict(quantity=Decimal("1.00001")), "^Quantidade: use no máximo 4 casas decimais"),
    (dict(quantity=Decimal("100000")), "^Quantidade: a quantidade máxima"),
    (dict(quantity="muitos"), "^Quantidade: “muitos” não é um número"),
    (dict(unit_value=Decimal("0")), "^Valor unitário: informe ao menos R\\$ 0,01"),
    (dict(unit_value=Decimal("0.001")), "^Valor unitário: use no máximo 2 casas decimais"),
    (dict(unit_value=Decimal("1.005")), "^Valor unitário: use no máximo 2 casas decimais"),
    (dict(unit_value=Decimal("100000000")), "^Valor unitário: o valor ultrapassa o máximo"),
    (dict(quantity=Decimal("99999"), unit_value=Decimal("99999.00")), "^Valor total do item: ultrapassa o máximo"),
])
def test_added_item_refusals(factory, db, clinic, fee, kwargs, message):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    with pytest.raises(DomainError, match=message):
        billing.add_extra_item(db, actor, guide.id, fee.id, **kwargs)
    assert count(db, DraftExtraItem) == 0


def test_quantity_with_trailing_zeros_and_text_values_are_fine(factory, db, clinic, fee):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    summary = billing.add_extra_item(db, actor, guide.id, fee.id, quantity=Decimal("2.500000"), unit_value="1,10")
    assert summary.value_selected == Decimal("28.25")


def test_float_money_is_a_programming_error(factory, db, clinic, fee):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    with pytest.raises(TypeError):
        billing.add_extra_item(db, actor, guide.id, fee.id, unit_value=0.1)


def test_only_fees_materials_and_medications_can_be_added(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    procedure = factory.catalog_item("22", "40301630", "Hemograma", Decimal("20.00"))
    open_period(db, actor)
    with pytest.raises(DomainError, match="tabela 18"):
        billing.add_extra_item(db, actor, guide.id, procedure.id)
    with pytest.raises(NotFound, match="catálogo"):
        billing.add_extra_item(db, actor, guide.id, 999999)


def test_cancel_discards_the_draft_and_keeps_guides_billable(factory, db, clinic, fee):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, fee.id)
    billing.cancel_draft(db, actor)
    assert billing.get_draft(db, actor) is None
    assert (count(db, DraftGuide), count(db, DraftExtraItem), count(db, Batch)) == (0, 0, 0)
    assert open_period(db, actor).guide_count_available == 1


# --- confirmation ------------------------------------------------------------------------------


def test_confirm_creates_a_received_batch_with_its_protocol(factory, db, clinic):
    provider, actor = clinic
    guides = [guide_on(factory, provider, TODAY - timedelta(days=d), items=[
        EXAM, ("22", "40302040", "Glicose", Decimal(2), Decimal("8.10"))]) for d in (2, 1)]
    open_period(db, actor)
    [confirmed] = billing.confirm_draft(db, actor)
    batch = db.get(Batch, confirmed.batch_id)
    assert (batch.status, batch.origin, batch.guide_type, batch.competence) == (
        BatchStatus.RECEBIDO, BatchOrigin.WEB, GuideType.SP_SADT, f"{TODAY:%Y-%m}")
    assert (batch.lot_number, batch.guide_count, batch.total_value) == ("1", 2, Decimal("83.40"))
    assert batch.created_by == actor.user_id and batch.processed_at is None
    assert (confirmed.protocol_number, confirmed.lot_number, confirmed.total) == (
        batch.protocol_number, "1", Decimal("83.40"))
    protocol = db.exec(select(Protocol)).one()
    assert protocol.batch_id == batch.id and protocol.number == batch.protocol_number
    assert not batch.protocol_number.startswith("tmp")
    batch_guides = db.exec(select(BatchGuide).order_by(BatchGuide.id)).all()
    assert [(bg.guide_id, bg.performed_on, bg.total_value) for bg in batch_guides] == [
        (g.id, g.performed_on, Decimal("41.70")) for g in guides]
    assert count(db, BatchItem) == 4 and count(db, BilledItem) == 4
    assert billing.get_draft(db, actor) is None and count(db, DraftGuide) == 0


def test_confirm_writes_the_audit_log(factory, db, clinic):
    provider, actor = clinic
    guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    [confirmed] = billing.confirm_draft(db, actor)
    log = db.exec(select(AuditLog).where(AuditLog.action == "batch.create")).one()
    assert (log.user_id, log.provider_id, log.entity, log.entity_id) == (
        actor.user_id, provider.id, "batch", str(confirmed.batch_id))
    assert confirmed.protocol_number in log.detail


def test_lot_numbers_are_sequential_per_provider(factory, db, clinic):
    provider, actor = clinic
    other_provider = factory.provider(name="Outro")
    other = factory.actor(other_provider)
    lots = []
    for _ in range(2):
        guide_on(factory, provider, TODAY - timedelta(days=2))
        open_period(db, actor)
        lots += [b.lot_number for b in billing.confirm_draft(db, actor)]
    guide_on(factory, other_provider, TODAY - timedelta(days=2))
    billing.open_draft(db, other, start=START, end=TODAY, today=TODAY)
    lots += [b.lot_number for b in billing.confirm_draft(db, other)]
    assert lots == ["1", "2", "1"]


def test_lot_number_skips_numbers_taken_by_xml_lots(factory, db, clinic):
    provider, actor = clinic
    factory.batch(provider, actor.user_id, lot_number="1")
    guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    assert billing.confirm_draft(db, actor)[0].lot_number == "2"


def test_confirm_splits_by_guide_type_and_100_guides(factory, db, clinic):
    provider, actor = clinic
    day = TODAY - timedelta(days=2)
    factory.bulk_guides(provider, 250, performed_on=day)
    factory.bulk_guides(provider, 3, guide_type=GuideType.CONSULTA, performed_on=day)
    summary = open_period(db, actor)
    assert summary.guide_count_selected == 253
    confirmed = billing.confirm_draft(db, actor)
    assert [(b.guide_type, b.guide_count) for b in confirmed] == [
        (GuideType.CONSULTA, 3), (GuideType.SP_SADT, 100), (GuideType.SP_SADT, 100), (GuideType.SP_SADT, 50)]
    assert [b.lot_number for b in confirmed] == ["1", "2", "3", "4"]
    assert len({b.protocol_number for b in confirmed}) == 4
    assert sum(b.total for b in confirmed) == Decimal("2530.00")
    for batch in db.exec(select(Batch)):
        types = db.exec(
            select(Guide.guide_type).join(BatchGuide, BatchGuide.guide_id == Guide.id)
            .where(BatchGuide.batch_id == batch.id).distinct()
        ).all()
        assert types == [batch.guide_type]
    assert count(db, BilledItem) == 253


def test_nothing_selected_is_refused(factory, db, clinic):
    provider, actor = clinic
    guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.set_all_included(db, actor, False)
    with pytest.raises(DomainError, match="Nenhuma guia selecionada"):
        billing.confirm_draft(db, actor)
    assert count(db, Batch) == 0 and billing.get_draft(db, actor) is not None


def test_confirm_without_a_draft_is_refused(db, clinic):
    _, actor = clinic
    with pytest.raises(DomainError, match="Nenhum faturamento em preparação"):
        billing.confirm_draft(db, actor)


def test_item_never_billed_twice(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    [first] = billing.confirm_draft(db, actor)
    assert open_period(db, actor).guide_count_available == 0
    with pytest.raises(DomainError, match="Nenhuma guia selecionada"):
        billing.confirm_draft(db, actor)
    # The guarantee is the database's own: a second row for the same item cannot exist.
    item_id = db.exec(select(GuideItem.id).where(GuideItem.guide_id == guide.id)).one()
    other = factory.batch(provider, actor.user_id)
    db.add(BilledItem(guide_item_id=item_id, batch_id=other.id))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    assert db.exec(select(BilledItem.batch_id)).all() == [first.batch_id]


def test_guide_billed_by_a_colleague_meanwhile_is_refused_with_1702(factory, db, clinic):
    provider, actor = clinic
    colleague = factory.actor(provider)
    guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    open_period(db, colleague)
    [winner] = billing.confirm_draft(db, colleague)
    with pytest.raises(DomainError) as refused:
        billing.confirm_draft(db, actor)
    assert refused.value.code == "1702"
    assert "já foram faturadas em outro lote" in refused.value.message
    assert winner.protocol_number in refused.value.message and "Atualize a lista" in refused.value.message
    assert count(db, Batch) == 1
    assert billing.get_draft(db, actor).guide_count_available == 0  # the refresh drops it


def test_guide_cancelled_before_confirmation_is_refused(factory, db, clinic):
    provider, actor = clinic
    guide_on(factory, provider, TODAY - timedelta(days=2))
    cancelled = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    cancelled.status = GuideStatus.CANCELADA
    db.add(cancelled)
    db.commit()
    with pytest.raises(DomainError, match=f"{cancelled.provider_guide_number} \\(solicitação cancelada\\)"):
        billing.confirm_draft(db, actor)
    assert count(db, Batch) == 0 and count(db, BilledItem) == 0


def _mixed_draft(factory, db, provider, actor, fee):
    """SP/SADT guides and a consulta: two batches, the SP/SADT one written second."""
    day = TODAY - timedelta(days=2)
    sadt = [guide_on(factory, provider, day) for _ in range(3)]
    consulta = guide_on(factory, provider, day, guide_type=GuideType.CONSULTA)
    open_period(db, actor)
    billing.add_extra_item(db, actor, sadt[0].id, fee.id)
    billing.change_performed_date(db, actor, sadt[1].id, day - timedelta(days=1), today=TODAY)
    billing.set_guide_included(db, actor, sadt[2].id, False)
    return sadt, consulta


def _draft_state(db):
    return (
        db.exec(select(BillingDraft.id, BillingDraft.include_by_default)).all(),
        db.exec(select(DraftGuide.guide_id, DraftGuide.included, DraftGuide.performed_on)
                .order_by(DraftGuide.guide_id)).all(),
        db.exec(select(DraftExtraItem.guide_id, DraftExtraItem.code)).all(),
    )


def _confirm_interfered(engine, actor, interfere):
    """Confirm as the page does (perform with retries); `interfere` runs in another session once,
    after the confirmation read the draft and before it writes its first batch. Returns the
    batch INSERTs the confirmation made (rolled back or not) and the error it raised."""
    written = []
    with on_statement(engine, INSERT_BATCH, lambda: written.append(1), times=100):
        with on_statement(engine, INSERT_BATCH, interfere):
            with pytest.raises(DomainError) as refused:
                perform(lambda session: billing.confirm_draft(session, actor), engine=engine,
                        retries=billing.CONFIRM_RETRIES)
    return len(written), refused.value


def test_confirm_is_all_or_nothing_when_a_guide_is_cancelled_midway(factory, db, engine, clinic, fee):
    provider, actor = clinic
    sadt, _ = _mixed_draft(factory, db, provider, actor, fee)
    db.commit()
    before = _draft_state(db)

    def cancel():
        with Session(engine) as other:
            guide = other.get(Guide, sadt[1].id)
            guide.status = GuideStatus.CANCELADA
            other.add(guide)
            other.commit()

    written, refused = _confirm_interfered(engine, actor, cancel)
    assert "não podem mais ser faturadas" in refused.message
    assert written == 2  # the consulta and the SP/SADT batches were written, then rolled back
    assert (count(db, Batch), count(db, BatchGuide), count(db, BatchItem), count(db, BilledItem)) == (0, 0, 0, 0)
    assert (count(db, Protocol), count(db, AuditLog)) == (0, 0)
    assert _draft_state(db) == before


def test_confirm_is_all_or_nothing_when_an_item_is_billed_midway(factory, db, engine, clinic, fee):
    provider, actor = clinic
    sadt, _ = _mixed_draft(factory, db, provider, actor, fee)
    other_batch = factory.batch(provider, actor.user_id)
    item_id = db.exec(select(GuideItem.id).where(GuideItem.guide_id == sadt[1].id)).one()
    db.commit()
    before = _draft_state(db)

    def bill_elsewhere():
        with Session(engine) as other:
            other.add(BilledItem(guide_item_id=item_id, batch_id=other_batch.id))
            other.commit()

    written, refused = _confirm_interfered(engine, actor, bill_elsewhere)
    assert refused.code == "1702" and other_batch.protocol_number in refused.message
    assert written == 2  # the consulta batch was written, the SP/SADT one hit the key: all rolled back
    assert db.exec(select(Batch.id)).all() == [other_batch.id]
    assert db.exec(select(BilledItem.guide_item_id)).all() == [item_id]
    assert (count(db, BatchGuide), count(db, BatchItem), count(db, Protocol)) == (0, 0, 0)
    assert _draft_state(db) == before


def test_money_is_exact_for_10000_items_of_10_cents(factory, db, clinic):
    provider, actor = clinic
    factory.bulk_guides(provider, 100, items_per_guide=100, unit_value=Decimal("0.10"),
                        performed_on=TODAY - timedelta(days=2))
    summary = open_period(db, actor)
    assert (summary.item_count_selected, summary.value_selected) == (10_000, Decimal("1000.00"))
    [confirmed] = billing.confirm_draft(db, actor)
    assert confirmed.total == Decimal("1000.00") and confirmed.guide_count == 100
    db.expire_all()
    assert db.get(Batch, confirmed.batch_id).total_value == Decimal("1000.00")
    assert sum(db.exec(select(BatchGuide.total_value)).all()) == Decimal("1000.00")
    assert count(db, BatchItem) == 10_000 and count(db, BilledItem) == 10_000
