"""A RECURSO_GLOSA XML uploaded by a provider instead of typing the appeals, checked like a lot.

Checks 1–5 as for a lot (hardened parse, encoding, the official XSD, the epilogo hash 5014,
tipoTransacao RECURSO_GLOSA 3148, Padrao 5028), then the rules that need the database: the
sender and the contracted provider are the logged-in provider (1203), the operator is ours
(5027), the protocol is one of the provider's own batches (another provider's protocol is not
found, 3291, exactly like a missing one), the lot number is that batch's (3270), each guide is in
that protocol (1307), each item's position and procedure are the billed ones (3167, 3219), its
glosa code is the applied glosa's (2901), the value contested is above zero and not above the
glosa (3311), a justification is given (2903), no glosa is appealed twice (2904), and the total
adds up (1104). Every problem is collected, with its TISS code.

When everything passes, the appeals are opened through `appeals.open_appeal` in the caller's
transaction and the reply is RECEBIMENTO_RECURSO_GLOSA / protocoloRecebimento. A refusal raises
a TracedRefusal: nothing of the attempt is kept but one audit row (action "appeal_xml.refuse",
the file's name, size, MD5 and its errors), and the reply is RECEBIMENTO_RECURSO_GLOSA /
mensagemErro:

    outcome = perform(lambda db: appeal_lots.receive_appeal_xml(db, actor, file_name, data))
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.formatting import size_over_limit
from copass_app.models import Appeal, Batch, Glosa, Operator, Provider
from copass_app.services import appeals, audit, statements
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_queries import batch_guides
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import TracedRefusal
from copass_app.tiss import codes
from copass_app.tiss.messages.appeal_reading import ParsedAppeal, ParsedAppealGuide, read_appeal
from copass_app.tiss.messages.appeals import AppealReceiptSpec, build_appeal_receipt, build_appeal_refusal
from copass_app.tiss.model import LotIssue, LotValidation
from copass_app.tiss.parsing import max_xml_bytes, parse_xml
from copass_app.tiss.validation import validate_lot

TRANSACTION = "RECURSO_GLOSA"


@dataclass(frozen=True)
class AppealUploadOutcome:
    accepted: bool
    errors: list[LotIssue]
    appeals_opened: list[int]
    response_xml: bytes  # RECEBIMENTO_RECURSO_GLOSA: the receipt, or the errors
    file_name: str = ""
    md5: str = ""
    batch_id: int | None = None
    protocol_number: str = ""  # the appealed protocol
    appeal_protocol_number: str = ""  # nrProtocoloRecursoGlosa of the receipt
    total: Decimal = field(default=Decimal("0.00"))


@dataclass(frozen=True)
class _Received:
    file_name: str
    size: int
    md5: str
    now: datetime  # aware UTC

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(clock.BRASILIA).replace(tzinfo=None)


def _refusal(actor: Actor, provider_id: int, received: _Received, errors: list[LotIssue]) -> TracedRefusal:
    def write_trace(db: Session) -> AppealUploadOutcome:
        provider = db.get(Provider, provider_id)
        operator = db.get(Operator, provider.operator_id)
        listed = "; ".join(f"[{e.code or '-'}] {e.message}" for e in errors)
        audit.record(db, actor, "appeal_xml.refuse", "appeal_upload", received.md5,
                     f"{received.file_name} ({received.size} bytes, MD5 {received.md5}): "
                     f"{len(errors)} erro(s): {listed}", at=received.now)
        db.flush()
        reply = build_appeal_refusal(statements.party_of(operator, provider), errors, refused_at=received.local_now)
        return AppealUploadOutcome(False, errors, [], reply, received.file_name, received.md5)

    return TracedRefusal(write_trace)


def _file_issues(data: bytes) -> tuple[list[LotIssue], LotValidation | None, ParsedAppeal | None]:
    limit = max_xml_bytes()
    if len(data) > limit:
        return [LotIssue(size_over_limit(len(data), limit), code=codes.CANNOT_VALIDATE)], None, None
    check = validate_lot(data, transaction=TRANSACTION)
    if check.errors:
        return list(check.errors), check, None
    parsed = read_appeal(parse_xml(data, max_bytes=len(data)).getroot())
    if parsed is None:
        return [LotIssue("A mensagem é um RECURSO_GLOSA, mas não contém o recurso "
                         "(prestadorParaOperadora/recursoGlosa).", code=codes.INCOMPLETE_MESSAGE)], check, None
    if parsed.odonto:
        return [LotIssue("O portal recebe recursos de glosa de guias médicas (guiaRecursoGlosa); o recurso "
                         "odontológico (guiaRecursoGlosaOdonto) deve ser digitado no portal.",
                         code=codes.INVALID_APPEAL, line=parsed.line)], check, None
    return [], check, parsed


def _header_issues(provider: Provider, operator: Operator, check: LotValidation,
                   parsed: ParsedAppeal) -> list[LotIssue]:
    issues = []
    own = (provider.code, provider.document)
    sent_by = check.sender_code or check.sender_cnpj or check.sender_cpf
    if sent_by not in own:
        issues.append(LotIssue(f"O remetente do arquivo ({sent_by or 'não informado'}) não é o prestador logado "
                               f"({provider.code} · {provider.name}).", code=codes.INVALID_PROVIDER))
    if parsed.contracted not in own:
        issues.append(LotIssue(f"O prestador do recurso (dadosContratado: {parsed.contracted or 'não informado'}) "
                               f"não é o prestador logado ({provider.code} · {provider.name}).",
                               code=codes.INVALID_PROVIDER, line=parsed.line))
    for where, value in (("destino", check.destination_ans), ("recurso", parsed.registro_ans)):
        if value != operator.registro_ans:
            issues.append(LotIssue(f"O registro ANS do {where} ({value or 'não informado'}) não é o da operadora "
                                   f"{operator.name} ({operator.registro_ans}).", code=codes.INVALID_OPERATOR))
    if parsed.protocol_level:
        issues.append(LotIssue("Recurso de protocolo (recursoProtocolo) não é aceito: as glosas são por item. "
                               "Recorra por guia (recursoGuiaCompleta) ou por item (itensGuia).",
                               code=codes.INVALID_APPEAL, line=parsed.line))
    return issues


def _own_batch(db: Session, provider: Provider, parsed: ParsedAppeal) -> Batch | None:
    """The appealed protocol among the provider's own batches (st_numerico12 may drop leading zeros)."""
    number = parsed.protocol_number
    candidates = {number, number.zfill(12)} if number.isdigit() else {number}
    return db.exec(select(Batch).where(Batch.provider_id == provider.id,
                                       Batch.protocol_number.in_(candidates))).first()


