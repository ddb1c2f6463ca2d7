"""The event guard (state/guard.py) lets through what the page really sends and refuses what no page
sends. The browser tests run the real frontend through it (nothing legitimate is refused there); these
pin the shapes one by one, with the app's own handlers."""

from __future__ import annotations

import io

import pytest
from reflex_base.utils.form import FORM_DATA_ENTRIES_KEY
from starlette.datastructures import Headers
from starlette.datastructures import UploadFile as StarletteUploadFile

from copass_app.copass_app import app  # noqa: F401  (registers every handler)
from copass_app.state.batches import BatchesState
from copass_app.state.billing import BillingState, DraftSelectionState
from copass_app.state.guard import event_fits
from copass_app.state.guides import GuidesState
from copass_app.state.login import LoginState
from copass_app.state.uploads import UploadState
from tests.security.websocket import full_name


def _upload_file():
    from reflex_components_core.core._upload import _upload_file_from_starlette

    spooled = StarletteUploadFile(io.BytesIO(b"<x/>"), filename="lote.xml", size=4,
                                  headers=Headers({"content-type": "text/xml"}))
    return _upload_file_from_starlette(spooled)


SENT_BY_THE_PAGE = [
    (LoginState, "submit", {"form": {"login": "clinica", "password": "demo1234"}}),
    (LoginState, "submit", {"form": {FORM_DATA_ENTRIES_KEY: [["login", "clinica"], ["password", "x"]]}}),
    (GuidesState, "open_guide", {"guide_id": 12}),  # a row's id is a number; the handler reads text
    (GuidesState, "open_guide", {"guide_id": "12"}),
    (GuidesState, "go_to_page", {"page": 2}),
    (GuidesState, "go_to_page", {"page": "2"}),  # Reflex turns digits into the int
    (GuidesState, "sort_by", {"column": "beneficiary"}),
    (GuidesState, "set_detail_open", {"value": False}),
    (GuidesState, "on_load", {}),
    (DraftSelectionState, "toggle_guide", {"guide_id": 3, "included": True}),
    (BillingState, "set_period_mode", {"mode": "competence"}),
    (BillingState, "set_period_mode", {"mode": ["competence"]}),
    (BillingState, "set_period_mode", {"mode": []}),  # an emptied segmented control: the handler ignores it
    (UploadState, "on_progress", {"progress": {"progress": 0.5, "loaded": 10, "total": 20}}),
    (UploadState, "handle_upload", {"files": []}),
    (GuidesState, "setvar", {"var_name": "detail_open", "value": True}),  # its own set_detail_open
    (BatchesState, "setvar", {"var_name": "summary_open", "value": False}),
]

NO_PAGE_SENDS = [
    (LoginState, "submit", {"form": "login=clinica"}),
    (LoginState, "submit", {"form": None}),
    (LoginState, "submit", {"form": ["clinica", "demo1234"]}),
    (LoginState, "submit", {}),  # a missing argument
    (LoginState, "submit", {"form": {}, "next": "/staff"}),  # an argument the handler does not take
    (GuidesState, "sort_by", {"column": []}),
    (GuidesState, "sort_by", {"column": None}),
    (GuidesState, "open_guide", {"guide_id": [1]}),
    (GuidesState, "open_guide", {"guide_id": {"id": 1}}),
    (GuidesState, "open_guide", {"guide_id": True}),
    (GuidesState, "go_to_page", {"page": "²"}),
    (GuidesState, "go_to_page", {"page": 2.5}),
    (GuidesState, "go_to_page", {"page": None}),
    (GuidesState, "set_detail_open", {"value": "false"}),
    (DraftSelectionState, "toggle_guide", {"guide_id": 3, "included": "sim"}),
    (BillingState, "set_period_mode", {"mode": [1]}),
    (UploadState, "on_progress", {"progress": 0.5}),
    (UploadState, "handle_upload", {"files": ["lote.xml"]}),
    (UploadState, "handle_upload", {"files": "lote.xml"}),
    (GuidesState, "setvar", {"var_name": "rows", "value": []}),  # no set_rows: Reflex would raise
    (GuidesState, "setvar", {"var_name": "detail_open", "value": "sim"}),  # its setter takes a bool
    (GuidesState, "setvar", {"var_name": "__class__", "value": 1}),
    (GuidesState, "setvar", {"var_name": ["detail_open"], "value": True}),
    (GuidesState, "setvar", {"var_name": "detail_open"}),
    (BillingState, "setvar", {"var_name": "dialog_table", "value": "19"}),  # async setter: never awaited
    (GuidesState, "open_guide", "12"),  # a payload that is no object
]


@pytest.mark.parametrize("state_cls, handler, payload", SENT_BY_THE_PAGE,
                         ids=[f"{s.__name__}.{h}{p}" for s, h, p in SENT_BY_THE_PAGE])
def test_what_the_page_sends_goes_through(state_cls, handler, payload):
    assert event_fits(full_name(state_cls, handler), payload)


def test_an_upload_as_the_upload_route_builds_it_goes_through():
    assert event_fits(full_name(UploadState, "handle_upload"), {"files": [_upload_file()]})


@pytest.mark.parametrize("state_cls, handler, payload", NO_PAGE_SENDS,
                         ids=[f"{s.__name__}.{h}{p}" for s, h, p in NO_PAGE_SENDS])
def test_what_no_page_sends_is_refused(state_cls, handler, payload):
    assert not event_fits(full_name(state_cls, handler), payload)


def test_events_of_reflex_own_states_and_unknown_names_are_left_to_reflex():
    import reflex as rx

    assert event_fits(f"{rx.State.get_full_name()}.hydrate", {})
    assert event_fits("state.no_such_state.no_such_handler", {"x": 1})
