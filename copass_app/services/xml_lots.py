"""TISS XML lots sent by providers: the web page and the HTTP endpoint both come through here.

Checks 1–5 (copass_app.tiss) then check 6 (lot_rules); an accepted lot becomes a batch with a
protocol and the TISS PROTOCOLO_RECEBIMENTO message, in the caller's transaction; a refused one
leaves only its upload record (with the original file, kept privately, and the errors for the
printable report), written by a `TracedRefusal` after everything else was rolled back:

    outcome = perform(lambda db: xml_lots.receive_lot(db, actor, file_name, data))
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from copass_app import clock, formatting, settings
from copass_app.formatting import size_over_limit
from copass_app.models import (
    AuditLog,
    Batch,
    BatchOrigin,
    DetailSource,
    Operator,
    Protocol,
    Provider,
    UploadRecord,
    User,
)
from copass_app.reports.data import ErrorLine, ErrorReport
from copass_app.reports.error_report_pdf import render_error_report_pdf
from copass_app.services import audit, retention, storage
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_writer import BatchLine, GuideToBill, write_batch
from copass_app.services.errors import NotFound
from copass_app.services.lot_export import GUIDE_TYPE_OF_ELEMENT
from copass_app.services.lot_rules import MatchedGuide, check_lot
from copass_app.services.paging import PAGE_SIZE, Page, clamp
from copass_app.services.unit_of_work import TracedRefusal
from copass_app.text import to_latin1
from copass_app.tiss import codes
from copass_app.tiss.guide_tree import to_tree
from copass_app.tiss.guides import guide_elements
from copass_app.tiss.messages import ReceiptParty, build_lot_refusal, build_protocol_receipt, receipt_guides
from copass_app.tiss.model import LotIssue, LotValidation
from copass_app.tiss.parsing import max_xml_bytes, parse_xml
from copass_app.tiss.validation import validate_lot

logger = logging.getLogger(__name__)

LOST_RACE = ("Algumas guias do arquivo acabaram de ser faturadas em outro lote (ou o número de lote foi usado). "
             "Atualize e confira antes de reenviar.")


@dataclass(frozen=True)
class LotOutcome:
    upload_id: int
    accepted: bool
    file_name: str
    md5: str
    errors: list[LotIssue]
    batch_id: int | None = None
    protocol_number: str | None = None
    guide_count: int = 0
    response_xml: bytes = b""  # PROTOCOLO_RECEBIMENTO with the protocol, or with the errors


def issue_record(issue: LotIssue) -> dict:
    """An error as the history keeps it: the CLI's JSON fields plus the guide, to group the report."""
    return {**issue.to_dict(), "guide_number": issue.guide_number}


def _lines(match: MatchedGuide) -> list[BatchLine]:
    claimed = [BatchLine(item.id, item.table_code, item.code, item.description, parsed.quantity or item.performed_qty,
                         parsed.unit_value if parsed.unit_value is not None else item.unit_value, parsed.total)
               for item, parsed in match.claims]
    extras = [BatchLine(None, parsed.table or "00", parsed.code or "", parsed.description or "",
                        parsed.quantity or 0, parsed.unit_value or 0, parsed.total)
              for parsed in match.extras]
    return claimed + extras


def _guide_trees(lot: LotValidation) -> list[list]:
    """Every guide element of the lot as sent (tiss.guide_tree), in document order like lot.guides: the
    clinical fields are kept as the provider gave them, and the batch's XML is written back from them."""
    root = parse_xml(lot.source, max_bytes=len(lot.source)).getroot()
    return [to_tree(element) for element in guide_elements(root)]


def _party(operator: Operator, provider: Provider) -> ReceiptParty:
    return ReceiptParty(registro_ans=operator.registro_ans, provider_code=provider.code)


@dataclass(frozen=True)
class _Received:
    """A file as it arrived, kept with the upload record whatever the outcome."""

    file_name: str
    data: bytes
    md5: str
    via: str
    now: datetime  # aware UTC, as stored
    lot: LotValidation | None

    @property
    def guide_count(self) -> int:
        return self.lot.guide_count if self.lot else 0

    @property
    def local_now(self) -> datetime:
        """The moment in Brasília: what TISS messages and people read."""
        return self.now.astimezone(clock.BRASILIA)


