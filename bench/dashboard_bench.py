"""Issue 11: the Painel of a provider with 50,000 guides and 24 months of payments loads in ≤ 300 ms server
time, as the page runs it: the session's user, then `dashboard.provider_dashboard` over 24 months and the
state's rows (`state.dashboard.dashboard_view`), in one `perform` (one unit of work).

The history is written fast, straight into the tables the services fill (as bench/payments_bench.py's
batches would be, without their hours of analysis): the provider's authorized guides, month by month over
24 months, in batches of at most 100 guides of one type, each guide item a batch item; about one item in
twelve glossed (a table 38 reason each); every month older than the last two analysed on the 10th and paid
on the 25th (one payment a month, the withholdings written as register_payment writes them), the month
before last released and not paid, the last one received.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time
from decimal import Decimal
from time import perf_counter

from sqlalchemy import func, insert
from sqlmodel import select

from bench.common import BENCH_PASSWORD, bench_provider, measure, report
from copass_app import clock
from copass_app.dbtypes import CENT
from copass_app.models import (
    Batch,
    BatchGuide,
    BatchItem,
    BatchOrigin,
    BatchStatus,
    Glosa,
    GlosaStatus,
    Guide,
    GuideItem,
    GuideStatus,
    GuideType,
    Payment,
    PaymentBatch,
    PaymentWithholding,
    Provider,
    Role,
)
from copass_app.services import auth, dashboard
from copass_app.services.payments import statement_number
from copass_app.services.unit_of_work import perform
from copass_app.services.users import add_user
from copass_app.services.withholdings import profile_for, total_withheld, withholdings
from copass_app.state.dashboard import dashboard_view

BENCH_GUIDES = 50_000
MONTHS = 24
GUIDES_PER_BATCH = 100
GLOSA_EVERY = 12  # one item in twelve glossed
REASONS = ("1705", "1809", "1813", "1822", "1817", "2008", "1714", "1820")
TARGET_MS = 300
AUTHORIZED = (GuideStatus.AUTORIZADO, GuideStatus.AUTORIZADO_PARCIALMENTE)


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.BRASILIA).astimezone(UTC)


def _month_day(month: date, day: int, after: int = 1) -> date:
    """Day `day` of the month `after` months later than `month`."""
    n = month.year * 12 + month.month - 1 + after
    return date(n // 12, n % 12 + 1, day)


def _guides_by_month(db, provider_id: int, months: list[date]) -> dict[date, dict[GuideType, list]]:
    """Each authorized guide with its items, under the month it was performed in (spread over the period)."""
    rows = db.exec(select(Guide.id, Guide.guide_type, GuideItem.id, GuideItem.table_code, GuideItem.code,
                          GuideItem.description, GuideItem.performed_qty, GuideItem.unit_value)
                   .join(GuideItem, GuideItem.guide_id == Guide.id)
                   .where(Guide.provider_id == provider_id, Guide.status.in_(AUTHORIZED))
                   .order_by(Guide.id, GuideItem.id)).all()
    items = defaultdict(list)
    kinds = {}
    for guide_id, kind, item_id, table, code, description, qty, unit in rows:
        if qty > 0 and unit > 0:
            items[guide_id].append((item_id, table, code, description, qty, unit))
            kinds[guide_id] = GuideType(kind)
    by_month: dict[date, dict[GuideType, list]] = defaultdict(lambda: defaultdict(list))
    for n, guide_id in enumerate(items):
        by_month[months[n % len(months)]][kinds[guide_id]].append((guide_id, items[guide_id]))
    return by_month


def build_history(engine, provider_id: int, user_id: int, staff_id: int) -> dict[str, int]:
    """The provider's 24 months of batches, glosas and payments (see the module's docstring)."""
    rng = random.Random(11)
    today = clock.today()
    months = dashboard.month_starts(today, MONTHS)[:-1]
    counts = defaultdict(int)

    def write(db):
        provider = db.get(Provider, provider_id)
        provider.bank, provider.agency, provider.account, provider.municipality = (
            "001 - Banco do Brasil", "1234-5", "55555-0", "São Paulo")
        db.add(provider)
        profile = profile_for(provider)
        by_month = _guides_by_month(db, provider_id, months)
        for age, month in enumerate(reversed(months)):  # age 0: this month
            received_on = _month_day(month, 3, after=0) if age == 0 else _month_day(month, 3)
            received_on = min(received_on, today)
            status = (BatchStatus.RECEBIDO if age <= 1 else BatchStatus.LIBERADO_PAGAMENTO if age == 2
                      else BatchStatus.PAGO)
            analysed_at = _moment(min(_month_day(month, 10), today)) if status != BatchStatus.RECEBIDO else None
            paid_on = min(_month_day(month, 25), today) if status == BatchStatus.PAGO else None
            paid_batches = []
            for kind, guides in by_month[month].items():
                for start in range(0, len(guides), GUIDES_PER_BATCH):
                    chunk = guides[start:start + GUIDES_PER_BATCH]
                    paid_batches.append(_batch(db, provider_id, user_id, staff_id, month, kind, chunk, status,
                                               _moment(received_on), analysed_at, paid_on, rng, counts))
            if paid_on is not None and paid_batches:
                _payment(db, provider_id, staff_id, paid_on, paid_batches, profile)
                counts["payments"] += 1
        return dict(counts)

    return perform(write, engine=engine)


def _batch(db, provider_id, user_id, staff_id, month, kind, guides, status, received_at, analysed_at, paid_on,
           rng, counts) -> Batch:
    counts["batches"] += 1
    n = counts["batches"]
    batch = Batch(provider_id=provider_id, lot_number=f"P{n:07d}", protocol_number=f"PAINEL{provider_id:04d}{n:08d}",
                  origin=BatchOrigin.WEB, guide_type=kind, competence=f"{month:%Y-%m}", status=status,
                  guide_count=len(guides), received_at=received_at, created_by=user_id,
                  processed_at=analysed_at, analysed_at=analysed_at, analysed_by=staff_id if analysed_at else None,
                  paid_at=_moment(paid_on, 12) if paid_on else None)
    db.add(batch)
    db.flush()
    db.execute(insert(BatchGuide), [
        {"batch_id": batch.id, "guide_id": guide_id, "performed_on": _month_day(month, 15, after=0),
         "total_value": sum(((qty * unit).quantize(CENT) for _i, _t, _c, _d, qty, unit in items), Decimal(0))}
        for guide_id, items in guides])
    guide_rows = dict(db.exec(select(BatchGuide.guide_id, BatchGuide.id).where(BatchGuide.batch_id == batch.id)).all())
    items, glossed = [], {}
    for guide_id, lines in guides:
        for item_id, table, code, description, qty, unit in lines:
            total = (qty * unit).quantize(CENT)
            glosa = (total * Decimal(rng.choice((10, 25, 50, 100))) / 100).quantize(CENT) \
                if analysed_at and rng.randrange(GLOSA_EVERY) == 0 else Decimal("0.00")
            items.append({"batch_guide_id": guide_rows[guide_id], "guide_item_id": item_id, "table_code": table,
                          "code": code, "description": description, "quantity": qty, "unit_value": unit,
                          "total_value": total, "approved_value": (total - glosa) if analysed_at else None})
            if glosa:
                glossed[item_id] = glosa
    db.execute(insert(BatchItem), items)
    total = sum((row["total_value"] for row in items), Decimal(0))
    glosa_total = sum(glossed.values(), Decimal(0))
    if glossed:
        ids = dict(db.exec(select(BatchItem.guide_item_id, BatchItem.id)
                           .join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
                           .where(BatchGuide.batch_id == batch.id, BatchItem.guide_item_id.in_(list(glossed)))).all())
        db.execute(insert(Glosa), [
            {"batch_item_id": ids[item_id], "batch_id": batch.id, "provider_id": provider_id,
             "reason_code": rng.choice(REASONS), "value": value, "note": "", "status": GlosaStatus.APLICADA.value,
             "source": "ANALISTA", "rule": "", "created_by": staff_id, "created_at": analysed_at,
             "decided_by": staff_id, "decided_at": analysed_at} for item_id, value in glossed.items()])
        counts["glosas"] += len(glossed)
    counts["items"] += len(items)
    counts["guides"] += len(guides)
    batch.total_value = total
    if analysed_at:
        batch.glosa_value, batch.approved_value = glosa_total, total - glosa_total
    db.add(batch)
    return batch


def _payment(db, provider_id: int, staff_id: int, paid_on: date, paid: list[Batch], profile) -> None:
    gross = sum((b.total_value for b in paid), Decimal(0))
    glosa = sum((b.glosa_value for b in paid), Decimal(0))
    approved = gross - glosa
    lines = withholdings(profile, approved)
    withheld = total_withheld(lines)
    payment = Payment(provider_id=provider_id, number=f"P{paid_on:%Y%m%d}{provider_id}", paid_on=paid_on,
                      gross_value=gross, glosa_value=glosa, approved_value=approved, withholding_value=withheld,
                      net_value=approved - withheld, bank="001 - Banco do Brasil", agency="1234-5",
                      account="55555-0", created_by=staff_id, created_at=_moment(paid_on, 12))
    db.add(payment)
    db.flush()
    payment.number = statement_number(payment.id, paid_on)
    db.execute(insert(PaymentBatch), [{"payment_id": payment.id, "batch_id": b.id} for b in paid])
    db.execute(insert(PaymentWithholding), [
        {"payment_id": payment.id, "tax": line.tax.value, "base": line.base, "rate_percent": line.rate_percent,
         "value": line.value} for line in lines])


def _staff(engine) -> tuple[int, str]:
    def create(db):
        return add_user(db, "bench.painel.operadora", "Bench Painel", BENCH_PASSWORD, Role.STAFF).id
    staff_id = perform(create, engine=engine)
    return staff_id, perform(lambda db: auth.login(db, "bench.painel.operadora", BENCH_PASSWORD), engine=engine)


def load(engine, token: str, *, staff: bool = False, months: int = MONTHS):
    """What the Painel's on_load does on the server: check the session, sum the figures, build the rows."""
    def action(db):
        actor = auth.actor_for_token(db, token)
        board = (dashboard.staff_dashboard(db, actor, months) if staff
                 else dashboard.provider_dashboard(db, actor, months))
        return board, dashboard_view(board)
    return perform(action, engine=engine)


