#!/usr/bin/env python
"""Crash safety under kill -9: a worker performs user actions, the harness kills it at random moments.

    .venv/bin/python scripts/crash_run.py --kills 200 --max-seconds 600

On a fresh SQLite file (WAL, the pragmas of copass_app/db.py) seeded with a small demo, a worker
process runs user actions in a loop through the paths the web handlers use — each one
`unit_of_work.perform(lambda db: service(db, actor_for_token(db, token), ...))`: web billing
(open the period, maybe add a material, confirm with the page's retries), an XML lot upload
(built from the provider's own authorized, unbilled guides; refused resends too), the staff's
start of analysis and the provider's estorno. The harness SIGKILLs it at random moments after it
announces an action (or one of its phases: a commit, a file write), checks the database and the
private files with SQL (see `CHECKS`), restarts the worker and goes on. Bounded by
`--kills` and `--max-seconds`; exits 1 on any inconsistency (or a worker that failed on its own).

Adding an action (the analysis' conclusion and the payment are the latest) is one more entry in
`ACTIONS` (a function `ctx -> outcome`) and, for its records, a few more queries in `CHECKS`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

UPLOADS = "uploads"
LIVE = "b.status <> '9' AND b.reversed_at IS NULL"  # batch b was not cancelled by an estorno

# ------------------------------------------------------------------------------------------------
# The worker: user actions, exactly as the web handlers run them
# ------------------------------------------------------------------------------------------------


_SELF_KILL = {"action": "", "point": "", "left": 0}  # set from CRASH_SELF_KILL: "action:point:n"
_current = {"action": ""}


def emit(line: str) -> None:
    """One unbuffered write per line, so the harness knows what was running when it killed us.

    A worker started with CRASH_SELF_KILL=action:point:n kills itself with SIGKILL at the n-th
    `point` of `action`: moments too short to hit from outside (just before COMMIT, between the
    temporary file and its rename)."""
    if line.startswith("ENTER "):
        _current["action"] = line[6:]
    elif line.startswith(("DONE ", "ERROR ")):
        _current["action"] = ""
    elif line.startswith("P ") and not _current["action"]:
        return  # the loop's own read between two actions
    os.write(1, (line + "\n").encode())
    if _SELF_KILL["left"] and line == f"P {_SELF_KILL['point']}" and _current["action"] == _SELF_KILL["action"]:
        _SELF_KILL["left"] -= 1
        if not _SELF_KILL["left"]:
            os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Context:
    rng: random.Random
    provider_tokens: list[str]
    staff_token: str
    extra_item_ids: list[int]
    sent_lots: list[tuple[str, str, bytes]] = field(default_factory=list)  # (token, name, data) for resends


def as_user(token: str, service):
    """What `state.auth.call_service` does: the actor is read from the session in the same unit of work."""
    from copass_app.services.auth import actor_for_token

    def action(db):
        actor = actor_for_token(db, token)
        if actor is None:
            raise RuntimeError("sessão de teste expirada")
        return service(db, actor)

    return action


def web_billing(ctx: Context) -> str:
    from copass_app import clock
    from copass_app.services import billing
    from copass_app.services.errors import DomainError
    from copass_app.services.unit_of_work import perform

    token = ctx.rng.choice(ctx.provider_tokens)
    end = clock.today() - timedelta(days=ctx.rng.randint(0, 150))
    start = end - timedelta(days=ctx.rng.randint(5, 45))
    try:
        emit("P open")
        start_text, end_text = f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"  # as the date inputs send them
        perform(as_user(token, lambda db, a: billing.open_draft(db, a, start=start_text, end=end_text)))
        guides = perform(as_user(token, lambda db, a: billing.draft_page(db, a).rows))
        if guides and ctx.rng.random() < 0.5:
            emit("P extra")
            guide, item = ctx.rng.choice(guides), ctx.rng.choice(ctx.extra_item_ids)
            perform(as_user(token, lambda db, a: billing.add_extra_item(db, a, guide.guide_id, item, quantity="2")))
        if len(guides) > 1 and ctx.rng.random() < 0.3:
            emit("P uncheck")
            dropped = ctx.rng.choice(guides).guide_id
            perform(as_user(token, lambda db, a: billing.set_guide_included(db, a, dropped, False)))
        emit("P confirm")
        confirmed = perform(as_user(token, lambda db, a: billing.confirm_draft(db, a)), retries=billing.CONFIRM_RETRIES)
    except DomainError:
        return "refused"
    return f"ok {len(confirmed)} lote(s)"


def _lot_to_send(ctx: Context, token: str) -> tuple[str, bytes] | None:
    """What the provider's own system would send: a lot of its authorized guides not billed yet."""
    from sqlmodel import select

    from copass_app.models import BilledItem, Guide, GuideItem, Provider
    from copass_app.services.billing import AUTHORIZED
    from copass_app.services.lot_export import lot_for_guides
    from copass_app.services.unit_of_work import perform

    def build(db, actor):
        billed = select(GuideItem.guide_id).join(BilledItem, BilledItem.guide_item_id == GuideItem.id)
        guides = db.exec(select(Guide).where(
            Guide.provider_id == actor.provider_id, Guide.status.in_(AUTHORIZED), Guide.performed_on.is_not(None),
            Guide.id.not_in(billed))).all()
        by_type = defaultdict(list)
        for guide in guides:
            by_type[guide.guide_type].append(guide)
        if not by_type:
            return None
        chosen = by_type[ctx.rng.choice(sorted(by_type))]
        picked = ctx.rng.sample(chosen, min(len(chosen), ctx.rng.randint(1, 4)))
        number = str(ctx.rng.randint(10**10, 10**11 - 1))
        return f"lote-{number}.xml", lot_for_guides(db, db.get(Provider, actor.provider_id), picked, number)

    return perform(as_user(token, build))


