"""`copass`: the command line for operators of the portal and providers' IT.

`copass validate` is the command providers' IT runs on every file, often in a loop: it loads
copass_app.tiss only (no database layer, no reflex), so it starts in a few tens of
milliseconds. The other commands import what they need when they run, and do their work in one
unit of work (`perform`).
"""

from __future__ import annotations

import argparse
import getpass
import sys

# models.Role's values, spelled here so that building the parser imports no database code
# (tests/services/test_cli.py checks they match).
ROLES = ("provider", "staff", "admin")


def _cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from copass_app.migrations import upgrade

    upgrade()
    print("Banco de dados atualizado.")
    return 0


def _cmd_seed_demo(_args: argparse.Namespace) -> int:
    from copass_app.services.demo import seed_demo
    from copass_app.services.unit_of_work import perform

    print(perform(seed_demo).message)
    return 0


def _cmd_user_add(args: argparse.Namespace) -> int:
    from copass_app.models import Role
    from copass_app.services.unit_of_work import perform
    from copass_app.services.users import add_user

    password = args.password or getpass.getpass("Senha: ")
    login = perform(lambda db: add_user(db, args.login, args.name or args.login, password, Role(args.role),
                                        args.provider).login)
    print(f"Usuário '{login}' criado.")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from copass_app.tiss.cli import run_validate

    return run_validate(args.files, args.json)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="copass", description="Portal do Prestador (TISS 4.03.00)")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="banco de dados").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="aplica as migrações pendentes").set_defaults(handler=_cmd_db_upgrade)

    commands.add_parser("seed-demo", help="carrega os dados de demonstração").set_defaults(handler=_cmd_seed_demo)

    user = commands.add_parser("user", help="usuários").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", help="cria um usuário")
    add.add_argument("login")
    add.add_argument("--name", default="")
    add.add_argument("--role", choices=ROLES, default="provider")
    add.add_argument("--provider", help="código do prestador na operadora (usuário de prestador)")
    add.add_argument("--password", help="senha (pedida no terminal quando omitida)")
    add.set_defaults(handler=_cmd_user_add)

    validate = commands.add_parser("validate", help="valida arquivos XML TISS (verificações 1 a 5, offline)")
    validate.add_argument("files", nargs="*")
    validate.add_argument("--json", action="store_true", help="saída em JSON")
    validate.set_defaults(handler=_cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.handler is _cmd_validate:  # offline: never raises a DomainError, never loads services
        return _cmd_validate(args)
    from copass_app.services.errors import DomainError

    try:
        return args.handler(args)
    except DomainError as error:
        print(f"Erro: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
