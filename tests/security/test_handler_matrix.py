"""Every event handler of every state, from the app's own registry, called through Reflex's event
processor (what the websocket does with a crafted event) as each principal, with provider A's real
ids and junk.

The rules, per principal that may NOT act (see WHO_MAY_ACT, the one table):
- no live session (logged out, deactivated user, expired session): the login redirect, or an answer
  that never reached the database (no SQL statement at all: it came from the tab's own vars);
- the wrong role (a provider on a staff page, staff on a provider page): the redirect to that user's
  home, or an answer that never reached the database;
- provider B naming A's records: exactly the answer B gets for an id no record has;
and always: nothing in the database changes (row counts and a checksum of every table), none of A's
data (patient, card, authorization password, protocol, file and token names) is in the answer, and
no exception escapes the handler.
A principal that may act must get an answer without an exception and without another provider's data.

A handler added tomorrow is called without editing this file: its state's page in the route
registry gives its audience; only a handler that must differ goes in WHO_MAY_ACT.
"""

from __future__ import annotations

import inspect
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import reflex as rx
from sqlalchemy import event

from copass_app import routes
from copass_app.copass_app import PAGES
from copass_app.routes import Audience
from copass_app.state.guard import INVALID_REQUEST
from tests.security.snapshot import changed_tables, database_snapshot, dump_rows, restore_rows
from tests.security.websocket import Outcome, Tab, registered_handlers
from tests.security.world import JUNK_IDS, MISSING_ID, World, build_world

PRINCIPALS = ("logged_out", "deactivated", "expired", "provider_a", "provider_b", "staff")
NO_SESSION = ("logged_out", "deactivated", "expired")

# Who may act, by audience: a provider acts on its own records only (B on A's ids is "not found").
PROVIDER, STAFF, ANY_SESSION, PUBLIC, TAB_ONLY = "provider", "staff", "any session", "public", "tab only"
MAY_ACT = {
    PROVIDER: {"provider_a", "provider_b"},
    STAFF: {"staff"},
    ANY_SESSION: {"provider_a", "provider_b", "staff"},
    PUBLIC: set(PRINCIPALS),
    TAB_ONLY: set(PRINCIPALS),  # only the tab's own vars: must never touch the database
}

# THE table: handler (State.handler) -> who may act. Everything else: the audience of its state's page.
WHO_MAY_ACT: dict[str, str] = {
    "AuthState.logout": PUBLIC,  # ends this tab's own session (a dead one too) and sends to the login
    "HomeState.on_load": ANY_SESSION,
    "LoginState.on_load": PUBLIC,
    "LoginState.submit": PUBLIC,
    # Open/close a dialog, pick a line, type in a field, the upload's progress bar: the tab's own vars.
    "GuidesState.set_detail_open": TAB_ONLY,
    "BatchesState.set_summary_open": TAB_ONLY,
    "BatchesState.ask_reverse": TAB_ONLY,  # only opens the dialog; `reverse` checks everything
    "BatchesState.set_reverse_open": TAB_ONLY,
    "UploadHistoryState.set_errors_open": TAB_ONLY,
    "UploadState.on_progress": TAB_ONLY,
    "BillingState.open_catalog": TAB_ONLY,
    "BillingState.set_dialog_open": TAB_ONLY,
    "BillingState.pick": TAB_ONLY,
    "BillingState.set_quantity": TAB_ONLY,
    "BillingState.set_unit_value": TAB_ONLY,
    "DraftSelectionState.settle_date": TAB_ONLY,  # puts the tab's own stored date back in its field
    "AttendancesState.new_attendance": TAB_ONLY,
    "AttendancesState.set_guide_type": TAB_ONLY,
    "AttendancesState.cancel_edit": TAB_ONLY,
    "AttendancesState.pick": TAB_ONLY,
    "AttendancesState.set_quantity": TAB_ONLY,
    "AttendancesState.set_unit_value": TAB_ONLY,
    "ClosingState.toggle_row": TAB_ONLY,
}
SETVAR = "setvar"  # Reflex's, on every state: sets a var through its own `set_<var>` only (tab-only)

