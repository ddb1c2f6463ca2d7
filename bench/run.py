"""`make bench`: every performance target of the issues, measured on a fresh database."""

from __future__ import annotations

import sys

from bench import billing_bench, guides_bench, xml_bench
from bench.common import fresh_database


def main() -> int:
    url, engine = fresh_database()
    print(f"Banco: {engine.dialect.name} ({url})")
    ok = guides_bench.run(engine)
    ok &= billing_bench.run(engine)
    ok &= xml_bench.run(engine)
    print("\nTodos os alvos atingidos." if ok else "\nAlgum alvo não foi atingido.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
