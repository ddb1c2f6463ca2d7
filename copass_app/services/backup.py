"""`copass backup` and `copass restore`: the database and the private files, as one consistent copy.

A backup is a folder (0700, files 0600: it holds patients' data):

    manifest.json      what is inside, with a SHA-256 of every file (written last: no manifest, no backup)
    database.sqlite    SQLite: the online backup API, consistent while the portal keeps writing
    database.pgdump    PostgreSQL: pg_dump -Fc of an exported snapshot
    private/...        the private files (uploads/<provider>/<xx>/<md5>.xml)

The database is read under the storage's shared lock, so no purge removes a file between the
snapshot and the copy of the files; the files the snapshot's records point at are read from
the snapshot itself, and any that cannot be found are listed in the manifest and reported.

Restore checks every SHA-256 before it touches anything, and refuses a target database that
already has tables, or a private folder that already has files, unless `force`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url

from copass_app import clock, settings
from copass_app.services import storage
from copass_app.services.errors import DomainError

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "private"
DATABASE_FILE = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
REFERENCED = "SELECT DISTINCT stored_path FROM upload_record WHERE stored_path <> ''"


@dataclass(frozen=True)
class BackupReport:
    destination: Path
    engine: str
    revision: str
    database_bytes: int
    file_count: int
    file_bytes: int
    missing: list[str]  # files the database points at that were not on disk


@dataclass(frozen=True)
class RestoreReport:
    engine: str
    revision: str
    database: str  # the target, without its password
    file_count: int
    file_bytes: int


def _engine_name(url: URL) -> str:
    name = url.get_backend_name()
    if name not in DATABASE_FILE:
        raise DomainError(f"Banco de dados '{name}' não suportado por backup/restauração (use SQLite ou PostgreSQL).")
    return name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _private_folder(path: Path) -> None:
    path.mkdir(mode=storage.DIR_MODE, parents=True, exist_ok=True)
    path.chmod(storage.DIR_MODE)


def _copy_private(source: Path, target: Path) -> str:
    """Copy one file to a 0600 file (atomically); its SHA-256."""
    _private_folder(target.parent)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    digest = hashlib.sha256()
    try:
        os.fchmod(handle, storage.FILE_MODE)
        with os.fdopen(handle, "wb") as out, source.open("rb") as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _pg_revision(connection: Connection) -> str:
    # Looked up first: a failed query would abort the snapshot's transaction.
    if connection.execute(text("SELECT to_regclass('alembic_version')")).scalar() is None:
        return ""
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""


# --- backup ---------------------------------------------------------------------------------------------


def backup(destination: Path, *, database_url: str | None = None) -> BackupReport:
    url = make_url(database_url or settings.database_url())
    engine_name = _engine_name(url)
    destination = Path(destination)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise DomainError(f"O destino {destination} já existe e não está vazio: escolha uma pasta nova.")
    _private_folder(destination)
    database_file = destination / DATABASE_FILE[engine_name]
    with storage.locked(exclusive=False):  # no purge removes a file until the files are copied
        if engine_name == "sqlite":
            revision, referenced = _sqlite_backup(url, database_file)
        else:
            revision, referenced = _pg_backup(url, database_file)
        files = _copy_files(destination / FILES)
    missing = sorted(referenced - {entry["path"] for entry in files})
    manifest = {
        "format": FORMAT, "created_at": clock.now().isoformat(), "engine": engine_name, "revision": revision,
        "database": {"file": database_file.name, "size": database_file.stat().st_size,
                     "sha256": _sha256(database_file)},
        "files": files, "missing": missing,
    }
    _write_manifest(destination, manifest)
    return BackupReport(destination, engine_name, revision, database_file.stat().st_size, len(files),
                        sum(entry["size"] for entry in files), missing)


def _sqlite_backup(url: URL, target: Path) -> tuple[str, set[str]]:
    source_path = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source_path.is_file():
        raise DomainError(f"Banco de dados SQLite não encontrado: {url.database}.")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        os.chmod(target, storage.FILE_MODE)
        source.backup(copy)  # one step: a consistent snapshot even while the portal writes (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        revision = _sqlite_revision(copy)
        referenced = {row[0] for row in copy.execute(REFERENCED)}
    finally:
        copy.close()
        source.close()
    return revision, referenced


def _sqlite_revision(connection: sqlite3.Connection) -> str:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return ""
    return row[0] if row else ""


def _pg_tool(name: str, connection: Connection) -> str:
    """The client of the server's major version when installed (pg_dump refuses a newer server)."""
    major = int(connection.execute(text("SHOW server_version_num")).scalar()) // 10000
    matching = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    found = str(matching) if matching.is_file() else shutil.which(name)
    if not found:
        raise DomainError(f"{name} não encontrado: instale o cliente do PostgreSQL {major}.")
    return found


def _pg_arguments(url: URL) -> tuple[list[str], dict[str, str]]:
    arguments = ["-h", url.host or "localhost", "-p", str(url.port or 5432), "-U", url.username or "postgres",
                 "-d", url.database or ""]
    env = {**os.environ, "PGPASSWORD": url.password or ""}  # never on the command line (ps shows it)
    if "sslmode" in url.query:
        env["PGSSLMODE"] = str(url.query["sslmode"])
    return arguments, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise DomainError(f"{what} falhou: {' '.join(detail)}")