def _accept(db: Session, actor: Actor, provider: Provider, received: _Received,
            matches: list[MatchedGuide]) -> tuple[int, str, bytes]:
    lot = received.lot
    latest = max(match.performed_on for match in matches)
    guide_type = GUIDE_TYPE_OF_ELEMENT[lot.guide_type]
    operator = db.get(Operator, provider.operator_id)

    def receipt_for(batch: Batch) -> bytes:
        return build_protocol_receipt(
            _party(operator, provider), protocol_number=batch.protocol_number, lot_number=lot.lot_number,
            sent_on=lot.transaction_date or received.local_now.date(), guides=receipt_guides(lot.guides),
            total=batch.total_value, odonto=guide_type == "ODONTO", received_at=received.local_now,
        )

    trees = _guide_trees(lot)
    batch = write_batch(
        db, actor, provider.id, origin=BatchOrigin.XML, guide_type=guide_type, competence=f"{latest:%Y-%m}",
        lot_number=lot.lot_number, now=received.now, receipt_for=receipt_for,
        guides=[GuideToBill(m.guide.id, m.performed_on, _lines(m), detail=trees[m.parsed.index - 1],
                            detail_source=DetailSource.XML) for m in matches],
    )
    db.flush()
    receipt = db.exec(select(Protocol.receipt_xml).where(Protocol.batch_id == batch.id)).one()
    return batch.id, batch.protocol_number, receipt


def _record(db: Session, actor: Actor, provider: Provider, received: _Received, errors: list[LotIssue],
            batch_id: int | None) -> UploadRecord:
    record = UploadRecord(provider_id=provider.id, user_id=actor.user_id, via=received.via,
                          file_name=received.file_name, size_bytes=len(received.data), md5=received.md5,
                          lot_number=(received.lot.lot_number if received.lot else "") or "",
                          received_at=received.now, accepted=not errors, error_count=len(errors),
                          errors_json=json.dumps([issue_record(issue) for issue in errors], ensure_ascii=False),
                          batch_id=batch_id,
                          stored_path=storage.save(storage.upload_path(provider.id, received.md5), received.data))
    db.add(record)
    db.flush()
    audit.record(db, actor, "xml.accept" if not errors else "xml.refuse", "upload_record", record.id,
                 f"{received.file_name}: {'aceito' if not errors else f'{len(errors)} erro(s)'}", at=received.now)
    db.flush()
    return record


def _refusal(actor: Actor, provider_id: int, received: _Received, errors: list[LotIssue]) -> TracedRefusal:
    """The refusal of checks 1–6 or of a lost race: only the upload record (file, errors, audit) is kept,
    written after the attempt's own writes were rolled back; the TISS answer carries the errors."""

    def write_trace(db: Session) -> LotOutcome:
        provider = db.get(Provider, provider_id)
        record = _record(db, actor, provider, received, errors, None)
        retention.enforce_refused_quota(db, provider.id, now=received.now)
        refusal = build_lot_refusal(_party(db.get(Operator, provider.operator_id), provider), errors,
                                    refused_at=received.local_now)
        return LotOutcome(record.id, False, received.file_name, received.md5, errors, None, None,
                          received.guide_count, refusal)

    return TracedRefusal(write_trace)


def receive_lot(db: Session, actor: Actor, file_name: str, data: bytes, *, via: str = "WEB",
                now: datetime | None = None) -> LotOutcome:
    """Validate and, when everything passes, bill the lot in the caller's transaction.

    Run it through `perform(lambda db: receive_lot(db, actor, name, data))`: a refused lot (checks
    1–6, or another confirmation that billed the same guides or took the lot number first, 1702)
    raises a TracedRefusal, so `perform` returns a LotOutcome in every case. "Today" for the
    dates of the lot is the Brasília date of `now` (default: the clock's).
    """
    provider_id = require_provider(actor)
    now = clock.as_utc(now) if now else clock.now()
    file_name = (file_name or "lote.xml").rsplit("/", 1)[-1][:200]
    limit = max_xml_bytes()
    lot = validate_lot(data, filename=file_name) if len(data) <= limit else None
    received = _Received(file_name, data, lot.md5 if lot else hashlib.md5(data).hexdigest(), via, now, lot)
    errors = list(lot.errors) if lot else [LotIssue(message=size_over_limit(len(data), limit),
                                                    code=codes.CANNOT_VALIDATE)]
    provider = db.get(Provider, provider_id)
    if not errors:
        check = check_lot(db, provider, lot, today=clock.brasilia_date(now))
        errors = check.issues
    if errors:
        raise _refusal(actor, provider_id, received, errors)
    try:
        batch_id, protocol, receipt = _accept(db, actor, provider, received, check.matches)
        record = _record(db, actor, provider, received, [], batch_id)
    except IntegrityError:
        # Another confirmation billed the same items (or took the lot number) a moment earlier.
        raise _refusal(actor, provider_id, received,
                       [LotIssue(message=LOST_RACE, code=codes.DUPLICATE_BILLING)]) from None
    return LotOutcome(record.id, True, file_name, received.md5, [], batch_id, protocol, received.guide_count, receipt)


# --- history and files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadRow:
    id: int
    file_name: str
    size_bytes: int
    received_at: datetime
    user_login: str
    via: str
    md5: str
    accepted: bool
    error_count: int
    lot_number: str
    batch_id: int | None
    protocol_number: str | None
    file_purged: bool = False  # past its retention: the history says retention.PURGED_NOTE, no download