# Arguments a crafted event carries, per parameter name. Ids: A's real records (and one that does not
# exist, and junk). A new `..._id` parameter gets every kind of A's record without an entry here.
ID_KINDS = {
    "guide_id": ("guide", "draft_guide"),
    "batch_id": ("batch", "xml_batch"),
    "upload_id": ("upload", "refused_upload"),
    "token_id": ("token",),
    "extra_item_id": ("extra_item",),
    "record": ("upload", "refused_upload", "batch"),
    "attendance_id": ("typed_attendance", "guide"),
}
ALL_KINDS = ("guide", "draft_guide", "extra_item", "batch", "xml_batch", "upload", "refused_upload", "token")
PLAIN_FORM = {"date_from": "", "date_to": "", "beneficiary": "", "guide_number": "", "status": "todas",
              "competence": "", "protocol": "", "origin": "todas", "name": "ERP de teste", "login": "ninguem",
              "password": "senha-errada-123"}
# Typed text that once crashed or stored nonsense (issue 8): year 9999, year 0001, odd digits.
JUNK_FORMS = [
    {"date_to": "9999-12-31"}, {"date_from": "31/12/9999", "date_to": "01/01/0001"}, {"competence": "0001-12"},
    {"start": "0001-01-01", "end": "0001-12-31"}, {"competence": "12/0001"}, {"date_from": "²"},
    {"name": "x" * 10_000}, {"beneficiary": "%_\\'\""}, {"login": None, "password": ["a"]},
]
VALUES = {
    "kind": ["protocol", "original", "receipt", "error_report", "fees", "materials"],
    "form": [PLAIN_FORM],
    "page": [1, 2],
    "value": [True, False],
    "included": [True],
    "group": ["autorizada", "negada"],
    "status": ["RECEBIDO", "todas", ["RECEBIDO"]],
    "column": ["requested_on", "beneficiary"],
    "table": ["18", ["19"]],
    "term": ["Taxa", "Seringa"],
    "key": ["Enter", "ArrowDown"],
    "index": [0],
    "label": ["Guia"],
    "file_name": ["lote.xml"],
    "progress": [{"progress": 0.5}],
    "user": [{"name": "Intruso", "login": "intruso", "provider_name": "Operadora", "is_staff": True}],
    # Digitação de atendimentos: a field of the form, a procedure line's field, a guide type.
    "name": ["professional.cbos", "performed_on"],
    "field": ["quantity", "unit_value"],
    "guide_type": ["CONSULTA", "SP_SADT"],
}
JUNK = ["²", "1" * 23, None, [], {}, "<script>alert(1)</script>", 3.5]


def _state_name(state_cls: type) -> str:
    return state_cls.__name__


def _page_audience() -> dict[type, Audience]:
    """Each page's state (the one of its on_load) -> the audience the route registry gives that page."""
    audiences = {}
    for path, (_component, on_load) in PAGES.items():
        route = routes.by_path(path)
        audiences[on_load.state] = route.audience
    return audiences


def expected_rule(state_cls: type, handler: str) -> str:
    qualified = f"{_state_name(state_cls)}.{handler}"
    if qualified in WHO_MAY_ACT:
        return WHO_MAY_ACT[qualified]
    if handler == SETVAR:
        return TAB_ONLY
    audiences, page_state = _page_audience(), state_cls
    while page_state is not None and page_state not in audiences:  # a page state's substate: that page's
        page_state = page_state.get_parent_state()
    audience = audiences.get(page_state)
    if audience is None:
        pytest.fail(f"{qualified}: its state has no page in the route registry; give it a line in WHO_MAY_ACT")
    return {Audience.PROVIDER: PROVIDER, Audience.STAFF: STAFF, Audience.PUBLIC: PUBLIC,
            Audience.SIGNED_IN: ANY_SESSION}[audience]


