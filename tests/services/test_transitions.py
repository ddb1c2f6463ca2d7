"""The transition table: who may move a batch from which state, and what each move records."""

import pytest
from sqlmodel import select

from copass_app.models import AuditLog, Batch, BatchStatus, Role
from copass_app.services import transitions
from copass_app.services.errors import DomainError, NotFound, PermissionDenied


@pytest.fixture
def received(factory):
    provider = factory.provider(name="Clínica São Lucas")
    actor = factory.actor(provider)
    return provider, actor, factory.batch(provider, actor.user_id)


def test_each_row_names_its_states_role_and_stamps():
    reverse = transitions.TRANSITIONS["batch.reverse"]
    analysis = transitions.TRANSITIONS["batch.start_analysis"]
    assert (reverse.from_states, reverse.to_state, reverse.role) == (
        (BatchStatus.RECEBIDO,), BatchStatus.CANCELADO, transitions.PROVIDER)
    assert (analysis.from_states, analysis.to_state, analysis.role) == (
        (BatchStatus.RECEBIDO,), BatchStatus.EM_ANALISE, transitions.STAFF)
    assert "processed_at" in reverse.still_unset and analysis.stamp_now == ("processed_at",)


def test_a_move_is_audited_with_the_states_before_and_after(db, factory, received):
    provider, actor, batch = received
    transitions.apply(db, actor, "batch.reverse", batch.id)
    audit = db.exec(select(AuditLog).where(AuditLog.action == "batch.reverse")).one()
    assert audit.entity_id == str(batch.id) and audit.user_id == actor.user_id and audit.provider_id == provider.id
    assert audit.detail.endswith("Recebido → Cancelado (estornado)")
    moved = db.get(Batch, batch.id)
    assert moved.reversed_at is not None and moved.reversed_by == actor.user_id


def test_the_role_of_the_row_is_enforced(db, factory, received):
    _, actor, batch = received
    staff = factory.actor(role=Role.STAFF)
    with pytest.raises(PermissionDenied):
        transitions.apply(db, actor, "batch.start_analysis", batch.id)
    with pytest.raises(PermissionDenied):
        transitions.apply(db, staff, "batch.reverse", batch.id)
    assert db.get(Batch, batch.id).status == BatchStatus.RECEBIDO


def test_another_providers_record_is_not_found(db, factory, received):
    _, _, batch = received
    other = factory.actor(factory.provider(name="Outro"))
    with pytest.raises(NotFound, match="Lote não encontrado"):
        transitions.apply(db, other, "batch.reverse", batch.id)
    assert db.exec(select(AuditLog)).all() == []


def test_a_move_from_a_state_not_in_the_row_is_refused_with_the_reason(db, factory, received):
    _, actor, batch = received
    staff = factory.actor(role=Role.STAFF)
    transitions.apply(db, staff, "batch.start_analysis", batch.id)
    with pytest.raises(DomainError, match="já foi iniciada"):
        transitions.apply(db, staff, "batch.start_analysis", batch.id)
    with pytest.raises(DomainError, match="processado pela operadora"):
        transitions.apply(db, actor, "batch.reverse", batch.id)
    assert transitions.can("batch.reverse", db.get(Batch, batch.id)) is False
