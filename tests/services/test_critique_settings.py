"""Staff settings of the critique: each rule on or off with its tolerance, for all providers or
one; audited; read when an analysis starts, so a change applies from then on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from copass_app.models import AuditLog, CritiqueSetting, Glosa, Role
from copass_app.services import critique
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.vocabulary import CRITIQUE_RULE
from tests.services.test_critique import analyse, bill, guide, open_draft, set_item


@pytest.fixture
def clinic(factory):
    provider = factory.provider(name="Clínica São Lucas")
    return provider, factory.actor(provider)


@pytest.fixture
def staff(factory):
    return factory.actor(role=Role.STAFF)


def views(db, staff, provider_id=None):
    return {view.rule: view for view in critique.rule_settings(db, staff, provider_id)}


def over_quantity(factory, db, provider):
    g = guide(factory, provider, items=[("22", "40301630", "Hemograma", Decimal("10"), Decimal("10.00"))])
    set_item(db, g.id, performed_qty=Decimal("11"))  # 10 % above the authorized quantity
    return g


def test_without_settings_every_rule_is_on_with_no_tolerance(db, staff):
    found = critique.rule_settings(db, staff)
    assert [view.rule for view in found] == [term.value for term in CRITIQUE_RULE]
    assert all(view.enabled and view.tolerance_percent == 0 and view.scope == "default" for view in found)
    assert [view.reason_code for view in found] == ["1702", "1705", "1820", "1321", "1815", "1001"]
    assert {view.rule for view in found if view.uses_tolerance} == {"value_above_contract",
                                                                   "quantity_above_authorized"}
    assert found[0].scope_label == "Padrão do sistema" and found[0].updated_at is None


def test_a_general_setting_is_shown_with_who_changed_it_and_audited(factory, db, staff):
    view = critique.set_rule(db, staff, "quantity_above_authorized", enabled=True, tolerance_percent="5,5")
    assert (view.tolerance_percent, view.scope, view.scope_label, view.updated_by_name) == (
        Decimal("5.50"), "general", "Todos os prestadores", staff.name)
    assert view.updated_at is not None
    critique.set_rule(db, staff, "quantity_above_authorized", enabled=False)  # the tolerance is kept
    row = db.exec(select(CritiqueSetting)).one()  # the same row, changed
    assert (row.enabled, row.tolerance_percent) == (False, Decimal("5.5"))
    logs = db.exec(select(AuditLog).where(AuditLog.action == "critique.set_rule").order_by(AuditLog.id)).all()
    assert [log.detail for log in logs] == [
        "Regra “Quantidade acima” (todos os prestadores): ativa, tolerância 0 % → ativa, tolerância 5,5 %",
        "Regra “Quantidade acima” (todos os prestadores): ativa, tolerância 5,5 % → inativa, tolerância 5,5 %",
    ]
    assert all(log.user_id == staff.user_id for log in logs)


def test_a_provider_setting_overrides_the_general_one_for_that_provider_only(factory, db, clinic, staff):
    provider, actor = clinic
    other = factory.provider(name="Outro")
    critique.set_rule(db, staff, "duplicate", enabled=False)
    critique.set_rule(db, staff, "duplicate", provider_id=provider.id, enabled=True)
    assert views(db, staff, provider.id)["duplicate"].enabled is True
    assert views(db, staff, provider.id)["duplicate"].scope == "provider"
    assert views(db, staff, other.id)["duplicate"].enabled is False
    assert views(db, staff, other.id)["duplicate"].scope == "general"
    assert views(db, staff)["duplicate"].enabled is False
    log = db.exec(select(AuditLog).where(AuditLog.provider_id == provider.id)).one()
    assert f"prestador {provider.code} · {provider.name}" in log.detail


def test_tolerance_is_read_when_the_analysis_starts(factory, db, clinic, staff):
    provider, actor = clinic
    over_quantity(factory, db, provider)
    [first] = bill(db, actor)
    over_quantity(factory, db, provider)
    [second] = bill(db, actor)
    critique.set_rule(db, staff, "quantity_above_authorized", provider_id=provider.id, enabled=True,
                      tolerance_percent="10")
    assert analyse(db, staff, second) == []  # 10 % above, 10 % allowed
    critique.set_rule(db, staff, "quantity_above_authorized", provider_id=provider.id, enabled=True,
                      tolerance_percent="9,99")
    # Billed before either change, analysed after the second: the setting of the start counts.
    assert analyse(db, staff, first) == [("40301630", "quantity_above_authorized", "1820", Decimal("10.00"))]


def test_a_change_does_not_touch_the_proposals_of_an_analysis_already_started(factory, db, clinic, staff):
    provider, actor = clinic
    over_quantity(factory, db, provider)
    [started] = bill(db, actor)
    assert len(analyse(db, staff, started)) == 1
    critique.set_rule(db, staff, "quantity_above_authorized", enabled=False)
    over_quantity(factory, db, provider)
    [later] = bill(db, actor)
    assert analyse(db, staff, later) == []
    assert len(db.exec(select(Glosa).where(Glosa.batch_id == started.batch_id)).all()) == 1


def test_a_rule_turned_off_proposes_nothing_in_the_preview_either(factory, db, clinic, staff):
    provider, actor = clinic
    over_quantity(factory, db, provider)
    critique.set_rule(db, staff, "quantity_above_authorized", enabled=False)
    open_draft(db, actor)
    assert critique.preview_draft(db, actor).clean


@pytest.mark.parametrize("typed, message", [
    ("101", "entre 0 e 100"),
    ("-1", "negativos"),
    ("cinco", "não é um número"),
    ("5.5", "ambíguo"),
    ("5,555", "no máximo 2 casas decimais"),
])
def test_tolerance_as_typed_is_checked(db, staff, typed, message):
    with pytest.raises(DomainError, match=message):
        critique.set_rule(db, staff, "value_above_contract", enabled=True, tolerance_percent=typed)
    assert db.exec(select(CritiqueSetting)).all() == []


@pytest.mark.parametrize("typed, expected", [("5", "5.00"), ("5,5", "5.50"), ("0", "0.00"), ("100", "100.00"),
                                             ("7 %", "7.00"), ("", "0.00")])
def test_tolerance_accepts_what_people_type(db, staff, typed, expected):
    view = critique.set_rule(db, staff, "value_above_contract", enabled=True, tolerance_percent=typed)
    assert view.tolerance_percent == Decimal(expected)


def test_only_staff_change_or_read_the_settings(factory, db, clinic, staff):
    provider, actor = clinic
    with pytest.raises(PermissionDenied):
        critique.set_rule(db, actor, "duplicate", enabled=False)
    with pytest.raises(PermissionDenied):
        critique.rule_settings(db, actor)
    with pytest.raises(NotFound, match="Regra da crítica desconhecida"):
        critique.set_rule(db, staff, "nope", enabled=False)
    with pytest.raises(NotFound, match="Prestador não encontrado"):
        critique.set_rule(db, staff, "duplicate", provider_id=provider.id + 100, enabled=False)
    with pytest.raises(NotFound, match="Prestador não encontrado"):
        critique.rule_settings(db, staff, provider.id + 100)
    with pytest.raises(DomainError, match="ativa ou inativa"):
        critique.set_rule(db, staff, "duplicate", enabled="sim")
    assert db.exec(select(CritiqueSetting)).all() == []


def test_the_database_keeps_one_general_setting_per_rule(db, factory):
    # A unique (rule, provider_id) key lets two NULL provider ids through; the partial index does not.
    from sqlalchemy.exc import IntegrityError

    staff = factory.user(role=Role.STAFF)
    db.add(CritiqueSetting(rule="duplicate", provider_id=None, enabled=True, updated_by=staff.id))
    db.commit()
    db.add(CritiqueSetting(rule="duplicate", provider_id=None, enabled=False, updated_by=staff.id))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
