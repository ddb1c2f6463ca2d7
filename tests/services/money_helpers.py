"""Analysed batches for the payment and appeal tests, built on the real database the way the
portal builds them: billed through the real billing services, the analysis started with
processing.start_analysis (which runs the critique), glosas applied and the other items accepted
through services/analysis, and the analysis finished by analysis.finish_analysis.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import Batch, BatchGuide, BatchItem, Glosa, GlosaStatus, GuideType, Provider, Role
from copass_app.services import analysis, billing, processing
from copass_app.services.access import Actor
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes

D = Decimal
# (table, code, description, quantity, unit value)
Item = tuple[str, str, str, Decimal, Decimal]
DEFAULT_ITEMS: list[Item] = [
    ("22", "40301630", "Hemograma com contagem de plaquetas", D("1"), D("25.50")),
    ("22", "40302040", "Glicose", D("2"), D("12.25")),
]


@dataclass
class Clinic:
    provider: Provider
    actor: Actor


def clinic(factory, name: str = "Clínica São Lucas", *, municipality: str = "São Paulo",
           bank: bool = True) -> Clinic:
    provider = factory.provider(name=name)
    provider.municipality = municipality
    if bank:
        provider.bank, provider.agency, provider.account = "001 - Banco do Brasil", "1234-5", "98765-4"
    factory.db.add(provider)
    factory.db.commit()
    return Clinic(provider, factory.actor(provider))


def staff_actor(factory) -> Actor:
    return factory.actor(role=Role.STAFF)


def bill(factory, db: Session, who: Clinic, *, items: list[Item] | None = None, guides: int = 1,
         guide_type: GuideType = GuideType.SP_SADT) -> int:
    """One received batch of `guides` guides, each with `items`; returns its id."""
    today = clock.today()
    for _ in range(guides):
        factory.guide(who.provider, guide_type=guide_type, items=items or DEFAULT_ITEMS,
                      requested_on=today - timedelta(days=5), performed_on=today - timedelta(days=4))
    billing.open_draft(db, who.actor, start=today - timedelta(days=30), end=today, today=today)
    [confirmed] = billing.confirm_draft(db, who.actor)
    db.commit()
    return confirmed.batch_id


def items_of(db: Session, batch_id: int) -> list[BatchItem]:
    return list(db.exec(select(BatchItem).join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
                        .where(BatchGuide.batch_id == batch_id).order_by(BatchItem.id)).all())


def analyse(db: Session, staff: Actor, batch_id: int, glosas: dict[int, Decimal] | None = None, *,
            reason_code: str = codes.VALUE_ABOVE_CONTRACT, note: str = "Valor acima da tabela contratada") -> Batch:
    """Start, gloss the items at the given positions (index → value), accept the others, finish."""
    glosas = glosas or {}
    processing.start_analysis(db, staff, batch_id)
    for index, item in enumerate(items_of(db, batch_id)):
        if index in glosas:
            analysis.apply_glosa(db, staff, item.id, value=glosas[index], reason_code=reason_code, note=note)
        else:  # accepting sets aside whatever the critique proposed
            analysis.accept_item(db, staff, item.id)
    batch = analysis.finish_analysis(db, staff, batch_id)
    db.commit()
    return batch


def analysed_batch(factory, db: Session, who: Clinic, staff: Actor, glosas: dict[int, Decimal] | None = None, *,
                   items: list[Item] | None = None, guides: int = 1) -> Batch:
    return analyse(db, staff, bill(factory, db, who, items=items, guides=guides), glosas)


def glosas_of(db: Session, batch_id: int) -> list[Glosa]:
    return list(db.exec(select(Glosa).where(Glosa.batch_id == batch_id, Glosa.status == GlosaStatus.APLICADA)
                        .order_by(Glosa.id)).all())


def race(*actions) -> list[str]:
    """Run the actions in real threads, each in its own unit of work, released together; "ok" or the refusal."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = [""] * len(actions)

    def run(index, action):
        barrier.wait()
        try:
            perform(action)
            outcomes[index] = "ok"
        except DomainError as error:
            outcomes[index] = error.message

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
