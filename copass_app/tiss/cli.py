"""`copass validate FILE... [--json]`: checks 1–5 on TISS files, offline.

Exit status: 0 when every file is valid, 1 when any is not, 2 for usage errors
(no file given, a file that does not exist or cannot be read).

    python -m copass_app.tiss.cli lote.xml outro.xml --json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from copass_app.tiss.model import GUIDE_LABELS, LotValidation
from copass_app.tiss.validation import validate_file

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def run_validate(paths: list[str], as_json: bool, out: TextIO | None = None, err: TextIO | None = None,
                 *, max_bytes: int | None = None) -> int:
    """Validate each file and report in Portuguese (or as one JSON list); return the exit status."""
    out, err = out or sys.stdout, err or sys.stderr  # looked up now: tests and callers swap them
    problem = _usage_problem(paths)
    if problem:
        print(f"copass validate: {problem}", file=err)
        return EXIT_USAGE
    valid = 0
    reports = []
    for path in paths:
        result = validate_file(path, max_bytes=max_bytes)  # one file in memory at a time
        valid += result.valid
        if as_json:
            reports.append(result.to_dict())
        else:
            out.write(human_report(result))
    if as_json:
        json.dump(reports, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif len(paths) > 1:
        out.write(f"{len(paths)} arquivos verificados: {valid} válido(s), {len(paths) - valid} inválido(s).\n")
    return EXIT_VALID if valid == len(paths) else EXIT_INVALID


def _usage_problem(paths: list[str]) -> str | None:
    if not paths:
        return "informe ao menos um arquivo XML. Uso: copass validate ARQUIVO... [--json]"
    for path in paths:
        if not Path(path).exists():
            return f"arquivo não encontrado: {path}"
        if not Path(path).is_file():
            return f"não é um arquivo: {path}"
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            return f"não foi possível ler {path}: {exc.strerror}"
    return None


def human_report(result: LotValidation) -> str:
    # babel (behind formatting) is imported on first use only: `--json` and the checks never load it.
    from copass_app.formatting import money

    name = result.filename or "(arquivo)"
    if result.valid:
        kind = GUIDE_LABELS.get(result.guide_type or "", result.guide_type or "")
        return (f"{name}: VÁLIDO - TISS {result.version}, {result.transaction}, lote {result.lot_number}, "
                f"{result.guide_count} guia(s) de {kind}, total {money(result.total)}\n")
    lines = [f"{name}: INVÁLIDO - {len(result.errors)} erro(s)"]
    for issue in result.errors:
        code = f"[{issue.code}] " if issue.code else ""
        where = f"linha {issue.line}: " if issue.line else ""
        lines.append(f"  {code}{where}{issue.message}")
        if issue.path:
            lines.append(f"      em {issue.path}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="copass validate",
                                     description="Verifica arquivos XML TISS 4.03.00 (verificações 1 a 5, offline).")
    parser.add_argument("files", nargs="*", metavar="ARQUIVO")
    parser.add_argument("--json", action="store_true", help="saída em JSON (uma lista, um item por arquivo)")
    args = parser.parse_args(argv)
    return run_validate(args.files, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
