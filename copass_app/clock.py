"""The one clock every rule asks for "today" and "now".

"Today" is the Brasília date, whatever the machine's time zone; "now" is an aware UTC
datetime, as the database stores it. Tests freeze it with `frozen(...)`; nothing else in the
app calls `date.today()` or `datetime.now()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")

_frozen_at: datetime | None = None


def now() -> datetime:
    """Aware UTC, to the second (what the database keeps)."""
    if _frozen_at is not None:
        return _frozen_at
    return datetime.now(UTC).replace(microsecond=0)


def today() -> date:
    """The date in Brasília: between 21:00 and 24:00 there, UTC is already tomorrow."""
    return brasilia_date(now())


def local_now() -> datetime:
    """Now in Brasília time, for what people read (PDF headers, TISS message times)."""
    return now().astimezone(BRASILIA)


def brasilia_date(moment: datetime) -> date:
    """The Brasília date of a stored moment; a naive moment is taken as UTC (SQLite returns naive)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BRASILIA).date()


def brasilia_midnight(day: date) -> datetime:
    """The moment a Brasília day starts, for "received on or after" filters."""
    return datetime.combine(day, time(), tzinfo=BRASILIA)


def as_utc(moment: datetime) -> datetime:
    """A moment as aware UTC; naive values are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """Stop the clock at `moment` (aware; a naive one is read as Brasília time) for a test or a demo seed."""
    global _frozen_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BRASILIA)
    previous, _frozen_at = _frozen_at, moment.astimezone(UTC).replace(microsecond=0)
    try:
        yield _frozen_at
    finally:
        _frozen_at = previous
