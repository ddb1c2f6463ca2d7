"""The official TISS 4.03.00 XSD files: pinned by SHA-256 and loaded once per process.

The XSDs ship inside the `pytiss` package; `schemas/tiss-4.03.00.sha256` in the
repository pins every file, so a changed or missing schema stops the app instead
of silently validating lots against something else.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from pathlib import Path

from lxml import etree

TISS_VERSION = "4.03.00"
TISS_NS = "http://www.ans.gov.br/padroes/tiss/schemas"
ROOT_XSD = "tissV4_03_00.xsd"
PIN_FILE = Path(__file__).resolve().parents[2] / "schemas" / f"tiss-{TISS_VERSION}.sha256"

_load_lock = threading.Lock()
# lxml keeps the last error log on the schema object: validate under a lock.
_validate_lock = threading.Lock()
_schema: etree.XMLSchema | None = None


class SchemaPinError(RuntimeError):
    """The XSD files on disk are not the ones the portal was built for."""


def xsd_dir() -> Path:
    """pytiss's schema folder, found without importing pytiss (its __init__ loads xmlschema: ~0.1 s)."""
    spec = importlib.util.find_spec("pytiss")
    if spec is None or not spec.submodule_search_locations:
        raise SchemaPinError("O pacote pytiss, que traz os esquemas oficiais TISS, não está instalado.")
    return Path(next(iter(spec.submodule_search_locations))) / "schemas" / TISS_VERSION


def read_pins(pin_file: Path = PIN_FILE) -> dict[str, str]:
    """File name -> expected SHA-256, from a `sha256sum`-style file."""
    if not pin_file.is_file():
        raise SchemaPinError(f"Arquivo de controle dos esquemas TISS não encontrado: {pin_file}")
    pins: dict[str, str] = {}
    for line in pin_file.read_text(encoding="ascii").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            digest, name = line.split(maxsplit=1)
            pins[name.strip().lstrip("*")] = digest.lower()
    return pins


def verify_schema_pins(directory: Path | None = None, pin_file: Path = PIN_FILE) -> None:
    """Raise SchemaPinError (message in Portuguese) if any pinned XSD is missing or differs."""
    directory = directory or xsd_dir()
    problems = []
    for name, expected in sorted(read_pins(pin_file).items()):
        path = directory / name
        if not path.is_file():
            problems.append(f"arquivo ausente: {name}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            problems.append(f"arquivo alterado: {name} (SHA-256 diferente do registrado)")
    if problems:
        raise SchemaPinError(
            f"Os esquemas oficiais TISS {TISS_VERSION} em {directory} não conferem com "
            f"{pin_file.name}: " + "; ".join(problems) + ". O portal não pode iniciar."
        )


def get_schema() -> etree.XMLSchema:
    """The compiled tissV4_03_00.xsd, verified and loaded once per process."""
    global _schema
    if _schema is None:
        with _load_lock:
            if _schema is None:
                _schema = _load_schema()
    return _schema


def _load_schema() -> etree.XMLSchema:
    verify_schema_pins()
    # Trusted local files: entities of xmldsig's internal DTD must resolve, but
    # nothing (its external DTD included) may be fetched from the network.
    parser = etree.XMLParser(no_network=True, load_dtd=False)
    document = etree.parse(str(xsd_dir() / ROOT_XSD), parser)
    return etree.XMLSchema(document)


def validate_tree(tree: etree._ElementTree) -> list[etree._LogEntry]:
    """XSD errors of the document (empty when valid); safe to call from several threads."""
    schema = get_schema()
    with _validate_lock:
        if schema.validate(tree):
            return []
        return list(schema.error_log)
