"""How long providers' files are kept, and the purge that removes the rest with their records' consent.

- A refused upload's file serves the provider to see what was wrong and resend it: kept
  `COPASS_RETENTION_DAYS` (90), and per provider at most `COPASS_REFUSED_QUOTA_MB` (200; the
  oldest refused files go first, never the latest one; checked on every refusal and by the purge).
- An accepted lot's XML is the provider's record of what it billed (its protocol refers to it):
  never purged while its batch is open, then kept `COPASS_ACCEPTED_RETENTION_YEARS` (5) after the
  batch closed (paid, closed without payment or reversed); 0 keeps it forever.
- Files are content-addressed, so one file may back several records: it goes only when every
  record that points at it has expired.
- A record whose file was purged keeps its row with an empty `stored_path` and an audit row
  `file.purge` saying when and why: the history says "arquivo expurgado", never a dangling path.
- Files with no record (a crash between the file write and the commit) and writers' temporary
  leftovers are removed once older than `storage.FRESH_SECONDS`.

The records change in the caller's transaction; the files are removed only after it commits
(a crash in between leaves orphan files, which the next purge removes: never the reverse).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import event, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from copass_app import clock, settings
from copass_app.models import AuditLog, Batch, BatchStatus, UploadRecord
from copass_app.services import storage

logger = logging.getLogger(__name__)

CLOSED = (BatchStatus.PAGO, BatchStatus.ENCERRADO_SEM_PAGAMENTO, BatchStatus.CANCELADO)
PURGED_NOTE = "arquivo expurgado"
SYSTEM_LOGIN = "copass purge"

REASONS = {
    "refused": "prazo de guarda de envios recusados vencido",
    "accepted": "prazo de guarda de lotes aceitos vencido",
    "quota": "cota de envios recusados do prestador excedida",
    "missing": "arquivo não encontrado no disco",
}


@dataclass
class _Content:
    """One stored file and every record that points at it."""

    path: str
    provider_id: int
    size: int
    last_received: datetime
    record_ids: list[int] = field(default_factory=list)
    refused_only: bool = True
    expired: bool = True
    reason: str = "refused"


@dataclass
class PurgeReport:
    dry_run: bool
    by_reason: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # reason -> paths
    records_marked: int = 0
    planned_bytes: int = 0
    orphans: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # filled once the transaction committed
    kept_fresh: list[str] = field(default_factory=list)

    def count(self, reason: str) -> int:
        return len(self.by_reason.get(reason, []))


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def _contents(db: Session, provider_id: int | None, now: datetime) -> dict[str, _Content]:
    refused_before = now - timedelta(days=settings.refused_retention_days())
    years = settings.accepted_retention_years()
    accepted_before = _years_before(now, years) if years else None
    closed_at = func.coalesce(Batch.paid_at, Batch.reversed_at, Batch.processed_at, Batch.received_at)
    query = (select(UploadRecord.id, UploadRecord.provider_id, UploadRecord.stored_path, UploadRecord.accepted,
                    UploadRecord.received_at, UploadRecord.size_bytes, Batch.status, closed_at)
             .outerjoin(Batch, Batch.id == UploadRecord.batch_id)
             .where(UploadRecord.stored_path != "").order_by(UploadRecord.id))
    if provider_id is not None:
        query = query.where(UploadRecord.provider_id == provider_id)
    contents: dict[str, _Content] = {}
    for record_id, provider, path, accepted, received_at, size, status, closed in db.exec(query):
        received_at = clock.as_utc(received_at)
        content = contents.setdefault(path, _Content(path, provider, size, received_at))
        content.record_ids.append(record_id)
        content.size = max(content.size, size)
        content.last_received = max(content.last_received, received_at)
        if accepted:
            content.refused_only = False
            content.reason = "accepted"
            batch_closed = status is None or status in CLOSED
            content.expired &= bool(accepted_before and batch_closed and clock.as_utc(closed) < accepted_before)
        else:
            content.expired &= received_at < refused_before
    return contents


def _over_quota(contents: dict[str, _Content]) -> list[_Content]:
    """Per provider, the oldest refused files beyond the quota (never a provider's latest one)."""
    quota = settings.refused_quota_bytes()
    if not quota:
        return []
    by_provider: dict[int, list[_Content]] = defaultdict(list)
    for content in contents.values():
        if content.refused_only and not content.expired:
            by_provider[content.provider_id].append(content)
    chosen = []
    for kept in by_provider.values():
        kept.sort(key=lambda c: (c.last_received, c.path))
        total = sum(c.size for c in kept)
        while total > quota and len(kept) > 1:
            oldest = kept.pop(0)
            total -= oldest.size
            chosen.append(oldest)
    return chosen


def _mark(db: Session, report: PurgeReport, reason: str, path: str, record_ids: list[int], provider_id: int,
          now: datetime) -> None:
    report.by_reason[reason].append(path)
    if report.dry_run:
        return
    # By id: a record of the same content committed meanwhile keeps its file (and the removal sees it).
    db.execute(update(UploadRecord).where(UploadRecord.id.in_(record_ids)).values(stored_path=""))
    for record_id in record_ids:
        db.add(AuditLog(at=now, user_id=None, provider_id=provider_id, action="file.purge", entity="upload_record",
                        entity_id=str(record_id), detail=f"{PURGED_NOTE}: {REASONS[reason]}", login=SYSTEM_LOGIN))
    report.records_marked += len(record_ids)


def purge(db: Session, *, dry_run: bool = False, now: datetime | None = None) -> PurgeReport:
    """Expired files, files over a provider's quota, records whose file is gone, and orphan files.

    Run it through `perform`: the records are marked in that transaction and the files removed
    after it commits (the report's `removed` is filled then). With `dry_run` nothing changes.
    """
    now = clock.as_utc(now) if now else clock.now()
    report = PurgeReport(dry_run)
    on_disk = {f.relative: f for f in storage.files(storage.UPLOADS)}  # listed before the records are read
    contents = _contents(db, None, now)
    doomed: list[str] = []
    for content in contents.values():
        if not storage.exists(content.path):  # looked at now: its upload may have committed since the listing
            _mark(db, report, "missing", content.path, content.record_ids, content.provider_id, now)
        elif content.expired:
            _mark(db, report, content.reason, content.path, content.record_ids, content.provider_id, now)
            doomed.append(content.path)
    for content in _over_quota({p: c for p, c in contents.items() if p in on_disk and not c.expired}):
        _mark(db, report, "quota", content.path, content.record_ids, content.provider_id, now)
        doomed.append(content.path)
    report.planned_bytes = sum(on_disk[path].size for path in doomed if path in on_disk)
    stale = [f for f in on_disk.values() if not storage.is_fresh(f.relative)]
    report.orphans = [f.relative for f in stale if f.temporary or f.relative not in contents]
    report.planned_bytes += sum(on_disk[path].size for path in report.orphans)
    if not dry_run:
        db.flush()
        remove_after_commit(db, doomed + report.orphans, report)
    return report


def enforce_refused_quota(db: Session, provider_id: int, *, now: datetime | None = None) -> int:
    """After a refusal: mark the provider's oldest refused files over the quota (removed after the
    commit). Returns how many files were over."""
    now = clock.as_utc(now) if now else clock.now()
    report = PurgeReport(False)
    try:
        contents = _contents(db, provider_id, now)
        over = _over_quota(contents)
    except settings.InvalidSetting:  # an operator's typo must not refuse providers' uploads; `copass purge` says it
        logger.exception("refused quota not applied")
        return 0
    for content in over:
        _mark(db, report, "quota", content.path, content.record_ids, content.provider_id, now)
    if over:
        db.flush()
        remove_after_commit(db, [c.path for c in over], report)
    return len(over)


# --- removal once the transaction committed -----------------------------------------------------------

_PENDING = "copass_files_to_remove"


def remove_after_commit(db: Session, paths: list[str], report: PurgeReport | None = None) -> None:
    if _PENDING not in db.info:
        event.listen(db, "after_commit", _on_commit)
        event.listen(db, "after_rollback", lambda session: session.info[_PENDING].clear())
        db.info[_PENDING] = []
    db.info[_PENDING].extend((path, report) for path in paths)


def _on_commit(db: Session) -> None:
    pending, db.info[_PENDING] = db.info[_PENDING], []
    if not pending:
        return
    try:
        remove_unreferenced(db.get_bind(), pending)
    except Exception:  # the records are committed; what is left on disk is an orphan for the next purge
        logger.exception("files left for the next purge")


def remove_unreferenced(engine: Engine, pending: list[tuple[str, PurgeReport | None]]) -> None:
    """Remove each file nothing points at any more, each check and removal under the storage's exclusive
    lock; a file a writer has just (re)written is left for the next purge."""
    with engine.connect() as connection:
        for path, report in pending:
            with storage.locked(exclusive=True):
                referenced = connection.execute(
                    select(func.count()).select_from(UploadRecord).where(UploadRecord.stored_path == path)).scalar()
                connection.rollback()  # the next check reads what was committed since
                gone = not referenced and storage.remove(path)
            if report is not None:
                (report.removed if gone else report.kept_fresh).append(path)
    storage.remove_empty_folders()
