"""Server-side paging shared by the list pages (the state holds one page, `_reload` fetches it),
and the "no filter" value of their selects."""

from __future__ import annotations

import reflex as rx

from copass_app.state.auth import call_service, cheap_event, page_number

ALL = "todas"  # a select's "no filter" value (Radix refuses an empty value)


def select_value(value: object) -> object:
    """A select's value as its event sends it: the value itself, or a one-item list of it."""
    if isinstance(value, list):
        return value[0] if value else ""
    return value or ""


def filter_value(value: object) -> str:
    """A select's value as a filter: the "no filter" option means none."""
    text = str(select_value(value)).strip()
    return "" if text == ALL else text


def set_paging(state: rx.State, paging: tuple[int, int, int]) -> None:
    """(total, page, page_count) and `loaded`, each assigned only when it changed: an assignment is sent
    to the browser and re-renders everything that reads it (the counter, the skeleton's condition)."""
    for name, value in zip(("total", "page", "page_count"), paging, strict=True):
        if getattr(state, name) != value:
            setattr(state, name, value)
    if not state.loaded:
        state.loaded = True


class PagedState(rx.State, mixin=True):
    total: int = 0
    page: int = 1
    page_count: int = 1
    loaded: bool = False  # False until the first page arrives: the page shows a skeleton meanwhile

    async def _reload(self):
        raise NotImplementedError

    async def _show_page(self, fetch, to_row, **call_options):
        """One page of a list: `fetch(db, actor)` returns a services Page, each row becomes `to_row(row)`;
        the page's rows and counters are set, or the refusal/redirect is returned."""
        def action(db, actor):
            found = fetch(db, actor)
            return [to_row(row) for row in found.rows], (found.total, found.page, found.page_count)

        found, event = await call_service(self, action, **call_options)
        if found is None:
            return event
        self.rows, paging = found
        set_paging(self, paging)
        return None

    @rx.event
    async def go_to_page(self, page: int):
        self.page = page_number(page, self.page_count)
        with cheap_event():  # another page of what the tab already shows: the recent session check will do
            return await self._reload()
