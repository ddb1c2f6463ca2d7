import pytest

from copass_app.models import ApiToken, Role
from copass_app.services import api_tokens
from copass_app.services.errors import DomainError, NotFound, PermissionDenied


def test_token_is_shown_once_and_only_its_hash_is_stored(db, factory):
    actor = factory.actor(factory.provider())
    created = api_tokens.create_token(db, actor, "Sistema de faturamento")
    db.commit()
    row = db.get(ApiToken, created.id)
    assert created.token.startswith("cpt_") and len(created.token) > 40
    assert created.token not in row.token_hash and len(row.token_hash) == 64
    acting = api_tokens.actor_for_api_token(db, created.token)
    assert acting.provider_id == actor.provider_id
    assert api_tokens.list_tokens(db, actor)[0].last_used_at is not None


def test_revoked_token_no_longer_authenticates(db, factory):
    actor = factory.actor(factory.provider())
    created = api_tokens.create_token(db, actor, "ERP")
    api_tokens.revoke_token(db, actor, created.id)
    db.commit()
    assert api_tokens.actor_for_api_token(db, created.token) is None
    with pytest.raises(DomainError, match="já foi revogado"):
        api_tokens.revoke_token(db, actor, created.id)


def test_unknown_or_malformed_token_is_refused(db):
    assert api_tokens.actor_for_api_token(db, "") is None
    assert api_tokens.actor_for_api_token(db, "cpt_inexistente") is None
    assert api_tokens.actor_for_api_token(db, "Bearer qualquer") is None


def test_provider_cannot_list_or_revoke_another_providers_tokens(db, factory):
    owner = factory.actor(factory.provider())
    intruder = factory.actor(factory.provider())
    created = api_tokens.create_token(db, owner, "ERP")
    assert api_tokens.list_tokens(db, intruder) == []
    with pytest.raises(NotFound):
        api_tokens.revoke_token(db, intruder, created.id)


def test_token_name_is_required_and_staff_cannot_create_tokens(db, factory):
    actor = factory.actor(factory.provider())
    with pytest.raises(DomainError, match="nome"):
        api_tokens.create_token(db, actor, "  ")
    with pytest.raises(PermissionDenied):
        api_tokens.create_token(db, factory.actor(role=Role.STAFF), "ERP")


def test_active_tokens_are_limited(db, factory):
    actor = factory.actor(factory.provider())
    for index in range(api_tokens.MAX_ACTIVE_TOKENS):
        api_tokens.create_token(db, actor, f"Sistema {index}")
    with pytest.raises(DomainError, match="Limite"):
        api_tokens.create_token(db, actor, "Mais um")
