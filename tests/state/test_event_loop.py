"""Database work runs off the event loop: one user's slow query does not stall the others'."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func
from sqlmodel import select

from copass_app.models import Guide, Role
from copass_app.routes import Audience
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import TracedRefusal
from copass_app.state.auth import call_service
from copass_app.state.guides import GuideLine, GuidesState
from copass_app.state.login import LoginState
from tests.factories import PASSWORD
from tests.state.conftest import browser_tab, says

SLOW = 0.8


def test_a_slow_service_call_does_not_hold_up_another_users_page(factory, login):
    clinic, lab = factory.provider(name="Clínica A"), factory.provider(name="Laboratório B")
    factory.guide(lab)
    slow_tab = browser_tab(GuidesState, login(clinic))
    other_tab = browser_tab(GuidesState, login(lab))
    finished: dict[str, float] = {}

    def slow_report(db, actor):  # a report that takes a while on the real database
        count = db.exec(select(func.count()).select_from(Guide).where(Guide.provider_id == actor.provider_id)).one()
        time.sleep(SLOW)
        return count

    async def slow_user():
        result, event = await call_service(slow_tab, slow_report)
        finished["slow"] = time.monotonic()
        return result, event

    async def other_user():
        event = await other_tab.on_load()
        finished["other"] = time.monotonic()
        return event

    async def both():
        started = time.monotonic()
        results = await asyncio.gather(slow_user(), other_user())
        return started, results

    started, ((count, slow_event), other_event) = asyncio.run(both())
    assert (count, slow_event, other_event) == (0, None, None)
    # The other user's page was listed while the slow call was still running.
    assert finished["other"] < finished["slow"]
    assert finished["other"] - started < SLOW / 2
    assert len(other_tab.rows) == 1 and isinstance(other_tab.rows[0], GuideLine)
    assert other_tab.rows[0].number


def test_checking_a_password_leaves_the_loop_free(factory):
    user = factory.user(factory.provider())
    tab = browser_tab(LoginState)
    gaps: list[float] = []

    async def ticker(stop: asyncio.Event):
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.002)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    async def scenario():
        stop = asyncio.Event()
        ticking = asyncio.create_task(ticker(stop))
        await asyncio.sleep(0.01)
        started = time.monotonic()
        event = await tab.submit({"login": user.login, "password": PASSWORD})
        took = time.monotonic() - started
        stop.set()
        await ticking
        return event, took

    event, took = asyncio.run(scenario())
    assert says(event, "/painel")
    # argon2 took `took` seconds, yet the loop never stopped for more than a fraction of it.
    assert max(gaps) < max(took / 2, 0.02), (max(gaps), took)


def test_no_session_goes_to_the_login_and_the_wrong_role_to_its_home(factory, login):
    assert says(asyncio.run(browser_tab(GuidesState).on_load()), "/login")
    assert says(asyncio.run(browser_tab(GuidesState, "token-forjado").on_load()), "/login")
    staff_tab = browser_tab(GuidesState, login(role=Role.STAFF))
    assert says(asyncio.run(staff_tab.on_load()), "/operadora")
    provider_tab = browser_tab(GuidesState, login(factory.provider()))
    result, event = asyncio.run(call_service(provider_tab, lambda db, actor: "lista", audience=Audience.STAFF))
    assert result is None and says(event, "/painel")


def test_a_refusal_is_a_toast_and_what_the_action_wrote_is_rolled_back(factory, login, db):
    provider = factory.provider()
    tab = browser_tab(GuidesState, login(provider))

    def write_then_refuse(session, actor):
        factory_guide = Guide(provider_id=actor.provider_id, beneficiary_id=factory.beneficiary().id,
                              guide_type="SP_SADT", provider_guide_number="X1", operator_guide_number="Y1",
                              status="1", requested_on=factory.guide(provider).requested_on)
        session.add(factory_guide)
        session.flush()
        raise DomainError("Não é possível agora.")

    before = db.exec(select(func.count()).select_from(Guide)).one()
    result, event = asyncio.run(call_service(tab, write_then_refuse))
    assert result is None and says(event, "Não é possível agora.")
    db.expire_all()
    assert db.exec(select(func.count()).select_from(Guide)).one() == before + 1  # only the factory's own guide


def test_a_refusal_that_leaves_a_trace_returns_the_trace(factory, login):
    tab = browser_tab(GuidesState, login(factory.provider()))

    def refuse(session, actor):
        raise TracedRefusal(lambda trace_db: f"registrado para {actor.login}")

    result, event = asyncio.run(call_service(tab, refuse))
    assert event is None and result.startswith("registrado para usuario")
