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
from pathlib import Path

# argparse's own words (usage, errors, the help option) in Portuguese: it reads them through gettext's
# `_` at the moment it prints, so the one table below is all the translation needs.
_ARGPARSE_PT = {
    "usage: ": "uso: ",
    "positional arguments": "argumentos",
    "options": "opções",
    "show this help message and exit": "mostra esta ajuda e sai",
    "%(prog)s: error: %(message)s\n": "%(prog)s: erro: %(message)s\n",
    "the following arguments are required: %s": "faltam os argumentos: %s",
    "unrecognized arguments: %s": "argumentos não reconhecidos: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "opção inválida: %(value)r (escolha entre %(choices)s)",
    "expected one argument": "falta o valor",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "invalid %(type)s value: %(value)r": "valor inválido (%(type)s): %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "opção ambígua: %(option)s pode ser %(matches)s",
}
argparse._ = lambda message: _ARGPARSE_PT.get(message, message)

# models.Role's values, spelled here so that building the parser imports no database code
# (tests/services/test_cli.py checks they match).
ROLES = ("provider", "staff", "admin")


def _cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from copass_app.migrations import upgrade

    upgrade()
    print("Banco de dados atualizado.")
    return 0


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    if args.reset:
        from copass_app.services.demo_reset import reset_demo_database

        print(reset_demo_database().message)
        return 0
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


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB".replace(".", ",")


def _cmd_purge(args: argparse.Namespace) -> int:
    from copass_app import settings
    from copass_app.services import retention
    from copass_app.services.unit_of_work import perform

    report = perform(lambda db: retention.purge(db, dry_run=args.dry_run))
    print(f"Prazo de guarda: envios recusados {settings.refused_retention_days()} dias; lotes aceitos "
          + (f"{settings.accepted_retention_years()} anos após o encerramento do lote"
             if settings.accepted_retention_years() else "sem prazo (guardados sempre)")
          + "; cota de recusados por prestador "
          + (_megabytes(settings.refused_quota_bytes()) if settings.refused_quota_bytes() else "sem cota") + ".")
    lines = [("Envios recusados com prazo vencido", report.count("refused")),
             ("Lotes aceitos com prazo vencido", report.count("accepted")),
             ("Envios recusados acima da cota do prestador", report.count("quota")),
             ("Arquivos sem registro ou temporários abandonados", len(report.orphans))]
    for label, count in lines:
        print(f"  {label}: {count} arquivo(s)")
    if report.count("missing"):
        print(f"Aviso: {report.count('missing')} envio(s) apontavam para um arquivo ausente do disco; agora constam "
              "como 'arquivo expurgado'.", file=sys.stderr)
    if args.dry_run:
        print(f"Simulação: nada foi removido ({_megabytes(report.planned_bytes)} seriam liberados).")
    else:
        freed = _megabytes(report.planned_bytes)
        print(f"Expurgo concluído: {report.records_marked} registro(s) marcados como 'arquivo expurgado', "
              f"{len(report.removed)} arquivo(s) removidos ({freed}).")
        if report.kept_fresh:
            print(f"  {len(report.kept_fresh)} arquivo(s) gravados há pouco ficaram para o próximo expurgo.")
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from copass_app.services import backup

    report = backup.backup(args.destination)
    print(f"Cópia de segurança em {report.destination}: banco {report.engine} ({_megabytes(report.database_bytes)}, "
          f"revisão {report.revision or 'sem migrações'}) e {report.file_count} arquivo(s) privados "
          f"({_megabytes(report.file_bytes)}).")
    if report.missing:
        print(f"Aviso: {len(report.missing)} arquivo(s) citados pelo banco não estavam no disco (listados no "
              "manifest.json); execute 'copass purge' para registrá-los.", file=sys.stderr)
        return 1
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from copass_app.services import backup

    report = backup.restore(args.source, database_url=args.database_url, private_dir=args.private_dir,
                            force=args.force)
    print(f"Restaurado em {report.database}: {report.file_count} arquivo(s) privados "
          f"({_megabytes(report.file_bytes)}). Revisão do banco: {report.revision or 'sem migrações'}; "
          "execute 'copass db upgrade' se esta versão do portal for mais nova.")
    return 0


def _cmd_token_create(args: argparse.Namespace) -> int:
    from copass_app.services.api_token_admin import create_for_login
    from copass_app.services.unit_of_work import perform

    created, provider = perform(lambda db: create_for_login(db, args.login, args.name))
    print(created.token)  # alone on stdout, for scripts: TOKEN=$(copass token create login)
    print(f"Token {created.id} ('{created.name}') criado para o usuário '{args.login}' do prestador {provider.code} - "
          f"{provider.name}. Guarde-o agora: ele não será mostrado de novo.", file=sys.stderr)
    return 0


def _cmd_token_list(args: argparse.Namespace) -> int:
    from copass_app.formatting import datetime_br
    from copass_app.services.api_token_admin import list_tokens
    from copass_app.services.unit_of_work import perform

    rows = perform(lambda db: list_tokens(db, args.login))
    if not rows:
        print("Nenhum token de API.")
    for t in rows:
        state = f"revogado em {datetime_br(t.revoked_at)}" if t.revoked_at else "ativo"
        used = datetime_br(t.last_used_at) if t.last_used_at else "nunca"
        print(f"{t.id:>6}  {t.provider_code} {t.provider_name} | '{t.name}' | usuário {t.login} | criado em "
              f"{datetime_br(t.created_at)} | último uso: {used} | {state}")
    return 0


