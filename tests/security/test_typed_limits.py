"""The "smaller" findings of issue 8 in the batches filter and the billing period: refused in Portuguese,
nothing stored, never an OverflowError."""

from __future__ import annotations

import pytest
from sqlmodel import select

from copass_app.models import BillingDraft
from copass_app.services import batches, billing
from copass_app.services.errors import DomainError


@pytest.mark.parametrize("typed", [{"date_to": "9999-12-31"}, {"date_to": "31/12/9999"}, {"date_from": "01/01/0001"}])
def test_batches_filter_far_years_are_refused_in_portuguese(factory, db, typed):
    actor = factory.actor(factory.provider())
    with pytest.raises(DomainError, match=r"^Data (inicial|final)") as refusal:
        batches.list_batches(db, actor, batches.BatchFilters(**typed))
    assert "Overflow" not in str(refusal.value)


@pytest.mark.parametrize("period", [{"start": "0001-01-01", "end": "0001-12-31"}, {"competence": "0001-12"},
                                    {"competence": "12/0001"}, {"start": "01/01/0001", "end": "31/01/0001"}])
def test_billing_period_in_year_0001_is_refused_and_stores_no_draft(factory, db, period):
    actor = factory.actor(factory.provider())
    with pytest.raises(DomainError, match=r"(Data inicial|Data final|Competência)"):
        billing.open_draft(db, actor, **period)
    db.rollback()
    assert db.exec(select(BillingDraft)).all() == []
