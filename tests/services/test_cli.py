from sqlmodel import select

from copass_app.cli import main
from copass_app.models import Role, User
from copass_app.services import auth


def test_user_add_creates_a_provider_user_who_can_log_in(db, factory, capsys):
    provider = factory.provider(code="555001")
    db.commit()  # the CLI opens its own session, as in production
    code = main(["user", "add", "novo.usuario", "--name", "Novo Usuário", "--role", "provider",
                 "--provider", "555001", "--password", "senha-segura-1"])
    assert code == 0
    assert "criado" in capsys.readouterr().out
    user = db.exec(select(User).where(User.login == "novo.usuario")).one()
    assert user.provider_id == provider.id and user.role == Role.PROVIDER
    assert auth.login(db, "novo.usuario", "senha-segura-1")


def test_user_add_refuses_unknown_provider_with_a_message(db, factory, capsys):
    code = main(["user", "add", "outro", "--role", "provider", "--provider", "000000", "--password", "senha-segura-1"])
    assert code == 1
    assert "Prestador com código '000000' não encontrado" in capsys.readouterr().err


def test_user_add_refuses_duplicate_login(db, factory, capsys):
    factory.user(role=Role.STAFF, login="equipe")
    assert main(["user", "add", "equipe", "--role", "staff", "--password", "senha-segura-1"]) == 1
    assert "Já existe" in capsys.readouterr().err