def list_uploads(db: Session, actor: Actor, *, page: int = 1, page_size: int = PAGE_SIZE) -> Page[UploadRow]:
    provider_id = require_provider(actor)
    total = db.exec(select(func.count()).select_from(UploadRecord).where(UploadRecord.provider_id == provider_id)).one()
    page, page_size, offset = clamp(page, page_size, total)
    query = (
        select(UploadRecord, User.login, Batch.protocol_number)
        .outerjoin(User, User.id == UploadRecord.user_id)
        .outerjoin(Batch, Batch.id == UploadRecord.batch_id)
        .where(UploadRecord.provider_id == provider_id)
        .order_by(UploadRecord.received_at.desc(), UploadRecord.id.desc())
        .offset(offset).limit(page_size)
    )
    rows = [UploadRow(r.id, r.file_name, r.size_bytes, r.received_at, login or "", r.via, r.md5, r.accepted,
                      r.error_count, r.lot_number, r.batch_id, protocol, not r.stored_path)
            for r, login, protocol in db.exec(query)]
    return Page(rows=rows, total=total, page=page, page_size=page_size)


def _own_upload(db: Session, actor: Actor, upload_id: int) -> UploadRecord:
    provider_id = require_provider(actor)
    record = db.get(UploadRecord, upload_id)
    if record is None or record.provider_id != provider_id:
        raise NotFound("Envio não encontrado.")
    return record


def upload_errors(db: Session, actor: Actor, upload_id: int) -> list[dict]:
    return json.loads(_own_upload(db, actor, upload_id).errors_json)


def _purged_message(db: Session, record: UploadRecord) -> str:
    purged_at = db.exec(select(AuditLog.at).where(AuditLog.entity == "upload_record",
                                                  AuditLog.entity_id == str(record.id),
                                                  AuditLog.action == "file.purge")
                        .order_by(AuditLog.at.desc())).first()
    when = f" em {formatting.date_br(clock.brasilia_date(clock.as_utc(purged_at)))}" if purged_at else ""
    kept = (f"os envios recusados são guardados por {settings.refused_retention_days()} dias"
            if not record.accepted else "o prazo de guarda dos lotes aceitos terminou")
    return (f"O arquivo deste envio foi expurgado{when} ({kept}). O histórico, os erros e o protocolo "
            "continuam disponíveis.")


def original_file(db: Session, actor: Actor, upload_id: int) -> tuple[str, bytes]:
    """The file as the provider sent it, to its owner only (the download is audited: patients' data)."""
    record = _own_upload(db, actor, upload_id)
    if not record.stored_path:
        raise NotFound(_purged_message(db, record))
    try:
        data = storage.load(record.stored_path)
    except FileNotFoundError:
        logger.error("upload %s: file %s missing from the private storage", record.id, record.stored_path)
        raise NotFound("O arquivo deste envio não está disponível no servidor. Avise a operadora.") from None
    audit.record(db, actor, "file.download", "upload_record", record.id, f"arquivo original: {record.file_name}")
    return record.file_name, data


def protocol_receipt_xml(db: Session, actor: Actor, upload_id: int) -> tuple[str, bytes]:
    record = _own_upload(db, actor, upload_id)
    protocol = (db.exec(select(Protocol).where(Protocol.batch_id == record.batch_id)).first()
                if record.batch_id else None)
    if protocol is None or not protocol.receipt_xml:
        raise NotFound("Este envio não tem protocolo de recebimento.")
    audit.record(db, actor, "file.download", "upload_record", record.id, f"protocolo de recebimento {protocol.number}")
    return f"protocolo-{protocol.number}.xml", protocol.receipt_xml


def error_report_pdf(db: Session, actor: Actor, upload_id: int) -> tuple[str, bytes]:
    record = _own_upload(db, actor, upload_id)
    if record.accepted:
        raise NotFound("Este envio foi aceito; não há relatório de erros.")
    provider = db.get(Provider, record.provider_id)
    user = db.get(User, record.user_id) if record.user_id else None
    errors = json.loads(record.errors_json)
    report = ErrorReport(
        file_name=record.file_name, received_at=record.received_at, md5=record.md5, size_bytes=record.size_bytes,
        provider_name=provider.name, provider_code=provider.code, user_login=user.login if user else "",
        errors=[ErrorLine(guide_number=e.get("guide_number"), code=e.get("code"),
                          code_description=codes.describe(e["code"]) if e.get("code") else None,
                          line=e.get("line"), path=e.get("path") or "", message=to_latin1(e["message"]))
                for e in errors],
    )
    stem = record.file_name.rsplit(".", 1)[0]
    audit.record(db, actor, "file.download", "upload_record", record.id, f"relatório de erros: {record.file_name}")
    return f"erros-{stem}.pdf", render_error_report_pdf(report)