def run(engine) -> bool:
    provider_id, token = bench_provider(
        engine, code="900080", name="Policlínica Bench Painel", cnpj_base="808080800001", kind="Hospital",
        login="bench.painel", guide_types=tuple(GuideType), guides=BENCH_GUIDES, days_back=730, seed_offset=5)
    user_id = perform(lambda db: auth.actor_for_token(db, token).user_id, engine=engine)
    staff_id, staff_token = _staff(engine)
    started = perf_counter()
    counts = build_history(engine, provider_id, user_id, staff_id)
    built_in = perf_counter() - started
    guides = perform(lambda db: db.exec(select(func.count()).select_from(Guide)
                                        .where(Guide.provider_id == provider_id)).one(), engine=engine)
    board, _ = load(engine, token)
    assert guides == BENCH_GUIDES and counts["payments"] >= MONTHS - 3, (guides, counts)
    assert sum(1 for m in board.months if m.payments) == counts["payments"], board.months
    print(f"({guides} guias, {counts['guides']} faturadas em {counts['batches']} lotes com {counts['items']} itens, "
          f"{counts['glosas']} glosas, {counts['payments']} pagamentos mensais; "
          f"pago em 24 meses {sum((m.paid for m in board.months), Decimal(0))}; histórico escrito em {built_in:.0f} s)")
    return report("Painel (issue 11)", [
        (f"painel do prestador, {MONTHS} meses ({BENCH_GUIDES:_} guias)".replace("_", "."),
         measure(lambda: load(engine, token)), TARGET_MS),
        ("painel do prestador, 12 meses", measure(lambda: load(engine, token, months=12)), TARGET_MS),
        (f"painel da operadora (todos os prestadores), {MONTHS} meses",
         measure(lambda: load(engine, staff_token, staff=True)), None),
    ])


if __name__ == "__main__":
    import sys

    from bench.common import fresh_database

    _, bench_engine = fresh_database()
    sys.exit(0 if run(bench_engine) else 1)