def app_handlers() -> list[tuple[str, type, str]]:
    """(full event name, state class, handler name) of every handler of the app's states, from the registry.

    Only the handlers of Reflex's own internal states (hydrate, on_load_internal, ...) are left out, by
    module. Reflex's `setvar`, which every state of the app gets, is in: a crafted event can call it."""
    found = []
    for name, registered in registered_handlers().items():
        state_cls = registered.states[0]
        if state_cls.__module__.startswith("copass_app."):
            found.append((name, state_cls, name.rpartition(".")[2]))
    return sorted(found, key=lambda entry: (entry[1].__name__, entry[2]))


def _cross_check_registry_with_state_tree() -> None:
    """The registry and the class tree agree: every handler of every substate is in the registry."""
    names = {name for name, *_ in app_handlers()}

    def walk(state_cls) -> Iterator[type]:
        for sub in state_cls.get_substates():
            yield sub
            yield from walk(sub)

    for state_cls in walk(rx.State):
        if not state_cls.__module__.startswith("copass_app."):
            continue
        assert state_cls in {s for _, s, _ in app_handlers()}, state_cls
        for handler in state_cls.event_handlers:
            assert f"{state_cls.get_full_name()}.{handler}" in names, (state_cls, handler)


HANDLERS = app_handlers()


def _parameters(fn) -> list[str]:
    return [p for p in inspect.signature(fn).parameters if p != "self"]


def _id_kinds(parameter: str) -> tuple[str, ...] | None:
    if parameter in ID_KINDS:
        return ID_KINDS[parameter]
    return ALL_KINDS if parameter.endswith("_id") or parameter == "id" else None


def payloads(fn, world: World, state_cls: type) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what it names, payload): A's ids, then a missing id in the same place, then junk in each place."""
    params = _parameters(fn)
    if params == ["var_name", "value"]:  # Reflex's setvar: every var of the state, set to A's ids and junk
        for var_name in [*state_cls.base_vars, "setvar", "__class__"]:
            for value in [world.a.guide, "²"]:
                yield "own", {"var_name": var_name, "value": value}
        return
    id_params = [p for p in params if _id_kinds(p) is not None]
    plain = {p: VALUES.get(p, ["1"])[0] for p in params if p not in id_params}
    if not id_params:
        yield "own", dict(plain)
        for p in params:
            for value in VALUES.get(p, [])[1:]:
                yield "own", {**plain, p: value}
    for kinds in itertools.product(*(_id_kinds(p) for p in id_params)) if id_params else ():
        a_ids = {p: getattr(world.a, kind) for p, kind in zip(id_params, kinds, strict=True)}
        for extra in [{}] + [{p: v} for p in plain for v in VALUES.get(p, [])[1:]]:
            yield "a_ids", {**plain, **a_ids, **extra}
    if id_params:
        yield "missing", {**plain, **{p: str(MISSING_ID) for p in id_params}}
    for p in params:
        junk = list(JUNK) + (list(JUNK_IDS) if p in id_params else []) + (JUNK_FORMS if p == "form" else [])
        for value in junk:
            a_ids = {q: getattr(world.a, _id_kinds(q)[0]) for q in id_params}
            yield ("junk" if id_params else "own"), {**plain, **a_ids, p: value}


def well_typed(fn, payload: dict, state_cls: type) -> bool:
    """Whether every argument has its annotation's type (an id: any value, the browser sends text).

    A crafted event can send a list where the handler expects a dict; the app has no check of that
    yet (reported), so such calls are counted apart, in test_arguments_of_the_wrong_type_are_refused."""
    from reflex_base.utils.types import _isinstance, get_type_hints

    if fn.__name__ == SETVAR:  # Reflex refuses a var without a setter by raising AttributeError
        return hasattr(state_cls, f"set_{payload.get('var_name')}")
    hints = get_type_hints(fn)
    for parameter, value in payload.items():
        hint = hints.get(parameter, Any)
        if _id_kinds(parameter) is not None or hint is Any:
            continue
        if hint in (int, float) and isinstance(value, str) and value.strip().lstrip("-").isdecimal():
            continue  # Reflex turns digits into the number
        try:
            if not _isinstance(value, hint, nested=1):
                return False
        except Exception:  # a hint _isinstance cannot check: take the value as typed
            continue
    return True


