"""Data for the report tests, built through the real services (billing, analysis, appeals, payments)
on the real test database: see tests/services/money_helpers.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from copass_app import clock
from copass_app.services import appeals, payments
from copass_app.tiss import codes
from tests.services.money_helpers import Clinic, analyse, bill, clinic, glosas_of, staff_actor

D = Decimal
# Batch A: 1.234,56 + 3 × 45,67 = 1.371,57; glosa 37,01 on the Glicose line -> approved 1.334,56.
ITEMS_A = [("22", "10101012", "Consulta em consultório", D("1"), D("1234.56")),
           ("22", "40302040", "Glicose", D("3"), D("45.67"))]
# Batch B: 2 × 500,00 + 0,99 = 1.000,99; glosa 100,00 on the Tomografia -> approved 900,99.
ITEMS_B = [("22", "41001010", "Tomografia", D("2"), D("500.00")),
           ("19", "70000001", "Seringa descartável", D("1"), D("0.99"))]


@dataclass
class PaidWorld:
    clinic: Clinic
    staff: object
    batch_a: int
    batch_b: int
    appeal_id: int
    payment_id: int


def paid_world(factory, db, name: str = "Clínica São Lucas") -> PaidWorld:
    """Two analysed batches (A: glosa reason VALUE_ABOVE_CONTRACT 1705, B: DUPLICATE_BILLING 1702), the Glicose glosa
    appealed for 37,01 and accepted for 20,00, and one payment of both batches and the appeal today."""
    who = clinic(factory, name, municipality="São Paulo")
    staff = staff_actor(factory)
    a = analyse(db, staff, bill(factory, db, who, items=ITEMS_A), {1: D("37.01")})
    b = analyse(db, staff, bill(factory, db, who, items=ITEMS_B), {0: D("100.00")},
                reason_code=codes.DUPLICATE_BILLING, note="Cobrado em duplicidade")
    [glosa] = glosas_of(db, a.id)
    opened = appeals.open_appeal(db, who.actor, glosa.id, contested_value="37,01",
                                 justification="O valor segue a tabela vigente do contrato.")
    appeals.decide_appeal(db, staff, opened.id, decision="accept_partly", accepted_value="20,00")
    db.commit()
    payment = payments.register_payment(db, staff, who.provider.id, batch_ids=[a.id, b.id], appeal_ids=[opened.id],
                                        paid_on=clock.today())
    db.commit()
    return PaidWorld(who, staff, a.id, b.id, opened.id, payment.id)


def released_batch(factory, db, who: Clinic, staff, value: Decimal) -> int:
    """A batch of one guide with one item of `value`, analysed without glosa: released for payment."""
    batch = analyse(db, staff, bill(factory, db, who, items=[("22", "10101012", "Consulta", D("1"), value)]), {})
    return batch.id
