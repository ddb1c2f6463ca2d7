"""Exact decimal columns.

SQLite has no exact decimal type (NUMERIC is stored as a float), so values are kept as
scaled integers: money in cents, quantities in ten-thousandths. SUM() over them stays exact
on SQLite and PostgreSQL alike, and the Python side always sees Decimal.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")


class ScaledDecimal(TypeDecorator):
    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self._quantum = Decimal(1).scaleb(-places)
        self._factor = 10**places

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        exact = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        return int(exact * self._factor)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / self._factor).quantize(self._quantum)


class Money(ScaledDecimal):
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(2)


class Quantity(ScaledDecimal):
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(4)


def to_money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