def _batch_issues(batch: Batch | None, parsed: ParsedAppeal, provider: Provider) -> list[LotIssue]:
    if batch is None:
        return [LotIssue(f"O protocolo {parsed.protocol_number or '(não informado)'} não foi encontrado entre os "
                         f"lotes de {provider.name}.", code=codes.PROTOCOL_NOT_FOUND, line=parsed.line)]
    issues = []
    if parsed.lot_number != batch.lot_number:
        issues.append(LotIssue(f"O número de lote {parsed.lot_number} não é o do protocolo {batch.protocol_number} "
                               f"(lote {batch.lot_number}).", code=codes.LOT_NOT_FOUND, line=parsed.line))
    if batch.status not in appeals.ANALYSED:
        issues.append(LotIssue(f"O protocolo {batch.protocol_number} ainda não teve a análise concluída: "
                               "não há glosa a recorrer.", code=codes.INVALID_APPEAL, line=parsed.line))
    return issues


def receive_appeal_xml(db: Session, actor: Actor, file_name: str, data: bytes, *,
                       now: datetime | None = None) -> AppealUploadOutcome:
    """Check an uploaded RECURSO_GLOSA and, when everything passes, open its appeals.

    Run it through `perform(...)`: a refusal raises a TracedRefusal, so `perform` returns an
    AppealUploadOutcome in every case (accepted or not)."""
    provider_id = require_provider(actor)
    now = clock.as_utc(now) if now else clock.now()
    received = _Received((file_name or "recurso.xml").rsplit("/", 1)[-1][:200], len(data),
                         hashlib.md5(data).hexdigest(), now)
    provider = db.get(Provider, provider_id)
    operator = db.get(Operator, provider.operator_id)
    errors, check, parsed = _file_issues(data)
    batch = None
    contests: list[Contest] = []
    if not errors:
        errors = _header_issues(provider, operator, check, parsed)
        batch = _own_batch(db, provider, parsed)
        errors += _batch_issues(batch, parsed, provider)
        if batch is not None and batch.status in appeals.ANALYSED and not parsed.protocol_level:
            plan = plan_appeals(db, batch, parsed)
            errors += plan.issues
            contests = plan.contests
    if not errors and not contests:
        errors = [LotIssue("O recurso não contesta nenhum item.", code=codes.INCOMPLETE_MESSAGE)]
    if errors:
        raise _refusal(actor, provider_id, received, errors)
    opened = []
    try:
        for contest in contests:
            opened.append(appeals.open_appeal(db, actor, contest.glosa_id, contested_value=contest.value,
                                              justification=contest.justification).id)
    except DomainError as error:  # another request appealed the same glosa a moment ago
        raise _refusal(actor, provider_id, received, [LotIssue(error.message, code=codes.APPEAL_REPEATED)]) from None
    return _accepted(db, actor, provider, operator, batch, parsed, received, opened)


