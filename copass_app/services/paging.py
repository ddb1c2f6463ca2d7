"""One page of a list, paged in SQL: the one page size setting and the one page-count rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def clamp(page: object, page_size: object, total: int) -> tuple[int, int, int]:
    """(page, page_size, offset) within bounds, whatever the browser sent."""
    size = _positive_int(page_size, PAGE_SIZE)
    size = min(size, MAX_PAGE_SIZE)
    number = min(_positive_int(page, 1), page_count(total, size))
    return number, size, (number - 1) * size


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    page_size: int = PAGE_SIZE
    counts: dict[str, int] = field(default_factory=dict)  # per status, when the list shows them

    @property
    def page_count(self) -> int:
        return page_count(self.total, self.page_size)


def _positive_int(value: object, default: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return default
    return number if 0 < number < 10**9 else default
