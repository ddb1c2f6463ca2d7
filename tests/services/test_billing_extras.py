"""Added items: a repeated code asks before a second line, a value above the contract is shown,
and the page's fast paths (toggle, date) write their row without recomputing the totals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from copass_app.models import DraftExtraItem, DraftGuide
from copass_app.services import billing
from copass_app.services.errors import DomainError, NotFound
from tests.services.test_billing import TODAY, guide_on, open_period, rows


@pytest.fixture
def clinic(factory):
    provider = factory.provider(name="Clínica A")
    return provider, factory.actor(provider)


@pytest.fixture
def material(factory):
    return factory.catalog_item("19", "70000018", "Seringa descartável 10 ml", Decimal("1.35"))


def extra_lines(db):
    return [(e.code, e.quantity, e.unit_value) for e in db.exec(select(DraftExtraItem).order_by(DraftExtraItem.id))]


def test_the_same_item_twice_asks_instead_of_adding_a_second_line(factory, db, clinic, material):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="2")
    asking = "já tem o item 70000018 .*quantidade 2.*Somar a quantidade"
    with pytest.raises(billing.RepeatedItem, match=asking) as asked:
        billing.add_extra_item(db, actor, guide.id, material.id, quantity="3")
    assert asked.value.existing_quantity == Decimal(2)
    assert extra_lines(db) == [("70000018", Decimal(2), Decimal("1.35"))]


def test_merging_adds_the_quantity_to_the_existing_line(factory, db, clinic, material):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="2")
    summary = billing.add_extra_item(db, actor, guide.id, material.id, quantity="1,5", merge=True)
    assert extra_lines(db) == [("70000018", Decimal("3.5"), Decimal("1.35"))]
    assert summary.value_selected == Decimal("25.50") + Decimal("4.73")  # 3,5 × 1,35 = 4,725 → 4,73
    assert summary.item_count_selected == 2


def test_a_second_line_when_the_provider_wants_one(factory, db, clinic, material):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="2")
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="1", unit_value="1,50", merge=False)
    assert extra_lines(db) == [("70000018", Decimal(2), Decimal("1.35")), ("70000018", Decimal(1), Decimal("1.50"))]


def test_the_same_item_on_another_guide_is_not_a_repeat(factory, db, clinic, material):
    provider, actor = clinic
    first = guide_on(factory, provider, TODAY - timedelta(days=2))
    second = guide_on(factory, provider, TODAY - timedelta(days=3))
    open_period(db, actor)
    billing.add_extra_item(db, actor, first.id, material.id)
    billing.add_extra_item(db, actor, second.id, material.id)
    assert len(extra_lines(db)) == 2


def test_merging_past_the_tiss_maximum_is_refused(factory, db, clinic, material):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="60.000", unit_value="1,00")
    with pytest.raises(DomainError, match="Quantidade"):
        billing.add_extra_item(db, actor, guide.id, material.id, quantity="60.000", merge=True)


def test_a_value_above_the_contract_is_accepted_and_shown_with_the_contracted_price(factory, db, clinic):
    """R$ 1.000.000,00 against R$ 3.050,40 was taken without a word."""
    provider, actor = clinic
    implant = factory.catalog_item("19", "70000999", "Placa de titânio", Decimal("3050.40"))
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, implant.id, quantity="1", unit_value="1.000.000,00")
    item = rows(db, actor)[0].items[-1]
    assert (item.unit_value, item.contracted_value, item.above_contract) == (
        Decimal("1000000.00"), Decimal("3050.40"), True)


def test_the_contracted_value_or_less_is_not_flagged(factory, db, clinic, material):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="1")
    billing.add_extra_item(db, actor, guide.id, material.id, quantity="1", unit_value="1,00", merge=False)
    own, at_contract, below = rows(db, actor)[0].items
    assert own.contracted_value is None and not own.above_contract
    assert (at_contract.contracted_value, at_contract.above_contract) == (Decimal("1.35"), False)
    assert not below.above_contract


def test_toggle_writes_the_row_and_tells_whether_it_changed(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    assert billing.toggle_guide(db, actor, guide.id, False) is True
    assert billing.toggle_guide(db, actor, guide.id, False) is False  # a second click sent twice changes nothing
    assert db.exec(select(DraftGuide.included)).one() is False
    assert billing.draft_page(db, actor).summary.guide_count_selected == 0
    assert billing.toggle_guide(db, actor, guide.id, True) is True
    assert db.exec(select(DraftGuide.included)).one() is None  # back to following the default
    with pytest.raises(NotFound):
        billing.toggle_guide(db, actor, 999999, True)


def test_toggle_after_select_none(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    billing.set_all_included(db, actor, False)
    assert billing.toggle_guide(db, actor, guide.id, False) is False
    assert billing.toggle_guide(db, actor, guide.id, True) is True
    assert billing.draft_page(db, actor).summary.guide_count_selected == 1


def test_correcting_a_date_returns_what_is_stored(factory, db, clinic):
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    earlier = TODAY - timedelta(days=1)
    assert billing.correct_performed_date(db, actor, guide.id, earlier.isoformat()) == earlier
    with pytest.raises(DomainError, match="futura"):
        billing.correct_performed_date(db, actor, guide.id, (TODAY + timedelta(days=1)).isoformat())
    assert rows(db, actor)[0].performed_on == earlier


def test_another_period_would_discard_only_a_draft_with_changes(factory, db, clinic, material):
    """"Faturar" again replaced the draft silently: the page now asks when this says True."""
    provider, actor = clinic
    guide = guide_on(factory, provider, TODAY - timedelta(days=2))
    open_period(db, actor)
    other = {"start": TODAY - timedelta(days=10), "end": TODAY, "today": TODAY}
    assert not billing.would_discard_changes(db, actor, start=TODAY - timedelta(days=30), end=TODAY, today=TODAY)
    assert not billing.would_discard_changes(db, actor, **other)  # nothing done yet
    billing.toggle_guide(db, actor, guide.id, False)
    assert billing.would_discard_changes(db, actor, **other)
    billing.toggle_guide(db, actor, guide.id, True)
    billing.add_extra_item(db, actor, guide.id, material.id)
    assert billing.would_discard_changes(db, actor, **other)
    # The same period keeps the choices: nothing to ask.
    assert not billing.would_discard_changes(db, actor, start=TODAY - timedelta(days=30), end=TODAY, today=TODAY)