def xml_lot(ctx: Context) -> str:
    from copass_app.services import xml_lots
    from copass_app.services.unit_of_work import perform

    if ctx.sent_lots and ctx.rng.random() < 0.2:
        token, name, data = ctx.rng.choice(ctx.sent_lots)  # a resend: refused (lot number used), trace kept
    else:
        token = ctx.rng.choice(ctx.provider_tokens)
        built = _lot_to_send(ctx, token)
        if built is None:
            return "skipped"
        name, data = built
        ctx.sent_lots = (ctx.sent_lots + [(token, name, data)])[-20:]
    emit("P receive")
    outcome = perform(as_user(token, lambda db, a: xml_lots.receive_lot(db, a, name, data)))
    return "ok" if outcome.accepted else "refused"


def _received_batch(db, provider_id: int | None):
    from sqlmodel import select

    from copass_app.models import Batch, BatchStatus

    query = select(Batch.id).where(Batch.status == BatchStatus.RECEBIDO, Batch.processed_at.is_(None))
    if provider_id is not None:
        query = query.where(Batch.provider_id == provider_id)
    return db.exec(query).all()


def start_analysis(ctx: Context) -> str:
    from copass_app.services import processing
    from copass_app.services.errors import DomainError
    from copass_app.services.unit_of_work import perform

    def analyse(db, actor):
        waiting = _received_batch(db, None)
        if len(waiting) < 3:  # keep batches for the estornos: analysed guides are billed for good
            return "skipped"
        processing.start_analysis(db, actor, ctx.rng.choice(waiting))
        return "ok"

    try:
        return perform(as_user(ctx.staff_token, analyse))
    except DomainError:
        return "refused"


def reverse(ctx: Context) -> str:
    from copass_app.services import batches
    from copass_app.services.errors import DomainError
    from copass_app.services.unit_of_work import perform

    def undo(db, actor):
        waiting = _received_batch(db, actor.provider_id)
        if not waiting:
            return "skipped"
        batches.reverse_batch(db, actor, ctx.rng.choice(waiting))
        return "ok"

    try:
        return perform(as_user(ctx.rng.choice(ctx.provider_tokens), undo))
    except DomainError:
        return "refused"


def _batches_in(db, status):
    from sqlmodel import select

    from copass_app.models import Batch

    return db.exec(select(Batch.id, Batch.provider_id).where(Batch.status == status).order_by(Batch.id)).all()


def finish_analysis(ctx: Context) -> str:
    """The analyst accepts every item of a batch in analysis and concludes it (one user action each, as
    the analysis page sends them): the batch is released for payment."""
    from copass_app.models import BatchStatus
    from copass_app.services import analysis
    from copass_app.services.errors import DomainError
    from copass_app.services.unit_of_work import perform

    def pick(db, actor):
        waiting = _batches_in(db, BatchStatus.EM_ANALISE)
        return ctx.rng.choice(waiting)[0] if waiting else None

    batch_id = perform(as_user(ctx.staff_token, pick))
    if batch_id is None:
        return "skipped"
    try:
        emit("P accept_all")
        perform(as_user(ctx.staff_token, lambda db, a: analysis.accept_all(db, a, batch_id)))
        emit("P finish")
        perform(as_user(ctx.staff_token, lambda db, a: analysis.finish_analysis(db, a, batch_id)))
    except DomainError:
        return "refused"
    return "ok"


def payment(ctx: Context) -> str:
    """Staff register the payment of one provider's batches released for payment."""
    from copass_app import clock
    from copass_app.models import BatchStatus
    from copass_app.services import payments
    from copass_app.services.errors import DomainError
    from copass_app.services.unit_of_work import perform

    def pay(db, actor):
        released = _batches_in(db, BatchStatus.LIBERADO_PAGAMENTO)
        if not released:
            return "skipped"
        provider_id = ctx.rng.choice(released)[1]
        batch_ids = [batch_id for batch_id, owner in released if owner == provider_id][:3]
        payments.register_payment(db, actor, provider_id, batch_ids=batch_ids, appeal_ids=[], paid_on=clock.today())
        return "ok"

    try:
        return perform(as_user(ctx.staff_token, pay))
    except DomainError:
        return "refused"


