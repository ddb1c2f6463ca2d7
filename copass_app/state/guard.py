"""The app's middleware that refuses a crafted event whose arguments a handler cannot take.

Any connected browser can send any event with any payload over the websocket (or an upload's
extra arguments): a list where a handler expects a form, nothing where it expects text, `setvar`
on a var without a setter. Unchecked, the handler raises and Reflex shows the exception's text.
Before a handler of the app's states runs, its payload is checked against the handler's
signature and annotations, as leniently as Reflex itself converts (digits for an int, a form's
entries for a dict) and as the page really sends (a number for an id annotated as text). A refusal
is one Portuguese toast and runs nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
import types as python_types
from typing import Any, Union, get_args, get_origin

import reflex as rx
from reflex.middleware.middleware import Middleware
from reflex.state import StateUpdate
from reflex_base.event import Event
from reflex_base.registry import RegistrationContext
from reflex_base.utils.form import transform_form_data
from reflex_base.utils.types import get_type_hints

INVALID_REQUEST = "Requisição inválida."
APP_PACKAGE = "copass_app."
SETVAR = "setvar"
SETTER_PREFIX = "set_"
_TOAST_MS = 8000

logger = logging.getLogger(__name__)


def _is_union(hint: Any) -> bool:
    return get_origin(hint) in (Union, python_types.UnionType)


def value_fits(value: Any, hint: Any, *, nested: bool = False) -> bool:
    """Whether `value`, as it came from the browser, is what a parameter annotated `hint` can take
    (`nested`: an item of a list or dict argument)."""
    if hint is Any or hint is inspect.Parameter.empty:
        return True
    if _is_union(hint):
        return any(value_fits(value, arm, nested=nested) for arm in get_args(hint))
    if hint is None or hint is type(None):
        return value is None
    value = transform_form_data(value, hint)  # a submitted form's entries become its dict, as Reflex does
    origin = get_origin(hint)
    if origin is list:
        (item_hint,) = get_args(hint) or (Any,)
        return isinstance(value, list) and all(value_fits(item, item_hint, nested=True) for item in value)
    if origin is dict:
        key_hint, item_hint = get_args(hint) or (Any, Any)
        return isinstance(value, dict) and all(
            value_fits(k, key_hint, nested=True) and value_fits(v, item_hint, nested=True) for k, v in value.items())
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:  # Reflex turns text into the int (int()); a float or a bool is no int
        return _converts(value, int) if isinstance(value, str) else type(value) is int
    if hint is float:
        return _converts(value, float) if isinstance(value, str) else type(value) in (int, float)
    if hint is str:  # an id from a table row arrives as a number; the handler reads it as text
        return isinstance(value, str) or (type(value) is int and not nested)
    if dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _converts(value, lambda fields: hint(**fields))
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # an annotation this guard does not know: Reflex and the handler decide


def _converts(value: Any, convert) -> bool:
    try:
        convert(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


@functools.cache
def _signature(fn) -> tuple[dict[str, Any], list[inspect.Parameter], frozenset[str] | None]:
    """A handler's annotations, parameters after self, and the names it takes (None: any, **kwargs):
    worked out once per handler, not on every event."""
    try:
        hints = get_type_hints(fn)
    except Exception:  # unresolvable annotations: check the names only
        hints = {}
    parameters = list(inspect.signature(fn).parameters.values())[1:]  # after self
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return hints, parameters, None
    return hints, parameters, frozenset(p.name for p in parameters
                                        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def payload_fits(fn, payload: Any) -> bool:
    """Every argument the handler needs, none it does not know, each of its annotation's type."""
    if not isinstance(payload, dict):
        return False
    hints, parameters, names = _signature(fn)
    if names is not None and not set(payload) <= names:
        return False
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name not in payload:
            if parameter.default is parameter.empty:
                return False
            continue
        if not value_fits(payload[parameter.name], hints.get(parameter.name, Any)):
            return False
    return True


def setvar_fits(state_cls: type[rx.State], payload: Any) -> bool:
    """Reflex's `setvar` calls `set_<var_name>(value)`: only a var of this state with its own setter,
    and a value that setter takes."""
    if not isinstance(payload, dict) or set(payload) != {"var_name", "value"}:
        return False
    var_name = payload["var_name"]
    if not isinstance(var_name, str) or var_name not in state_cls.base_vars:
        return False
    setter = state_cls.event_handlers.get(SETTER_PREFIX + var_name)
    if setter is None or inspect.iscoroutinefunction(setter.fn):  # setvar never awaits an async setter
        return False
    parameters = list(inspect.signature(setter.fn).parameters)[1:]
    return len(parameters) == 1 and payload_fits(setter.fn, {parameters[0]: payload["value"]})


def event_fits(event_name: str, payload: Any) -> bool:
    """Whether an event for a handler of the app's states may run (events of Reflex's own states pass)."""
    registered = RegistrationContext.get().event_handlers.get(event_name)
    if registered is None:
        return True  # Reflex answers an unknown event itself
    state_cls = registered.states[0]
    if not state_cls.__module__.startswith(APP_PACKAGE):
        return True
    if event_name.rpartition(".")[2] == SETVAR:
        return setvar_fits(state_cls, payload)
    return payload_fits(registered.handler.fn, payload)


class EventArgumentGuard(Middleware):
    """Runs before every event (app.add_middleware): a misfit payload is answered with a toast, unrun."""

    async def preprocess(self, app, state, event: Event) -> StateUpdate | None:
        if event_fits(event.name, event.payload):
            return None
        logger.warning("refused event %s: its arguments do not fit the handler", event.name)
        return StateUpdate(events=Event.from_event_type(rx.toast.error(INVALID_REQUEST, duration=_TOAST_MS)))
