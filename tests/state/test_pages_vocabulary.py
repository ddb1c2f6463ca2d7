"""Filters, badges and labels come from the vocabulary: every batch status is offered and coloured on both
batch pages, and the origin of a batch is shown one way."""

from __future__ import annotations

import json

import pytest

from copass_app.pages.batches import batches_page
from copass_app.pages.staff import received_batches_page
from copass_app.vocabulary import BATCH_ORIGIN, BATCH_STATUS

PAGES = pytest.mark.parametrize("page", [batches_page, received_batches_page],
                                ids=["acompanhamento", "lotes-recebidos"])


def _js(text: str) -> str:
    return json.dumps(text).replace("\\", "\\\\")  # as the compiled page spells it, inside a repr


def _has_badge(rendered: str, term) -> bool:
    """The term's colour as a Radix badge (components.ui.status_badge) or as a light row's badge
    (components.tables.light_badge: the colour picked by the value in the page)."""
    radix = f"(['{_js(term.value)}'], {{'name': 'RadixThemesBadge', 'props': ['color:{_js(term.color)}'"
    light = f"case JSON.stringify({_js(term.value)}):  return ({_js(term.color)});"
    return radix in rendered or light in rendered


@PAGES
def test_every_batch_status_is_a_filter_option_and_has_its_badge_colour(page):
    rendered = str(page().render())
    for term in BATCH_STATUS:
        option = f"'props': ['value:{_js(term.value)}'], 'children': [{{'contents': '{_js(term.short_label)}'}}]"
        assert option in rendered, f"filter option of {term.label}"
        assert _has_badge(rendered, term), f"badge of {term.label}"


@PAGES
def test_the_origin_of_a_batch_is_its_vocabulary_badge(page):
    rendered = str(page().render())
    for term in BATCH_ORIGIN:
        assert _has_badge(rendered, term), term.label