def new_guides(ctx: Context) -> str:
    """The operator authorizes more requests, so a long run never runs out of billable guides."""
    from sqlmodel import func, select

    from copass_app import clock
    from copass_app.models import Beneficiary, CatalogItem, Guide, Provider
    from copass_app.services import demo
    from copass_app.services.unit_of_work import perform

    def authorize(db):
        provider = ctx.rng.choice(db.exec(select(Provider)).all())
        spec = next(s for s in demo.DEMO_PROVIDERS if s.code == provider.code)
        items = db.exec(select(CatalogItem)).all()
        catalogs = demo.Catalogs([i for i in items if i.table_code == "18"], [i for i in items if i.table_code == "19"],
                                 [i for i in items if i.table_code == "20"])
        count = db.exec(select(func.count()).select_from(Guide).where(Guide.provider_id == provider.id)).one()
        demo.generate_guides(db, provider, spec.guide_types, 12, list(db.exec(select(Beneficiary.id))),
                             clock.today(), ctx.rng, catalogs, first_number=count + 1, days_back=60)
        return "ok"

    return perform(authorize)


# Name -> (weight, action).
ACTIONS = {
    "web_billing": (3, web_billing),
    "xml_lot": (3, xml_lot),
    "start_analysis": (1, start_analysis),
    "reverse": (2, reverse),
    "finish_analysis": (1, finish_analysis),
    "payment": (1, payment),
}
REFILL = "new_guides"
REFILL_BELOW = 25  # billable guides left


def _billable_left() -> int:
    from sqlmodel import func, select

    from copass_app.models import BilledItem, Guide, GuideItem
    from copass_app.services.billing import AUTHORIZED
    from copass_app.services.unit_of_work import perform

    billed = select(GuideItem.guide_id).join(BilledItem, BilledItem.guide_item_id == GuideItem.id)
    return perform(lambda db: db.exec(select(func.count()).select_from(Guide).where(
        Guide.status.in_(AUTHORIZED), Guide.performed_on.is_not(None), Guide.id.not_in(billed))).one())


