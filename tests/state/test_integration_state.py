"""Integração (API) as the provider's browser tab sees it: its tokens, its addresses and examples with its
own code, and the last calls of its tokens — never another provider's."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from copass_app.api import api_app
from copass_app.pages.integration import integration_page
from copass_app.services import api_tokens
from copass_app.services.auth import actor_for_token
from copass_app.services.unit_of_work import perform
from copass_app.state.uploads import ApiTokensState, backend_url
from tests.state.conftest import browser_tab, says


def _tab(token: str) -> ApiTokensState:
    tab = browser_tab(ApiTokensState, token)
    asyncio.run(tab.on_load())
    return tab


def test_the_page_shows_the_addresses_and_examples_with_the_providers_code(db, factory, login):
    provider = factory.provider(name="Clínica A", code="700001")
    tab = _tab(login(provider))
    assert tab.loaded and tab.tokens == [] and tab.calls == []
    guide = tab.guide
    assert guide.provider_code == "700001" and guide.registro_ans == "345678"
    assert guide.base_url == backend_url().rstrip("/") and guide.openapi_url.endswith("/api/openapi.json")
    assert [s.wsdl for s in guide.services] == [f"{guide.base_url}/tiss/4.03.00/{s.name}?wsdl"
                                                for s in guide.services]
    assert len(guide.services) == 6 and all("<ans:codigoPrestadorNaOperadora>700001<" in s.envelope
                                            for s in guide.services)
    assert any(r.path == "/api/tiss/lotes" and "--data-binary @lote.xml" in r.curl for r in guide.rest)
    assert integration_page() is not None  # the page builds from these fields


def test_a_token_created_on_the_page_and_its_calls_listed(db, factory, login):
    provider = factory.provider(name="Clínica A")
    session = login(provider)
    tab = _tab(session)
    asyncio.run(tab.create({"name": "ERP da clínica"}))
    token = tab.new_token
    assert token.startswith(api_tokens.TOKEN_PREFIX) and [t.name for t in tab.tokens] == ["ERP da clínica"]
    client = TestClient(api_app())
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/tiss/protocolos", headers=headers).status_code == 200
    assert client.get("/api/tiss/protocolos/000000000000", headers=headers).status_code == 404
    assert client.post("/api/tiss/lotes", content=b"<x/>", headers=headers).status_code == 422

    calls = _tab(session).calls
    assert [(c.token, c.service, c.result, c.refused) for c in calls] == [
        ("ERP da clínica", "POST /api/tiss/lotes", "recusado — 5001", True),
        ("ERP da clínica", "GET /api/tiss/protocolos/{numero}", "não encontrado — 3291", True),
        ("ERP da clínica", "GET /api/tiss/protocolos", "ok", False),
    ]
    assert all(c.at for c in calls)


def test_another_providers_calls_and_tokens_are_not_shown(db, factory, login):
    mine, theirs = factory.provider(name="Clínica A"), factory.provider(name="Clínica B")
    their_session = login(theirs)
    their_actor = perform(lambda db: actor_for_token(db, their_session))
    token = perform(lambda db: api_tokens.create_token(db, their_actor, "Sistema B").token)
    TestClient(api_app()).get("/api/tiss/protocolos", headers={"Authorization": f"Bearer {token}"})
    tab = _tab(login(mine))
    assert tab.tokens == [] and tab.calls == []
    assert [c.token for c in _tab(their_session).calls] == ["Sistema B"]


def test_revoking_from_the_page_keeps_the_calls_and_says_so(db, factory, login):
    provider = factory.provider(name="Clínica A")
    session = login(provider)
    tab = _tab(session)
    asyncio.run(tab.create({"name": "ERP"}))
    TestClient(api_app()).get("/api/tiss/protocolos", headers={"Authorization": f"Bearer {tab.new_token}"})
    guide_shown = tab.guide.__wrapped__
    event = asyncio.run(tab.revoke(str(tab.tokens[0].id)))
    assert says(event, "Token revogado")
    assert tab.tokens[0].revoked and [c.service for c in tab.calls] == ["GET /api/tiss/protocolos"]
    # The examples the reader may be copying (they carry the time they were made) are not rebuilt.
    assert tab.guide.__wrapped__ is guide_shown


def test_without_a_session_nothing_is_loaded(db):
    tab = _tab("")
    assert not tab.loaded and tab.guide.services == [] and tab.calls == []
