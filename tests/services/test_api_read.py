"""The REST reads (protocol status, demonstrativos, lists) through the real Starlette app and database:
the figures are the TISS files', another provider's record answers exactly like a missing one, the token
and rate limit are the POST's, and every call of a valid token leaves its audit row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree
from sqlmodel import select
from starlette.testclient import TestClient

from copass_app import clock
from copass_app.api import api_app
from copass_app.models import AuditLog
from copass_app.services import api_reads, api_tokens, appeals, payments, statements
from copass_app.tiss import codes
from copass_app.tiss.schema import get_schema
from tests.services.money_helpers import analysed_batch, bill, clinic, glosas_of, staff_actor

D = Decimal
NS = {"ans": "http://www.ans.gov.br/padroes/tiss/schemas"}


@pytest.fixture
def client():
    return TestClient(api_app())


@pytest.fixture
def staff(factory):
    return staff_actor(factory)


@pytest.fixture
def lucas(factory, db):
    who = clinic(factory, "Clínica São Lucas")
    token = api_tokens.create_token(db, who.actor, "ERP São Lucas").token
    db.commit()
    return who, token


@pytest.fixture
def other(factory, db):
    who = clinic(factory, "Laboratório Outro")
    token = api_tokens.create_token(db, who.actor, "ERP Outro").token
    db.commit()
    return who, token


def get(client, token, path, **params):
    return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def calls(db, token_name=None):
    rows = db.exec(select(AuditLog).where(AuditLog.action == api_tokens.CALL_ACTION).order_by(AuditLog.id)).all()
    return [row.detail for row in rows]


def test_protocol_status_lists_each_guide(db, factory, client, lucas):
    who, token = lucas
    batch_id = bill(factory, db, who, guides=2)
    batch = api_reads.own_protocol(db, who.actor, _protocol_of(db, batch_id))
    response = get(client, token, f"/api/tiss/protocolos/{batch.protocol_number}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["protocolo"] == batch.protocol_number and body["lote"] == batch.lot_number
    assert body["situacao"] == {"codigo": "1", "descricao": "Recebido"}
    assert body["analisado"] is False and body["valor_informado"] == str(batch.total_value)
    assert len(body["guias"]) == 2 and all(g["valor_liberado"] is None for g in body["guias"])
    assert sum(D(g["valor_informado"]) for g in body["guias"]) == batch.total_value
    by_lot = get(client, token, f"/api/tiss/lotes/{batch.lot_number}").json()
    assert by_lot == body
    assert calls(db) == ["GET /api/tiss/protocolos/{numero}: ok", "GET /api/tiss/lotes/{numero}: ok"]


def _protocol_of(db, batch_id):
    from copass_app.models import Batch

    return db.get(Batch, batch_id).protocol_number


def test_the_list_holds_only_the_token_owners_protocols(db, factory, client, lucas, other):
    who, token = lucas
    mine = [_protocol_of(db, bill(factory, db, who)) for _ in range(2)]
    theirs = _protocol_of(db, bill(factory, db, other[0]))
    listed = [p["protocolo"] for p in get(client, token, "/api/tiss/protocolos").json()["protocolos"]]
    assert sorted(listed) == sorted(mine) and theirs not in listed
    assert [p["protocolo"] for p in get(client, token, "/api/tiss/protocolos", limite=1).json()["protocolos"]] \
        == [listed[0]]


def test_another_providers_protocol_is_answered_like_a_missing_one(db, factory, client, lucas, other):
    who, token = lucas
    theirs = _protocol_of(db, bill(factory, db, other[0]))
    foreign = get(client, token, f"/api/tiss/protocolos/{theirs}")
    missing = get(client, token, "/api/tiss/protocolos/000000000000")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert foreign.json()["erro"]["codigo"] == codes.PROTOCOL_NOT_FOUND
    for path in (f"/api/tiss/protocolos/{theirs}/demonstrativo", "/api/tiss/protocolos/000000000000/demonstrativo"):
        answer = get(client, token, path)
        assert answer.status_code == 404 and answer.json() == foreign.json()
        assert get(client, token, path, formato="xml").json() == foreign.json()
    assert calls(db)[-1] == "GET /api/tiss/protocolos/{numero}/demonstrativo: não encontrado — 3291"


def test_the_analysis_statement_as_json_has_the_figures_of_the_tiss_file(db, factory, client, lucas, staff):
    who, token = lucas
    batch = analysed_batch(factory, db, who, staff, {1: D("4.50")}, guides=2)
    response = get(client, token, f"/api/tiss/protocolos/{batch.protocol_number}/demonstrativo")
    assert response.status_code == 200, response.text
    body = response.json()
    expected = statements.analysed_protocol(db, batch)
    assert (D(body["valor_informado"]), D(body["valor_glosa"]), D(body["valor_liberado"])) == (
        expected.informed, expected.glosa, expected.released)
    assert D(body["valor_glosa"]) == D("4.50")
    glossed = [i for g in body["guias"] for i in g["itens"] if i["glosas"]]
    assert [(i["glosas"][0]["codigo"], i["glosas"][0]["valor"]) for i in glossed] == [
        (codes.VALUE_ABOVE_CONTRACT, "4.50")]
    assert glossed[0]["glosas"][0]["descricao"] == codes.describe(codes.VALUE_ABOVE_CONTRACT)
    # The XML the same request gives with formato=xml carries the same totals, valid against the XSD.
    xml = get(client, token, f"/api/tiss/protocolos/{batch.protocol_number}/demonstrativo", formato="xml")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(xml.content)
    assert get_schema().validate(root)
    assert D(root.xpath("string(//ans:valorGlosaProtocolo)", namespaces=NS)) == D(body["valor_glosa"])
    assert D(root.xpath("string(//ans:valorLiberadoProtocolo)", namespaces=NS)) == D(body["valor_liberado"])
    # The status of an analysed protocol now carries the approved values.
    status = get(client, token, f"/api/tiss/protocolos/{batch.protocol_number}").json()
    assert status["analisado"] is True and D(status["valor_glosa"]) == D("4.50")


def test_the_analysis_statement_waits_for_the_analysis(db, factory, client, lucas):
    who, token = lucas
    protocol = _protocol_of(db, bill(factory, db, who))
    response = get(client, token, f"/api/tiss/protocolos/{protocol}/demonstrativo")
    assert response.status_code == 409
    assert "quando a análise do lote termina" in response.json()["erro"]["mensagem"]
    assert calls(db) == ["GET /api/tiss/protocolos/{numero}/demonstrativo: recusado"]


def test_the_payment_statement_as_json_and_xml(db, factory, client, lucas, other, staff):
    who, token = lucas
    a = analysed_batch(factory, db, who, staff, {1: D("4.50")})
    [glosa] = glosas_of(db, a.id)
    opened = appeals.open_appeal(db, who.actor, glosa.id, contested_value="4,50",
                                 justification="Valor conforme a tabela contratada vigente.")
    appeals.decide_appeal(db, staff, opened.id, decision="accept", accepted_value="4,50")
    b = analysed_batch(factory, db, who, staff)
    view = payments.register_payment(db, staff, who.provider.id, batch_ids=[a.id, b.id], appeal_ids=[opened.id],
                                     paid_on=clock.brasilia_date(a.received_at))
    db.commit()
    listed = get(client, token, "/api/tiss/pagamentos").json()["pagamentos"]
    assert [(p["numero"], D(p["valor_liquido"])) for p in listed] == [(view.number, view.net)]
    body = get(client, token, f"/api/tiss/pagamentos/{view.number}/demonstrativo").json()
    data = statements.payment_data(db, payments.payment_detail(db, who.actor, view.id))
    assert D(body["valor_liquido"]) == data.net == view.net
    assert D(body["valor_liberado"]) == data.released and D(body["valor_glosa"]) == data.glosa
    assert [p["protocolo"] for p in body["protocolos"]] == [a.protocol_number, b.protocol_number, a.protocol_number]
    assert [g["tipo_pagamento"] for p in body["protocolos"] for g in p["guias"]] == ["1", "1", "2"]
    xml = get(client, token, f"/api/tiss/pagamentos/{view.number}/demonstrativo", formato="xml")
    root = etree.fromstring(xml.content)
    assert get_schema().validate(root)
    assert D(root.xpath("string(//ans:valorLiberadoDemonstrativo)", namespaces=NS)) == D(body["valor_liquido"])
    # Another provider: its list is empty and the payment is answered like a missing one.
    other_token = other[1]
    assert get(client, other_token, "/api/tiss/pagamentos").json()["pagamentos"] == []
    foreign = get(client, other_token, f"/api/tiss/pagamentos/{view.number}/demonstrativo")
    missing = get(client, other_token, "/api/tiss/pagamentos/999999999999/demonstrativo")
    assert foreign.status_code == missing.status_code == 404 and foreign.json() == missing.json()


def test_reads_need_a_live_token(db, factory, client, lucas):
    who, token = lucas
    protocol = _protocol_of(db, bill(factory, db, who))
    for bad in ("", "cpt_falso"):
        response = get(client, bad, f"/api/tiss/protocolos/{protocol}")
        assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["erro"]["mensagem"] == api_tokens.UNAUTHORIZED
    [row] = api_tokens.list_tokens(db, who.actor)
    api_tokens.revoke_token(db, who.actor, row.id)
    db.commit()
    assert get(client, token, f"/api/tiss/protocolos/{protocol}").status_code == 401
    assert calls(db) == []  # refusals keep their own rows (api.unauthorized), never an api.call


def test_reads_share_the_posts_rate_limit(db, factory, client, lucas, monkeypatch):
    who, token = lucas
    monkeypatch.setenv("COPASS_API_RATE_PER_MINUTE", "3")
    answers = [get(client, token, "/api/tiss/protocolos").status_code for _ in range(3)]
    posted = client.post("/api/tiss/lotes", content=b"<x/>", headers={"Authorization": f"Bearer {token}"})
    limited = get(client, token, "/api/tiss/protocolos")
    assert answers == [200, 200, 200] and posted.status_code == 429 and limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1 and "Limite de 3" in limited.json()["erro"]["mensagem"]


def test_a_posted_lot_records_its_call(db, factory, client, lucas):
    who, token = lucas
    response = client.post("/api/tiss/lotes", content=b"<x/>", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    [call] = api_reads.recent_calls(db, who.actor)
    assert (call.service, call.result, call.token_name) == ("POST /api/tiss/lotes", "recusado — 5001", "ERP São Lucas")


def test_recent_calls_are_the_providers_own_newest_first(db, factory, client, lucas, other):
    who, token = lucas
    for _ in range(3):
        get(client, token, "/api/tiss/protocolos")
    get(client, other[1], "/api/tiss/pagamentos")
    mine = api_reads.recent_calls(db, who.actor)
    assert [c.service for c in mine] == ["GET /api/tiss/protocolos"] * 3
    assert [c.at for c in mine] == sorted((c.at for c in mine), reverse=True)
    assert [c.service for c in api_reads.recent_calls(db, other[0].actor)] == ["GET /api/tiss/pagamentos"]
    assert len(api_reads.recent_calls(db, who.actor, limit=2)) == 2