def _instrument() -> None:
    """Announce commits and file writes (the moments worth killing in); behaviour is unchanged."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from copass_app.services import storage

    event.listen(Session, "before_commit", lambda _session: emit("P commit"))
    event.listen(Session, "after_commit", lambda _session: emit("P committed"))
    real_save = storage.save

    def save(relative: str, data: bytes) -> str:
        emit("P file")
        stored = real_save(relative, data)
        emit("P filed")
        return stored

    storage.save = save
    real_replace = os.replace

    def replace(source, destination):  # storage.save: the temporary file is written, not yet renamed
        emit("P rename")
        return real_replace(source, destination)

    os.replace = replace
    if os.environ.get("CRASH_SELF_KILL"):
        action, point, count = os.environ["CRASH_SELF_KILL"].split(":")
        _SELF_KILL.update(action=action, point=point, left=int(count))


def worker_main(seed: int) -> int:
    from sqlmodel import select

    from copass_app.models import CatalogItem
    from copass_app.services import batches, billing, demo, lot_export, processing, xml_lots  # noqa: F401
    from copass_app.services.unit_of_work import perform
    from copass_app.tiss.schema import get_schema

    get_schema()  # loaded before READY, so kills land in actions rather than in start-up
    _instrument()
    tokens = json.loads(os.environ["CRASH_TOKENS"])
    extras = perform(lambda db: list(db.exec(
        select(CatalogItem.id).where(CatalogItem.table_code.in_(["18", "19", "20"])))))
    ctx = Context(random.Random(seed), tokens["providers"], tokens["staff"], extras)
    names = list(ACTIONS)
    weights = [ACTIONS[name][0] for name in names]
    first = os.environ.get("CRASH_FIRST", "")  # the action the harness aims at runs first, then any
    emit("READY")
    while True:
        if _billable_left() < REFILL_BELOW:
            name = REFILL
        else:
            name, first = first or ctx.rng.choices(names, weights)[0], ""
        run = new_guides if name == REFILL else ACTIONS[name][1]
        emit(f"ENTER {name}")
        try:
            outcome = run(ctx)
        except Exception:  # a crash of the action itself is a finding: say so and stop
            traceback.print_exc()
            emit(f"ERROR {name}")
            return 3
        emit(f"DONE {name} {outcome}")


# ------------------------------------------------------------------------------------------------
# The consistency check: SQL over the database, and the private files
# ------------------------------------------------------------------------------------------------

# (what must never be found, the query that finds it). Each row returned is one inconsistency.
CHECKS: list[tuple[str, str]] = [
    ("lote sem guias", "SELECT b.id FROM batch b WHERE NOT EXISTS "
     "(SELECT 1 FROM batch_guide g WHERE g.batch_id = b.id)"),
    ("guia de lote sem itens", "SELECT g.id FROM batch_guide g WHERE NOT EXISTS "
     "(SELECT 1 FROM batch_item i WHERE i.batch_guide_id = g.id)"),
    ("lote com contagem de guias errada", "SELECT b.id FROM batch b WHERE b.guide_count <> "
     "(SELECT count(*) FROM batch_guide g WHERE g.batch_id = b.id)"),
    ("total do lote diferente da soma das guias", "SELECT b.id FROM batch b WHERE b.total_value <> "
     "(SELECT coalesce(sum(g.total_value), 0) FROM batch_guide g WHERE g.batch_id = b.id)"),
    ("total da guia diferente da soma dos itens", "SELECT g.id FROM batch_guide g WHERE g.total_value <> "
     "(SELECT coalesce(sum(i.total_value), 0) FROM batch_item i WHERE i.batch_guide_id = g.id)"),
    ("item faturado apontando para lote estornado ou inexistente", "SELECT f.guide_item_id FROM billed_item f "
     f"WHERE NOT EXISTS (SELECT 1 FROM batch b WHERE b.id = f.batch_id AND {LIVE})"),
    ("item de lote vivo sem registro de faturado", "SELECT i.id FROM batch_item i "
     "JOIN batch_guide g ON g.id = i.batch_guide_id JOIN batch b ON b.id = g.batch_id "
     f"WHERE i.guide_item_id IS NOT NULL AND {LIVE} AND NOT EXISTS "
     "(SELECT 1 FROM billed_item f WHERE f.guide_item_id = i.guide_item_id AND f.batch_id = b.id)"),
    ("item de guia em dois lotes vivos", "SELECT i.guide_item_id FROM batch_item i "
     "JOIN batch_guide g ON g.id = i.batch_guide_id JOIN batch b ON b.id = g.batch_id "
     f"WHERE i.guide_item_id IS NOT NULL AND {LIVE} "
     "GROUP BY i.guide_item_id HAVING count(*) > 1"),
    ("item de lote de outra guia", "SELECT i.id FROM batch_item i JOIN batch_guide g ON g.id = i.batch_guide_id "
     "JOIN guide_item gi ON gi.id = i.guide_item_id WHERE gi.guide_id <> g.guide_id"),
    ("lote sem exatamente um protocolo", "SELECT b.id FROM batch b WHERE (SELECT count(*) FROM protocol p "
     "WHERE p.batch_id = b.id AND p.number = b.protocol_number) <> 1"),
    ("protocolo sem lote", "SELECT p.id FROM protocol p LEFT JOIN batch b ON b.id = p.batch_id WHERE b.id IS NULL"),
    ("protocolo provisório gravado", "SELECT b.id FROM batch b WHERE b.protocol_number LIKE 'tmp%'"),
    ("lote XML sem exatamente um envio aceito", "SELECT b.id FROM batch b WHERE b.origin = 'XML' AND "
     "(SELECT count(*) FROM upload_record u WHERE u.batch_id = b.id AND u.accepted) <> 1"),
    ("lote XML sem recibo TISS", "SELECT b.id FROM batch b JOIN protocol p ON p.batch_id = b.id "
     "WHERE b.origin = 'XML' AND p.receipt_xml IS NULL"),
    ("envio aceito sem lote (ou recusado com lote)", "SELECT u.id FROM upload_record u LEFT JOIN batch b "
     "ON b.id = u.batch_id WHERE (u.accepted AND (b.id IS NULL OR b.origin <> 'XML')) "
     "OR (NOT u.accepted AND u.batch_id IS NOT NULL)"),
    ("estorno sem data ou sem autor", "SELECT id FROM batch WHERE (status = '9') <> (reversed_at IS NOT NULL) "
     "OR (reversed_at IS NULL) <> (reversed_by IS NULL)"),
    ("análise sem data de processamento", "SELECT id FROM batch WHERE status = '2' AND processed_at IS NULL"),
    ("lote sem auditoria de criação", "SELECT b.id FROM batch b WHERE (SELECT count(*) FROM audit_log a "
     "WHERE a.action = 'batch.create' AND a.entity = 'batch' AND a.entity_id = CAST(b.id AS TEXT)) <> 1"),
    ("estorno sem exatamente uma auditoria", "SELECT b.id FROM batch b WHERE (SELECT count(*) FROM audit_log a "
     "WHERE a.action = 'batch.reverse' AND a.entity_id = CAST(b.id AS TEXT)) "
     "<> CASE WHEN b.status = '9' THEN 1 ELSE 0 END"),
    ("análise sem exatamente uma auditoria", "SELECT b.id FROM batch b WHERE (SELECT count(*) FROM audit_log a "
     "WHERE a.action = 'batch.start_analysis' AND a.entity_id = CAST(b.id AS TEXT)) "
     "<> CASE WHEN b.processed_at IS NOT NULL THEN 1 ELSE 0 END"),
    ("envio sem auditoria", "SELECT u.id FROM upload_record u WHERE (SELECT count(*) FROM audit_log a "
     "WHERE a.entity = 'upload_record' AND a.entity_id = CAST(u.id AS TEXT) "
     "AND a.action = CASE WHEN u.accepted THEN 'xml.accept' ELSE 'xml.refuse' END) <> 1"),
    ("auditoria de um registro que não existe", "SELECT a.id FROM audit_log a WHERE "
     "(a.entity = 'batch' AND NOT EXISTS (SELECT 1 FROM batch b WHERE CAST(b.id AS TEXT) = a.entity_id)) OR "
     "(a.entity = 'upload_record' AND NOT EXISTS "
     "(SELECT 1 FROM upload_record u WHERE CAST(u.id AS TEXT) = a.entity_id))"),
    ("pagamento sem lotes nem recursos", "SELECT p.id FROM payment p WHERE NOT EXISTS "
     "(SELECT 1 FROM payment_batch pb WHERE pb.payment_id = p.id) AND NOT EXISTS "
     "(SELECT 1 FROM appeal a WHERE a.payment_id = p.id)"),
    ("lote pago sem exatamente um pagamento (ou pagamento de lote não pago)", "SELECT b.id FROM batch b "
     "WHERE (b.status = '6') <> ((SELECT count(*) FROM payment_batch pb WHERE pb.batch_id = b.id) = 1) "
     "OR (b.status = '6') <> (b.paid_at IS NOT NULL)"),
    ("pagamento com bruto diferente da soma dos lotes", "SELECT p.id FROM payment p WHERE p.gross_value <> "
     "(SELECT coalesce(sum(b.total_value), 0) FROM payment_batch pb JOIN batch b ON b.id = pb.batch_id "
     "WHERE pb.payment_id = p.id)"),
    ("pagamento com líquido diferente de aprovado + recursos − retenções", "SELECT p.id FROM payment p WHERE "
     "p.net_value <> p.approved_value + p.appeals_value - p.withholding_value OR p.withholding_value <> "
     "(SELECT coalesce(sum(w.value), 0) FROM payment_withholding w WHERE w.payment_id = p.id)"),
    ("pagamento com número provisório", "SELECT p.id FROM payment p WHERE p.number LIKE 'tmp%'"),
    ("pagamento sem exatamente uma auditoria", "SELECT p.id FROM payment p WHERE (SELECT count(*) FROM audit_log a "
     "WHERE a.action = 'payment.register' AND a.entity_id = CAST(p.id AS TEXT)) <> 1"),
    ("lote liberado ou pago sem itens decididos", "SELECT b.id FROM batch b WHERE b.status IN ('3', '6') AND "
     "EXISTS (SELECT 1 FROM batch_guide g JOIN batch_item i ON i.batch_guide_id = g.id "
     "WHERE g.batch_id = b.id AND i.approved_value IS NULL)"),
    ("conclusão de análise sem exatamente uma auditoria", "SELECT b.id FROM batch b WHERE "
     "(SELECT count(*) FROM audit_log a WHERE a.action IN ('batch.release_payment', 'batch.close_without_payment') "
     "AND a.entity_id = CAST(b.id AS TEXT)) <> CASE WHEN b.status IN ('3', '4', '6') THEN 1 ELSE 0 END"),
    ("rascunho com mais de um dono", "SELECT user_id FROM billing_draft GROUP BY user_id HAVING count(*) > 1"),
    ("item adicionado fora das guias do rascunho", "SELECT x.id FROM draft_extra_item x WHERE NOT EXISTS "
     "(SELECT 1 FROM draft_guide d WHERE d.draft_id = x.draft_id AND d.guide_id = x.guide_id)"),
]


@dataclass
class CheckResult:
    problems: list[str]  # inconsistencies: the run fails
    orphan_files: list[str]  # content-addressed files no record names (a write killed before its commit)
    temp_files: list[str]  # a write killed before its rename
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_consistency(db_path: Path, private_dir: Path, *, run_upgrade: bool = True) -> CheckResult:
    """Open the database as the portal would after a crash and look for every half-written action."""
    import sqlite3

    problems: list[str] = []
    try:
        return _check(sqlite3.connect(str(db_path), timeout=10), db_path, private_dir, run_upgrade)
    except sqlite3.DatabaseError as error:  # the file does not even open as a database
        problems.append(f"o banco não abre: {error}")
        return CheckResult(problems, [], [], {})


def _check(connection, db_path: Path, private_dir: Path, run_upgrade: bool) -> CheckResult:
    problems: list[str] = []
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            problems.append(f"PRAGMA integrity_check: {integrity[:5]}")
        foreign = connection.execute("PRAGMA foreign_key_check").fetchall()
        if foreign:
            problems.append(f"PRAGMA foreign_key_check: {foreign[:5]}")
        for what, query in CHECKS:
            rows = [row[0] for row in connection.execute(query).fetchall()]
            if rows:
                problems.append(f"{what}: {rows[:10]}{' …' if len(rows) > 10 else ''}")
        # A record copass purge emptied (stored_path '') kept its row on purpose, with a file.purge audit row.
        records = connection.execute(
            "SELECT r.id, r.stored_path, r.md5, r.size_bytes FROM upload_record r WHERE r.stored_path != '' OR NOT "
            "EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'file.purge' AND a.entity_id = CAST(r.id AS TEXT))"
        ).fetchall()
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("batch", "batch_guide", "batch_item", "billed_item", "protocol", "upload_record",
                                "audit_log")}
        counts["batch_cancelled"] = connection.execute("SELECT count(*) FROM batch WHERE status = '9'").fetchone()[0]
        counts["batch_in_analysis"] = connection.execute("SELECT count(*) FROM batch WHERE status = '2'").fetchone()[0]
        counts["batch_processed"] = connection.execute(
            "SELECT count(*) FROM batch WHERE processed_at IS NOT NULL").fetchone()[0]
        counts["payment"] = connection.execute("SELECT count(*) FROM payment").fetchone()[0]
    finally:
        connection.close()
    named = set()
    for record_id, stored, md5, size in records:
        named.add(stored)
        path = private_dir / stored
        if not stored or not path.is_file():
            problems.append(f"envio {record_id} sem o arquivo guardado ({stored or 'sem caminho'})")
            continue
        data = path.read_bytes()
        if len(data) != size or hashlib.md5(data).hexdigest() != md5:
            problems.append(f"envio {record_id}: arquivo guardado diferente do recebido ({stored})")
    orphans, temps = [], []
    for path in sorted((private_dir / UPLOADS).rglob("*")) if (private_dir / UPLOADS).exists() else []:
        if path.is_file():
            relative = path.relative_to(private_dir).as_posix()
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                temps.append(relative)
            elif relative not in named:
                orphans.append(relative)
    if run_upgrade:
        try:  # the portal starts again: its migrations run on the crashed file
            from copass_app.migrations import upgrade

            upgrade(f"sqlite:///{db_path}")
        except Exception as error:
            problems.append(f"a migração não roda de novo: {error!r}")
    return CheckResult(problems, orphans, temps, counts)


# ------------------------------------------------------------------------------------------------
# The harness
# ------------------------------------------------------------------------------------------------


@dataclass
class Summary:
    kills: int = 0
    elapsed: float = 0.0
    kills_by_action: Counter = field(default_factory=Counter)
    kills_by_phase: Counter = field(default_factory=Counter)  # (action, phase)
    kills_by_mode: Counter = field(default_factory=Counter)  # timer, step, marker, self
    kills_by_step: Counter = field(default_factory=Counter)  # (action, step): which perform of the action
    done_by_action: Counter = field(default_factory=Counter)  # (action, outcome word)
    inconsistencies: list[str] = field(default_factory=list)
    worker_errors: list[str] = field(default_factory=list)
    checks: int = 0
    last: CheckResult | None = None
    stopped_by_time: bool = False
    command: str = ""

    @property
    def ok(self) -> bool:
        return not self.inconsistencies and not self.worker_errors

    @property
    def kills_in_actions(self) -> int:
        """Kills that landed inside one of ACTIONS (not between two, nor in the refill)."""
        return sum(self.kills_by_action[name] for name in ACTIONS)


def prepare(workdir: Path, *, guides_per_provider: int = 40) -> tuple[Path, Path, dict]:
    """A fresh WAL database from the app's migrations, a small demo, and sessions of its users."""
    from copass_app.db import make_engine
    from copass_app.migrations import upgrade
    from copass_app.services import auth, demo
    from copass_app.services.unit_of_work import perform

    db_path, private = workdir / "crash.db", workdir / "private"
    url = f"sqlite:///{db_path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        # The money history (with its XML lots) is not needed: the harness makes its own batches.
        perform(lambda db: demo.seed_demo(db, guides_per_provider=guides_per_provider, beneficiary_count=40,
                                          history=False),
                engine=engine)
        providers = [perform(lambda db, login=spec.login: auth.login(db, login, demo.DEMO_PASSWORD), engine=engine)
                     for spec in demo.DEMO_PROVIDERS]
        staff = perform(lambda db: auth.login(db, "operadora", demo.DEMO_PASSWORD), engine=engine)
    finally:
        engine.dispose()
    return db_path, private, {"providers": providers, "staff": staff}


