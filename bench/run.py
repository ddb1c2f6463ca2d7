"""`make bench`: every performance target of the issues, measured on a fresh database.

    python -m bench.run                 # everything
    python -m bench.run --only xml      # only some parts: guides billing xml validate analysis payments reports soap
    python -m bench.run --only dashboard   # issue 11: the Painel of 50,000 guides and 24 months of payments
    python -m bench.run --only attendances   # issue 12: typing, closing, the XML of a batch
"""

from __future__ import annotations

import argparse
import sys

PARTS = ("guides", "billing", "xml", "validate", "analysis", "payments", "reports", "dashboard", "soap", "attendances")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the portal (make bench)")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS),
                        help="'validate' needs no database: the whole-command figures of copass validate")
    parts = parser.parse_args(argv).only
    ok = True
    if set(parts) - {"validate"}:
        from bench.common import fresh_database

        url, engine = fresh_database()
        print(f"Banco: {engine.dialect.name} ({url})")
        # Each benchmark imported when it runs: one part's imports never stop another from running.
        if "guides" in parts:
            from bench import guides_bench

            ok &= guides_bench.run(engine)
        if "billing" in parts:
            from bench import billing_bench

            ok &= billing_bench.run(engine)
        if "xml" in parts:
            from bench import xml_bench

            ok &= xml_bench.run(engine, with_startup="validate" in parts)
        if "analysis" in parts:
            from bench import analysis_bench

            ok &= analysis_bench.run(engine)
        if "payments" in parts:
            from bench import payments_bench

            ok &= payments_bench.run(engine)
        if "reports" in parts:
            from bench import reports_bench

            ok &= reports_bench.run(engine)
        if "dashboard" in parts:
            from bench import dashboard_bench

            ok &= dashboard_bench.run(engine)
        if "attendances" in parts:
            from bench import attendances_bench

            ok &= attendances_bench.run(engine)
        if "soap" in parts:
            from bench import soap_bench

            ok &= soap_bench.run(engine)
    elif "validate" in parts:
        from bench import xml_bench

        ok &= xml_bench.run_startup()
    print("\nTodos os alvos atingidos." if ok else "\nAlgum alvo não foi atingido.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
