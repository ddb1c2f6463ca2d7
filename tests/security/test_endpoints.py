"""Every HTTP endpoint of the portal as each principal: no token, A's, B's (naming A's guides), a
revoked one. A new endpoint (the SOAP ones of issue 13) is one more line in ENDPOINTS.

Rules: no valid token -> 401 and no record of anyone changes (the refusal's own audit row aside);
B naming A's guides -> a TISS refusal that says nothing of A's data, and nothing of A's changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from copass_app.api import api_app
from copass_app.models import Guide
from copass_app.services.lot_export import lot_for_guides
from tests.security.snapshot import changed_tables, database_snapshot, dump_rows, restore_rows
from tests.security.world import World, build_world
from tests.webservices import envelopes

# Refusals may leave their trace: the audit row of a 401, B's own refused upload and B's token's use and rate window.
TRACE_TABLES = {"audit_log", "upload_record", "api_token", "api_rate_window", "login_failure"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str | Callable  # or (db, world) -> path, naming A's records
    body: Callable  # (db, world) -> bytes: what a provider's system would send, naming A's records
    headers: dict
    refused_status: int = 422  # B naming A's records: a TISS refusal (a read: 404, exactly as a missing record)
    owner_status: int = 200
    label: str = ""  # the test's id when the path is computed

    def path_for(self, db, world: World) -> str:
        return self.path(db, world) if callable(self.path) else self.path


def _lot_of_a(db, world: World) -> bytes:
    guide = db.get(Guide, world.a.guide)
    from copass_app.models import Provider

    return lot_for_guides(db, db.get(Provider, guide.provider_id), [guide], "7999")


def _protocol_of_a(db, world: World) -> str:
    from copass_app.models import Batch

    return db.get(Batch, world.a.batch).protocol_number


def _nothing(_db, _world) -> bytes:
    return b""


def _lot_number_of_a(db, world: World) -> str:
    from copass_app.models import Batch

    return db.get(Batch, world.a.batch).lot_number


def _code_of_a(db, world: World) -> str:
    from copass_app.models import Batch, Provider

    return db.get(Provider, db.get(Batch, world.a.batch).provider_id).code


def _soap(service: str, body: Callable) -> Endpoint:
    return Endpoint("POST", f"/tiss/4.03.00/{service}", body, {"Content-Type": "text/xml; charset=ISO-8859-1"},
                    refused_status=200, label=f"SOAP {service}")


def _read(label: str, path: Callable, refused: int = 404, owner: int = 200) -> Endpoint:
    return Endpoint("GET", path, _nothing, {}, refused, owner, f"GET {label}")


ENDPOINTS = [
    Endpoint("POST", "/api/tiss/lotes", _lot_of_a, {"Content-Type": "application/xml"}),
    # The REST reads: B naming A's protocol is answered exactly like a missing one; B's own lists hold nothing of A.
    _read("/api/tiss/protocolos/{numero}", lambda db, w: f"/api/tiss/protocolos/{_protocol_of_a(db, w)}"),
    # Lot numbers are each provider's own: B asking for A's lot number gets its own lot of that number, if any.
    _read("/api/tiss/lotes/{numero}", lambda db, w: f"/api/tiss/lotes/{_lot_number_of_a(db, w)}", refused=200),
    _read("/api/tiss/protocolos/{numero}/demonstrativo",  # A's batch is not analysed yet: 409 for A
          lambda db, w: f"/api/tiss/protocolos/{_protocol_of_a(db, w)}/demonstrativo", owner=409),
    _read("/api/tiss/protocolos/{numero}/demonstrativo?formato=xml",
          lambda db, w: f"/api/tiss/protocolos/{_protocol_of_a(db, w)}/demonstrativo?formato=xml", owner=409),
    _read("/api/tiss/protocolos", lambda _db, _w: "/api/tiss/protocolos", refused=200),
    _read("/api/tiss/pagamentos", lambda _db, _w: "/api/tiss/pagamentos", refused=200),
    # Issue 13, the SOAP web services: B's token with A's records (and A as the sender) is a TISS refusal
    # (5005, remetente não identificado) in a 200 SOAP answer; no token is a 401 SOAP Fault.
    _soap("tissLoteGuias", lambda db, w: envelopes.from_message(_lot_of_a(db, w), "loteGuiasWS", "loteGuias",
                                                                 "loteGuias")),
    _soap("tissSolicitacaoStatusProtocolo",
          lambda db, w: envelopes.status_request(_code_of_a(db, w), _protocol_of_a(db, w))),
    _soap("tissCancelaGuia", lambda db, w: envelopes.cancel_lot_request(_code_of_a(db, w), _lot_number_of_a(db, w))),
    _soap("tissSolicitacaoDemonstrativoRetorno",
          lambda db, w: envelopes.analysis_statement_request(_code_of_a(db, w), _protocol_of_a(db, w))),
]


@pytest.fixture(scope="module")
def built_world(engine):
    from sqlmodel import Session

    from tests.conftest import truncate_all
    from tests.factories import Factory

    truncate_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(Factory(session), session)
    yield world, dump_rows(engine)
    truncate_all(engine)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.label or f"{e.method} {e.path}")
@pytest.mark.parametrize("principal", ["none", "revoked", "B", "malformed"])
def test_endpoint_refuses_whoever_may_not_act(built_world, engine, db, endpoint, principal):
    world, rows = built_world
    restore_rows(engine, rows)
    body = endpoint.body(db, world)
    token = {"malformed": "Bearer cpt_" + "x" * 5000}.get(principal)
    authorization = token or f"Bearer {world.api_tokens.get(principal, '')}"
    before = database_snapshot(engine)
    response = TestClient(api_app()).request(endpoint.method, endpoint.path_for(db, world), content=body,
                                              headers={**endpoint.headers, "Authorization": authorization})
    changed = changed_tables(before, database_snapshot(engine))
    if principal == "B":
        # B's system names A's guide: refused as a guide B does not have, in TISS, with none of A's data.
        assert response.status_code == endpoint.refused_status, response.text
        # Only what B's own file said may come back (the guide number it named); nothing else of A.
        sent = body.decode("iso-8859-1")
        told = [s for s in world.secrets if s in response.text and s not in sent]
        assert not told, (told, response.text)
    else:
        assert response.status_code == 401, response.text
        assert "Token" in response.text or response.headers.get("www-authenticate")
    assert set(changed) <= TRACE_TABLES, changed
    for table in ("batch", "billed_item", "protocol", "guide", "batch_guide", "batch_item"):
        assert table not in changed


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.label or f"{e.method} {e.path}")
def test_endpoint_acts_for_the_owner(built_world, engine, db, endpoint):
    world, rows = built_world
    restore_rows(engine, rows)
    response = TestClient(api_app()).request(endpoint.method, endpoint.path_for(db, world),
                                              content=endpoint.body(db, world),
                                              headers={**endpoint.headers,
                                                       "Authorization": f"Bearer {world.api_tokens['A']}"})
    assert response.status_code == endpoint.owner_status, response.text
