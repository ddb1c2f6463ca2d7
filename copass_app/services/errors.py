"""The one error type services raise: a Portuguese message a user can act on, and the TISS code."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} (código TISS {self.code})" if self.code else self.message


class NotFound(DomainError):
    """Also raised for another provider's data, so its existence is never revealed."""


class PermissionDenied(DomainError):
    pass
