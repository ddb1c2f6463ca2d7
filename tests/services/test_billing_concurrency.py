"""Two real, concurrent confirmations over the same guides: exactly one batch, the other told 1702.

Each thread has its own Session on the shared engine (a SQLite file in WAL mode, or PostgreSQL),
so the only thing between them is the database itself.
"""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from copass_app.models import Batch, BatchGuide, BilledItem, GuideItem
from copass_app.services import batch_writer, billing
from copass_app.services.errors import DomainError

TODAY = date.today()
TIMEOUT = 30


@pytest.fixture
def two_drafts(factory, db):
    """Two users of the same provider, each with a draft holding the same 30 guides."""
    provider = factory.provider(name="Clínica Concorrida")
    users = [factory.actor(provider), factory.actor(provider)]
    factory.bulk_guides(provider, 30, items_per_guide=3, performed_on=TODAY - timedelta(days=3))
    for actor in users:
        billing.open_draft(db, actor, start=TODAY - timedelta(days=30), end=TODAY, today=TODAY)
    return users


def confirm_at_once(engine, actors, before_confirm=None):
    """Run confirm_draft for each actor in its own thread and session; returns results and errors."""
    barrier = threading.Barrier(len(actors), timeout=TIMEOUT)
    results, errors = [], []

    def run(actor):
        with Session(engine, expire_on_commit=False) as session:
            try:
                if before_confirm is None:
                    barrier.wait()
                results.append(billing.confirm_draft(session, actor))
            except DomainError as error:
                errors.append(error)
            except Exception as error:  # noqa: BLE001 - reported by the assertions below
                errors.append(error)

    threads = [threading.Thread(target=run, args=(actor,)) for actor in actors]
    if before_confirm is not None:
        before_confirm(barrier)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def assert_one_batch_and_one_1702(db, results, errors):
    assert len(results) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], DomainError), errors
    assert errors[0].code == "1702"
    assert "já foram faturadas em outro lote" in errors[0].message
    assert db.exec(select(func.count()).select_from(Batch)).one() == 1
    assert db.exec(select(func.count()).select_from(BatchGuide)).one() == 30
    items = db.exec(select(func.count()).select_from(GuideItem)).one()
    assert db.exec(select(func.count()).select_from(BilledItem)).one() == items == 90


def test_two_users_confirming_the_same_guides_at_once_make_one_batch(engine, db, two_drafts):
    results, errors = confirm_at_once(engine, two_drafts)
    assert_one_batch_and_one_1702(db, results, errors)
    [winner] = results[0]
    assert winner.protocol_number in errors[0].message


def hold_both_after_reading(monkeypatch):
    """Make each confirmation wait, after reading its draft and before writing, until both have read:
    the application checks then see nothing wrong and only the database can refuse the second."""
    original = billing._plan_batches
    box = {}

    def plan_after_both_read(guides):
        box["barrier"].wait()
        return original(guides)

    monkeypatch.setattr(billing, "_plan_batches", plan_after_both_read)
    return lambda barrier: box.update(barrier=barrier)


def record_failed_attempts(monkeypatch):
    failures = []
    original = billing._confirm_once

    def attempt(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        except Exception as error:
            failures.append(error)
            raise

    monkeypatch.setattr(billing, "_confirm_once", attempt)
    return failures


def test_overlapping_confirmations_are_stopped_by_the_database(engine, db, two_drafts, monkeypatch):
    results, errors = confirm_at_once(engine, two_drafts, before_confirm=hold_both_after_reading(monkeypatch))
    assert_one_batch_and_one_1702(db, results, errors)


def test_the_billed_item_key_alone_stops_a_double_billing(engine, db, two_drafts, monkeypatch):
    """With different lot numbers nothing else collides: the BilledItem primary key is the guard."""
    lots = iter(["101", "202"])
    lock = threading.Lock()

    def distinct_lot(_db, _provider_id):
        with lock:
            return next(lots)

    monkeypatch.setattr(batch_writer, "next_lot_number", distinct_lot)
    failures = record_failed_attempts(monkeypatch)
    results, errors = confirm_at_once(engine, two_drafts, before_confirm=hold_both_after_reading(monkeypatch))
    assert_one_batch_and_one_1702(db, results, errors)
    assert any(isinstance(f, IntegrityError) and "billed_item" in str(f) for f in failures), failures


def test_same_user_confirming_in_two_tabs_makes_one_batch(engine, db, two_drafts):
    actor = two_drafts[0]
    results, errors = confirm_at_once(engine, [actor, actor])
    assert len(results) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], DomainError), errors
    assert db.exec(select(func.count()).select_from(Batch)).one() == 1