@contextmanager
def counting_sql(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _page_of(state_cls: type) -> str:
    for path, (_component, on_load) in PAGES.items():
        if on_load.state is state_cls:
            return path
    return routes.HOME.path


def call(world: World, engine, principal: str, state_cls: type, name: str, payload: dict, *, compare: bool = True,
         known: list | None = None) -> tuple[Outcome, list[str], list[str]]:
    """(what the tab got, tables changed, SQL statements run) for one crafted event from a fresh tab.

    With `compare`, every table is compared before and after (else, or without any SQL, none).
    `known`: a one-item list holding the database's snapshot as last seen (None: not known), taken as
    `before` instead of a new one and kept up to date: a call that ran no SQL changed nothing."""
    before = None
    if compare:
        before = known[0] if known and known[0] is not None else database_snapshot(engine)
    with Tab(world.sessions[principal], _page_of(state_cls)) as tab, counting_sql(engine) as statements:
        outcome = tab.send(name, payload)
    after = database_snapshot(engine) if compare and statements else before
    changed = changed_tables(before, after) if compare and statements else []
    if known is not None:
        known[0] = after if compare else (known[0] if not statements else None)
    return outcome, changed, statements


def _leaks(world: World, outcome: Outcome) -> list[str]:
    text = outcome.text()
    return [secret for secret in world.secrets if secret in text]


class Tally:
    """handler × principal counts of calls, for the report."""

    rows: dict[tuple[str, str], int] = {}


@pytest.fixture(scope="module")
def built_world(engine) -> Iterator[tuple[World, dict]]:
    """Built once (eight logins with argon2 take seconds); each test starts from its rows again."""
    from sqlmodel import Session

    from tests.conftest import truncate_all
    from tests.factories import Factory

    truncate_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(Factory(session), session)
    yield world, dump_rows(engine)
    truncate_all(engine)


@pytest.fixture
def world(built_world, engine) -> World:
    world, rows = built_world
    restore_rows(engine, rows)
    return world


def test_every_handler_of_the_app_is_in_the_registry_walk():
    _cross_check_registry_with_state_tree()
    assert len(HANDLERS) >= 50  # the app's handlers, not an empty walk
    for _name, state_cls, handler in HANDLERS:
        expected_rule(state_cls, handler)  # each has a rule, from the route registry or the table


def check_handler(world: World, engine, name: str, state_cls: type, handler: str, rows: dict) -> dict[str, int]:
    """Every principal × every payload for one handler; returns calls per principal."""
    fn = registered_handlers()[name].handler.fn
    qualified = f"{state_cls.__name__}.{handler}"
    rule = expected_rule(state_cls, handler)
    allowed = MAY_ACT[rule]
    calls = dict.fromkeys(PRINCIPALS, 0)
    crashes: dict[str, str] = {}
    home_of = {"provider_a": routes.home_for(False), "provider_b": routes.home_for(False),
               "staff": routes.home_for(True)}
    cases = list(payloads(fn, world, state_cls))
    id_params = [p for p in _parameters(fn) if _id_kinds(p) is not None]
    not_found_answers: dict[str, str] = {}

    def not_found_answer(payload: dict) -> str:
        """What B gets for the same event naming ids no record has."""
        missing = {**payload, **{p: str(MISSING_ID) for p in id_params}}
        key = repr(sorted(missing.items(), key=str))
        if key not in not_found_answers:
            not_found_answers[key] = call(world, engine, "provider_b", state_cls, name, missing,
                                          known=known)[0].shape()
        return not_found_answers[key]

    baseline = None
    for principal in PRINCIPALS:
        # Each principal meets A's records as built: what A did with them (an estorno) is undone first.
        restore_rows(engine, rows)
        baseline = baseline or database_snapshot(engine)
        known = [baseline]
        for kind, payload in cases:
            may_act = principal in allowed and not (principal == "provider_b" and kind != "own" and rule == PROVIDER)
            outcome, changed, statements = call(world, engine, principal, state_cls, name, payload,
                                                compare=rule == TAB_ONLY or not may_act, known=known)
            calls[principal] += 1
            where = f"{qualified} as {principal} with {payload!r}"
            for error in outcome.errors:
                if well_typed(fn, payload, state_cls):  # wrong types: see test_arguments_of_the_wrong_type_are_refused
                    crashes.setdefault(f"{qualified}: {type(error).__name__}: {error}", where)
            if principal != "provider_a" and not (principal == "staff" and rule == STAFF):
                assert not _leaks(world, outcome), f"{where}: A's data {_leaks(world, outcome)} in {outcome.text()}"
            if rule == TAB_ONLY:
                assert not statements, f"{where}: declared tab-only but ran SQL {statements[:3]}"
                assert not changed, f"{where}: changed {changed}"
                continue
            if may_act:
                continue
            assert not changed, f"{where}: a refused call changed {changed}"
            if principal in NO_SESSION and principal not in allowed:
                assert not statements or any(r.startswith(routes.LOGIN.path) for r in outcome.redirects), (
                    f"{where}: reached the database without a session and did not send to the login: "
                    f"{outcome.text()}")
            elif principal not in allowed:
                assert not statements or home_of[principal] in outcome.redirects, (
                    f"{where}: the wrong role was not sent home: {outcome.text()}")
            elif kind == "a_ids":
                assert outcome.shape() == not_found_answer(payload), (
                    f"{where}: A's record answered differently from a record that does not exist:\n"
                    f"  A's id:  {outcome.text()}\n  missing: {not_found_answer(payload)}")
    assert not crashes, "exceptions escaped the handler:\n" + "\n".join(f"{k}  ({v})" for k, v in crashes.items())
    return calls


@pytest.mark.parametrize("name, state_cls, handler", HANDLERS, ids=[f"{s.__name__}.{h}" for _, s, h in HANDLERS])
def test_handler_refuses_whoever_may_not_act(built_world, engine, name, state_cls, handler):
    world, rows = built_world
    calls = check_handler(world, engine, name, state_cls, handler, rows)
    Tally.rows[(f"{state_cls.__name__}.{handler}", expected_rule(state_cls, handler))] = sum(calls.values())


def test_arguments_of_the_wrong_type_are_refused(world, engine):
    crashes = []
    for name, state_cls, handler in HANDLERS:
        fn = registered_handlers()[name].handler.fn
        for _kind, payload in payloads(fn, world, state_cls):
            if well_typed(fn, payload, state_cls):
                continue
            outcome, changed, statements = call(world, engine, "logged_out", state_cls, name, payload)
            where = f"{state_cls.__name__}.{handler}({payload!r})"
            crashes += [f"{where}: {error!r}" for error in outcome.errors]
            # Refused before the handler: one Portuguese toast, no state sent, no SQL, nothing changed.
            if not (refused_as_invalid(outcome) and not outcome.deltas and not statements and not changed):
                crashes.append(f"{where}: not refused as an invalid request: {outcome.text()[:300]}")
    assert not crashes, f"{len(crashes)} not refused, the first:\n" + "\n".join(crashes[:20])


def refused_as_invalid(outcome: Outcome) -> bool:
    """The tab got the guard's toast "Requisição inválida." (a _call_function whose code names the text
    as JavaScript escapes it) and nothing else."""
    escaped = json.dumps(INVALID_REQUEST)[1:-1]
    return [e.name for e in outcome.events] == ["_call_function"] and (
        escaped in str(outcome.events[0].payload.get("function", "")))
