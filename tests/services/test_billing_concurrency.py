"""Two real, concurrent confirmations over the same guides: exactly one batch, the other told 1702.

Each confirmation runs as the page runs it: in its own thread, through `perform(...)` with its
own unit of work on the shared engine (a SQLite file in WAL mode, or PostgreSQL), so the only
thing between them is the database itself. Where a test needs an exact interleaving it waits at
a SQL statement (SQLAlchemy's public `before_cursor_execute` event), not inside our code.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import select

from copass_app import clock
from copass_app.models import Batch, BatchGuide, BilledItem, GuideItem
from copass_app.services import billing
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform

TODAY = clock.today()
TIMEOUT = 30
INSERT_BATCH = r"^\s*INSERT INTO batch\s*\("
SELECT_LOT_NUMBER = r"^\s*SELECT batch\.lot_number\b"


@contextmanager
def on_statement(engine: Engine, pattern: str, action: Callable[[], None], *, times: int = 1,
                 only: Callable[[], bool] = lambda: True) -> Iterator[list[str]]:
    """Run `action()` just before each of the first `times` SQL statements matching `pattern`
    (for which `only()` holds) on any connection of `engine`; yields the statements it stopped at."""
    regex, lock, stopped = re.compile(pattern, re.IGNORECASE), threading.Lock(), []

    def before(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not regex.search(statement) or not only():
            return
        with lock:
            if len(stopped) >= times:
                return
            stopped.append(statement)
        action()

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield stopped
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def database_errors(engine: Engine) -> Iterator[list[Exception]]:
    """Every error the database raised meanwhile (SQLAlchemy's public `handle_error` event)."""
    errors: list[Exception] = []

    def record(context):
        errors.append(context.original_exception)

    event.listen(engine, "handle_error", record)
    try:
        yield errors
    finally:
        event.remove(engine, "handle_error", record)


def confirm(engine, actor):
    return perform(lambda db: billing.confirm_draft(db, actor), engine=engine, retries=billing.CONFIRM_RETRIES)


@pytest.fixture
def two_drafts(factory, db):
    """Two users of the same provider, each with a draft holding the same 30 guides."""
    provider = factory.provider(name="Clínica Concorrida")
    users = [factory.actor(provider), factory.actor(provider)]
    factory.bulk_guides(provider, 30, items_per_guide=3, performed_on=TODAY - timedelta(days=3))
    for actor in users:
        billing.open_draft(db, actor, start=TODAY - timedelta(days=30), end=TODAY)
    db.commit()
    return users


def confirm_at_once(engine, actors, *, start_together=True):
    """Confirm for each actor in its own thread and unit of work; returns (results, errors)."""
    barrier = threading.Barrier(len(actors), timeout=TIMEOUT)
    results, errors = [], []

    def run(actor):
        try:
            if start_together:
                barrier.wait()
            results.append(confirm(engine, actor))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(actor,)) for actor in actors]
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
    [winner] = results[0]
    assert winner.protocol_number in errors[0].message
    assert db.exec(select(func.count()).select_from(Batch)).one() == 1
    assert db.exec(select(func.count()).select_from(BatchGuide)).one() == 30
    items = db.exec(select(func.count()).select_from(GuideItem)).one()
    assert db.exec(select(func.count()).select_from(BilledItem)).one() == items == 90


def test_two_users_confirming_the_same_guides_at_once_make_one_batch(engine, db, two_drafts):
    results, errors = confirm_at_once(engine, two_drafts)
    assert_one_batch_and_one_1702(db, results, errors)


def test_overlapping_confirmations_are_stopped_by_the_database(engine, db, two_drafts):
    """Both confirmations read their drafts before either writes: the application's checks see
    nothing wrong, and only the database can refuse the second (then the retry tells it 1702)."""
    both_read = threading.Barrier(2, timeout=TIMEOUT)
    with on_statement(engine, INSERT_BATCH, both_read.wait, times=2) as stopped:
        results, errors = confirm_at_once(engine, two_drafts)
    assert len(stopped) == 2
    assert_one_batch_and_one_1702(db, results, errors)


def test_the_billed_item_key_alone_stops_a_double_billing(engine, db, two_drafts):
    """The first user reads the guides, then the second confirms completely; the first goes on
    and takes the next lot number, so nothing but the BilledItem primary key collides."""
    first, second = two_drafts
    first_read, second_done = threading.Event(), threading.Event()
    outcome = {}

    def hold_first():
        first_read.set()
        assert second_done.wait(TIMEOUT)

    def run_first():
        try:
            outcome["first"] = confirm(engine, first)
        except Exception as error:
            outcome["first"] = error

    with database_errors(engine) as refused:
        with on_statement(engine, SELECT_LOT_NUMBER, hold_first,
                          only=lambda: threading.current_thread().name == "first"):
            thread = threading.Thread(target=run_first, name="first")
            thread.start()
            assert first_read.wait(TIMEOUT)
            [winner] = confirm(engine, second)
            second_done.set()
            thread.join(TIMEOUT)
    assert not thread.is_alive()
    error = outcome["first"]
    assert isinstance(error, DomainError) and error.code == "1702", error
    assert winner.protocol_number in error.message
    assert any("billed_item" in str(e) for e in refused), refused
    assert not any("lot_number" in str(e) for e in refused), refused
    assert db.exec(select(Batch.lot_number)).all() == [winner.lot_number]
    assert db.exec(select(func.count()).select_from(BilledItem)).one() == 90


def test_same_user_confirming_in_two_tabs_makes_one_batch(engine, db, two_drafts):
    actor = two_drafts[0]
    both_read = threading.Barrier(2, timeout=TIMEOUT)
    with on_statement(engine, INSERT_BATCH, both_read.wait, times=2):
        results, errors = confirm_at_once(engine, [actor, actor])
    assert len(results) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], DomainError), errors
    # The retry finds the draft gone: the other tab confirmed it.
    assert errors[0].code == "1702" and "Estas guias já foram faturadas em outro lote" in errors[0].message
    assert db.exec(select(func.count()).select_from(Batch)).one() == 1
