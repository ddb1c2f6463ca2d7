"""TISS XML lots sent by providers: the web page and the HTTP endpoint both come through here.

Checks 1–5 (copass_app.tiss) then check 6 (lot_rules); an accepted lot becomes a batch with a
protocol and the TISS PROTOCOLO_RECEBIMENTO message; a refused one leaves only its upload record
(with the original file, kept privately, and the errors for the printable report).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from copass_app.db import session_scope
from copass_app.models import Batch, BatchOrigin, Operator, Protocol, Provider, UploadRecord, User, utcnow
from copass_app.reports.data import ErrorLine, ErrorReport
from copass_app.reports.error_report_pdf import render_error_report_pdf
from copass_app.services import audit, storage
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_writer import BatchLine, GuideToBill, write_batch
from copass_app.services.errors import NotFound
from copass_app.services.lot_export import GUIDE_TYPE_OF_ELEMENT
from copass_app.services.lot_rules import CODE_DUPLICATE, MatchedGuide, check_lot
from copass_app.text import to_latin1
from copass_app.tiss import codes
from copass_app.tiss.builders import ReceiptParty, build_lot_refusal, build_protocol_receipt, receipt_guides
from copass_app.tiss.model import LotIssue, LotValidation
from copass_app.tiss.parsing import max_xml_bytes
from copass_app.tiss.validation import validate_lot


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


def _too_large(size: int) -> LotIssue:
    limit_mb = max_xml_bytes() / 1_000_000
    return LotIssue(message=f"Arquivo de {size / 1_000_000:.1f} MB excede o limite de {limit_mb:.0f} MB.",
                    code=codes.CANNOT_VALIDATE)


def _lines(match: MatchedGuide) -> list[BatchLine]:
    claimed = [BatchLine(item.id, item.table_code, item.code, item.description, parsed.quantity or item.performed_qty,
                         parsed.unit_value if parsed.unit_value is not None else item.unit_value, parsed.total)
               for item, parsed in match.claims]
    extras = [BatchLine(None, parsed.table or "00", parsed.code or "", parsed.description or "",
                        parsed.quantity or 0, parsed.unit_value or 0, parsed.total)
              for parsed in match.extras]
    return claimed + extras


def _party(operator: Operator, provider: Provider) -> ReceiptParty:
    return ReceiptParty(registro_ans=operator.registro_ans, provider_code=provider.code)


def _accept(db: Session, actor: Actor, provider: Provider, lot: LotValidation, matches: list[MatchedGuide],
            now: datetime) -> tuple[int, str, bytes]:
    latest = max(match.performed_on for match in matches)
    guide_type = GUIDE_TYPE_OF_ELEMENT[lot.guide_type]
    operator = db.get(Operator, provider.operator_id)

    def receipt_for(batch: Batch) -> bytes:
        return build_protocol_receipt(
            _party(operator, provider), protocol_number=batch.protocol_number, lot_number=lot.lot_number,
            sent_on=lot.transaction_date or now.date(), guides=receipt_guides(lot.guides), total=batch.total_value,
            odonto=guide_type == "ODONTO", received_at=now.replace(tzinfo=None),
        )

    batch = write_batch(
        db, actor, provider.id, origin=BatchOrigin.XML, guide_type=guide_type, competence=f"{latest:%Y-%m}",
        lot_number=lot.lot_number, now=now, receipt_for=receipt_for,
        guides=[GuideToBill(m.guide.id, m.performed_on, _lines(m)) for m in matches],
    )
    db.flush()
    receipt = db.exec(select(Protocol.receipt_xml).where(Protocol.batch_id == batch.id)).one()
    return batch.id, batch.protocol_number, receipt


@dataclass(frozen=True)
class _Received:
    """A file as it arrived, kept with the upload record whatever the outcome."""

    file_name: str
    data: bytes
    md5: str
    via: str
    now: datetime
    lot: LotValidation | None

    @property
    def guide_count(self) -> int:
        return self.lot.guide_count if self.lot else 0


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
    return record


def _refuse(db: Session, actor: Actor, provider: Provider, received: _Received, errors: list[LotIssue]) -> LotOutcome:
    """Only the upload record stays, and the TISS answer carries the errors."""
    record = _record(db, actor, provider, received, errors, None)
    refusal = build_lot_refusal(_party(db.get(Operator, provider.operator_id), provider), errors,
                                refused_at=received.now.replace(tzinfo=None))
    return LotOutcome(record.id, False, received.file_name, received.md5, errors, None, None,
                      received.guide_count, refusal)


def receive_lot(actor: Actor, file_name: str, data: bytes, *, via: str = "WEB", now: datetime | None = None,
                today: date | None = None) -> LotOutcome:
    """Validate and, when everything passes, bill the lot — one transaction; refusals keep the record only."""
    provider_id = require_provider(actor)
    now = now or utcnow()
    file_name = (file_name or "lote.xml").rsplit("/", 1)[-1][:200]
    lot = validate_lot(data, filename=file_name) if len(data) <= max_xml_bytes() else None
    received = _Received(file_name, data, lot.md5 if lot else hashlib.md5(data).hexdigest(), via, now, lot)
    errors = list(lot.errors) if lot else [_too_large(len(data))]
    try:
        with session_scope() as db:
            provider = db.get(Provider, provider_id)
            if not errors:
                check = check_lot(db, provider, lot, today=today or now.date())
                errors = check.issues
            if errors:
                return _refuse(db, actor, provider, received, errors)
            batch_id, protocol, receipt = _accept(db, actor, provider, lot, check.matches, now)
            record = _record(db, actor, provider, received, [], batch_id)
            return LotOutcome(record.id, True, file_name, received.md5, [], batch_id, protocol,
                              received.guide_count, receipt)
    except IntegrityError:
        # Another confirmation billed the same items (or took the lot number) a moment earlier.
        conflict = [LotIssue(message="Algumas guias do arquivo acabaram de ser faturadas em outro lote "
                                     "(ou o número de lote foi usado). Atualize e confira antes de reenviar.",
                             code=CODE_DUPLICATE)]
        with session_scope() as db:
            return _refuse(db, actor, db.get(Provider, provider_id), received, conflict)


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


@dataclass(frozen=True)
class UploadPage:
    rows: list[UploadRow]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


def list_uploads(db: Session, actor: Actor, *, page: int = 1, page_size: int = 20) -> UploadPage:
    provider_id = require_provider(actor)
    total = db.exec(select(func.count()).select_from(UploadRecord).where(UploadRecord.provider_id == provider_id)).one()
    page_count = max(1, -(-total // page_size))
    page = max(1, min(page, page_count))
    query = (
        select(UploadRecord, User.login, Batch.protocol_number)
        .outerjoin(User, User.id == UploadRecord.user_id)
        .outerjoin(Batch, Batch.id == UploadRecord.batch_id)
        .where(UploadRecord.provider_id == provider_id)
        .order_by(UploadRecord.received_at.desc(), UploadRecord.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    )
    rows = [UploadRow(r.id, r.file_name, r.size_bytes, r.received_at, login or "", r.via, r.md5, r.accepted,
                      r.error_count, r.lot_number, r.batch_id, protocol)
            for r, login, protocol in db.exec(query)]
    return UploadPage(rows=rows, total=total, page=page, page_size=page_size)


def _own_upload(db: Session, actor: Actor, upload_id: int) -> UploadRecord:
    provider_id = require_provider(actor)
    record = db.get(UploadRecord, upload_id)
    if record is None or record.provider_id != provider_id:
        raise NotFound("Envio não encontrado.")
    return record


def upload_errors(db: Session, actor: Actor, upload_id: int) -> list[dict]:
    return json.loads(_own_upload(db, actor, upload_id).errors_json)


def original_file(db: Session, actor: Actor, upload_id: int) -> tuple[str, bytes]:
    record = _own_upload(db, actor, upload_id)
    return record.file_name, storage.load(record.stored_path)


def protocol_receipt_xml(db: Session, actor: Actor, upload_id: int) -> tuple[str, bytes]:
    record = _own_upload(db, actor, upload_id)
    protocol = db.exec(select(Protocol).where(Protocol.batch_id == record.batch_id)).first() if record.batch_id else None
    if protocol is None or not protocol.receipt_xml:
        raise NotFound("Este envio não tem protocolo de recebimento.")
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
    return f"erros-{stem}.pdf", render_error_report_pdf(report)
