"""`copass seed-demo --reset`: the demo database back as a fresh seed after a demo session, and the
one test of "this database holds demo data" (the portal's header badge reads it).

Demo data, precisely: the operator with the demo registro ANS (345678) and nothing hanging from
another operator; providers with the demo codes (100001–100003) of that operator; users with the
demo logins (clinica, laboratorio, hospital, operadora), the providers' users bound to their own
provider; catalog items of the demo catalog. Every other table's rows hang from those (guides,
batches, glosas, appeals, payments, drafts, uploads, sessions, tokens, critique settings, the audit
log) or are the demo session's own traces (failed logins). Anything else — another operator, a
provider or user of a real installation, a catalog item the demo does not seed — and the reset is
refused before anything is deleted.

The reset is one unit of work: the check, the deletion of every row and the new seed commit
together or not at all. After the commit, the files of uploads made during the session (no row
points at them any more) are removed from private storage.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from copass_app.models import CatalogItem, Operator, Provider, Role, UploadRecord, User
from copass_app.services import storage
from copass_app.services.demo import DEMO_PROVIDERS, DEMO_REGISTRO_ANS, SEED, SeedResult, build_catalogs, seed_demo
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform

STAFF_LOGIN = "operadora"  # the operator's demo user (demo.seed_demo adds it)
DEMO_CODES = frozenset(spec.code for spec in DEMO_PROVIDERS)
DEMO_LOGINS = {spec.login: spec.code for spec in DEMO_PROVIDERS} | {STAFF_LOGIN: None}
# Tables with no owner of their own: checked (catalog) or the session's traces (failed logins, audit).
OWNERLESS_TABLES = frozenset({"catalog_item", "login_failure", "audit_log"})
# The tables whose rows decide what a database holds; every other table hangs from one of these.
OWNER_TABLES = frozenset({"operator", "provider", "user", "beneficiary"})
SHOWN = 5


@dataclass(frozen=True)
class ResetResult:
    message: str
    removed_files: int


def foreign_data(db: Session) -> list[str]:
    """What the database holds that is not demo data, in Portuguese; empty when all of it is demo."""
    found = []
    operators = db.exec(select(Operator.registro_ans).where(Operator.registro_ans != DEMO_REGISTRO_ANS)).all()
    if operators:
        found.append(_listed("operadora(s) de registro ANS", operators))
    demo_operator = select(Operator.id).where(Operator.registro_ans == DEMO_REGISTRO_ANS)
    providers = db.exec(select(Provider.code).where(
        Provider.code.not_in(DEMO_CODES) | Provider.operator_id.not_in(demo_operator))).all()
    if providers:
        found.append(_listed("prestador(es) de código", providers))
    users = [login for login, role, code in db.exec(
        select(User.login, User.role, Provider.code).outerjoin(Provider, Provider.id == User.provider_id))
        if login not in DEMO_LOGINS or code != DEMO_LOGINS[login]
        or (role == Role.PROVIDER) != (DEMO_LOGINS[login] is not None)]
    if users:
        found.append(_listed("usuário(s)", users))
    demo_catalog = {(item.table_code, item.code) for catalogs in [build_catalogs(random.Random(SEED))]
                    for item in catalogs.fees + catalogs.materials + catalogs.medications}
    catalog = [f"{table}/{code}" for table, code in db.exec(select(CatalogItem.table_code, CatalogItem.code))
               if (table, code) not in demo_catalog]
    if catalog:
        found.append(_listed("item(ns) de catálogo", catalog))
    return found


def reset_demo(db: Session, **seed_options) -> tuple[SeedResult, list[str]]:
    """In the caller's transaction: refuse unless everything is demo data, delete every row, seed again.

    Returns the seed's result and the stored paths of the uploads that were deleted."""
    foreign = foreign_data(db)
    if foreign:
        raise DomainError("Recusado: este banco tem dados que não são de demonstração ("
                          + "; ".join(foreign) + "). Nada foi apagado. O --reset só apaga um banco que tenha "
                          "apenas os dados de demonstração.")
    stored = list(db.exec(select(UploadRecord.stored_path).where(UploadRecord.stored_path != "")).all())
    for table in reversed(SQLModel.metadata.sorted_tables):  # children first
        db.execute(table.delete())
    db.expunge_all()
    return seed_demo(db, **seed_options), stored


def reset_demo_database(**seed_options) -> ResetResult:
    """The whole `--reset`: one unit of work, then the files nothing points at any more."""
    _result, stored = perform(lambda db: reset_demo(db, **seed_options))
    kept = set(perform(lambda db: list(db.exec(select(UploadRecord.stored_path)).all())))
    removed = 0
    with storage.locked(exclusive=True):
        for path in set(stored) - kept:
            removed += int(storage.remove(path))
    storage.remove_empty_folders()
    _demo_cache.clear()
    files = f" e {removed} arquivo(s) de envios feitos na sessão removidos" if removed else ""
    return ResetResult(f"Dados de demonstração apagados e carregados de novo{files}.", removed)


# --- the header's badge --------------------------------------------------------------------------

DEMO_CHECK_SECONDS = 60.0
_demo_cache: dict[str, tuple[float, bool]] = {}


def holds_demo_data(db: Session) -> bool:
    """Does this database hold the demo operator? Asked once a minute per process (one indexed query)."""
    key = str(db.get_bind().url)
    checked = _demo_cache.get(key)
    if checked and time.monotonic() - checked[0] < DEMO_CHECK_SECONDS:
        return checked[1]
    found = db.exec(select(func.count()).select_from(Operator)
                    .where(Operator.registro_ans == DEMO_REGISTRO_ANS)).one() > 0
    _demo_cache[key] = (time.monotonic(), found)
    return found


def _listed(what: str, values: list[str]) -> str:
    shown = ", ".join(sorted(values)[:SHOWN])
    more = f" e mais {len(values) - SHOWN}" if len(values) > SHOWN else ""
    return f"{what} {shown}{more}"
