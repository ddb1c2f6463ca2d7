"""The staff's audit search on the real database: filters, period in Brasília days, newest first, paged
in SQL; a provider is refused."""

from __future__ import annotations

from datetime import datetime

import pytest

from copass_app import clock
from copass_app.models import Role
from copass_app.services import audit
from copass_app.services.audit_search import AuditFilters, search
from copass_app.services.errors import DomainError, PermissionDenied


@pytest.fixture
def trail(db, factory):
    clinic = factory.provider(name="Clínica Vitória", code="100001")
    lab = factory.provider(name="Laboratório Sul", code="200002")
    clinic_user, lab_user = factory.actor(clinic), factory.actor(lab)
    moments = [datetime(2026, 3, 9, 23, 30), datetime(2026, 3, 10, 0, 30), datetime(2026, 3, 10, 12, 0),
               datetime(2026, 3, 11, 8, 0)]  # Brasília time
    with clock.frozen(moments[0]):
        audit.record(db, clinic_user, "login.success", "user", clinic_user.user_id)
    with clock.frozen(moments[1]):
        audit.record(db, clinic_user, "file.download", "batch", 7, "Download: protocolo (PDF)")
    with clock.frozen(moments[2]):
        audit.record(db, None, "login.failure", "user", "", login="fulano", source="203.0.113.9")
    with clock.frozen(moments[3]):
        audit.record(db, lab_user, "batch.reverse", "batch", 8, "Lote 8: Recebido → Cancelado")
    db.commit()
    return clinic_user, lab_user


def staff(factory):
    return factory.actor(role=Role.STAFF)


def test_newest_first_with_who_and_which_provider(db, factory, trail):
    clinic_user, _ = trail
    found = search(db, staff(factory), AuditFilters())
    assert [r.action for r in found.rows] == ["batch.reverse", "login.failure", "file.download", "login.success"]
    assert found.total == 4
    download = found.rows[2]
    assert (download.login, download.provider_code, download.entity, download.entity_id) == (
        clinic_user.login, "100001", "batch", "7")


@pytest.mark.parametrize(("filters", "expected"), [
    (AuditFilters(provider="100001"), ["file.download", "login.success"]),
    (AuditFilters(provider="laboratório"), ["batch.reverse"]),
    (AuditFilters(login="FULANO"), ["login.failure"]),
    (AuditFilters(entity="batch", entity_id="8"), ["batch.reverse"]),
    (AuditFilters(action="login."), ["login.failure", "login.success"]),
    (AuditFilters(action="file.download"), ["file.download"]),
    # A Brasília day: 23:30 of the 9th is not the 10th, though in UTC it already is.
    (AuditFilters(date_from="10/03/2026", date_to="10/03/2026"), ["login.failure", "file.download"]),
    (AuditFilters(date_from="2026-03-11"), ["batch.reverse"]),
    (AuditFilters(provider="ninguém"), []),
])
def test_filters(db, factory, trail, filters, expected):
    assert [r.action for r in search(db, staff(factory), filters).rows] == expected


def test_pages_are_cut_in_sql(db, factory, trail):
    first = search(db, staff(factory), AuditFilters(), page=1, page_size=3)
    second = search(db, staff(factory), AuditFilters(), page=2, page_size=3)
    assert (len(first.rows), len(second.rows), first.page_count) == (3, 1, 2)
    assert second.rows[0].action == "login.success"
    assert search(db, staff(factory), AuditFilters(), page="999", page_size=3).page == 2


def test_a_provider_cannot_read_the_audit(db, factory, trail):
    clinic_user, _ = trail
    with pytest.raises(PermissionDenied):
        search(db, clinic_user, AuditFilters(provider="100001"))


def test_a_bad_period_is_a_message_naming_the_field(db, factory, trail):
    with pytest.raises(DomainError, match="Período de"):
        search(db, staff(factory), AuditFilters(date_from="31/02/2026"))
    with pytest.raises(DomainError, match="posterior"):
        search(db, staff(factory), AuditFilters(date_from="12/03/2026", date_to="10/03/2026"))
