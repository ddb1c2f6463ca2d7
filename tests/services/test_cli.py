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


def test_roles_of_the_parser_are_the_models_roles():
    from copass_app.cli import ROLES

    assert ROLES == tuple(role.value for role in Role)


def test_seed_demo_through_the_cli_commits_and_says_so(db, capsys):
    from copass_app.models import Guide

    assert main(["seed-demo"]) == 0
    assert "carregados" in capsys.readouterr().out
    assert db.exec(select(Guide)).first() is not None  # committed: another session sees it
    assert main(["seed-demo"]) == 0
    assert "nada foi alterado" in capsys.readouterr().out


def _validate_imports(*args: str) -> tuple[int, str, set[str]]:
    """Runs the real `copass` entry point in a new interpreter; returns (status, stdout, modules imported).

    PYTHONPROFILEIMPORTTIME makes Python itself list every module it imports on stderr, so the
    program under test carries no hook of its own.
    """
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = shutil.which("copass", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-c", "import sys; from copass_app.cli import main; "
                                                               "sys.exit(main())"]
    done = subprocess.run([*command, "validate", *args], capture_output=True, text=True, encoding="utf-8",
                          env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}, timeout=120)
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "copass_app.tiss.validation" in modules, done.stderr[-2000:]  # the listing works: it can fail
    return done.returncode, done.stdout, modules


def _top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


CORPUS = __import__("pathlib").Path(__file__).resolve().parents[1] / "corpus"


def test_validate_loads_no_database_layer_and_no_reflex():
    """`copass validate` was 0.8 s of start-up (the whole database layer) for 8 ms of work."""
    status, out, modules = _validate_imports(str(CORPUS / "valido_sadt_iso8859-1.xml"), str(CORPUS / "erro_hash.xml"))
    assert status == 1 and "VÁLIDO" in out and "[5014]" in out
    assert not {"sqlalchemy", "sqlmodel", "reflex", "alembic", "pytiss", "xmlschema"} & _top_level(modules)
    ours = {name for name in modules if name.startswith("copass_app.")}
    # formatting displays moments in Brasília time, so it needs the clock (standard library only).
    display = {"copass_app.cli", "copass_app.formatting", "copass_app.clock"}
    assert ours - display == {n for n in ours if n.startswith("copass_app.tiss")}


def test_validate_json_loads_only_tiss_the_standard_library_and_lxml():
    import sys

    status, _, modules = _validate_imports("--json", str(CORPUS / "valido_consulta_utf8.xml"))
    assert status == 0
    assert _installed_packages(_top_level(modules) - set(sys.stdlib_module_names)) == {"copass_app", "lxml"}


def _installed_packages(names: set[str]) -> set[str]:
    """The names that are packages installed in the environment (attempted imports that failed
    and the interpreter's own hooks are listed by importtime too: they are not packages)."""
    import importlib.util
    import sysconfig

    site = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    installed = set()
    for name in names:
        if name.startswith("_"):  # .pth hooks every interpreter of the venv runs (editable install, setuptools)
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        locations = list(spec.submodule_search_locations or []) + [spec.origin or ""] if spec else []
        if name == "copass_app" or any(str(where).startswith(tuple(site)) for where in locations):
            installed.add(name)
    return installed


def test_operators_commands_speak_portuguese_and_exit_2_on_a_usage_error(capsys):
    import pytest

    with pytest.raises(SystemExit) as usage:
        main(["backup"])
    assert usage.value.code == 2
    assert "copass backup: erro: faltam os argumentos: DESTINO" in capsys.readouterr().err
    for command in ("backup", "restore", "purge"):
        with pytest.raises(SystemExit) as helped:
            main([command, "--help"])
        out = capsys.readouterr().out
        assert helped.value.code == 0 and out.startswith(f"uso: copass {command}") and "mostra esta ajuda e sai" in out
    with pytest.raises(SystemExit):
        main(["restore", "--help"])
    assert "já têm dados" in capsys.readouterr().out


def test_restore_of_a_folder_that_is_not_a_backup_exits_1_with_a_message(tmp_path, capsys):
    assert main(["restore", str(tmp_path)]) == 1
    assert "não é uma cópia do portal (manifest.json ausente)" in capsys.readouterr().err