def _accepted(db: Session, actor: Actor, provider: Provider, operator: Operator, batch: Batch, parsed: ParsedAppeal,
              received: _Received, opened: list[int]) -> AppealUploadOutcome:
    rows = appeals.appeal_rows(db, [Appeal.id.in_(opened)])
    guides = statements.appealed_guides(db, batch, rows)
    total = sum((row.contested_value for row in rows), Decimal("0.00"))
    number = statements.appeal_protocol_number(min(opened), received.now)
    reply = build_appeal_receipt(AppealReceiptSpec(
        party=statements.party_of(operator, provider), appeal_protocol_number=number,
        sent_on=parsed.appealed_on or received.local_now.date(), received_on=received.local_now.date(),
        lot_number=batch.lot_number, appealed_protocol_number=batch.protocol_number,
        received_at=received.local_now, guides=guides))
    audit.record(db, actor, "appeal_xml.accept", "batch", batch.id,
                 f"{received.file_name} (MD5 {received.md5}): {len(opened)} recurso(s) do protocolo "
                 f"{batch.protocol_number}, {fmt.money(total)} contestados; protocolo do recurso {number}",
                 at=received.now)
    db.flush()
    return AppealUploadOutcome(True, [], opened, reply, received.file_name, received.md5, batch.id,
                               batch.protocol_number, number, total)


# --- the rules that need the database --------------------------------------------------------------


@dataclass(frozen=True)
class Contest:
    """One appeal to open: the glosa, the value contested and why."""

    glosa_id: int
    value: Decimal
    justification: str


@dataclass
class _Plan:
    batch: Batch
    glosas: dict[int, Glosa]  # applied glosa of each item
    appealed: set[int]  # glosas that already have an appeal (open or decided)
    contests: list[Contest] = field(default_factory=list)
    issues: list[LotIssue] = field(default_factory=list)

    def issue(self, code: str, message: str, line: int | None, path: str | None = None,
              guide: str | None = None) -> None:
        self.issues.append(LotIssue(message, code=code, line=line, path=path, guide_number=guide))

    def contest(self, glosa: Glosa, value: object, justification: str, where: str, line: int | None,
                path: str, guide: str) -> None:
        if not isinstance(value, Decimal) or value <= 0 or value > glosa.value:
            shown = fmt.money(value) if isinstance(value, Decimal) else "ilegível"
            self.issue(codes.INVALID_APPEAL_VALUE, f"{where}: o valor recursado ({shown}) deve ser maior que zero e "
                       f"não maior que o valor glosado ({fmt.money(glosa.value)}).", line, path, guide)
        elif len(" ".join(justification.split())) < appeals.MIN_TEXT:
            self.issue(codes.APPEAL_WITHOUT_JUSTIFICATION, f"{where}: a justificativa deve ter ao menos "
                       f"{appeals.MIN_TEXT} caracteres explicando o motivo.", line, path, guide)
        elif glosa.id in self.appealed:
            self.issue(codes.APPEAL_REPEATED, f"{where}: esta glosa já tem recurso (no portal ou repetido no "
                       "arquivo) e não pode receber outro.", line, path, guide)
        else:
            self.appealed.add(glosa.id)
            self.contests.append(Contest(glosa.id, value, justification))


