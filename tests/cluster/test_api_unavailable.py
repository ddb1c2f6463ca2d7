"""The lot API while PostgreSQL refuses connections: a Portuguese 503 with Retry-After, nothing written.

The database really refuses: the portal is pointed at a local port where nothing listens (as during
the 10 s PostgreSQL outage of `python -m load.faults postgres-refuses`). Not marked `cluster`.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bench.live_portal import free_port
from copass_app.api import api_app
from copass_app.services.unit_of_work import BUSY


@pytest.fixture
def refusing_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/copass")


def test_a_lot_sent_while_the_database_refuses_is_answered_503_in_portuguese(refusing_database):
    client = TestClient(api_app(), raise_server_exceptions=False)
    response = client.post("/api/tiss/lotes", content=b"<lote/>", headers={"Authorization": "Bearer cpt_x"})
    assert response.status_code == 503
    assert response.text == BUSY
    assert response.headers["Retry-After"] == "5"