class Worker:
    """The worker process and what it last told us (action and phase)."""

    def __init__(self, db_path: Path, private: Path, tokens: dict, seed: int, log, self_kill: str | None,
                 first: str = "") -> None:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "COPASS_PRIVATE_DIR": str(private),
               "CRASH_TOKENS": json.dumps(tokens), "PYTHONUNBUFFERED": "1", "CRASH_SELF_KILL": self_kill or "",
               "CRASH_FIRST": first}
        env.pop("REFLEX_DB_URL", None)
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", str(seed)],
                                        stdout=subprocess.PIPE, stderr=log, env=env, cwd=str(ROOT))
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        self.buffer = b""
        self.action, self.step, self.phase = "start-up", "", "start-up"
        self.entered_at = 0.0
        self.finished: list[tuple[str, str, float]] = []  # (action, outcome, seconds)
        self.errors: list[str] = []

    def _line(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "READY":
            self.action, self.step, self.phase = "idle", "", "between"
        elif word == "ENTER":
            self.action, self.step, self.phase, self.entered_at = rest, "", "running", time.monotonic()
        elif word == "P" and rest in MARKERS:
            self.phase = rest
        elif word == "P":  # a step of the action: each is one perform(...), as one page event
            self.step, self.phase = rest, "running"
        elif word == "DONE":
            name, _, outcome = rest.partition(" ")
            self.finished.append((name, outcome, time.monotonic() - self.entered_at))
            self.action, self.step, self.phase = "idle", "", "between"
        elif word == "ERROR":
            self.errors.append(rest)

    def read(self, timeout: float) -> list[tuple[str, str]]:
        """The lines that arrived within `timeout`, each with the action it belongs to."""
        lines = []
        for _key, _mask in self.selector.select(timeout):
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                return lines
            self.buffer += chunk
            *complete, self.buffer = self.buffer.split(b"\n")
            for raw in complete:
                line = raw.decode()
                self._line(line)
                lines.append((line, self.action))
        return lines

    def wait_for(self, wanted, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.read(0)
                return False
            arrived = self.read(min(0.05, max(0.0, deadline - time.monotonic())))
            if any(wanted(line, action) for line, action in arrived):
                return True
        return False

    def kill(self) -> tuple[str, str, str]:
        """SIGKILL; then what it was doing, from every line it wrote before dying."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        while self.read(0.01):
            pass
        self.selector.close()
        self.process.stdout.close()
        return self.action, self.step, self.phase


# Where an action was when killed: running (Python and SQL before the commit), inside the commit,
# after it (committed), inside the private file write (file: before the temporary file is complete;
# rename: complete, not yet renamed) or just after it (filed).
MARKERS = ("commit", "committed", "file", "rename", "filed")
# The lines after which a kill is timed, per action: the start of the action, of one of its steps
# (each one perform, as one page event), its commits, its file write.
TRIGGERS = {
    "web_billing": ("ENTER", "P extra", "P confirm", "P commit"),
    "xml_lot": ("ENTER", "P receive", "P file", "P rename", "P commit"),
    "reverse": ("ENTER", "P commit"),
    "start_analysis": ("ENTER", "P commit"),
    "finish_analysis": ("ENTER", "P accept_all", "P finish", "P commit"),
    "payment": ("ENTER", "P commit"),
}
SELF_KILL_POINTS = {"xml_lot": ("commit", "rename", "filed")}  # the others: ("commit",)
SELF_KILL_SHARE = 0.15


def _delay(durations: list[float], rng: random.Random) -> float:
    """5–80 ms after the action began; once its usual length is known, within it (so most kills land inside)."""
    if len(durations) < 3:
        return rng.uniform(0.005, 0.080)
    return rng.uniform(0.001, min(0.080, max(0.006, 1.1 * statistics.median(durations))))


def _aim(worker: Worker, target: str, rng: random.Random, durations: list[float], attempts: int = 5) -> str:
    """Wait for a trigger of the target action, then for a random pause; if the action ended
    meanwhile, aim again at its next run (up to `attempts`), so kills land inside actions."""
    trigger = rng.choice(TRIGGERS[target])
    mode = "timer" if trigger == "ENTER" else "marker" if trigger[2:] in MARKERS else "step"
    wanted = f"ENTER {target}" if trigger == "ENTER" else trigger
    for _ in range(attempts):
        if not worker.wait_for(lambda line, action: line == wanted and action == target, 20):
            break
        time.sleep({"timer": _delay(durations, rng), "step": rng.uniform(0, 0.02),
                    "marker": rng.uniform(0, 0.001)}[mode])
        worker.read(0)
        if worker.action == target:
            break
    return mode


def run(kills: int = 200, max_seconds: float = 600, seed: int | None = None, check_every: int = 1,
        workdir: Path | None = None, keep: bool = False, verbose: bool = False) -> Summary:
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    started = time.monotonic()
    own_dir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="copass-crash-")) if own_dir else workdir
    summary = Summary(command=f"--kills {kills} --max-seconds {max_seconds:g} --seed {seed}")
    db_path, private, tokens = prepare(workdir)
    durations: dict[str, list[float]] = defaultdict(list)
    with open(workdir / "worker.log", "ab") as log:
        try:
            while summary.kills_in_actions < kills:
                if time.monotonic() - started > max_seconds:
                    summary.stopped_by_time = True
                    break
                target = min(ACTIONS, key=lambda name: (summary.kills_by_action[name], rng.random()))
                self_kill = None
                if rng.random() < SELF_KILL_SHARE:
                    self_kill = f"{target}:{rng.choice(SELF_KILL_POINTS.get(target, ('commit',)))}:{rng.randint(1, 4)}"
                worker = Worker(db_path, private, tokens, rng.randrange(1 << 30), log, self_kill, target)
                if not worker.wait_for(lambda line, _action: line == "READY", 60):
                    worker.kill()
                    summary.worker_errors.append(f"o worker não iniciou (veja {workdir / 'worker.log'})")
                    break
                if self_kill:
                    mode = "self"
                    worker.wait_for(lambda _line, _action: False, 30)  # until it kills itself
                else:
                    mode = _aim(worker, target, rng, durations[target])
                action, step, phase = worker.kill()
                for name, outcome, seconds in worker.finished:
                    summary.done_by_action[(name, outcome.split(" ")[0])] += 1
                    durations[name].append(seconds)
                if worker.errors or worker.process.returncode != -signal.SIGKILL:
                    summary.worker_errors.append(f"o worker falhou sozinho em {worker.errors or action} "
                                                 f"(código {worker.process.returncode}; veja {workdir / 'worker.log'})")
                    break
                summary.kills += 1
                summary.kills_by_action[action] += 1
                summary.kills_by_phase[(action, phase)] += 1
                summary.kills_by_mode[mode] += 1
                if step:
                    summary.kills_by_step[(action, step)] += 1
                if summary.kills % check_every == 0:
                    result = check_consistency(db_path, private, run_upgrade=summary.kills % 10 == 0)
                    summary.checks += 1
                    summary.last = result
                    for problem in result.problems:
                        summary.inconsistencies.append(
                            f"após o kill {summary.kills} ({action}/{step or '-'}/{phase}): {problem}")
                    if verbose:
                        print(f"kill {summary.kills:4d} {action:>15}/{step or '-':<8}/{phase:<9} "
                              f"{'ok' if result.ok else 'INCONSISTENTE'} {result.counts}", flush=True)
                    if not result.ok:
                        break
            summary.last = check_consistency(db_path, private)  # the last word: after the last kill, with upgrade
            summary.checks += 1
            summary.inconsistencies += [f"verificação final: {p}" for p in summary.last.problems
                                        if not any(p in seen for seen in summary.inconsistencies)]
        finally:
            summary.elapsed = time.monotonic() - started
            if own_dir and not keep and summary.ok:
                shutil.rmtree(workdir, ignore_errors=True)
            elif not summary.ok or keep:
                print(f"arquivos do teste mantidos em {workdir}", file=sys.stderr)
    return summary


def report(summary: Summary) -> str:
    actions = sorted(set(summary.kills_by_action) | {name for name, _ in summary.done_by_action})
    phases = sorted({phase for _, phase in summary.kills_by_phase})
    header = f"| action | kills | {' | '.join(phases)} | completed ok | refused | skipped |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for name in actions:
        by_phase = " | ".join(str(summary.kills_by_phase[(name, phase)]) for phase in phases)
        done = summary.done_by_action
        lines.append(f"| {name} | {summary.kills_by_action[name]} | {by_phase} | {done[(name, 'ok')]} | "
                     f"{done[(name, 'refused')]} | {done[(name, 'skipped')]} |")
    lines += ["", "kills by how they were timed: " + ", ".join(
        f"{mode} {summary.kills_by_mode[mode]}" for mode in ("timer", "step", "marker", "self"))
        + " (timer: 5–80 ms after the action began; step: 0–20 ms after one of its performs began; "
        "marker: 0–1 ms after a commit or file-write marker; self: the worker's own SIGKILL at that marker)"]
    steps = sorted(summary.kills_by_step)
    if steps:
        lines += ["", "kills by step (each step is one perform, as one page event): "
                  + ", ".join(f"{name}.{step} {summary.kills_by_step[(name, step)]}" for name, step in steps)]
    last = summary.last
    lines += [
        "",
        f"kills: {summary.kills} ({summary.kills_in_actions} inside the {len(ACTIONS)} actions) · "
        f"consistency checks: {summary.checks} · elapsed: {summary.elapsed:.1f} s"
        + (" · stopped by --max-seconds" if summary.stopped_by_time else ""),
        f"inconsistencies: {len(summary.inconsistencies)} · worker errors: {len(summary.worker_errors)}",
    ]
    if last:
        lines.append(f"orphan files (written, then killed before the commit; no record names them): "
                     f"{len(last.orphan_files)} · leftover temporary files: {len(last.temp_files)}")
        lines.append(f"final rows: {last.counts}")
    lines += [f"  ! {problem}" for problem in summary.inconsistencies + summary.worker_errors]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--check-every", type=int, default=1, help="check the database after every N kills")
    parser.add_argument("--keep", action="store_true", help="keep the database and files of the run")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        return worker_main(args.worker)
    summary = run(args.kills, args.max_seconds, args.seed, args.check_every, keep=args.keep, verbose=args.verbose)
    print(f"scripts/crash_run.py {summary.command}\n{report(summary)}")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
