"""Cheap events (issue 9, "Speed a person feels"): a page of a list reuses the tab's recent session
check like a checkbox does, and only there; a year still being typed in a date field is not a change."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from copass_app import clock
from copass_app.models import DraftGuide, UserSession
from copass_app.services.unit_of_work import perform
from copass_app.state.auth import SESSION_RECHECK_SECONDS, AuthState
from copass_app.state.billing import DraftSelectionState
from copass_app.state.guides import GuidesState
from tests.state.conftest import browser_tab, says

TODAY = clock.today()
EXAM = ("22", "40301630", "Hemograma", Decimal(1), Decimal("25.50"))


def _revoke_every_session():
    def revoke(db):
        for session in db.exec(select(UserSession)):
            session.revoked_at = clock.now()
            db.add(session)
    perform(revoke)


def _guides_tab(factory, login, count=25):
    provider = factory.provider(name="Clínica A")
    for _ in range(count):
        factory.guide(provider, requested_on=TODAY - timedelta(days=5))
    tab = browser_tab(GuidesState, login(provider))
    assert asyncio.run(tab.on_load()) is None  # checks the session and keeps it
    return tab


def test_a_page_of_the_guides_list_uses_the_recent_session_check_a_filter_does_not(factory, login):
    """Paging re-checked the session on every page (its queries on every click)."""
    tab = _guides_tab(factory, login)
    first_page = [row.id for row in tab.rows]
    _revoke_every_session()  # a logout in another tab
    assert asyncio.run(tab.go_to_page(2)) is None  # within the seconds: served
    assert tab.page == 2 and len(tab.rows) == 5 and not set(first_page) & {row.id for row in tab.rows}
    # The page's cheap flag does not outlive the page turn: a filter checks, and finds the session ended.
    assert says(asyncio.run(tab.apply_filters({"beneficiary": ""})), "/login")


def test_after_the_recheck_seconds_a_page_turn_finds_the_session_ended(factory, login):
    tab = _guides_tab(factory, login)
    _revoke_every_session()
    tab._get_root_state().get_substate(AuthState._get_substate_path())._checked_at -= SESSION_RECHECK_SECONDS + 1
    assert says(asyncio.run(tab.go_to_page(2)), "/login")


def _drain(generator):
    async def run():
        return [event async for event in generator]
    return asyncio.run(run())


def test_a_year_still_being_typed_is_neither_stored_nor_refused(factory, login):
    """The date field sends each keystroke now (no debounce): typing 2026 over the year sent 0002, 0020
    and 0202, each refused with a toast and the field put back under the user's fingers."""
    provider = factory.provider(name="Clínica A")
    guide = factory.guide(provider, requested_on=TODAY - timedelta(days=5), performed_on=TODAY - timedelta(days=3),
                          items=[EXAM])
    tab = browser_tab(DraftSelectionState, login(provider))
    assert asyncio.run(tab.open_period({"start": (TODAY - timedelta(days=30)).isoformat(),
                                        "end": TODAY.isoformat()})) is None
    key, stored = str(guide.id), (TODAY - timedelta(days=3)).isoformat()
    for typed_so_far in ("0002", "0020", "0202"):
        assert asyncio.run(tab.change_date(guide.id, f"{typed_so_far}{stored[4:]}")) is None  # no toast
        assert tab.performed[key] == stored and tab.date_refusal[key] == ""  # nor a refusal
    assert perform(lambda db: db.exec(select(DraftGuide.performed_on)).all()) == [None]  # nothing written
    earlier = (TODAY - timedelta(days=4)).isoformat()
    asyncio.run(tab.change_date(guide.id, earlier))  # the year complete: stored
    assert tab.performed[key] == earlier and tab.date_changed[key] is True
    # A complete year out of range is still refused with its reason, under the field.
    assert asyncio.run(tab.change_date(guide.id, f"1899{stored[4:]}")) is None
    assert "1900" in tab.date_refusal[key] and tab.performed[key] == earlier
