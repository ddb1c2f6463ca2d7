"""Faturamento's page: what a click sends and keeps (issue 9): incremental totals, refused dates put
back, a repeated item asks, "Faturar" again asks before discarding, one period control, a cached
session check only where it is safe."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from copass_app import clock
from copass_app.models import DraftExtraItem, UserSession
from copass_app.services import billing
from copass_app.services.unit_of_work import perform
from copass_app.state.auth import SESSION_RECHECK_SECONDS, AuthState
from copass_app.state.billing import DraftSelectionState
from tests.state.conftest import browser_tab, says

EXAM = ("22", "40301630", "Hemograma", Decimal(1), Decimal("25.50"))
TODAY = clock.today()
PERIOD = {"start": (TODAY - timedelta(days=30)).isoformat(), "end": TODAY.isoformat()}


def _tab(factory, login, guides=2):
    provider = factory.provider(name="Clínica A")
    made = [factory.guide(provider, requested_on=TODAY - timedelta(days=5), performed_on=TODAY - timedelta(days=4),
                          items=[EXAM, ("22", "40301640", "Glicose", Decimal(2), Decimal("10.00"))])
            for _ in range(guides)]
    factory.catalog_item("19", "70000018", "Seringa descartável 10 ml", Decimal("1.35"))
    tab = browser_tab(DraftSelectionState, login(provider))
    assert asyncio.run(tab.open_period(dict(PERIOD))) is None
    return tab, made


def _drain(generator):
    async def run():
        return [event async for event in generator]
    return asyncio.run(run())


def test_toggling_moves_the_totals_by_that_guide_and_matches_the_database(factory, login):
    tab, (first, second) = _tab(factory, login)
    assert (tab.summary.guides, tab.summary.item_count, tab.summary.value) == (2, 4, "R$ 91,00")
    asyncio.run(tab.toggle_guide(first.id, False))
    asyncio.run(tab.toggle_guide(first.id, False))  # sent twice: counted once
    assert (tab.summary.guides, tab.summary.item_count, tab.summary.value) == (1, 2, "R$ 45,50")
    incremental = tab.summary
    asyncio.run(tab.on_load())
    assert tab.summary == incremental  # the database's totals
    assert tab.included == {str(first.id): False, str(second.id): True}


def test_a_refused_date_puts_the_stored_date_back_in_the_field(factory, login):
    """The refused date stayed in the field while the stored one was the old date. The refusal is
    said under the field at once (the typed text stays while the provider types); leaving the
    field puts the stored date back."""
    tab, (guide, _) = _tab(factory, login)
    key, stored = str(guide.id), (TODAY - timedelta(days=4)).isoformat()
    assert asyncio.run(tab.change_date(guide.id, (TODAY + timedelta(days=3)).isoformat())) is None  # no toast
    assert "não pode ser futura" in tab.date_refusal[key]
    assert f"Vale a data gravada: {(TODAY - timedelta(days=4)).strftime('%d/%m/%Y')}." in tab.date_refusal[key]
    assert tab.performed[key] == stored and tab.date_changed[key] is False
    shown = []
    for _ in tab.settle_date(guide.id):  # on_blur: a change the field sees, then the stored date
        shown.append(tab.performed[key])
    assert shown == [""] and tab.performed[key] == stored
    earlier = (TODAY - timedelta(days=5)).isoformat()
    asyncio.run(tab.change_date(guide.id, earlier))
    assert tab.performed[key] == earlier and tab.date_changed[key] is True and tab.date_refusal[key] == ""
    assert list(tab.settle_date(guide.id)) == [] and tab.performed[key] == earlier  # nothing refused: kept
    asyncio.run(tab.on_load())
    assert tab.performed[key] == earlier


def test_double_click_only_chooses_and_adicionar_adds(factory, login):
    """Following the manual (double-click, confirm the value, Adicionar) added the item twice."""
    tab, (guide, _) = _tab(factory, login)
    tab.open_catalog(guide.id, "G1", "materials")
    asyncio.run(tab.search("seringa"))
    tab.pick(0)  # the double-click
    assert tab.unit_value == "1,35" and tab.quantity == "1"
    assert perform(lambda db: db.exec(select(DraftExtraItem)).all()) == []
    asyncio.run(tab.add_selected())
    assert len(perform(lambda db: db.exec(select(DraftExtraItem)).all())) == 1


def test_a_repeated_item_asks_and_merging_sums_the_quantity(factory, login):
    tab, (guide, _) = _tab(factory, login)
    tab.open_catalog(guide.id, "G1", "materials")
    asyncio.run(tab.search("seringa"))
    tab.set_quantity("2")
    asyncio.run(tab.add_selected())
    tab.set_quantity("3")
    asyncio.run(tab.add_selected())
    assert "Somar a quantidade" in tab.repeat_question
    assert [e.quantity for e in perform(lambda db: db.exec(select(DraftExtraItem)).all())] == [Decimal(2)]
    asyncio.run(tab.add_repeated(True))
    assert tab.repeat_question == ""
    assert [e.quantity for e in perform(lambda db: db.exec(select(DraftExtraItem)).all())] == [Decimal(5)]
    assert "somado à linha existente" in tab.added_in_dialog[-1]


def test_a_search_with_no_hits_says_so(factory, login):
    tab, (guide, _) = _tab(factory, login)
    tab.open_catalog(guide.id, "G1", "materials")
    assert not tab.searched
    asyncio.run(tab.search("xyzw"))
    assert tab.searched and tab.hits == []


def test_faturar_again_asks_before_discarding_changes(factory, login):
    """Unchecked guides came back checked: the draft was replaced silently."""
    tab, (first, _) = _tab(factory, login)
    asyncio.run(tab.toggle_guide(first.id, False))
    other = {"start": (TODAY - timedelta(days=10)).isoformat(), "end": TODAY.isoformat()}
    assert asyncio.run(tab.open_period(other)) is None
    assert tab.discard_open
    assert tab.included[str(first.id)] is False  # nothing replaced yet
    tab.keep_draft()
    asyncio.run(tab.on_load())
    assert tab.included[str(first.id)] is False and tab.summary.guides == 1
    asyncio.run(tab.open_period(other))
    asyncio.run(tab.confirm_discard())
    assert not tab.discard_open and tab.included[str(first.id)] is True


def test_the_same_period_again_keeps_the_draft_without_asking(factory, login):
    tab, (first, _) = _tab(factory, login)
    asyncio.run(tab.toggle_guide(first.id, False))
    asyncio.run(tab.open_period(dict(PERIOD)))
    assert not tab.discard_open and tab.included[str(first.id)] is False


def test_the_competence_mode_sends_only_the_competence(factory, login):
    tab, _ = _tab(factory, login)
    asyncio.run(tab.cancel())
    tab.set_period_mode("competence")
    # A date left in a hidden field is not sent: one explicit choice.
    event = asyncio.run(tab.open_period({**PERIOD, "competence": f"{TODAY:%Y-%m}"}))
    assert event is None and tab.has_draft
    assert tab.summary.competence.endswith(f"{TODAY:%Y}")


def _revoke_every_session():
    def revoke(db):
        for session in db.exec(select(UserSession)):
            session.revoked_at = clock.now()
            db.add(session)
    perform(revoke)


def test_a_cached_session_serves_clicks_for_a_few_seconds_never_a_confirmation(factory, login):
    """Logout elsewhere: a checkbox may still answer for SESSION_RECHECK_SECONDS; confirming never does."""
    tab, (first, second) = _tab(factory, login)
    asyncio.run(tab.toggle_guide(first.id, False))  # checks the session and keeps it
    _revoke_every_session()
    assert asyncio.run(tab.toggle_guide(second.id, False)) is None  # within the seconds: served
    assert says(asyncio.run(tab.confirm()), "/login")  # a confirmation always checks
    assert perform(lambda db: billing.get_draft(db, _actor_of(db))) is not None  # nothing was confirmed


def test_after_the_recheck_seconds_a_click_finds_the_session_ended(factory, login):
    tab, (first, second) = _tab(factory, login)
    asyncio.run(tab.toggle_guide(first.id, False))
    _revoke_every_session()
    tab._get_root_state().get_substate(AuthState._get_substate_path())._checked_at -= SESSION_RECHECK_SECONDS + 1
    assert says(asyncio.run(tab.toggle_guide(second.id, False)), "/login")


def _actor_of(db):
    from copass_app.models import User
    from copass_app.services.auth import actor_for_user

    return actor_for_user(db, db.exec(select(User)).first())
