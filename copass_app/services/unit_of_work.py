"""The one owner of a transaction: a page event, a CLI command or an API request runs its user
action in `perform`, and the services it calls only add and flush.

So "apply a glosa, update the batch totals, write the audit" composes into one atomic action,
and nothing a service wrote survives when a later step of the same action fails.

A refusal that must still leave a trace (a refused XML lot keeps its upload record; a wrong
password counts as a failed attempt) raises `TracedRefusal`: the action's writes are rolled
back, then the trace is written in its own, explicit unit of work and its result returned (or
its DomainError raised) to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from copass_app.db import get_engine
from copass_app.services.errors import DomainError

T = TypeVar("T")
logger = logging.getLogger(__name__)


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """Commit when the block ends, roll back on any error. The only commit of the app's code."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class TracedRefusal(Exception):
    """Raised by a service to refuse an action while keeping a record of the attempt.

    `write_trace(db)` runs after the action's own writes were rolled back, in a new unit of
    work. What it returns is what `perform` returns; if it raises a DomainError (the refusal the
    user reads), the trace is committed first and the error raised.
    """

    def __init__(self, write_trace: Callable[[Session], Any]) -> None:
        super().__init__("refusal with a trace")
        self.write_trace = write_trace


BUSY = "Não foi possível concluir agora: o sistema está ocupado. Tente novamente em instantes."


def perform(action: Callable[[Session], T], *, engine: Engine | None = None, retries: int = 0) -> T:
    """Run one user action in one transaction.

    `retries`: a write that lost a race on a unique key (IntegrityError) rolls everything back
    and runs the whole action again, up to that many times; the action can tell with
    `is_retry(db)`. A lock timeout or a database that refuses connections becomes a Portuguese
    "try again" message with nothing written. See the module's note on refusals that leave a trace.
    """
    for attempt in range(retries + 1):
        try:
            with unit_of_work(engine) as db:
                db.info["attempt"] = attempt
                return action(db)
        except IntegrityError:
            if attempt == retries:
                if retries:
                    raise DomainError(BUSY) from None
                raise
        except OperationalError as error:
            logger.warning("database unavailable or busy: %s", error)
            raise DomainError(BUSY) from error
        except TracedRefusal as refusal:
            return _write_trace(refusal, engine)
    raise AssertionError("unreachable")  # pragma: no cover


def is_retry(db: Session) -> bool:
    """True when `perform` runs the action again after a lost race."""
    return db.info.get("attempt", 0) > 0


def _write_trace(refusal: TracedRefusal, engine: Engine | None) -> Any:
    error: DomainError | None = None
    with unit_of_work(engine) as db:
        try:
            result = refusal.write_trace(db)
        except DomainError as raised:  # committed all the same: the trace is kept, the refusal still shown
            error = raised
    if error is not None:
        raise error from None
    return result
