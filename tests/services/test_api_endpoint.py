"""POST /api/tiss/lotes through the real Starlette app and the real database."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree
from sqlmodel import select
from starlette.testclient import TestClient

from copass_app import clock
from copass_app.api import api_app
from copass_app.models import ApiToken, AuditLog, Batch, BilledItem, UploadRecord
from copass_app.services import api_tokens
from copass_app.services.lot_export import lot_for_guides
from copass_app.tiss import codes
from copass_app.tiss.hash import set_hash
from copass_app.tiss.schema import get_schema


@pytest.fixture
def client():
    return TestClient(api_app())


@pytest.fixture
def clinic(factory, db):
    provider = factory.provider(name="Clínica A", code="100001")
    actor = factory.actor(provider)
    token = api_tokens.create_token(db, actor, "ERP da clínica").token
    guides = [factory.guide(provider) for _ in range(2)]
    db.commit()
    return provider, token, guides


def _post(client, token, body, **params):
    return client.post("/api/tiss/lotes", content=body, params=params,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"})


def test_valid_lot_answers_200_with_the_tiss_protocol(db, client, clinic):
    provider, token, guides = clinic
    response = _post(client, token, lot_for_guides(db, provider, guides, "900"), arquivo="lote-900.xml")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    protocol = response.headers["x-copass-protocolo"]
    root = etree.fromstring(response.content)
    assert get_schema().validate(root)
    assert root.find(".//{*}numeroProtocolo").text == protocol
    assert db.exec(select(Batch)).one().protocol_number == protocol


def test_invalid_lot_answers_422_with_the_errors_in_tiss(db, client, clinic):
    provider, token, guides = clinic
    root = etree.fromstring(lot_for_guides(db, provider, guides, "901"))
    root.find(".//{*}cabecalho/{*}Padrao").text = "4.01.00"
    set_hash(root)  # only the version is wrong
    response = _post(client, token, etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1"))
    assert response.status_code == 422
    answer = etree.fromstring(response.content)
    assert get_schema().validate(answer)
    assert answer.find(".//{*}mensagemErro/{*}codigoGlosa").text == codes.INVALID_VERSION
    assert db.exec(select(Batch)).all() == []
    # The refusal keeps its upload record (a TracedRefusal inside the request's unit of work).
    record = db.get(UploadRecord, int(response.headers["x-copass-envio"]))
    assert record.via == "API" and not record.accepted and record.error_count == 1


def test_missing_or_wrong_token_answers_401(client, clinic):
    assert client.post("/api/tiss/lotes", content=b"<x/>").status_code == 401
    assert _post(client, "cpt_falso", b"<x/>").status_code == 401


def test_revoked_token_answers_401(db, factory, client, clinic):
    provider, token, guides = clinic
    row = db.exec(select(ApiToken)).one()
    actor = factory.actor(provider)
    api_tokens.revoke_token(db, actor, row.id)
    db.commit()
    assert _post(client, token, lot_for_guides(db, provider, guides, "902")).status_code == 401


def test_body_over_the_limit_answers_413(monkeypatch, client, clinic):
    _, token, _ = clinic
    monkeypatch.setenv("COPASS_MAX_XML_BYTES", "2000")
    response = _post(client, token, b"<a>" + b"x" * 10_000 + b"</a>")
    assert response.status_code == 413
    # Both figures in one unit (was "excede o limite de 0 MB").
    assert response.text == "O arquivo tem 10,0 kB e excede o limite de 2,0 kB (2.000 bytes)."


def test_token_of_provider_b_cannot_bill_provider_a_guides(db, factory, client, clinic):
    provider_a, _, guides_a = clinic
    provider_b = factory.provider(name="Laboratório B", code="200002")
    token_b = api_tokens.create_token(db, factory.actor(provider_b), "ERP do B").token
    db.commit()
    # As A's file, and as B's own file naming A's guides: both refused, nothing billed.
    as_a = _post(client, token_b, lot_for_guides(db, provider_a, guides_a, "903"))
    as_b_root = etree.fromstring(lot_for_guides(db, provider_a, guides_a, "904").replace(b">100001<", b">200002<"))
    set_hash(as_b_root)  # a well-formed file of B's system: only the guides' owner refuses it
    as_b = _post(client, token_b, etree.tostring(as_b_root, xml_declaration=True, encoding="ISO-8859-1"))
    assert as_a.status_code == 422 and as_b.status_code == 422
    assert b"<ans:codigoGlosa>1203<" in as_a.content and b"<ans:codigoGlosa>1307<" in as_b.content
    assert db.exec(select(BilledItem)).all() == []


def test_requests_past_the_tokens_limit_per_minute_answer_429_in_tiss(db, client, clinic, monkeypatch):
    provider, token, _ = clinic
    monkeypatch.setenv("COPASS_API_RATE_PER_MINUTE", "3")
    with clock.frozen(datetime(2026, 3, 10, 10, 0, 15)):
        answers = [_post(client, token, b"<x/>") for _ in range(5)]
    assert [a.status_code for a in answers] == [422, 422, 422, 429, 429]
    refused = answers[3]
    assert refused.headers["retry-after"] == "45"
    answer = etree.fromstring(refused.content)
    assert get_schema().validate(answer)
    assert answer.find(".//{*}mensagemErro/{*}codigoGlosa").text == codes.CANNOT_VALIDATE
    assert "Limite de 3 envios por minuto" in answer.find(".//{*}mensagemErro/{*}descricaoGlosa").text
    # Refused before the body is read or stored: no upload record for the refused requests.
    assert len(db.exec(select(UploadRecord)).all()) == 3
    # One audit row for the flood's minute, naming the provider.
    (row,) = db.exec(select(AuditLog).where(AuditLog.action == "api.rate_limited")).all()
    assert row.provider_id == provider.id
    # The next minute opens a new window.
    with clock.frozen(datetime(2026, 3, 10, 10, 1, 1)):
        assert _post(client, token, b"<x/>").status_code == 422


def test_the_limit_is_counted_per_token(db, factory, client, clinic, monkeypatch):
    provider, token, _ = clinic
    monkeypatch.setenv("COPASS_API_RATE_PER_MINUTE", "2")
    other = api_tokens.create_token(db, factory.actor(provider), "Outro sistema").token
    db.commit()
    with clock.frozen(datetime(2026, 3, 10, 10, 0, 15)):
        assert [_post(client, token, b"<x/>").status_code for _ in range(3)] == [422, 422, 429]
        assert _post(client, other, b"<x/>").status_code == 422


def test_refused_tokens_are_audited_without_the_token(db, factory, client, clinic):
    provider, token, _ = clinic
    client.post("/api/tiss/lotes", content=b"<x/>")
    _post(client, "cpt_inventado", b"<x/>")
    row = db.exec(select(ApiToken)).one()
    api_tokens.revoke_token(db, factory.actor(provider), row.id)
    db.commit()
    _post(client, token, b"<x/>")
    db.expire_all()
    rows = db.exec(select(AuditLog).where(AuditLog.action == "api.unauthorized").order_by(AuditLog.id)).all()
    assert [r.detail for r in rows] == ["Requisição sem token de API", "Token de API desconhecido",
                                        "Token de API revogado (ERP da clínica)"]
    assert rows[2].provider_id == provider.id and rows[2].entity_id == str(row.id)
    assert all(r.source == "testclient" for r in rows)
    assert not any(token in (r.detail + r.entity_id) or "cpt_inventado" in r.detail for r in rows)


def test_last_use_of_the_token_is_recorded(db, client, clinic):
    _, token, _ = clinic
    assert db.exec(select(ApiToken)).one().last_used_at is None
    _post(client, token, b"<x/>")
    db.expire_all()
    assert db.exec(select(ApiToken)).one().last_used_at is not None