def _cmd_token_revoke(args: argparse.Namespace) -> int:
    from copass_app.services.api_token_admin import revoke
    from copass_app.services.unit_of_work import perform

    row = perform(lambda db: revoke(db, token_id=args.id, token=args.token, login=args.login, name=args.name))
    print(f"Token {row.id} ('{row.name}') revogado: sistemas que o usam deixam de ser aceitos.")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from copass_app.tiss.cli import run_validate

    return run_validate(args.files, args.json)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="copass", description="Portal do Prestador (TISS 4.03.00)")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="banco de dados").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="aplica as migrações pendentes").set_defaults(handler=_cmd_db_upgrade)

    seed = commands.add_parser(
        "seed-demo", help="carrega os dados de demonstração",
        description="Carrega a operadora, os prestadores, os usuários e seis meses de histórico de demonstração "
                    "(lotes em todas as situações, glosas, recursos e pagamentos). Não altera nada se já "
                    "estiverem carregados.")
    seed.add_argument("--reset", action="store_true",
                      help="apaga os dados de demonstração e os carrega de novo, numa só transação; recusa um "
                           "banco que tenha qualquer dado que não seja de demonstração")
    seed.set_defaults(handler=_cmd_seed_demo)

    user = commands.add_parser("user", help="usuários").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", help="cria um usuário")
    add.add_argument("login")
    add.add_argument("--name", default="")
    add.add_argument("--role", choices=ROLES, default="provider")
    add.add_argument("--provider", help="código do prestador na operadora (usuário de prestador)")
    add.add_argument("--password", help="senha (pedida no terminal quando omitida)")
    add.set_defaults(handler=_cmd_user_add)

    purge = commands.add_parser(
        "purge", help="expurga os arquivos com prazo de guarda vencido, os acima da cota e os sem registro",
        description="Remove os arquivos de envios recusados após COPASS_RETENTION_DAYS dias, os de lotes aceitos "
                    "COPASS_ACCEPTED_RETENTION_YEARS anos após o encerramento do lote, os recusados acima de "
                    "COPASS_REFUSED_QUOTA_MB por prestador (os mais antigos primeiro) e os arquivos sem registro. "
                    "Os envios continuam no histórico, marcados como 'arquivo expurgado'.")
    purge.add_argument("--dry-run", action="store_true", help="só mostra o que seria removido")
    purge.set_defaults(handler=_cmd_purge)

    backup = commands.add_parser(
        "backup", help="cópia de segurança do banco e dos arquivos privados",
        description="Copia o banco (DATABASE_URL; SQLite pela API de backup online, PostgreSQL por pg_dump) e os "
                    "arquivos de COPASS_PRIVATE_DIR, com um manifest.json de SHA-256, para uma pasta nova. "
                    "Pode ser executado com o portal no ar.")
    backup.add_argument("destination", metavar="DESTINO", type=Path, help="pasta nova (ou vazia) da cópia")
    backup.set_defaults(handler=_cmd_backup)

    restore = commands.add_parser(
        "restore", help="restaura uma cópia de segurança",
        description="Confere os SHA-256 da cópia e a restaura no banco e na pasta de arquivos indicados (por padrão "
                    "DATABASE_URL e COPASS_PRIVATE_DIR). Recusa um banco que já tenha tabelas ou uma pasta que já "
                    "tenha arquivos, a menos que --force seja usado.")
    restore.add_argument("source", metavar="ORIGEM", type=Path, help="pasta criada por 'copass backup'")
    restore.add_argument("--database-url", metavar="URL", help="banco de destino (padrão: DATABASE_URL)")
    restore.add_argument("--private-dir", metavar="PASTA", type=Path,
                         help="pasta de arquivos de destino (padrão: COPASS_PRIVATE_DIR)")
    restore.add_argument("--force", action="store_true", help="sobrescreve um banco ou uma pasta que já têm dados")
    restore.set_defaults(handler=_cmd_restore)

    token = commands.add_parser("token", help="tokens de API do sistema do prestador").add_subparsers(
        dest="token_command", required=True)
    create = token.add_parser(
        "create", help="cria um token de API para um usuário de prestador e o mostra (uma única vez)",
        description="Cria um token de API que age em nome do usuário de prestador LOGIN e o escreve sozinho na "
                    "saída padrão (para scripts). Recusa usuários da operadora, desconhecidos ou desativados.")
    create.add_argument("login", metavar="LOGIN")
    create.add_argument("--name", help="nome do token (padrão: 'Criado pela operadora em DD/MM/AAAA')")
    create.set_defaults(handler=_cmd_token_create)
    listing = token.add_parser("list", help="lista os tokens (de todos os prestadores, ou do prestador de LOGIN)")
    listing.add_argument("login", metavar="LOGIN", nargs="?")
    listing.set_defaults(handler=_cmd_token_list)
    revoke = token.add_parser(
        "revoke", help="revoga um token: pelo número, por --token, ou por --login e --name",
        description="Revoga um token de API (registrado na auditoria). Informe o número (ID, como em "
                    "'copass token list'), ou o próprio token (--token, por exemplo um que vazou), ou o usuário "
                    "e o nome do token (--login e --name).")
    revoke.add_argument("id", metavar="ID", nargs="?")
    revoke.add_argument("--token", help="o valor do token (cpt_...)")
    revoke.add_argument("--login", help="usuário de prestador dono do token")
    revoke.add_argument("--name", help="nome do token ativo a revogar (com --login)")
    revoke.set_defaults(handler=_cmd_token_revoke)

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
    from copass_app.settings import InvalidSetting

    try:
        return args.handler(args)
    except (DomainError, InvalidSetting) as error:
        print(f"Erro: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