def _pg_backup(url: URL, target: Path) -> tuple[str, set[str]]:
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection:
            # The dump and the list of files come from one snapshot, exported for pg_dump to share.
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
            revision = _pg_revision(connection)
            referenced = {row[0] for row in connection.execute(text(REFERENCED))}
            arguments, env = _pg_arguments(url)
            _run([_pg_tool("pg_dump", connection), "-Fc", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", "-f", str(target), *arguments], env, "pg_dump")
            os.chmod(target, storage.FILE_MODE)
            connection.rollback()
    finally:
        engine.dispose()
    return revision, referenced


def _copy_files(target: Path) -> list[dict]:
    _private_folder(target)
    root = settings.private_storage_dir()
    copied = []
    for stored in storage.files():
        if stored.temporary:
            continue
        digest = _copy_private(root / stored.relative, target / stored.relative)
        copied.append({"path": stored.relative, "size": (target / stored.relative).stat().st_size, "sha256": digest})
    return copied


def _write_manifest(destination: Path, manifest: dict) -> None:
    temporary = destination / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.chmod(storage.FILE_MODE)
    os.replace(temporary, destination / MANIFEST)


# --- restore --------------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise DomainError(f"{source} não é uma cópia do portal ({MANIFEST} ausente): a cópia não terminou ou a "
                          "pasta está errada.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise DomainError(f"{MANIFEST} ilegível em {source}.") from None
    if manifest.get("format") != FORMAT:
        raise DomainError(f"Formato de cópia {manifest.get('format')!r} desconhecido por esta versão do portal.")
    return manifest


_SAFE_PATH = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


def verify(source: Path, manifest: dict) -> list[str]:
    """What does not match its SHA-256 (or is missing, or names a path outside the copy)."""
    source = Path(source)
    problems = []
    entries = [(manifest["database"]["file"], manifest["database"]["sha256"], source)]
    entries += [(entry["path"], entry["sha256"], source / FILES) for entry in manifest["files"]]
    for relative, expected, base in entries:
        if not _SAFE_PATH.match(relative) or ".." in relative.split("/"):
            problems.append(f"{relative}: caminho inválido")
        elif not (base / relative).is_file():
            problems.append(f"{relative}: ausente")
        elif _sha256(base / relative) != expected:
            problems.append(f"{relative}: conteúdo diferente do registrado (SHA-256)")
    return problems


def restore(source: Path, *, database_url: str | None = None, private_dir: Path | None = None,
            force: bool = False) -> RestoreReport:
    source = Path(source)
    manifest = read_manifest(source)
    problems = verify(source, manifest)
    if problems:
        raise DomainError("Cópia corrompida; nada foi restaurado: " + "; ".join(problems[:5])
                          + (f" (e mais {len(problems) - 5})" if len(problems) > 5 else ""))
    url = make_url(database_url or settings.database_url())
    engine_name = _engine_name(url)
    if engine_name != manifest["engine"]:
        raise DomainError(f"A cópia é de um banco {manifest['engine']}; o destino é {engine_name}. "
                          "Restaure em um banco do mesmo tipo.")
    private_dir = Path(private_dir or settings.private_storage_dir())
    if not force:
        if _has_tables(url):
            raise DomainError(f"O banco de destino {url.render_as_string(hide_password=True)} já tem tabelas; "
                              "use --force para sobrescrevê-lo.")
        if private_dir.is_dir() and any(p.is_file() and p.name != storage.LOCK_NAME for p in private_dir.rglob("*")):
            raise DomainError(f"A pasta de arquivos {private_dir} já tem arquivos; use --force para sobrescrevê-los.")
    database_file = source / manifest["database"]["file"]
    if engine_name == "sqlite":
        _sqlite_restore(database_file, url)
    else:
        _pg_restore(database_file, url, clean=force)
    _private_folder(private_dir)
    for entry in manifest["files"]:
        _copy_private(source / FILES / entry["path"], private_dir / entry["path"])
    return RestoreReport(engine_name, manifest.get("revision", ""), url.render_as_string(hide_password=True),
                         len(manifest["files"]), sum(entry["size"] for entry in manifest["files"]))


def _has_tables(url: URL) -> bool:
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.is_file() or path.stat().st_size == 0:
            return False
        with _sqlite(path) as connection:
            return connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                      "AND name NOT LIKE 'sqlite_%'").fetchone()[0] > 0
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.execute(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")).scalar())
    finally:
        engine.dispose()


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def _sqlite_restore(database_file: Path, url: URL) -> None:
    target = Path(url.database or "")
    if not url.database or url.database == ":memory:":
        raise DomainError("Informe um arquivo SQLite de destino.")
    if not target.parent.exists():
        _private_folder(target.parent)
    with _sqlite(database_file) as source, _sqlite(target) as copy:
        os.chmod(target, storage.FILE_MODE)
        source.backup(copy)  # page by page into the target, replacing whatever it held
        copy.execute("PRAGMA journal_mode=WAL")  # as the portal runs it


def _pg_restore(database_file: Path, url: URL, *, clean: bool) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tool = _pg_tool("pg_restore", connection)
    finally:
        engine.dispose()
    arguments, env = _pg_arguments(url)
    options = ["--clean", "--if-exists"] if clean else []
    _run([tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *options,
          *arguments, str(database_file)], env, "pg_restore")