def plan_appeals(db: Session, batch: Batch, parsed: ParsedAppeal) -> _Plan:
    """The appeals the file asks for, item by item, or every reason it cannot have them."""
    glosas = {item_id: found[0] for item_id, found in statements.applied_glosas(db, batch.id).items()}
    appealed = set(db.exec(select(Appeal.glosa_id).where(Appeal.batch_id == batch.id)).all())
    plan = _Plan(batch, glosas, appealed)
    guides = {guide.provider_guide_number: batch_guide
              for batch_guide, guide, _name, _card in batch_guides(db, batch.id)}
    items = statements.items_by_guide(db, batch.id)
    for parsed_guide in parsed.guides:
        batch_guide = guides.get(parsed_guide.provider_guide_number)
        if batch_guide is None:
            plan.issue(codes.INVALID_GUIDE, f"Guia {parsed_guide.provider_guide_number or '(sem número)'}: não consta "
                       f"do protocolo {batch.protocol_number}.", parsed_guide.line, parsed_guide.path,
                       parsed_guide.provider_guide_number)
            continue
        _plan_guide(plan, parsed_guide, items[batch_guide.id])
    if not plan.issues and parsed.total != sum((c.value for c in plan.contests), Decimal("0.00")):
        shown = fmt.money(parsed.total) if isinstance(parsed.total, Decimal) else "ilegível"
        plan.issue(codes.APPEAL_TOTAL_MISMATCH, f"O valor total recursado ({shown}) é diferente da soma dos valores "
                   f"recursados ({fmt.money(sum((c.value for c in plan.contests), Decimal('0.00')))}).", parsed.line)
    return plan


def _plan_guide(plan: _Plan, parsed: ParsedAppealGuide, items: list) -> None:
    number = parsed.provider_guide_number
    for line in parsed.items:
        where = f"Guia {number}, item {line.sequence if line.sequence is not None else '?'}"
        if line.sequence is None or not 1 <= line.sequence <= len(items):
            plan.issue(codes.INVALID_SEQUENCE, f"{where}: a guia tem {len(items)} item(ns); o sequencial não "
                       "corresponde a nenhum.", line.line, line.path, number)
            continue
        item = items[line.sequence - 1]
        if (line.table, line.code) != (item.table_code, item.code):
            plan.issue(codes.PROCEDURE_MISMATCH, f"{where}: o procedimento {line.table}/{line.code} não é o faturado "
                       f"nessa posição ({item.table_code}/{item.code} · {item.description}).", line.line, line.path,
                       number)
            continue
        glosa = plan.glosas.get(item.id)
        if glosa is None:
            plan.issue(codes.INVALID_APPEAL, f"{where}: o item não tem glosa aplicada.", line.line, line.path, number)
        elif line.glosa_code != glosa.reason_code:
            plan.issue(codes.INVALID_APPEAL, f"{where}: o código de glosa {line.glosa_code} não é o da glosa aplicada "
                       f"({glosa.reason_code}).", line.line, line.path, number)
        else:
            plan.contest(glosa, line.value, line.justification, where, line.line, line.path, number)
    for whole in parsed.whole:
        matching = [plan.glosas[item.id] for item in items
                    if item.id in plan.glosas and plan.glosas[item.id].reason_code == whole.glosa_code]
        where = f"Guia {number} (guia completa, código {whole.glosa_code})"
        if not matching:
            plan.issue(codes.INVALID_APPEAL, f"{where}: a guia não tem glosa aplicada com esse código.", whole.line,
                       whole.path, number)
        for glosa in matching:
            plan.contest(glosa, glosa.value, whole.justification, where, whole.line, whole.path, number)
