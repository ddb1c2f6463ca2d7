"""What a user reads when an event fails outside every handler's own refusals (Reflex's backend exception
handler): in Portuguese, instead of Reflex's English "An error occurred. Contact the website administrator.".

The usual case in a cluster is Redis (every tab's state) restarting: the event could not load its state,
nothing was done, and the portal comes back by itself once Redis answers again. The exception is
logged with its traceback, as Reflex's own handler does. (No `from __future__ import annotations`: Reflex
checks the handler's return annotation as a real type.)
"""

import logging

import reflex as rx
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from reflex.event import EventSpec

logger = logging.getLogger("copass_app.backend_errors")

RECONNECTING = "Reconectando ao servidor… Sua última ação não foi concluída: tente de novo em instantes."
UNEXPECTED = ("Ocorreu um erro inesperado e sua última ação não foi concluída. Tente de novo; se persistir, "
              "avise o suporte.")
TOAST_ID = "backend_error"  # one toast at a time, however many events failed


def backend_error_toast(exception: Exception) -> EventSpec:
    logger.error("evento falhou fora do tratamento da página", exc_info=exception)
    message = RECONNECTING if _is_state_store_outage(exception) else UNEXPECTED
    return rx.toast.error(message, id=TOAST_ID, duration=8000, position="top-center")


def _is_state_store_outage(exception: BaseException | None) -> bool:
    seen = 0
    while exception is not None and seen < 10:  # the redis error may be the cause of Reflex's own
        if isinstance(exception, RedisConnectionError | RedisTimeoutError | ConnectionRefusedError):
            return True
        exception, seen = exception.__cause__ or exception.__context__, seen + 1
    return False
