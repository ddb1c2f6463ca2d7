"""Who is acting, and the checks every service starts with."""

from __future__ import annotations

from dataclasses import dataclass

from copass_app.models import Role
from copass_app.services.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    user_id: int
    login: str
    name: str
    role: Role
    provider_id: int | None = None
    provider_name: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)


def require_provider(actor: Actor) -> int:
    """The provider the actor bills for; staff act on providers only through staff services."""
    if actor.role != Role.PROVIDER or actor.provider_id is None:
        raise PermissionDenied("Esta função é exclusiva de usuários de prestador.")
    return actor.provider_id


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise PermissionDenied("Acesso restrito à equipe da operadora.")
