"""`copass token create|list|revoke` on the real database: the printed token works on the API, refusals
are in Portuguese, and every creation and revocation is audited as coming from the command line."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from copass_app.api import api_app
from copass_app.cli import main
from copass_app.models import ApiToken, AuditLog, Role
from copass_app.services import api_tokens
from copass_app.services.api_token_admin import SOURCE


@pytest.fixture
def clinic_user(factory, db):
    provider = factory.provider(name="Clínica São Lucas", code="321001")
    user = factory.user(provider, login="faturamento.lucas")
    db.commit()  # the CLI opens its own unit of work, as in production
    return provider, user


def _create(capsys, *args) -> tuple[int, str, str]:
    code = main(["token", "create", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_prints_a_token_that_the_api_accepts(db, clinic_user, capsys):
    provider, user = clinic_user
    code, out, err = _create(capsys, "faturamento.lucas", "--name", "ERP do hospital")
    assert code == 0
    token = out.strip()
    assert token.startswith(api_tokens.TOKEN_PREFIX) and "\n" not in token  # alone on stdout, for scripts
    assert "criado para o usuário 'faturamento.lucas' do prestador 321001" in err and "não será mostrado" in err
    row = db.exec(select(ApiToken)).one()
    assert (row.provider_id, row.created_by, row.name) == (provider.id, user.id, "ERP do hospital")
    assert TestClient(api_app()).get("/api/tiss/protocolos",
                                     headers={"Authorization": f"Bearer {token}"}).status_code == 200
    [audited] = db.exec(select(AuditLog).where(AuditLog.action == "api_token.create")).all()
    assert (audited.login, audited.source, audited.entity_id) == ("faturamento.lucas", SOURCE, str(row.id))


def test_create_without_a_name_gets_a_dated_one(db, clinic_user, capsys):
    assert _create(capsys, "faturamento.lucas")[0] == 0
    assert db.exec(select(ApiToken)).one().name.startswith("Criado pela operadora em ")


@pytest.mark.parametrize("who, expected", [
    ("ninguem", "Usuário 'ninguem' não encontrado."),
    ("equipe", "é da equipe da operadora"),
    ("antigo", "está desativado"),
])
def test_create_refuses_staff_unknown_and_deactivated_logins(db, factory, clinic_user, capsys, who, expected):
    factory.user(role=Role.STAFF, login="equipe")
    old = factory.user(clinic_user[0], login="antigo")
    old.active = False
    db.add(old)
    db.commit()
    code, out, err = _create(capsys, who)
    assert code == 1 and out == "" and expected in err and err.startswith("Erro: ")
    assert db.exec(select(ApiToken)).all() == []


def test_create_refuses_a_bad_name(db, clinic_user, capsys):
    code, _out, err = _create(capsys, "faturamento.lucas", "--name", "x")
    assert code == 1 and "nome de 3 a 60 caracteres" in err


def _revoked(db) -> list[int]:
    db.expire_all()
    return [row.id for row in db.exec(select(ApiToken).where(ApiToken.revoked_at.is_not(None)))]


def test_revoke_by_id_by_value_and_by_login_and_name(db, clinic_user, capsys):
    tokens = {}
    for name in ("ERP", "Laboratório", "Robô"):
        assert main(["token", "create", "faturamento.lucas", "--name", name]) == 0
        tokens[name] = capsys.readouterr().out.strip()
    ids = {row.name: row.id for row in db.exec(select(ApiToken))}

    assert main(["token", "revoke", str(ids["ERP"])]) == 0
    assert f"Token {ids['ERP']} ('ERP') revogado" in capsys.readouterr().out
    assert main(["token", "revoke", "--token", tokens["Laboratório"]]) == 0
    assert main(["token", "revoke", "--login", "faturamento.lucas", "--name", "Robô"]) == 0
    capsys.readouterr()
    assert sorted(_revoked(db)) == sorted(ids.values())
    client = TestClient(api_app())
    for token in tokens.values():
        assert client.get("/api/tiss/protocolos", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    audited = db.exec(select(AuditLog).where(AuditLog.action == "api_token.revoke").order_by(AuditLog.id)).all()
    assert [(a.entity_id, a.source) for a in audited] == [(str(ids[n]), SOURCE) for n in ("ERP", "Laboratório", "Robô")]

    # Already revoked, unknown, ambiguous ways: refused in Portuguese, nothing changes.
    assert main(["token", "revoke", str(ids["ERP"])]) == 1
    assert "já foi revogado" in capsys.readouterr().err
    for args, expected in [
        (["999999"], "Token 999999 não encontrado."),
        (["--token", "cpt_nao_existe"], "Nenhum token do portal tem esse valor."),
        (["--login", "faturamento.lucas", "--name", "Outro"], "não tem token ativo chamado 'Outro'"),
        (["--login", "faturamento.lucas"], "informe --login e --name"),
        ([], "de um só modo"),
        (["1", "--token", "cpt_x"], "de um só modo"),
    ]:
        assert main(["token", "revoke", *args]) == 1
        assert expected in capsys.readouterr().err, args


def test_revoke_by_name_refuses_when_two_live_tokens_share_it(db, clinic_user, capsys):
    for _ in range(2):
        assert main(["token", "create", "faturamento.lucas", "--name", "ERP"]) == 0
    capsys.readouterr()
    assert main(["token", "revoke", "--login", "faturamento.lucas", "--name", "ERP"]) == 1
    assert "Há 2 tokens ativos chamados 'ERP'" in capsys.readouterr().err
    assert _revoked(db) == []


def test_list_shows_the_tokens_and_their_state(db, factory, clinic_user, capsys):
    other = factory.provider(name="Laboratório Outro", code="321002")
    factory.user(other, login="lab.outro")
    db.commit()
    assert main(["token", "create", "faturamento.lucas", "--name", "ERP"]) == 0
    assert main(["token", "create", "lab.outro", "--name", "LIS"]) == 0
    capsys.readouterr()
    assert main(["token", "list"]) == 0
    everything = capsys.readouterr().out
    assert "'ERP'" in everything and "'LIS'" in everything and "nunca" in everything and "ativo" in everything
    assert main(["token", "list", "faturamento.lucas"]) == 0
    mine = capsys.readouterr().out
    assert "'ERP'" in mine and "'LIS'" not in mine
