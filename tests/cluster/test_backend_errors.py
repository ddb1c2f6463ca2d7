"""An event that fails outside the pages' own refusals is told in Portuguese (copass_app/backend_errors.py):
Redis (the tabs' state) unavailable says the portal is reconnecting; anything else, an unexpected error."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError

from copass_app.backend_errors import RECONNECTING, UNEXPECTED, backend_error_toast
from copass_app.copass_app import app


def _text(spec) -> str:
    """The toast call's arguments as Reflex holds them (the message is one of them, as written)."""
    return str(spec.args)


def test_redis_unavailable_says_the_portal_is_reconnecting():
    assert RECONNECTING in _text(backend_error_toast(RedisConnectionError("Connection refused")))


def test_a_redis_error_wrapped_by_reflex_is_still_a_reconnection():
    try:
        try:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6390")
        except RedisConnectionError as cause:
            raise RuntimeError("could not get state") from cause
    except RuntimeError as error:
        assert RECONNECTING in _text(backend_error_toast(error))


def test_anything_else_is_an_unexpected_error_in_portuguese():
    text = _text(backend_error_toast(ZeroDivisionError("division by zero")))
    assert UNEXPECTED in text and "An error occurred" not in text


def test_the_app_uses_it():
    assert app.backend_exception_handler is backend_error_toast
