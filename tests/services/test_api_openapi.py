"""The OpenAPI description the backend serves: valid OpenAPI 3, every route of the API described (and
nothing described that does not exist), and real answers of the API valid against their schemas."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from copass_app import clock
from copass_app.api import api_app
from copass_app.services import api_tokens, payments
from tests.services.money_helpers import analysed_batch, bill, clinic, staff_actor


@pytest.fixture
def client():
    return TestClient(api_app())


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    return response.json()


def test_the_description_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")


def _api_routes():
    """(path, method) of every REST route of the app (the SOAP web services are described by their WSDLs)."""
    for route in api_app().routes:
        if isinstance(route, Route) and route.path.startswith("/api/"):
            for method in route.methods - {"HEAD"}:
                yield route.path, method.lower()


def test_every_route_is_described_and_every_description_is_a_route(document):
    served = set(_api_routes())
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served == described
    for path, method in served:
        operation = document["paths"][path][method]
        assert operation["summary"] and operation["responses"]
        if "{numero}" in path:
            assert [p["name"] for p in operation["parameters"] if p["in"] == "path"] == ["numero"]


def _schema(document, name):
    """A component schema with the document's components, for $ref."""
    return {**document["components"]["schemas"][name], "components": document["components"]}


def test_real_answers_match_their_schemas(db, factory, client, document):
    who = clinic(factory, "Clínica São Lucas")
    token = api_tokens.create_token(db, who.actor, "ERP").token
    db.commit()
    staff = staff_actor(factory)
    batch = analysed_batch(factory, db, who, staff, {1: Decimal("4.50")}, guides=2)
    paid = payments.register_payment(db, staff, who.provider.id, batch_ids=[batch.id], appeal_ids=[],
                                     paid_on=clock.today())
    db.commit()
    bill(factory, db, who)
    headers = {"Authorization": f"Bearer {token}"}
    answers = [
        ("Protocolos", client.get("/api/tiss/protocolos", headers=headers)),
        ("Protocolo", client.get(f"/api/tiss/protocolos/{batch.protocol_number}", headers=headers)),
        ("Protocolo", client.get(f"/api/tiss/lotes/{batch.lot_number}", headers=headers)),
        ("DemonstrativoAnaliseConta", client.get(f"/api/tiss/protocolos/{batch.protocol_number}/demonstrativo",
                                                 headers=headers)),
        ("Pagamentos", client.get("/api/tiss/pagamentos", headers=headers)),
        ("DemonstrativoPagamento", client.get(f"/api/tiss/pagamentos/{paid.number}/demonstrativo", headers=headers)),
        ("Erro", client.get("/api/tiss/protocolos/000/demonstrativo", headers=headers)),
    ]
    for name, response in answers:
        assert response.status_code == (404 if name == "Erro" else 200), (name, response.text)
        OAS30Validator(_schema(document, name)).validate(response.json())
    # A value outside the schema is caught: the check can fail.
    broken = answers[1][1].json() | {"valor_informado": 12.5}
    assert not OAS30Validator(_schema(document, "Protocolo")).is_valid(broken)
