"""Bench providers for the load generator: one provider, one user and one API token per simulated session.

Each provider gets a few dozen demo guides (the demo's own generator), so its Faturamento has a
draft to open, pages of guides to toggle and lots its "own system" can send through the API. The
password is hashed once (argon2 is slow on purpose) and the same hash is stored for every user.
Idempotent: providers already there are kept (a second run only adds the missing ones).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

from sqlmodel import select

from copass_app import clock
from copass_app.db import refresh_planner_statistics
from copass_app.models import ApiToken, Beneficiary, GuideType, Operator, Provider, Role, User
from copass_app.services import api_tokens
from copass_app.services.access import Actor
from copass_app.services.auth import hash_password
from copass_app.services.demo import SEED, build_catalogs, full_cnpj, generate_guides
from copass_app.services.unit_of_work import perform

PASSWORD = "carga-senha-1"
LOGIN_PREFIX = "carga."
FIRST_CODE = 700000
GUIDE_TYPES = (GuideType.SP_SADT, GuideType.CONSULTA)


@dataclass(frozen=True)
class BenchAccount:
    login: str
    password: str
    provider_code: str
    api_token: str


def account_login(index: int) -> str:
    return f"{LOGIN_PREFIX}{index:05d}"


def seed_accounts(count: int, *, guides_per_provider: int = 60, days_back: int = 40,
                  chunk: int = 50) -> list[BenchAccount]:
    """`count` bench accounts (created when missing), each with its provider's guides and an API token."""
    password_hash = hash_password(PASSWORD)
    accounts: list[BenchAccount] = []
    for start in range(0, count, chunk):
        accounts += perform(lambda db, start=start: _seed_chunk(db, range(start, min(count, start + chunk)),
                                                                password_hash, guides_per_provider, days_back))
    perform(refresh_planner_statistics)  # a run measures the portal on a database autovacuum has analyzed
    return accounts


def _seed_chunk(db, indexes: range, password_hash: str, guides: int, days_back: int) -> list[BenchAccount]:
    operator = db.exec(select(Operator).order_by(Operator.id)).first()
    if operator is None:
        raise RuntimeError("Carregue os dados de demonstração antes (copass seed-demo).")
    beneficiaries = list(db.exec(select(Beneficiary.id).order_by(Beneficiary.id)))
    catalogs = None
    accounts = []
    for index in indexes:
        code, login = str(FIRST_CODE + index), account_login(index)
        provider = db.exec(select(Provider).where(Provider.code == code)).first()
        if provider is None:
            provider = Provider(operator_id=operator.id, code=code, name=f"Clínica Carga {index:05d}",
                                document=full_cnpj(f"{70000000 + index:08d}0001"), kind="Clínica")
            db.add(provider)
            db.flush()
            catalogs = catalogs or build_catalogs(random.Random(SEED))
            generate_guides(db, provider, GUIDE_TYPES, guides, beneficiaries, clock.today(),
                            random.Random(SEED + 1000 + index), catalogs, days_back=days_back)
        user = db.exec(select(User).where(User.login == login)).first()
        if user is None:
            user = User(login=login, name=f"Carga {index:05d}", password_hash=password_hash, role=Role.PROVIDER,
                        provider_id=provider.id)
            db.add(user)
            db.flush()
        # A new token each run (only its hash is stored): the run's earlier ones are revoked.
        actor = Actor(user.id, user.login, user.name, Role.PROVIDER, provider.id, provider.name)
        for old in db.exec(select(ApiToken.id).where(ApiToken.provider_id == provider.id,
                                                     ApiToken.revoked_at.is_(None))).all():
            api_tokens.revoke_token(db, actor, old)
        token = api_tokens.create_token(db, actor, "sistema de carga").token
        accounts.append(BenchAccount(login, PASSWORD, code, token))
    return accounts


def as_json(accounts: list[BenchAccount]) -> list[dict]:
    return [asdict(a) for a in accounts]


def main(argv: list[str] | None = None) -> int:
    """`python -m load.seed --count 1000`: the accounts ahead of a run (DATABASE_URL migrated and seeded first)."""
    import argparse
    import sys
    import time

    from copass_app.migrations import upgrade
    from copass_app.services.demo import seed_demo
    from copass_app.settings import database_url

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args(argv)
    started = time.monotonic()
    upgrade(database_url())
    perform(seed_demo)
    seed_accounts(args.count)
    print(f"carga: {args.count} contas em {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
