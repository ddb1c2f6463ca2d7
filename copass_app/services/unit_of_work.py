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

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from copass_app.db import get_engine
from copass_app.services.errors import DomainError

T = TypeVar("T")


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


def perform(action: Callable[[Session], T], *, engine: Engine | None = None) -> T:
    """Run one user action in one transaction; see the module's note on refusals that leave a trace."""
    try:
        with unit_of_work(engine) as db:
            return action(db)
    except TracedRefusal as refusal:
        error: DomainError | None = None
        with unit_of_work(engine) as db:
            try:
                result = refusal.write_trace(db)
            except DomainError as raised:  # committed all the same: the trace is kept, the refusal still shown
                error = raised
        if error is not None:
            raise error from None
        return result
