"""services/protocol_status: a provider's protocol with each guide's status, owner-checked."""

from __future__ import annotations

import pytest

from copass_app.models import BatchStatus
from copass_app.services import protocol_status, xml_lots
from copass_app.services.errors import NotFound
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes


@pytest.fixture
def received(factory, db):
    provider = factory.provider(name="Clínica São Lucas", code="100001")
    actor = factory.actor(provider)
    guides = [factory.guide(provider) for _ in range(3)]
    db.commit()
    data = lot_for_guides(db, provider, guides, "8001")
    outcome = perform(lambda s: xml_lots.receive_lot(s, actor, "lote-8001.xml", data))
    assert outcome.accepted
    return provider, actor, guides, outcome


def test_a_received_protocol_lists_each_guide_as_received(db, received):
    _, actor, guides, outcome = received
    status = protocol_status.protocol_status(db, actor, outcome.protocol_number)
    assert status.status == BatchStatus.RECEBIDO and status.tiss_status == "1" and status.status_label == "Recebido"
    assert status.lot_number == "8001" and status.guide_count == 3 and not status.analysed
    assert [g.guide_number for g in status.guides] == [g.provider_guide_number for g in guides]
    assert all(g.status == BatchStatus.RECEBIDO and g.approved_value is None and g.glosa_codes == ()
               for g in status.guides)
    assert sum(g.total_value for g in status.guides) == status.total_value
    assert protocol_status.protocol_status_for_lot(db, actor, "8001").protocol_number == outcome.protocol_number
    assert [p.protocol_number for p in protocol_status.provider_protocols(db, actor)] == [outcome.protocol_number]


def test_another_providers_protocol_is_answered_like_a_missing_one(db, factory, received):
    _, _, _, outcome = received
    other = factory.actor(factory.provider(name="Laboratório B", code="200002"))
    db.commit()
    with pytest.raises(NotFound) as missing:
        protocol_status.protocol_status(db, other, "209900000999")
    with pytest.raises(NotFound) as foreign:
        protocol_status.protocol_status(db, other, outcome.protocol_number)
    assert str(missing.value) == str(foreign.value) and foreign.value.code == codes.PROTOCOL_NOT_FOUND
    with pytest.raises(NotFound) as foreign_lot:
        protocol_status.protocol_status_for_lot(db, other, "8001")
    assert foreign_lot.value.code == codes.LOT_NOT_FOUND
    assert protocol_status.provider_protocols(db, other) == []
