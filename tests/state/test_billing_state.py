"""Faturamento's page state: what the provider types reaches the service as typed, and the page shows
the service's reading of it (one parser, in services/)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from copass_app import clock
from copass_app.services import billing
from copass_app.state.billing import DraftGuideCard, DraftSelectionState
from tests.state.conftest import browser_tab, says

EXAM = ("22", "40301630", "Hemograma", Decimal(1), Decimal("25.50"))


def _billing_tab(factory, login):
    provider = factory.provider(name="Clínica A")
    today = clock.today()
    guide = factory.guide(provider, requested_on=today - timedelta(days=5), performed_on=today - timedelta(days=4),
                          items=[EXAM])
    factory.catalog_item("19", "70000018", "Seringa descartável 10 ml", Decimal("1.35"))
    tab = browser_tab(DraftSelectionState, login(provider))
    period = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat(), "competence": ""}
    assert asyncio.run(tab.open_period(period)) is None
    return tab, guide


def _add_material(tab, guide_id: int, quantity: str, value: str):
    tab.open_catalog(guide_id, "G1", "materials")
    asyncio.run(tab.search("seringa"))
    assert [hit.code for hit in tab.hits] == ["70000018"]
    assert tab.unit_value == "1,35"  # the contracted price, as a Brazilian types it
    tab.set_quantity(quantity)
    tab.set_unit_value(value)
    event = asyncio.run(tab.add_selected())
    asyncio.run(tab.close_catalog())
    return event


def test_a_value_typed_with_thousands_dots_is_read_as_a_brazilian_reads_it(factory, login):
    tab, guide = _billing_tab(factory, login)
    _add_material(tab, guide.id, "1", "1.500")  # the old page parser read this as R$ 1,50
    card = tab.guides[0]
    assert isinstance(card, DraftGuideCard) and card.id == guide.id
    assert [(line.code, line.unit_value, line.total) for line in card.lines][-1] == \
        ("70000018", "R$ 1.500,00", "R$ 1.500,00")
    assert card.total == "R$ 1.525,50"
    assert tab.summary.value == "R$ 1.525,50"


def test_a_quantity_with_four_decimals_is_accepted(factory, login):
    tab, guide = _billing_tab(factory, login)
    _add_material(tab, guide.id, "1,2345", "10,00")  # the old page parser refused it
    # (formatting.quantity shows at most three decimals today: reported to the lead.)
    assert tab.guides[0].lines[-1].quantity == "1,2345"
    assert tab.guides[0].lines[-1].total == "R$ 12,35"  # 1,2345 × 10,00 rounded half-up


def test_period_and_competence_together_are_refused_by_the_service(factory, login):
    tab, _ = _billing_tab(factory, login)
    asyncio.run(tab.cancel())
    today = clock.today()
    event = asyncio.run(tab.open_period({"start": (today - timedelta(days=3)).isoformat(), "end": today.isoformat(),
                                         "competence": f"{today:%Y-%m}"}))
    assert says(event, billing.BOTH_PERIODS)
    assert not tab.has_draft


def test_toggling_a_guide_changes_that_card_and_the_totals_only(factory, login):
    tab, guide = _billing_tab(factory, login)
    assert tab.included[str(guide.id)] is True and tab.summary.guides == 1
    asyncio.run(tab.toggle_guide(guide.id, False))
    assert tab.included[str(guide.id)] is False and tab.summary.guides == 0
    assert tab.summary.value == "R$ 0,00"
    asyncio.run(tab.on_load())  # what the database keeps
    assert tab.included[str(guide.id)] is False


def test_confirming_shows_the_protocols_and_ends_the_draft(factory, login):
    tab, guide = _billing_tab(factory, login)
    event = asyncio.run(tab.confirm())
    assert says(event, "1 lote(s) enviado(s)")
    assert [(line.guides, line.total) for line in tab.confirmed] == [(1, "R$ 25,50")]
    assert len(tab.confirmed[0].protocol) == 12
    assert not tab.has_draft



def test_none_then_all_moves_every_check_and_the_totals_and_the_database_keeps_them(factory, login):
    provider = factory.provider(name="Clínica B")
    today = clock.today()
    guides = [factory.guide(provider, requested_on=today - timedelta(days=5 + n),
                            performed_on=today - timedelta(days=4 + n), items=[EXAM]) for n in range(3)]
    tab = browser_tab(DraftSelectionState, login(provider))
    period = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat(), "competence": ""}
    assert asyncio.run(tab.open_period(period)) is None
    asyncio.run(tab.toggle_guide(guides[0].id, False))  # an exception of one card, cleared by "Nenhuma"
    cards = [card.id for card in tab.guides]
    assert sorted(cards) == sorted(g.id for g in guides)

    assert asyncio.run(tab.select_all(False)) is None
    assert tab.included == dict.fromkeys((str(i) for i in cards), False)
    assert (tab.summary.guides, tab.summary.item_count, tab.summary.value) == (0, 0, "R$ 0,00")
    assert [card.id for card in tab.guides] == cards  # the same cards: only their checks moved
    asyncio.run(tab.on_load())  # what the database keeps
    assert set(tab.included.values()) == {False} and tab.summary.guides == 0

    assert asyncio.run(tab.select_all(True)) is None
    assert tab.included == dict.fromkeys((str(i) for i in cards), True)
    assert (tab.summary.guides, tab.summary.item_count, tab.summary.value) == (3, 3, "R$ 76,50")
    asyncio.run(tab.on_load())
    assert set(tab.included.values()) == {True} and tab.summary.value == "R$ 76,50"
    # The toggle after "Selecionar todas" moves the totals from the new ones.
    asyncio.run(tab.toggle_guide(guides[1].id, False))
    assert (tab.summary.guides, tab.summary.value) == (2, "R$ 51,00")
