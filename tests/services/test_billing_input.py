"""What the provider types on "Faturamento de atendimentos", read as a Brazilian reads it: the
added item's quantity and value, the period or the competência, and "today" in Brasília."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from copass_app import clock
from copass_app.models import Batch, BillingDraft, DraftExtraItem
from copass_app.services import billing
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from tests.services.test_billing_concurrency import on_statement

TODAY = clock.today()
START = TODAY - timedelta(days=30)


@pytest.fixture
def clinic(factory):
    provider = factory.provider(name="Clínica A")
    return provider, factory.actor(provider)


@pytest.fixture
def material(factory):
    return factory.catalog_item("19", "70000018", "Seringa descartável 10 ml", Decimal("1.35"))


@pytest.fixture
def guide(factory, db, clinic):
    provider, actor = clinic
    made = factory.guide(provider, requested_on=TODAY - timedelta(days=5), performed_on=TODAY - timedelta(days=2))
    billing.open_draft(db, actor, start=START, end=TODAY)
    return made


def stored_item(db):
    return db.exec(select(DraftExtraItem.quantity, DraftExtraItem.unit_value)).one()


# --- quantity and value, as typed in the dialog ------------------------------------------------


@pytest.mark.parametrize("typed, value", [
    ("1.500", Decimal("1500.00")),
    ("1.500,00", Decimal("1500.00")),
    ("1500,5", Decimal("1500.50")),
    ("R$ 1.500,00", Decimal("1500.00")),
    (" 1500 ", Decimal("1500.00")),
    (Decimal("1500.5"), Decimal("1500.50")),
])
def test_unit_value_typed_the_brazilian_way(db, clinic, guide, material, typed, value):
    """`1.500` was R$ 1,50 and `1.500,00` was refused: the dot was read as a decimal point."""
    _, actor = clinic
    summary = billing.add_extra_item(db, actor, guide.id, material.id, quantity="1", unit_value=typed)
    assert stored_item(db) == (Decimal(1), value)
    assert summary.value_selected == Decimal("25.50") + value
    [row] = billing.draft_page(db, actor).rows
    assert row.items[-1].unit_value == value and row.total == Decimal("25.50") + value


def test_quantity_with_four_decimals_and_value_as_typed(db, clinic, guide, material):
    _, actor = clinic
    summary = billing.add_extra_item(db, actor, guide.id, material.id, quantity="1,2345", unit_value="1.500,00")
    assert stored_item(db) == (Decimal("1.2345"), Decimal("1500.00"))
    assert summary.value_selected == Decimal("25.50") + Decimal("1851.75")  # 1,2345 × 1.500,00


def test_quantity_typed_with_thousands(db, clinic, guide, material):
    _, actor = clinic
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="1.000", unit_value="0,10")
    assert stored_item(db) == (Decimal(1000), Decimal("0.10"))


@pytest.mark.parametrize("field, typed, message", [
    ("quantity", "1.50", "^Quantidade: “1.50” é ambíguo"),
    ("quantity", "-3", "^Quantidade: valores negativos não são aceitos"),
    ("quantity", "abc", "^Quantidade: “abc” não é um número"),
    ("quantity", "", "^Quantidade: informe um número"),
    ("quantity", "1,23456", "^Quantidade: use no máximo 4 casas decimais"),
    ("unit_value", "1.50", "^Valor unitário: “1.50” é ambíguo"),
    ("unit_value", "-3", "^Valor unitário: valores negativos não são aceitos"),
    ("unit_value", "abc", "^Valor unitário: “abc” não é um número"),
    ("unit_value", "0,00", "^Valor unitário: informe ao menos R\\$ 0,01"),
    ("unit_value", "1,005", "^Valor unitário: use no máximo 2 casas decimais"),
])
def test_ambiguous_or_negative_input_is_refused_naming_the_field(db, clinic, guide, material, field, typed, message):
    _, actor = clinic
    amounts = {"quantity": "1", "unit_value": "1,00", field: typed}
    with pytest.raises(DomainError, match=message):
        billing.add_extra_item(db, actor, guide.id, material.id, **amounts)
    assert db.exec(select(DraftExtraItem)).all() == []


def test_the_contracted_price_is_the_default_value(db, clinic, guide, material):
    _, actor = clinic
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="2")
    assert stored_item(db) == (Decimal(2), Decimal("1.35"))


# --- period or competência: one rule, in the service ---------------------------------------------


def test_dates_and_competence_together_are_refused(db, clinic):
    """The page used to drop the dates when a competência was typed, the service to prefer the dates."""
    _, actor = clinic
    for period in (dict(start=START, end=TODAY, competence=f"{TODAY:%Y-%m}"),
                   dict(start=START, competence=f"{TODAY:%Y-%m}"),
                   dict(start=START.isoformat(), end=TODAY.isoformat(), competence=f"{TODAY:%m/%Y}")):
        with pytest.raises(DomainError, match="^Escolha o período por datas ou pela competência, não os dois.$"):
            billing.open_draft(db, actor, **period)
    assert billing.get_draft(db, actor) is None


@pytest.mark.parametrize("period", [dict(), dict(start="", end="", competence=""), dict(end=TODAY)])
def test_neither_dates_nor_competence_is_refused(db, clinic, period):
    _, actor = clinic
    with pytest.raises(DomainError, match="^Informe a data inicial e a data final do período, ou a competência.$"):
        billing.open_draft(db, actor, **period)


def test_empty_fields_of_the_form_do_not_count_as_chosen(db, clinic):
    """The page sends every field of its form; the empty ones are simply not chosen."""
    _, actor = clinic
    by_month = billing.open_draft(db, actor, start="", end=" ", competence="2026-02", today=date(2026, 3, 10))
    assert (by_month.period_start, by_month.period_end, by_month.competence) == (
        date(2026, 2, 1), date(2026, 2, 28), "2026-02")
    by_dates = billing.open_draft(db, actor, start="2026-02-20", end="10/03/2026", competence="",
                                  today=date(2026, 3, 10))
    assert (by_dates.period_start, by_dates.period_end, by_dates.competence) == (
        date(2026, 2, 20), date(2026, 3, 10), "2026-03")


def test_competence_typed_as_month_and_year(db, clinic):
    _, actor = clinic
    summary = billing.open_draft(db, actor, competence="02/2026", today=date(2026, 3, 10))
    assert (summary.period_start, summary.period_end, summary.competence) == (
        date(2026, 2, 1), date(2026, 2, 28), "2026-02")


@pytest.mark.parametrize("end, competence", [
    (date(2026, 2, 10), "2026-02"),  # the month the period ends
    (date(2026, 3, 31), "2026-03"),  # ends after today: today's month
    (date(2026, 4, 30), "2026-03"),
])
def test_competence_of_a_date_period(db, clinic, end, competence):
    _, actor = clinic
    summary = billing.open_draft(db, actor, start=date(2026, 1, 20), end=end, today=date(2026, 3, 10))
    assert summary.competence == competence


def test_future_competence_is_refused(db, clinic):
    _, actor = clinic
    with pytest.raises(DomainError, match="A competência não pode ser futura"):
        billing.open_draft(db, actor, competence="2026-04", today=date(2026, 3, 31))
    assert billing.open_draft(db, actor, competence="2026-03", today=date(2026, 3, 31)).competence == "2026-03"


# --- one clock: "today" is Brasília's ------------------------------------------------------------


def test_at_22_30_in_brasilia_today_is_still_brasilias(factory, db, clinic):
    """At 22:30 in Brasília UTC is already the next day: that day is still the future here."""
    provider, actor = clinic
    with clock.frozen(datetime(2026, 3, 10, 22, 30)):
        assert clock.now().date() == date(2026, 3, 11)
        guide = factory.guide(provider, requested_on=date(2026, 3, 1), performed_on=date(2026, 3, 5))
        summary = billing.open_draft(db, actor, start="01/03/2026", end="10/03/2026")
        assert summary.competence == "2026-03"
        billing.change_performed_date(db, actor, guide.id, "10/03/2026")
        assert billing.draft_page(db, actor).rows[0].performed_on == date(2026, 3, 10)
        with pytest.raises(DomainError, match="A data de realização não pode ser futura"):
            billing.change_performed_date(db, actor, guide.id, "2026-03-11")
        with pytest.raises(DomainError, match="O período escolhido está no futuro"):
            billing.open_draft(db, actor, start=date(2026, 3, 11), end=date(2026, 3, 12))


def test_on_the_last_evening_of_the_month_next_months_competence_is_future(db, clinic):
    _, actor = clinic
    with clock.frozen(datetime(2026, 3, 31, 22, 30)):  # 1 April in UTC
        with pytest.raises(DomainError, match="A competência não pode ser futura"):
            billing.open_draft(db, actor, competence="2026-04")
        assert billing.open_draft(db, actor, competence="03/2026").competence == "2026-03"


def test_confirmation_is_received_at_the_clocks_now(factory, db, clinic):
    provider, actor = clinic
    with clock.frozen(datetime(2026, 3, 10, 22, 30)) as moment:
        factory.guide(provider, requested_on=date(2026, 3, 1), performed_on=date(2026, 3, 5))
        billing.open_draft(db, actor, competence="2026-03")
        [batch] = billing.confirm_draft(db, actor)
    assert batch.protocol_number.startswith("2026")

    received = db.get(Batch, batch.batch_id).received_at
    assert clock.as_utc(received) == moment


# --- the same user in two tabs -----------------------------------------------------------------


def test_period_opened_at_once_in_another_tab_is_a_message_and_nothing_is_half_written(factory, db, engine, clinic):
    """The other tab's draft is written between this tab's look-up and its insert: the one-draft-per-user
    key refuses this one, the service says so in Portuguese, and the caller's unit of work rolls back."""
    provider, actor = clinic
    factory.guide(provider, requested_on=TODAY - timedelta(days=5), performed_on=TODAY - timedelta(days=2))
    other_start = TODAY - timedelta(days=10)

    def other_tab():
        perform(lambda session: billing.open_draft(session, actor, start=other_start, end=TODAY), engine=engine)

    with on_statement(engine, r"^\s*INSERT INTO billing_draft\b", other_tab) as stopped:
        with pytest.raises(DomainError, match="^O período foi escolhido ao mesmo tempo em outra aba"):
            perform(lambda session: billing.open_draft(session, actor, start=START, end=TODAY), engine=engine)
    assert len(stopped) == 1
    [draft] = db.exec(select(BillingDraft)).all()
    assert draft.period_start == other_start  # the other tab's choice, whole
    assert perform(lambda session: billing.get_draft(session, actor), engine=engine).guide_count_available == 1
    # Trying again works: the same page action, now that the other tab is done.
    summary = perform(lambda session: billing.open_draft(session, actor, start=START, end=TODAY), engine=engine)
    assert summary.period_start == START
